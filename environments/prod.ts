import { appStack } from './app-stack';

/** Production: more replicas, larger volumes and quota. */
export const prod = appStack({
  name: 'prod',
  cluster: 'prod',
  network: '192.168.30',
  pool: [200, 219],
  nfsServer: '192.168.30.50',
  nodeExporter: true,
  host: 'apps.example.internal',
  tlsSecret: 'apps-prod-tls',
  quota: { requestsCpu: '16', requestsMemory: '32Gi', limitsCpu: '32', limitsMemory: '64Gi', pods: 150, persistentVolumeClaims: 30, requestsStorage: '1Ti' },
  containerLimits: {
    defaultRequestCpu: '100m', defaultRequestMemory: '128Mi', defaultLimitCpu: '500m', defaultLimitMemory: '512Mi', maxCpu: '4', maxMemory: '8Gi',
  },
  claimSize: { min: '10Mi', max: '200Gi' },
  mediaCapacity: '200Gi',
  hello: { minReplicas: 3, maxReplicas: 20 },
  web: { minReplicas: 6, maxReplicas: 20 },
  kv: { replicas: 3, storage: '50Gi' },
});
