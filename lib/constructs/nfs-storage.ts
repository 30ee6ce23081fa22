import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AccessMode, checkAccessModes, ClaimRef, StorageClassRef } from './claims';
import { Environment } from '../cluster/environment';
import {
  checkBoolean, checkDnsLabel, checkDnsSubdomain, checkHost, checkNormalizedPath, checkOneOf, checkPositiveQuantity, checkString, compareQuantities, fail,
} from '../checks/validation';
import { checkProps, NFS_STORAGE, uniqueId } from '../checks/prop-shapes';

/** What happens to a volume when its claim is deleted. */
export type ReclaimPolicy = 'Retain' | 'Delete';

/** A claim bound to one static volume. */
export interface NfsVolumeClaimProps {
  /** Name of the claim. @default - the volume's name */
  readonly name?: string;
  /** Storage requested; at most the volume's capacity. @default - the volume's capacity */
  readonly request?: string;
  /** Access modes; each must be one the volume offers. @default - the volume's */
  readonly accessModes?: AccessMode[];
}

/** A PersistentVolume on an existing NFS export, and the claim bound to it. */
export interface NfsVolumeProps {
  /** Name of the PersistentVolume (cluster-wide, stable). */
  readonly name: string;
  /** Exported path on the server, absolute. */
  readonly path: string;
  /** Capacity recorded on the volume (NFS enforces no size; claims are matched against it). */
  readonly capacity: string;
  /** Access modes. @default ["ReadWriteMany"] */
  readonly accessModes?: AccessMode[];
  /** What happens when the claim is deleted. `Delete` needs `allowDelete`. @default "Retain" */
  readonly reclaimPolicy?: ReclaimPolicy;
  /** Opt-in for `reclaimPolicy: Delete`. @default false */
  readonly allowDelete?: boolean;
  /** Mount the export read-only. @default false */
  readonly readOnly?: boolean;
  /** The claim bound to exactly this volume. @default - a claim named as the volume, for its whole capacity */
  readonly claim?: NfsVolumeClaimProps;
}

/** A claim made from the StorageClass. */
export interface NfsDynamicClaimProps {
  /** Name of the claim (stable: renaming it orphans its data). */
  readonly name: string;
  /** Storage requested. */
  readonly request: string;
  /** Access modes. @default ["ReadWriteMany"] */
  readonly accessModes?: AccessMode[];
}

/** A StorageClass that provisions NFS subdirectories on demand. */
export interface NfsStorageClassProps {
  /** Name of the StorageClass (cluster-wide). */
  readonly name: string;
  /**
   * The provisioner installed in the cluster: csi-driver-nfs (`nfs.csi.k8s.io`, maintained) or the legacy
   * nfs-subdir-external-provisioner older tutorials install (unmaintained since 2021). @default "csi-driver-nfs"
   */
  readonly provisioner?: 'csi-driver-nfs' | 'nfs-subdir-external-provisioner';
  /** csi-driver-nfs: exported base path on the server, absolute. @default - none: required with csi-driver-nfs, unused by the subdir provisioner */
  readonly share?: string;
  /** csi-driver-nfs: subdirectory per volume; may use ${pvc.metadata.name}, ${pvc.metadata.namespace}, ${pv.metadata.name}. @default - the PV name */
  readonly subDir?: string;
  /** csi-driver-nfs: octal mode of each volume directory, e.g. "0770". @default - not changed */
  readonly mountPermissions?: string;
  /** What the provisioner does with a deleted volume's directory (csi: delete/retain/archive; subdir: delete/retain). @default "retain" */
  readonly onDelete?: 'delete' | 'retain' | 'archive';
  /** nfs-subdir-external-provisioner: keep a deleted volume's directory as `archived-…`. @default true */
  readonly archiveOnDelete?: boolean;
  /** nfs-subdir-external-provisioner: directory name pattern, e.g. "${.PVC.namespace}/${.PVC.name}". @default - the provisioner's */
  readonly pathPattern?: string;
  /** nfs-subdir-external-provisioner: its PROVISIONER_NAME. @default "k8s-sigs.io/nfs-subdir-external-provisioner" */
  readonly provisionerName?: string;
  /** What happens to a volume when its claim is deleted. `Delete` needs `allowDelete`. @default "Retain" */
  readonly reclaimPolicy?: ReclaimPolicy;
  /** Opt-in for `reclaimPolicy: Delete`. @default false */
  readonly allowDelete?: boolean;
  /** Whether claims may grow (NFS only records the new size). @default true for csi-driver-nfs, false for the legacy provisioner */
  readonly allowVolumeExpansion?: boolean;
  /** When volumes are provisioned. @default "Immediate" */
  readonly volumeBindingMode?: 'Immediate' | 'WaitForFirstConsumer';
  /** Mark it the cluster's default StorageClass (at most one per environment). @default false */
  readonly isDefault?: boolean;
  /** Claims to make from it, in the claims' namespace. @default - none */
  readonly claims?: NfsDynamicClaimProps[];
}

