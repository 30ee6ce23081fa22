import * as kplus from 'cdk8s-plus-27';
import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Environment } from '../cluster/environment';
import { checkAbsolutePath, checkOneOf, fail, Where } from '../checks/validation';

/** How a volume may be mounted: by one node read-write, many nodes read-only, many read-write, or one pod. */
export type AccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';
/** Every access mode a claim may ask for. */
export const ACCESS_MODES: readonly AccessMode[] = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];

/** A PersistentVolumeClaim a workload can mount (NfsStorage makes them). */
export interface ClaimRef {
  /** Name of the claim. */
  readonly claimName: string;
  /** Namespace of the claim. */
  readonly namespace: string;
  /** Access modes the claim asks for. */
  readonly accessModes: readonly AccessMode[];
}

/** A StorageClass claims can be made from (NfsStorage makes them). */
export interface StorageClassRef {
  /** Name of the StorageClass. */
  readonly storageClassName: string;
  /** Access modes volumes of this class can serve. */
  readonly accessModes: readonly AccessMode[];
}

/** A claim mounted into a workload's container. */
export interface ClaimMount {
  /** The claim. */
  readonly claim: ClaimRef;
  /** Where the container sees it. */
  readonly mountPath: string;
  /** Mount it read-only. @default false */
  readonly readOnly?: boolean;
}

/** Checks a list of access modes (at least one, no repeats). */
export function checkAccessModes(where: Where, field: string, value: unknown): AccessMode[] {
  if (!Array.isArray(value) || value.length === 0) fail(where, field, value, `must list at least one of ${ACCESS_MODES.join(', ')}`);
  const modes = value.map((m, i) => checkOneOf(where, `${field}[${i}]`, m, ACCESS_MODES));
  if (new Set(modes).size !== modes.length) fail(where, field, value, 'lists a mode twice');
  return modes;
}

/** True when a volume with these modes can only be used by one node (or one pod) at a time. */
export function singleNodeOnly(modes: readonly AccessMode[]): boolean {
  return !modes.includes('ReadWriteMany') && !modes.includes('ReadOnlyMany');
}

/**
 * Turns claim mounts into container volume mounts, after checking that the claim is in the workload's
 * namespace and that a single-node claim (ReadWriteOnce/ReadWriteOncePod only) is not shared by more
 * than one pod of this workload (`registerClaimUses` checks sharing between workloads).
 */
export function mountClaims(workload: IConstruct, mounts: readonly ClaimMount[] | undefined, pods: number | 'one per node'): kplus.VolumeMount[] {
  const namespace = Chart.of(workload).namespace;
  return (mounts ?? []).map((m, i) => {
    const field = `claims[${i}]`;
    const mountPath = checkAbsolutePath(workload, `${field}.mountPath`, m.mountPath);
    if (m.claim.namespace !== namespace) {
      fail(workload, `${field}.claim`, m.claim.claimName, `is in namespace "${m.claim.namespace}", but a pod can only mount claims of its own namespace "${namespace}"`);
    }
    if (singleNodeOnly(m.claim.accessModes) && (pods === 'one per node' || pods > 1)) {
      fail(workload, `${field}.claim`, m.claim.claimName,
        `is ${m.claim.accessModes.join('/')} only, so it cannot be shared by ${pods === 'one per node' ? 'a pod on every node' : `${pods} pods`}; use a ReadWriteMany (or ReadOnlyMany) claim, or one replica`);
    }
    const claim = kplus.PersistentVolumeClaim.fromClaimName(workload as any, `claim-${i}`, m.claim.claimName);
    return {
      path: mountPath,
      readOnly: m.readOnly ?? false,
      volume: kplus.Volume.fromPersistentVolumeClaim(workload as any, `claim-volume-${i}`, claim, { name: `claim-${i}`, readOnly: m.readOnly ?? false }),
    };
  });
}

/**
 * Records the workload's single-node claims, so that two workloads mounting the same one are refused
 * once the tree is complete, naming both. Call it last in a constructor (a refused workload claims nothing).
 */
export function registerClaimUses(workload: IConstruct, mounts: readonly ClaimMount[] | undefined): void {
  (mounts ?? []).forEach((m, i) => {
    if (!singleNodeOnly(m.claim.accessModes)) return;
    Environment.of(workload).uniques.claim(`use of a ${m.claim.accessModes.join('/')} claim (one workload)`, `${m.claim.namespace}/${m.claim.claimName}`,
      workload, `claims[${i}].claim`, m.claim.claimName);
  });
}
