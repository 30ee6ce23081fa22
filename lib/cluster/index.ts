export * from './cluster';
export * from './cluster-gitops';
export type { ClusterFacts, NodeFacts, TaintFacts } from '../checks/cluster';
export * from './platform';