/** NFS storage of one server: static volumes and/or a StorageClass for dynamic provisioning. */
export interface NfsStorageProps {
  /** NFS server: an IP address or a DNS name. */
  readonly server: string;
  /** Mount options for volumes and the StorageClass (not a StorageClass parameter: csi-driver-nfs rejects that). @default ["nfsvers=4.1"] */
  readonly mountOptions?: string[];
  /** Static volumes on existing exports, each with its claim. @default - none */
  readonly volumes?: NfsVolumeProps[];
  /** A StorageClass for dynamic provisioning. @default - none */
  readonly storageClass?: NfsStorageClassProps;
  /** Namespace of the claims. @default - the environment's namespace */
  readonly claimNamespace?: string;
}

const CSI_PLACEHOLDERS = ['${pvc.metadata.name}', '${pvc.metadata.namespace}', '${pv.metadata.name}'];
// NFS can serve every mode but ReadWriteOncePod (csi-driver-nfs does not offer single-pod access).
const NFS_MODES: readonly AccessMode[] = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany'];

/**
 * NFS storage on one server. Static: a PersistentVolume per export (`Retain` by default) and a claim bound
 * to exactly it (`volumeName` + `storageClassName: ""`, and the volume's `claimRef` reserves it for that
 * claim). Dynamic: a StorageClass for csi-driver-nfs (or the legacy nfs-subdir-external-provisioner) and
 * claims made from it. Every name is explicit, so renaming a construct id never renames a claim (which
 * would give the app a new, empty volume). PersistentVolumes and the StorageClass are cluster-scoped, so
 * this construct belongs in a chart without a namespace; claims carry their namespace explicitly.
 */
export class NfsStorage extends Construct {
  /** The server. */
  public readonly server: string;
  /** The static volumes. */
  public readonly volumes: readonly k8s.KubePersistentVolume[];
  /** The StorageClass, if any. */
  public readonly storageClass?: k8s.KubeStorageClass;
  /** Every claim, by name. */
  private readonly claimsByName = new Map<string, ClaimRef>();
  private readonly claimObjects: k8s.KubePersistentVolumeClaim[] = [];
  private readonly classRef?: StorageClassRef;

