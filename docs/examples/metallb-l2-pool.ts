import { AutoscaledApp, ChartTier, Environment, MetalLbL2Pool } from '../../lib';

export function example(env: Environment): void {
  // docs start
  const pool = new MetalLbL2Pool(env.addChart('metallb', ChartTier.PLATFORM, { namespace: 'metallb-system' }), 'lab-pool', {
    name: 'lab-pool', addresses: ['192.168.1.11-192.168.1.13'],
  });
  // A LoadBalancer Service with a fixed address from the pool (or call pool.assign(service, { ip }) on a cdk8s-plus Service).
  new AutoscaledApp(env.addChart('web'), 'web', {
    name: 'web', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080,
    maxReplicas: 4, cpuUtilization: 70, service: { port: 80, pool, ip: '192.168.1.11' },
  });
  // docs end
}

/** Shown: the pool, its advertisement and the Service that takes an address from it. */
export const show = (m: Record<string, any>): boolean => ['IPAddressPool', 'L2Advertisement', 'Service'].includes(m.kind);
