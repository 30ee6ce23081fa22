import { appStack } from './app-stack';

/** Staging: the production stack at production's replica counts, beside dev on the nonprod cluster, with a smaller quota. */
export const staging = appStack({
  name: 'staging',
  // Beside dev on the nonprod cluster: its own pool and namespace; dev's node-exporter covers its nodes.
  cluster: 'nonprod',
  network: '192.168.10',
  pool: [220, 239],
  nfsServer: '192.168.20.50',
  nodeExporter: false,
  host: 'apps.staging.example.internal',
  tlsSecret: 'apps-staging-tls',
  quota: { requestsCpu: '8', requestsMemory: '16Gi', limitsCpu: '16', limitsMemory: '32Gi', pods: 80, persistentVolumeClaims: 20, requestsStorage: '200Gi' },
  containerLimits: {
    defaultRequestCpu: '100m', defaultRequestMemory: '128Mi', defaultLimitCpu: '500m', defaultLimitMemory: '512Mi', maxCpu: '2', maxMemory: '4Gi',
  },
  claimSize: { min: '10Mi', max: '50Gi' },
  mediaCapacity: '50Gi',
  hello: { minReplicas: 3, maxReplicas: 10 },
  web: { minReplicas: 3, maxReplicas: 6 },
  kv: { replicas: 3, storage: '10Gi' },
  // Migrating off ingress-nginx: the same routes as an Ingress and as HTTPRoutes on NGINX Gateway Fabric.
  routes: { output: 'both', gatewayClassName: 'nginx' },
});