  constructor(scope: Construct, id: string, props: NfsStorageProps) {
    super(scope, uniqueId(scope, id));
    // Refused input leaves nothing in the tree: remove the half-built construct before rethrowing.
    try {
      checkProps(this, props, NFS_STORAGE, new.target === NfsStorage);
      const env = Environment.of(this);
      const chart = Chart.of(this);
      if (chart.namespace !== undefined) {
        fail(this, 'scope', chart.node.path, `is a namespaced chart (${chart.namespace}); PersistentVolumes and StorageClasses are cluster-scoped: add the chart with { namespaced: false }`);
      }
      this.server = checkHost(this, 'server', props.server);
      const mountOptions = (props.mountOptions ?? ['nfsvers=4.1']).map((o, i) => checkString(this, `mountOptions[${i}]`, o));
      const namespace = checkDnsLabel(this, 'claimNamespace', props.claimNamespace ?? env.namespace);

      const pvNames = new Set<string>();
      this.volumes = (props.volumes ?? []).map((v, i) => {
        const field = `volumes[${i}]`;
        const name = checkDnsSubdomain(this, `${field}.name`, v.name);
        if (pvNames.has(name)) fail(this, `${field}.name`, name, 'is used by another volume');
        pvNames.add(name);
        const path = checkNormalizedPath(this, `${field}.path`, v.path, 'export path');
        const capacity = checkPositiveQuantity(this, `${field}.capacity`, v.capacity, 'bytes');
        const modes = this.nfsModes(`${field}.accessModes`, v.accessModes);
        const reclaim = this.reclaimPolicy(field, v.reclaimPolicy, v.allowDelete);
        const claimName = checkDnsSubdomain(this, `${field}.claim.name`, v.claim?.name ?? name);
        const request = v.claim?.request ?? v.capacity;
        if (compareQuantities(checkPositiveQuantity(this, `${field}.claim.request`, request, 'bytes'), capacity) > 0) {
          fail(this, `${field}.claim.request`, request, `is more than the volume holds (capacity ${v.capacity}), so the claim would never bind`);
        }
        const claimModes = checkAccessModes(this, `${field}.claim.accessModes`, v.claim?.accessModes ?? modes);
        claimModes.forEach((m, j) => { if (!modes.includes(m)) fail(this, `${field}.claim.accessModes[${j}]`, m, `is not offered by the volume (${modes.join(', ')}), so the claim would never bind`); });
        const readOnly = checkBoolean(this, `${field}.readOnly`, v.readOnly ?? false);

        const pv = new k8s.KubePersistentVolume(this, `Volume-${name}`, {
          metadata: { name },
          spec: {
            capacity: { storage: k8s.Quantity.fromString(v.capacity) },
            accessModes: modes,
            persistentVolumeReclaimPolicy: reclaim,
            mountOptions,
            nfs: { server: this.server, path, readOnly: readOnly || undefined },
            // Reserved for its claim: no other claim can bind it, even one that fits.
            claimRef: { name: claimName, namespace },
          },
        });
        this.addClaim(claimName, namespace, claimModes, request, '', name, `${field}.claim.name`);
        return pv;
      });

      if (props.storageClass) {
        const sc = this.makeStorageClass(props.storageClass, mountOptions);
        this.storageClass = sc.object;
        this.classRef = { storageClassName: sc.name, accessModes: NFS_MODES };
        (props.storageClass.claims ?? []).forEach((c, i) => {
          const field = `storageClass.claims[${i}]`;
          const modes = this.nfsModes(`${field}.accessModes`, c.accessModes);
          checkPositiveQuantity(this, `${field}.request`, c.request, 'bytes');
          this.addClaim(checkDnsSubdomain(this, `${field}.name`, c.name), namespace, modes, c.request, sc.name, undefined, `${field}.name`);
        });
        if (sc.isDefault) env.uniques.claim('default StorageClass (one per cluster)', 'default', this, 'storageClass.isDefault', sc.name);
      }
    } catch (e) {
      scope.node.tryRemoveChild(id);
      throw e;
    }
  }

  /** A claim of this storage, to mount into a workload (`claims: [{ claim: storage.claim('media'), mountPath }]`). */
  public claim(name: string): ClaimRef {
    return this.claimsByName.get(name)
      ?? fail(this, 'claim', name, `is not a claim of this NfsStorage (${[...this.claimsByName.keys()].join(', ') || 'none'})`);
  }

  /** Every claim of this storage, static and dynamic. */
  public get claims(): ClaimRef[] {
    return [...this.claimsByName.values()];
  }

  /** The PersistentVolumeClaim objects, static and dynamic, in the order they were declared. */
  public get persistentVolumeClaims(): readonly k8s.KubePersistentVolumeClaim[] {
    return [...this.claimObjects];
  }

  /** The StorageClass, for volume claim templates (`OrderedStatefulSet`). */
  public get storageClassRef(): StorageClassRef {
    return this.classRef ?? fail(this, 'storageClass', undefined, 'is not defined on this NfsStorage');
  }

  /** Access modes of an NFS volume or claim: ReadWriteMany by default, never ReadWriteOncePod. */
  private nfsModes(field: string, given: AccessMode[] | undefined): AccessMode[] {
    const modes = checkAccessModes(this, field, given ?? ['ReadWriteMany']);
    modes.forEach((m, j) => { if (!NFS_MODES.includes(m)) fail(this, `${field}[${j}]`, m, `is not one NFS can serve (${NFS_MODES.join(', ')})`); });
    return modes;
  }

  private reclaimPolicy(field: string, policy: unknown, allowDelete: unknown): ReclaimPolicy {
    const value = checkOneOf<ReclaimPolicy>(this, `${field}.reclaimPolicy`, policy ?? 'Retain', ['Retain', 'Delete']);
    if (value === 'Delete' && !checkBoolean(this, `${field}.allowDelete`, allowDelete ?? false)) {
      fail(this, `${field}.reclaimPolicy`, value, 'deletes the volume (and with dynamic provisioning its data) when the claim is deleted; keep "Retain", or opt in with allowDelete: true');
    }
    return value;
  }

