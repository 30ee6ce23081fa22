import { keyValueStore, nodeExporter } from './app-stack';
import { appIssuer } from './clusters';
import { EnvironmentDefinition } from './definition';
import { NGINX_UNPRIVILEGED, runs, TRAEFIK_WHOAMI } from './images';

/**
 * The environment of the lab cluster (environments/clusters.ts): one control-plane node 192.168.1.10 (which
 * also serves NFS at /nfs_shared) and three workers 192.168.1.101-103 on 192.168.1.0/24. MetalLB hands out
 * 192.168.1.11-13 (one to `whoami`, the others to whoever asks, e.g. the ingress controller's Service).
 *
 * On the NFS server, create /nfs_shared/static (the shared volume) and /nfs_shared/dynamic (one folder
 * per dynamic claim): a static volume exporting all of /nfs_shared would let its pods read every dynamic claim.
 */
export const lab: EnvironmentDefinition = {
  name: 'lab',
  cluster: 'lab',
  namespace: 'lab',
  quota: { requestsCpu: '4', requestsMemory: '8Gi', limitsCpu: '8', limitsMemory: '16Gi', pods: 40, persistentVolumeClaims: 10, requestsStorage: '20Gi' },
  containerLimits: {
    defaultRequestCpu: '100m', defaultRequestMemory: '128Mi', defaultLimitCpu: '500m', defaultLimitMemory: '512Mi', maxCpu: '1', maxMemory: '1Gi',
  },
  claimSize: { min: '10Mi', max: '5Gi' },
  nfsStorage: [{
    server: '192.168.1.10',
    mountOptions: ['nfsvers=4.1', 'hard'],
    volumes: [{ name: 'lab-nfs-shared', path: '/nfs_shared/static', capacity: '100Mi', accessModes: ['ReadWriteMany'], claim: { name: 'nfs-shared' } }],
    storageClass: {
      name: 'lab-nfs',
      share: '/nfs_shared/dynamic',
      subDir: '${pvc.metadata.namespace}/${pvc.metadata.name}',
      // NFS ignores fsGroup: each volume directory is made group-and-world writable so non-root pods can write.
      mountPermissions: '0777',
    },
  }],
  addressPools: [{ name: 'lab-pool', addresses: ['192.168.1.11-192.168.1.13'] }],
  nodePortApps: [
    {
      // Three replicas, one per worker (the control plane's taint keeps it out of the spread), on <node>:30000.
      name: 'hello',
      ...runs(NGINX_UNPRIVILEGED),
      port: 80,
      nodePort: 30000,
      // Also the backend of the TLS route below: its clear-text nodePort is kept on purpose.
      besideTlsRoute: { reason: 'the lab teaches NodePort access: <node>:30000 beside https://lab.example.internal/' },
      replicas: 3,
      spread: 'DoNotSchedule',
    },
    {
      // Four replicas serving the shared NFS volume read-only on <node>:30001 (two share a worker).
      name: 'files',
      // TCP probes: "/" answers 403 until someone puts an index.html on the share.
      ...runs(NGINX_UNPRIVILEGED, { tcpProbes: true }),
      port: 80,
      nodePort: 30001,
      replicas: 4,
      claims: [{ claim: 'nfs-shared', mountPath: '/usr/share/nginx/html', readOnly: true }],
    },
  ],
  autoscaledApps: [
    {
      // Echoes the request, client IP included; scaled on CPU, reachable at 192.168.1.11 and through /ip.
      name: 'whoami',
      // The image has no user of its own (it would run as root): it runs as "nobody", on 8080 (environments/images.ts).
      ...runs(TRAEFIK_WHOAMI),
      resources: { cpuRequest: '50m', memoryRequest: '32Mi', cpuLimit: '200m', memoryLimit: '64Mi' },
      minReplicas: 2,
      maxReplicas: 6,
      cpuUtilization: 60,
      service: { port: 80, pool: 'lab-pool', ip: '192.168.1.11' },
      // The lab's client of kv: its NetworkPolicy admits whoami's pods, and no other pod, to kv:6379.
      connections: [{ to: 'kv', port: 6379 }],
    },
  ],
  ingressRoutes: [
    {
      name: 'lab',
      hosts: [{
        host: 'lab.example.internal',
        paths: [
          { path: '/', backend: { app: 'hello' } },
          // whoami's own paths (/, /api, /health) under /ip: the prefix is stripped.
          { path: '/ip', prefix: 'strip', backend: { app: 'whoami', port: 80 } },
        ],
      }],
      // The lab cluster's root CA (lab-ca, environments/clusters.ts) signs it.
      tls: [{ hosts: ['lab.example.internal'], secretName: 'lab-tls', certManager: { issuer: appIssuer('lab') } }],
    },
  ],
  // Redis, a primary and two replicas, each with its own 1Gi claim from lab-nfs; its password is the Secret kv-auth.
  redisStores: [keyValueStore(3, '1Gi', 'lab-nfs')],
  nodeDaemons: [nodeExporter('lab-node-agents')],
};
