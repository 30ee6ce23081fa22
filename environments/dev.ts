import { EnvironmentDefinition } from './definition';

/** The development environment: a small quota, generous enough for a few replicas of each app. */
export const dev: EnvironmentDefinition = {
  name: 'dev',
  namespace: 'dev',
  quota: {
    requestsCpu: '4',
    requestsMemory: '8Gi',
    limitsCpu: '8',
    limitsMemory: '16Gi',
    pods: 50,
    persistentVolumeClaims: 10,
    requestsStorage: '50Gi',
  },
  containerLimits: {
    defaultRequestCpu: '100m',
    defaultRequestMemory: '128Mi',
    defaultLimitCpu: '500m',
    defaultLimitMemory: '512Mi',
    maxCpu: '2',
    maxMemory: '4Gi',
  },
  claimSize: { min: '10Mi', max: '20Gi' },
  // The dev network: gateway .1, control plane .10, workers .101-.103. No pool may contain them.
  reservedAddresses: ['192.168.10.1', '192.168.10.10', '192.168.10.101-192.168.10.103'],
  // ingress-nginx's own NodePort Service (installed by the operators) listens on these on every node.
  reservedNodePorts: [32080, 32443],
  addressPools: [
    { name: 'dev-pool', addresses: ['192.168.10.200-192.168.10.219'] },
  ],
  loadBalancedApps: [
    {
      name: 'hello',
      // The unprivileged nginx build listens on 8080 as user 101 and writes only to /tmp.
      image: 'nginxinc/nginx-unprivileged:1.27-alpine',
      containerPort: 8080,
      port: 80,
      replicas: 2,
      readiness: { httpPath: '/' },
      liveness: { httpPath: '/' },
      writablePaths: ['/tmp'],
      pool: 'dev-pool',
      ip: '192.168.10.200',
    },
  ],
  nodePortApps: [
    {
      name: 'web',
      image: 'nginxinc/nginx-unprivileged:1.27-alpine',
      containerPort: 8080,
      port: 80,
      nodePort: 30080,
      replicas: 3,
      readiness: { httpPath: '/' },
      liveness: { httpPath: '/' },
    },
  ],
  ingressRoutes: [
    {
      name: 'apps',
      hosts: [{
        host: 'apps.dev.example.internal',
        paths: [
          { path: '/', backend: { app: 'web' } },
          { path: '/hello', backend: { app: 'hello', port: 80 } },
        ],
      }],
      // The operators' private CA, a cert-manager ClusterIssuer named lab-ca, signs the certificate.
      tls: [{ hosts: ['apps.dev.example.internal'], secretName: 'apps-dev-tls', certManager: { issuer: 'lab-ca' } }],
      proxyBodySize: '8m',
    },
  ],
};
