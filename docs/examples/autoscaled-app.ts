import { Environment, AutoscaledApp } from '../../lib';

export function example(env: Environment): void {
  // docs start
  new AutoscaledApp(env.addChart('hello'), 'hello', {
    name: 'hello', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080,
    minReplicas: 2, maxReplicas: 6, cpuUtilization: 70, memoryUtilization: 80,
    scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
    service: { port: 80 }, // a ClusterIP Service; add pool (and ip) for a MetalLB LoadBalancer, or service: false for none
  });
  // docs end
}
