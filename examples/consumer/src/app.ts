import { App } from 'cdk8s';
import { AutoscaledApp, ChartTier, Environment, IngressRoutes, MetalLbL2Pool } from 'onprem-k8s-constructs';
import { LoggedNodePortApp } from './logged-node-port-app';

/** Our one environment: defaults set once for every workload, our extended app, an autoscaled API, routes. */
export function buildApp(): App {
  const app = new App();
  const env = new Environment(app, 'shop', {
    name: 'shop',
    reservedAddresses: ['192.168.50.1'],
    reservedNodePorts: [32080, 32443],
    workloadDefaults: {
      resources: { cpuRequest: '50m', memoryLimit: '384Mi' },
      securityContext: { runAsUser: 10001, runAsGroup: 10001 },
      labels: { 'example.com/team': 'shop' },
      annotations: { 'example.com/on-call': 'shop-oncall@example.com' },
    },
  });

  const pool = new MetalLbL2Pool(env.addChart('metallb', ChartTier.PLATFORM, { namespace: 'metallb-system' }), 'pool', {
    name: 'shop', addresses: ['192.168.50.240-192.168.50.249'],
  });
  const web = new LoggedNodePortApp(env.addChart('web'), 'web', {
    name: 'web', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080, nodePort: 30080,
    readiness: { httpPath: '/' },
  });
  const api = new AutoscaledApp(env.addChart('api'), 'api', {
    name: 'api', image: 'registry.example.com/shop/api:2.4.0', containerPort: 8080,
    minReplicas: 2, maxReplicas: 6, cpuUtilization: 70, service: { port: 80, pool },
  });
  new IngressRoutes(env.addChart('ingress', ChartTier.ROUTES), 'routes', {
    name: 'shop',
    hosts: [{
      host: 'shop.example.internal',
      // The shop API serves its routes under /api itself, so the prefix is kept.
      paths: [{ path: '/', backend: { service: web } }, { path: '/api', prefix: 'keep', backend: { service: api } }],
    }],
  });
  return app;
}
