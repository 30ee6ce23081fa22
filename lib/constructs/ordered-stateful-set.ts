import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { connectApps, registerNetworkApp } from './network-policies';
import { AccessMode, checkAccessModes, registerClaimUses, StorageClassRef } from './claims';
import { Environment } from '../cluster/environment';
import { duplicateTemplateNames, MAX_STATEFUL_SET_NAME, shadowedVolumes } from '../checks/controllers';
import {
  checkAbsolutePath, checkBoolean, checkDns1035Label, checkDnsLabel, checkDnsSubdomain, checkInt, checkOneOf, checkPortOr, checkPositiveQuantity, fail,
} from '../checks/validation';
import {
  addSidecar, hardenPods, podDisruptionBudget, podSecurityContext, SecureContainerProps, secureContainer, selectorLabels, SidecarProps,
} from './workload';
import { checkProps, ORDERED_STATEFUL_SET, uniqueId } from '../checks/prop-shapes';

/** One volume per pod: each pod gets its own claim `<name>-<statefulset>-<ordinal>`. */
export interface VolumeClaimTemplate {
  /** Template name (a DNS label): the claims are `<name>-<statefulset>-<N>`. */
  readonly name: string;
  /** Where the container sees the volume. */
  readonly mountPath: string;
  /** Storage each claim requests. */
  readonly storage: string;
  /** StorageClass to provision from: NfsStorage's (`storage.storageClassRef`, access modes checked) or a name. @default - the cluster's default class */
  readonly storageClass?: StorageClassRef | string;
  /** Access modes. @default ["ReadWriteOnce"] */
  readonly accessModes?: AccessMode[];
}

/** What happens to the pods' claims when the StatefulSet is deleted or scaled down. */
export interface ClaimRetention {
  /** On deleting the StatefulSet. @default "Retain" */
  readonly whenDeleted?: 'Retain' | 'Delete';
  /** On scaling down. @default "Retain" */
  readonly whenScaled?: 'Retain' | 'Delete';
  /** Opt-in for either `Delete`. @default false */
  readonly allowDelete?: boolean;
}

/** A StatefulSet with stable names, ordered start and one volume per pod. */
export interface OrderedStatefulSetProps extends SecureContainerProps {
  /** Name of the StatefulSet, its headless Service and PodDisruptionBudget; pods are `<name>-0`… (a DNS-1035 label of at most 52 characters: it starts with a letter). */
  readonly name: string;
  /** Pods. @default 1 */
  readonly replicas?: number;
  /** Port of the headless Service. @default - the container port */
  readonly port?: number;
  /** `OrderedReady` starts pod N only when pod N-1 is ready; `Parallel` starts all at once. @default "OrderedReady" */
  readonly podManagementPolicy?: 'OrderedReady' | 'Parallel';
  /** Rolling updates touch only pods with an ordinal at or above this (for staged roll-outs). @default 0 */
  readonly partition?: number;
  /** Per-pod volumes. @default - none */
  readonly volumeClaimTemplates?: VolumeClaimTemplate[];
  /** Claim retention. @default - Retain on delete and on scale-down */
  readonly claimRetention?: ClaimRetention;
}

/**
 * A StatefulSet with its headless Service (`clusterIP: None`, named in `serviceName`), ordered start,
 * one claim per pod from `volumeClaimTemplates`, claims retained on delete and scale-down, rolling
 * updates with a partition, a PodDisruptionBudget, and Pod Security "restricted". Names, selectors and
 * templates never depend on construct ids: those fields are immutable, and a renamed claim is a new,
 * empty volume.
 */