  private addClaim(name: string, namespace: string, modes: AccessMode[], request: string, storageClassName: string, volumeName: string | undefined, field: string): void {
    if (this.claimsByName.has(name)) fail(this, field, name, 'is used by another claim of this NfsStorage');
    // cdk8s-plus-27's claim takes a Size and writes it in its own unit; the L1 class keeps the quantity as written.
    this.claimObjects.push(new k8s.KubePersistentVolumeClaim(this, `Claim-${name}`, {
      metadata: { name, namespace },
      spec: {
        accessModes: modes,
        resources: { requests: { storage: k8s.Quantity.fromString(request) } },
        // "" keeps every provisioner (and the default class) away from a claim meant for one static volume.
        storageClassName,
        volumeName,
      },
    }));
    this.claimsByName.set(name, { claimName: name, namespace, accessModes: modes });
  }

  private makeStorageClass(p: NfsStorageClassProps, mountOptions: string[]) {
    const f = 'storageClass';
    const name = checkDnsSubdomain(this, `${f}.name`, p.name);
    const kind = checkOneOf(this, `${f}.provisioner`, p.provisioner ?? 'csi-driver-nfs', ['csi-driver-nfs', 'nfs-subdir-external-provisioner']);
    const reclaim = this.reclaimPolicy(f, p.reclaimPolicy, p.allowDelete);
    const isDefault = checkBoolean(this, `${f}.isDefault`, p.isDefault ?? false);
    const parameters: Record<string, string> = {};
    const onlyFor = (key: keyof NfsStorageClassProps, provisioner: string) => {
      if (p[key] !== undefined && kind !== provisioner) fail(this, `${f}.${key}`, p[key], `applies only to ${provisioner}, not ${kind}`);
    };
    (['share', 'subDir', 'mountPermissions'] as const).forEach((k) => onlyFor(k, 'csi-driver-nfs'));
    (['archiveOnDelete', 'pathPattern', 'provisionerName'] as const).forEach((k) => onlyFor(k, 'nfs-subdir-external-provisioner'));
    let provisioner: string;
    if (kind === 'csi-driver-nfs') {
      provisioner = 'nfs.csi.k8s.io';
      parameters.server = this.server;
      parameters.share = checkNormalizedPath(this, `${f}.share`, p.share, 'export path');
      if (p.subDir !== undefined) {
        const subDir = checkString(this, `${f}.subDir`, p.subDir);
        for (const token of subDir.match(/\$\{[^}]*\}/g) ?? []) {
          if (!CSI_PLACEHOLDERS.includes(token)) fail(this, `${f}.subDir`, subDir, `uses ${token}; csi-driver-nfs fills only ${CSI_PLACEHOLDERS.join(', ')}`);
        }
        if (subDir.startsWith('/') || subDir.split('/').includes('..')) fail(this, `${f}.subDir`, subDir, 'must be relative to the share, without ".."');
        parameters.subDir = subDir;
      }
      if (p.mountPermissions !== undefined) {
        if (typeof p.mountPermissions !== 'string' || !/^0?[0-7]{3}$/.test(p.mountPermissions)) {
          fail(this, `${f}.mountPermissions`, p.mountPermissions, 'is not an octal mode such as "0770"');
        }
        parameters.mountPermissions = p.mountPermissions;
      }
      parameters.onDelete = checkOneOf(this, `${f}.onDelete`, p.onDelete ?? 'retain', ['delete', 'retain', 'archive']);
    } else {
      provisioner = checkString(this, `${f}.provisionerName`, p.provisionerName ?? 'k8s-sigs.io/nfs-subdir-external-provisioner');
      parameters.archiveOnDelete = String(checkBoolean(this, `${f}.archiveOnDelete`, p.archiveOnDelete ?? true));
      parameters.onDelete = checkOneOf(this, `${f}.onDelete`, p.onDelete ?? 'retain', ['delete', 'retain']);
      if (p.pathPattern !== undefined) parameters.pathPattern = checkString(this, `${f}.pathPattern`, p.pathPattern);
    }
    const object = new k8s.KubeStorageClass(this, 'StorageClass', {
      metadata: { name, annotations: isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : undefined },
      provisioner,
      parameters,
      reclaimPolicy: reclaim,
      allowVolumeExpansion: checkBoolean(this, `${f}.allowVolumeExpansion`, p.allowVolumeExpansion ?? kind === 'csi-driver-nfs'),
      volumeBindingMode: checkOneOf(this, `${f}.volumeBindingMode`, p.volumeBindingMode ?? 'Immediate', ['Immediate', 'WaitForFirstConsumer']),
      mountOptions,
    });
    return { name, isDefault, object };
  }
}
