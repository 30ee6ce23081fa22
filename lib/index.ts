export * from './validation';
export * from './schema';
export * from './unique-claims';
export * from './environment';
export * from './synth';
export * from './metallb-l2-pool';
export * from './workload';
export * from './node-port-app';
