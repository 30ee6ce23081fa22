export * from './cluster';
export * from './cluster-gitops';
export type { ClusterFacts, IssuerFacts, NodeFacts, TaintFacts } from '../checks/cluster';
export * from './platform';
export * from './cluster-issuers';
