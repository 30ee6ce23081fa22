import {
  AutoscaledAppProps, HttpGatewayProps, AutoscaledAppService, ClaimMount, EnvironmentProps, IngressRoutesProps, MetalLbL2PoolProps, NfsStorageProps, NodeDaemonProps,
  NodePortAppProps, OrderedStatefulSetProps, RedisStoreProps, RouteBackend, RoutePath, VolumeClaimTemplate,
} from '../lib';

/** A claim mount that names a claim of the environment's `nfsStorage`. */
export interface ClaimMountDefinition extends Omit<ClaimMount, 'claim'> {
  /** Name of a claim made by one of the environment's `nfsStorage` entries. */
  readonly claim: string;
}

/** A connection to another app of the environment, by name. */
export interface ConnectionDefinition {
  /** Name of an app of this environment (autoscaledApps, nodePortApps, statefulSets, redisStores, nodeDaemons). */
  readonly to: string;
  /** One of its Service ports or container ports. @default - its container port */
  readonly port?: number;
}

/** Workload props whose claims and connection targets are named. */
type WithNamedClaims<T> = Omit<T, 'claims' | 'connections'> & {
  /** Claims to mount, by name. @default - none */
  readonly claims?: ClaimMountDefinition[];
  /** Apps of this environment it connects to, by name (admitted by NetworkPolicies). @default - none */
  readonly connections?: ConnectionDefinition[];
};

/** A NodePortApp whose claims are named. */
export type NodePortAppDefinition = WithNamedClaims<NodePortAppProps>;

/** An OrderedStatefulSet whose templates name their StorageClass (checked when it is one of `nfsStorage`'s). */
export interface OrderedStatefulSetDefinition extends WithNamedClaims<Omit<OrderedStatefulSetProps, 'volumeClaimTemplates'>> {
  /** Per-pod volumes; `storageClass` is a name. @default - none */
  readonly volumeClaimTemplates?: Array<Omit<VolumeClaimTemplate, 'storageClass'> & { readonly storageClass?: string }>;
}

/** A RedisStore whose templates name their StorageClass, like {@link OrderedStatefulSetDefinition}'s. */
export interface RedisStoreDefinition extends WithNamedClaims<Omit<RedisStoreProps, 'volumeClaimTemplates'>> {
  /** Per-pod volumes (one must be mounted at /data); `storageClass` is a name. @default - none, which is refused: Redis needs its /data volume */
  readonly volumeClaimTemplates?: Array<Omit<VolumeClaimTemplate, 'storageClass'> & { readonly storageClass?: string }>;
}

/** An autoscaled app whose LoadBalancer Service names its pool. */
export interface AutoscaledAppDefinition extends WithNamedClaims<Omit<AutoscaledAppProps, 'service'>> {
  /** The Service (`false`: none); `pool` names one of the environment's `addressPools` for a LoadBalancer. @default - a ClusterIP Service */
  readonly service?: (Omit<AutoscaledAppService, 'pool'> & { readonly pool?: string }) | false;
}

/** A node agent, optionally in a namespace of its own. */
export interface NodeDaemonDefinition extends WithNamedClaims<NodeDaemonProps> {
  /**
   * Namespace to run in. A daemon with host access makes its namespace's Pod Security level less strict,
   * so give it its own namespace to keep the apps' namespace "restricted". @default - the environment's namespace
   */
  readonly namespace?: string;
}

/** Where a path's traffic goes: an app of this environment by name, or (opt-in) a Service by name. */
export interface RouteBackendDefinition extends Omit<RouteBackend, 'service'> {
  /** Name of an app of this environment with a Service (autoscaledApps, nodePortApps, statefulSets, redisStores); its Service port is checked. @default - none (then `serviceByName` is required) */
  readonly app?: string;
}

/** IngressRoutes whose backends name apps of the environment. */
export interface IngressRoutesDefinition extends Omit<IngressRoutesProps, 'hosts'> {
  /** Hosts and their paths; backends name apps. */
  readonly hosts: Array<{ readonly host: string; readonly paths: Array<Omit<RoutePath, 'backend'> & { readonly backend: RouteBackendDefinition }> }>;
}

/**
 * What one environment runs, as data. `main.ts` turns each definition into an Environment and its
 * charts (environments/compose.ts); adding an environment is adding one definition to `environments/index.ts`.
 */
export interface EnvironmentDefinition extends Omit<EnvironmentProps, 'cluster'> {
  /** Name of the cluster it runs on, one of `environments/clusters.ts`. @default - a cluster of its own, named after the environment */
  readonly cluster?: string;
  /** NFS servers: static volumes with their claims, StorageClasses; written to the chart `storage` (`00-storage.yaml`). @default - none */
  readonly nfsStorage?: NfsStorageProps[];
  /** MetalLB layer-2 pools, written to the environment's `metallb` chart. @default - none */
  readonly addressPools?: MetalLbL2PoolProps[];
  /** Apps scaled on CPU/memory, each in its chart `<name>`. @default - none */
  readonly autoscaledApps?: AutoscaledAppDefinition[];
  /** Apps reachable on a port of every node, each in its chart `<name>`. @default - none */
  readonly nodePortApps?: NodePortAppDefinition[];
  /** StatefulSets with one volume per pod, each in its chart `<name>`. @default - none */
  readonly statefulSets?: OrderedStatefulSetDefinition[];
  /**
   * Redis primaries with replicas (RedisStore), each in its chart `<name>`; the operators create each one's
   * password Secret (`auth.secretName`) in the namespace. @default - none
   */
  readonly redisStores?: RedisStoreDefinition[];
  /** Node agents (DaemonSets), each in its chart `<name>`. @default - none */
  readonly nodeDaemons?: NodeDaemonDefinition[];
  /** Host and path routing through the ingress controller, each Ingress in its chart `ingress-<name>`. @default - none */
  readonly ingressRoutes?: IngressRoutesDefinition[];
  /**
   * A Gateway API Gateway in the environment's namespace (chart `gateway`) for routes with output
   * "HTTPRoute" or "both" (`routeOutput`); `address.pool` names one of `addressPools`. @default - none
   */
  readonly gateway?: Omit<HttpGatewayProps, 'address'> & { readonly address?: { readonly pool: string; readonly ip?: string; readonly specAddresses?: boolean } };
}