export class OrderedStatefulSet extends Construct {
  /** The StatefulSet's name. */
  public readonly name: string;
  /** The headless Service's name. */
  public readonly serviceName: string;
  /** The namespace. */
  public readonly namespace: string;
  /** Pod names, `<name>-0`… */
  public readonly podNames: readonly string[];
  /** Each pod's DNS name, `<name>-N.<service>.<namespace>.svc.cluster.local`. */
  public readonly podDnsNames: readonly string[];
  /** The claims each template gives the pods, `<template>-<name>-N`, by template name. */
  public readonly claimNames: Readonly<Record<string, readonly string[]>>;
  /** The StatefulSet. */
  public readonly statefulSet: kplus.StatefulSet;
  /** The app's own container (the first of the pods). */
  public readonly container: kplus.Container;
  /** The headless Service. */
  public readonly service: kplus.Service;
  /** The PodDisruptionBudget (only with 2 or more replicas). */
  public readonly podDisruptionBudget?: k8s.KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: OrderedStatefulSetProps) {
    super(scope, uniqueId(scope, id));
    // Refused input leaves nothing in the tree: remove the half-built construct before rethrowing.
    try {
      checkProps(this, props, ORDERED_STATEFUL_SET, new.target === OrderedStatefulSet);
      const env = Environment.of(this);
      // A pod's controller-revision-hash label is "<name>-<10 characters>" and must fit in 63 (see checks/controllers).
      this.name = checkDnsLabel(this, 'name', props.name, MAX_STATEFUL_SET_NAME);
      // The headless Service takes the same name.
      checkDns1035Label(this, 'name', this.name);
      this.serviceName = this.name;
      this.namespace = Chart.of(this).namespace ?? env.namespace;
      const replicas = checkInt(this, 'replicas', props.replicas ?? 1, 0, 10_000);
      const port = checkPortOr(this, 'port', props.port, 'containerPort', props.containerPort);
      const policy = checkOneOf(this, 'podManagementPolicy', props.podManagementPolicy ?? 'OrderedReady', ['OrderedReady', 'Parallel']);
      const partition = checkInt(this, 'partition', props.partition ?? 0, 0, 10_000);
      const retention = this.retention(props.claimRetention ?? {});
      const templates = (props.volumeClaimTemplates ?? []).map((t, i) => this.template(t, `volumeClaimTemplates[${i}]`));
      const container = secureContainer(this, this.name, props, replicas);
      for (const t of templates) {
        if (container.volumeMounts!.some((m) => m.path === t.mountPath)) fail(this, `volumeClaimTemplates.${t.name}.mountPath`, t.mountPath, 'is already mounted');
      }
      const templateNames = templates.map((t) => t.name);
      for (const i of duplicateTemplateNames(templateNames)) {
        fail(this, `volumeClaimTemplates[${i}].name`, templateNames[i], 'is the name of an earlier claim template (the StatefulSet controller would keep only one of them)');
      }
      const podVolumes = container.volumeMounts!.map((m) => m.volume.name);
      for (const v of shadowedVolumes(templateNames, podVolumes)) {
        fail(this, `volumeClaimTemplates[${v.index}].name`, v.name,
          `is also the name of a pod volume (${podVolumes.join(', ')}): the StatefulSet controller would silently replace that volume with the claim; rename the template`);
      }

      this.service = new kplus.Service(this, 'Service', {
        metadata: { name: this.serviceName },
        clusterIP: 'None',
        ports: [{ name: 'tcp', port, targetPort: props.containerPort }],
      });
      for (const [key, value] of Object.entries(selectorLabels(this.name))) this.service.selectLabel(key, value);
      this.statefulSet = new kplus.StatefulSet(this, 'StatefulSet', {
        metadata: { name: this.name },
        service: this.service,
        replicas,
        select: false,
        podManagementPolicy: policy as kplus.PodManagementPolicy,
        strategy: kplus.StatefulSetUpdateStrategy.rollingUpdate({ partition }),
        containers: [container],
        securityContext: podSecurityContext(this),
      });
      this.container = this.statefulSet.containers[0];
      hardenPods(this.statefulSet, this.name);
      // cdk8s-plus' StatefulSet makes its Service select the path-derived pod label that hardenPods removes:
      // without this the headless Service would select no pod at all.
      ApiObject.of(this.service).addJsonPatch(JsonPatch.remove('/spec/selector/cdk8s.io~1metadata.addr'));

      // cdk8s-plus-27's StatefulSet has no volumeClaimTemplates or claim retention. The patches use the typed
      // serializer's own shapes (k8s.Quantity for storage: a plain string would come out null), and tests assert the YAML.
      const api = ApiObject.of(this.statefulSet);
      if (templates.length > 0) {
        api.addJsonPatch(JsonPatch.add('/spec/volumeClaimTemplates', templates.map((t) => ({
          metadata: { name: t.name },
          spec: {
            accessModes: t.accessModes,
            storageClassName: t.storageClassName,
            resources: { requests: { storage: k8s.Quantity.fromString(t.storage) } },
          },
        }))));
        // A container without writable paths or claims has no volumeMounts list for "/-" to append to.
        if (this.statefulSet.containers[0].mounts.length === 0) api.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/volumeMounts', []));
        for (const t of templates) {
          api.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: t.name, mountPath: t.mountPath }));
        }
      }
      api.addJsonPatch(JsonPatch.add('/spec/persistentVolumeClaimRetentionPolicy', retention));
      if (replicas >= 2) this.podDisruptionBudget = podDisruptionBudget(this, this.name);

      const ordinals = [...Array(replicas).keys()];
      this.podNames = ordinals.map((n) => `${this.name}-${n}`);
      this.podDnsNames = this.podNames.map((p) => `${p}.${this.serviceName}.${this.namespace}.svc.cluster.local`);
      this.claimNames = Object.fromEntries(templates.map((t) => [t.name, ordinals.map((n) => `${t.name}-${this.name}-${n}`)]));
      // Registered last: a refused StatefulSet must not leave claims behind.
      registerClaimUses(this, props.claims);
      registerNetworkApp(this, selectorLabels(this.name), this.statefulSet, this.service, props.containerPort, props);
    } catch (e) {
      scope.node.tryRemoveChild(id);
      throw e;
    }
  }

  /**
   * Declares that this app opens connections to `to`, an app of the same environment, on `port` (a Service
   * port of `to` or one of its container ports; default its container port): its NetworkPolicy admits
   * them. Use it when `to` is created after this app; otherwise the `connections` prop says the same.
   */
  public connectTo(to: IConstruct, port?: number): void {
    connectApps(this, to, port);
  }

  /**
   * Adds a sidecar to the pods (a log shipper, a proxy), secure like the main container and with the same
   * environment defaults; to share files, mount one volume on both (`this.container.mount(...)`).
   * Call it from a subclass's constructor or right after creating the construct.
   */
  public addSidecar(name: string, props: SidecarProps): kplus.Container {
    return addSidecar(this, this.statefulSet, name, props);
  }

  private template(t: VolumeClaimTemplate, field: string) {
    const name = checkDnsLabel(this, `${field}.name`, t.name);
    const mountPath = checkAbsolutePath(this, `${field}.mountPath`, t.mountPath);
    if (t.storage === undefined) fail(this, `${field}.storage`, undefined, 'is required: each pod\'s claim must request a size');
    checkPositiveQuantity(this, `${field}.storage`, t.storage, 'bytes');
    const accessModes = checkAccessModes(this, `${field}.accessModes`, t.accessModes ?? ['ReadWriteOnce']);
    let storageClassName: string | undefined;
    if (typeof t.storageClass === 'string') {
      storageClassName = checkDnsSubdomain(this, `${field}.storageClass`, t.storageClass);
    } else if (t.storageClass !== undefined) {
      const cls = t.storageClass;
      storageClassName = cls.storageClassName;
      accessModes.forEach((m, j) => {
        if (!cls.accessModes.includes(m)) fail(this, `${field}.accessModes[${j}]`, m, `is not served by StorageClass ${cls.storageClassName} (${cls.accessModes.join(', ')})`);
      });
    }
    return { name, mountPath, storage: t.storage, accessModes, storageClassName };
  }

  private retention(r: ClaimRetention) {
    const whenDeleted = checkOneOf(this, 'claimRetention.whenDeleted', r.whenDeleted ?? 'Retain', ['Retain', 'Delete']);
    const whenScaled = checkOneOf(this, 'claimRetention.whenScaled', r.whenScaled ?? 'Retain', ['Retain', 'Delete']);
    const allowDelete = checkBoolean(this, 'claimRetention.allowDelete', r.allowDelete ?? false);
    for (const [field, value] of [['whenDeleted', whenDeleted], ['whenScaled', whenScaled]]) {
      if (value === 'Delete' && !allowDelete) {
        fail(this, `claimRetention.${field}`, value, 'deletes the pods\' claims (and with a Delete reclaim policy their data); keep "Retain", or opt in with claimRetention.allowDelete: true');
      }
    }
    return { whenDeleted, whenScaled };
  }
}
