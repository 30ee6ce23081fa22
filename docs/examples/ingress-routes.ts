import { AutoscaledApp, ChartTier, Environment, IngressRoutes } from '../../lib';

export function example(env: Environment): void {
  // docs start
  // A ClusterIP Service: reached through the TLS route only (a NodePort backend would need besideTlsRoute).
  const web = new AutoscaledApp(env.addChart('web'), 'web', { name: 'web', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080, maxReplicas: 4, cpuUtilization: 70 });
  new IngressRoutes(env.addChart('ingress-apps', ChartTier.ROUTES), 'apps', {
    name: 'apps', // the Ingress' name; className defaults to "nginx"
    hosts: [{ host: 'apps.dev.example.internal', paths: [{ path: '/', backend: { service: web } }] }],
    tls: [{ hosts: ['apps.dev.example.internal'], secretName: 'apps-dev-tls', certManager: { issuer: 'lab-ca' } }],
    proxyBodySize: '8m',
  });
  // docs end
}

/** Shown: the Ingress and the Certificate beside it. */
export const show = (m: Record<string, any>): boolean => ['Ingress', 'Certificate'].includes(m.kind);
