import { EnvironmentProps, MetalLbL2PoolProps, NodePortAppProps, PoolAssignmentOptions, SecureContainerProps } from '../lib';

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
}
