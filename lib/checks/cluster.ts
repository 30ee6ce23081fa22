/**
 * What the per-cluster checks know about the cluster everything is applied to (issue 20), and their
 * registry. The cluster model (`lib/cluster/`) turns a cluster's definition into {@link ClusterFacts};
 * synth runs every {@link CLUSTER_CHECKS} entry once per cluster over the objects of all its environments.
 */

import type { RenderedObjects } from './index';
import { clusterDefaultStorageClass, clusterHostPorts, clusterNamespaceOwners, clusterNodePorts, clusterObjectNames } from './cluster-unique';
import {
  metallbClusterAllocation, metallbClusterPoolOverlaps, metallbClusterSharedAddresses, metallbGatewayAddresses, metallbL2Segment,
} from './metallb-cluster';
import { schedulingRules } from './scheduling';
import { certManagerIssuerRefs } from './cert-manager';

/** A taint as the node carries it. */
export interface TaintFacts {
  /** Taint key. */
  readonly key: string;
  /** Taint value. @default - none */
  readonly value?: string;
  /** `NoSchedule`, `PreferNoSchedule` or `NoExecute`. */
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** A node's allocatable resources (quantities as written). */
export interface Allocatable {
  /** CPU the scheduler may give to pods. @default - unknown */
  readonly cpu?: string;
  /** Memory the scheduler may give to pods. @default - unknown */
  readonly memory?: string;
  /** How many pods the node runs at most. @default - unknown */
  readonly pods?: number;
}

/** A range of node ports (the API server's `--service-node-port-range`), inclusive. */
export interface NodePortRange {
  /** The first port. */
  readonly from: number;
  /** The last port. */
  readonly to: number;
}

/** One node of the cluster, as declared. */
export interface NodeFacts {
  /** Node name (`kubernetes.io/hostname`). */
  readonly name: string;
  /** The node's address on the node network. */
  readonly address: string;
  /** Its role. */
  readonly role: 'control-plane' | 'worker';
  /** Its labels, including the well-known ones the kubelet sets (`kubernetes.io/hostname`, `kubernetes.io/os`, …). */
  readonly labels: Readonly<Record<string, string>>;
  /** Its taints (a kubeadm control plane carries `node-role.kubernetes.io/control-plane:NoSchedule`). */
  readonly taints: readonly TaintFacts[];
  /** Allocatable resources, when declared (quantities as written). @default - unknown */
  readonly allocatable?: Allocatable;
}

/** One cert-manager ClusterIssuer the cluster declares (its `issuers`). */
export interface IssuerFacts {
  /** The ClusterIssuer's name. */
  readonly name: string;
  /** What provides it: written from the cluster's definition (`selfSignedCa`, `acme`, `ca`) or by someone else (`external`). */
  readonly kind: 'selfSignedCa' | 'acme' | 'ca' | 'external';
}

/** The facts the per-cluster checks use. */
export interface ClusterFacts {
  /** Cluster name (folder under `dist/`). */
  readonly name: string;
  /** Kubernetes minor version, e.g. `1.33`. */
  readonly kubernetesVersion: string;
  /** The nodes; empty when the cluster declares none (then node-dependent checks report nothing). */
  readonly nodes: readonly NodeFacts[];
  /** The node network MetalLB announces on in L2 mode. @default - undeclared */
  readonly nodeNetwork?: {
    /** Its CIDR, e.g. `192.168.1.0/24`. */
    readonly cidr: string;
    /** The gateway's address. @default - none */
    readonly gateway?: string;
    /** Other addresses in use on it (addresses or ranges) that no pool may hold. @default - none */
    readonly reserved?: readonly string[];
  };
  /** The API server's `--service-node-port-range`. */
  readonly nodePortRange: NodePortRange;
  /**
   * The cert-manager ClusterIssuers the cluster provides or declares external. @default - unknown (a cluster an
   * environment makes for itself): Certificates naming a ClusterIssuer or an external issuer are then not checked
   */
  readonly issuers?: readonly IssuerFacts[];
}

/** A per-cluster check: one message per problem, each starting with the construct path it is about. */
export type ClusterCheck = (objects: RenderedObjects, cluster: ClusterFacts) => string[];

/** Every per-cluster check, in the order they report. */
export const CLUSTER_CHECKS: ClusterCheck[] = [
  clusterNodePorts,
  clusterHostPorts,
  clusterObjectNames,
  clusterNamespaceOwners,
  clusterDefaultStorageClass,
  metallbClusterPoolOverlaps,
  metallbL2Segment,
  metallbClusterAllocation,
  metallbClusterSharedAddresses,
  metallbGatewayAddresses,
  schedulingRules,
  certManagerIssuerRefs,
];

/** Runs every per-cluster check over the objects of all environments of one cluster. */
export function runClusterChecks(objects: RenderedObjects, cluster: ClusterFacts): string[] {
  return CLUSTER_CHECKS.flatMap((check) => check(objects, cluster));
}
