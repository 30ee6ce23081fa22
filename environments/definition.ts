import {
  AutoscaledAppProps, AutoscaledAppService, EnvironmentProps, IngressRoutesProps, MetalLbL2PoolProps, NodeDaemonProps, NodePortAppProps,
  RouteBackend, RoutePath,
} from '../lib';

/** An autoscaled app whose LoadBalancer Service names its pool. */
export interface AutoscaledAppDefinition extends Omit<AutoscaledAppProps, 'service'> {
  /** The Service (`false`: none); `pool` names one of the environment's `addressPools` for a LoadBalancer. @default - a ClusterIP Service */
  readonly service?: (Omit<AutoscaledAppService, 'pool'> & { readonly pool?: string }) | false;
}

/** A node agent, optionally in a namespace of its own. */
export interface NodeDaemonDefinition extends NodeDaemonProps {
  /**
   * Namespace to run in. A daemon with host access makes its namespace's Pod Security level less strict,
   * so give it its own namespace to keep the apps' namespace "restricted". @default - the environment's namespace
   */
  readonly namespace?: string;
}

/** Where a path's traffic goes: an app of this environment by name, or (opt-in) a Service by name. */
export interface RouteBackendDefinition extends Omit<RouteBackend, 'service'> {
  /** Name of an app of this environment (autoscaledApps, nodePortApps); its Service port is checked. @default - none (then `serviceByName` is required) */
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
export interface EnvironmentDefinition extends EnvironmentProps {
  /** MetalLB layer-2 pools, written to the environment's `metallb` chart. @default - none */
  readonly addressPools?: MetalLbL2PoolProps[];
  /** Apps scaled on CPU/memory, each in its chart `<name>`. @default - none */
  readonly autoscaledApps?: AutoscaledAppDefinition[];
  /** Apps reachable on a port of every node, each in its chart `<name>`. @default - none */
  readonly nodePortApps?: NodePortAppProps[];
  /** Node agents (DaemonSets), each in its chart `<name>`. @default - none */
  readonly nodeDaemons?: NodeDaemonDefinition[];
  /** Host and path routing through the ingress controller, each Ingress in its chart `ingress-<name>`. @default - none */
  readonly ingressRoutes?: IngressRoutesDefinition[];
}
