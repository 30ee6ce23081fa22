import {
  EnvironmentProps, IngressRoutesProps, MetalLbL2PoolProps, NodePortAppProps, PoolAssignmentOptions, RouteBackend, RoutePath, SecureContainerProps,
} from '../lib';

/** A web app behind a `LoadBalancer` Service that takes its address from one of the environment's pools. */
export interface LoadBalancedAppDefinition extends SecureContainerProps, PoolAssignmentOptions {
  /** Name of the Deployment, its Service and its pods' `app.kubernetes.io/name` label. */
  readonly name: string;
  /** Pods to run. @default 2 */
  readonly replicas?: number;
  /** Port the Service listens on. */
  readonly port: number;
  /** Name of the address pool (one of `addressPools`) the Service's address comes from. */
  readonly pool: string;
}

/** Where a path's traffic goes: an app of this environment by name, or (opt-in) a Service by name. */
export interface RouteBackendDefinition extends Omit<RouteBackend, 'service'> {
  /** Name of an app of this environment (loadBalancedApps, nodePortApps); its Service port is checked. @default - none (then `serviceByName` is required) */
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
  /** Apps exposed through a LoadBalancer Service. @default - none */
  readonly loadBalancedApps?: LoadBalancedAppDefinition[];
  /** Apps reachable on a port of every node. @default - none */
  readonly nodePortApps?: NodePortAppProps[];
  /** Host and path routing through the ingress controller, each Ingress in its chart `ingress-<name>`. @default - none */
  readonly ingressRoutes?: IngressRoutesDefinition[];
}
