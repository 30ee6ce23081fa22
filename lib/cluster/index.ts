export * from './cluster';
export * from '../gitops/cluster-gitops';
export type { ClusterFacts, IssuerFacts, NodeFacts, TaintFacts } from '../checks/cluster';
export * from './platform';
export * from './cluster-issuers';
export { ChartRenderError } from './chart-render';
export { PLATFORM_FOLDER, PLATFORM_LAYERS } from './cluster-platform';
export type { PlatformLayer } from './cluster-platform';
export { PlatformFileError } from './platform-files';
