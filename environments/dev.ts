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
  // The lab NAS exports /exports/dev: media (static, shared read-only by web) and dynamic/ for csi-driver-nfs.
  nfsStorage: [{
    server: '192.168.10.50',
    mountOptions: ['nfsvers=4.1', 'hard'],
    volumes: [{ name: 'dev-shared-media', path: '/exports/dev/media', capacity: '20Gi', claim: { name: 'shared-media' } }],
    storageClass: {
      name: 'dev-nfs',
      share: '/exports/dev/dynamic',
      subDir: '${pvc.metadata.namespace}/${pvc.metadata.name}',
      // NFS ignores fsGroup: each volume directory is made group-and-world writable so non-root pods can write.
      mountPermissions: '0777',
    },
  }],
  addressPools: [
    { name: 'dev-pool', addresses: ['192.168.10.200-192.168.10.219'] },
  ],
  autoscaledApps: [
    {
      name: 'hello',
      // The unprivileged nginx build listens on 8080 as user 101 and writes only to /tmp.
      image: 'nginxinc/nginx-unprivileged:1.27-alpine',
      containerPort: 8080,
      readiness: { httpPath: '/' },
      liveness: { httpPath: '/' },
      writablePaths: ['/tmp'],
      minReplicas: 2,
      maxReplicas: 6,
      cpuUtilization: 70,
      memoryUtilization: 80,
      scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
      service: { port: 80, pool: 'dev-pool', ip: '192.168.10.200' },
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
      claims: [{ claim: 'shared-media', mountPath: '/srv/media', readOnly: true }],
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
  statefulSets: [
    {
      name: 'kv',
      // Redis as its image's redis user (999); it writes only to /data (its own NFS volume) and /tmp.
      image: 'redis:7.2.5-alpine',
      containerPort: 6379,
      runAsUser: 999,
      args: ['--appendonly', 'yes', '--dir', '/data'],
      replicas: 3,
      volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage: '2Gi', storageClass: 'dev-nfs' }],
    },
  ],
  nodeDaemons: [
    {
      name: 'node-exporter',
      // Its own namespace: the host access it needs makes that namespace "privileged", not the apps' one.
      namespace: 'dev-node-agents',
      // Runs as user 65534 ("nobody") and writes nothing.
      image: 'quay.io/prometheus/node-exporter:v1.8.2',
      containerPort: 9100,
      args: ['--path.rootfs=/host/root', '--web.listen-address=:9100'],
      readiness: { httpPath: '/' },
      liveness: { httpPath: '/' },
      resources: { cpuRequest: '50m', memoryRequest: '64Mi', cpuLimit: '250m', memoryLimit: '128Mi' },
      hostNetwork: true,
      hostPID: true,
      hostPaths: [{ hostPath: '/', mountPath: '/host/root' }],
      tolerateControlPlane: true,
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      maxUnavailable: 1,
    },
  ],
};
