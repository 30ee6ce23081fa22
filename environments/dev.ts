import { appStack } from './app-stack';

/** The development environment: a small quota, generous enough for a few replicas of each app. */
export const dev = appStack({
  name: 'dev',
  cluster: 'nonprod',
  network: '192.168.10',
  pool: [200, 219],
  nfsServer: '192.168.10.50',
  // The node agent of the whole nonprod cluster (staging shares its nodes).
  nodeExporter: true,
  host: 'apps.dev.example.internal',
  tlsSecret: 'apps-dev-tls',
  quota: { requestsCpu: '4', requestsMemory: '8Gi', limitsCpu: '8', limitsMemory: '16Gi', pods: 50, persistentVolumeClaims: 10, requestsStorage: '50Gi' },
  containerLimits: {
    defaultRequestCpu: '100m', defaultRequestMemory: '128Mi', defaultLimitCpu: '500m', defaultLimitMemory: '512Mi', maxCpu: '2', maxMemory: '4Gi',
  },
  claimSize: { min: '10Mi', max: '20Gi' },
  mediaCapacity: '20Gi',
  hello: { minReplicas: 2, maxReplicas: 6 },
  web: { minReplicas: 3, maxReplicas: 4 },
  kv: { replicas: 3, storage: '2Gi' },
});
