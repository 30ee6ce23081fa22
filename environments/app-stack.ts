import { ClaimSizeProps, ContainerLimitsProps, QuotaProps, RouteOutput } from '../lib';
import { EnvironmentDefinition } from './definition';

/**
 * The values that make dev, staging and prod differ. They run the same stack (see {@link appStack}):
 * `hello` autoscaled behind a MetalLB address, `web` on a nodePort with a shared NFS volume, `kv` a
 * StatefulSet with a volume per pod, optionally node-exporter on every node of the cluster, and an Ingress
 * in front of both apps.
 */
export interface AppStackValues {
  /** Environment name, also its namespace and folder. */
  readonly name: string;
  /** The cluster it runs on (environments/clusters.ts). */
  readonly cluster: string;
  /** The cluster's node network /24 as its first three octets, e.g. "192.168.10": the MetalLB pool is taken from it. */
  readonly network: string;
  /** The environment's MetalLB pool, as first and last host numbers on `network` (`hello` takes the first, the Gateway the second). */
  readonly pool: readonly [number, number];
  /** The NAS exporting /exports/<env>. */
  readonly nfsServer: string;
  /** The nodePort of `web` (one Service per nodePort on a cluster). */
  readonly webNodePort: number;
  /**
   * Whether this environment runs node-exporter (host network, :9100) on every node of its cluster: only one
   * environment per cluster may, since two would bind the same port of each node.
   */
  readonly nodeExporter: boolean;
  /** DNS name the Ingress serves. */
  readonly host: string;
  /** TLS Secret the Ingress uses (signed by the ClusterIssuer `lab-ca`). */
  readonly tlsSecret: string;
  /** The namespace's ResourceQuota. */
  readonly quota: QuotaProps;
  /** Per-container defaults and maxima. */
  readonly containerLimits: ContainerLimitsProps;
  /** Per-claim size bounds. */
  readonly claimSize: ClaimSizeProps;
  /** Size of the shared media volume. */
  readonly mediaCapacity: string;
  /** Autoscaling bounds of `hello`. */
  readonly hello: { readonly minReplicas: number; readonly maxReplicas: number };
  /** Replicas of `web`. */
  readonly webReplicas: number;
  /** Replicas of `kv` and the size of each one's volume. */
  readonly kv: { readonly replicas: number; readonly storage: string };
  /**
   * Gateway API routes: what the Ingress definitions write and the GatewayClass of the Gateway `<env>`
   * (at the second address of the pool) they attach to. @default - Ingress only, no Gateway
   */
  readonly routes?: { readonly output: RouteOutput; readonly gatewayClassName: string };
}

/** The stack dev, staging and prod run, from its values. */
export function appStack(v: AppStackValues): EnvironmentDefinition {
  const ip = (host: number) => `${v.network}.${host}`;
  const storageClass = `${v.name}-nfs`;
  return {
    name: v.name,
    cluster: v.cluster,
    namespace: v.name,
    quota: v.quota,
    containerLimits: v.containerLimits,
    claimSize: v.claimSize,
    routeOutput: v.routes?.output,
    gateway: v.routes ? { name: v.name, gatewayClassName: v.routes.gatewayClassName, address: { pool: `${v.name}-pool`, ip: ip(v.pool[0] + 1) } } : undefined,
    // The NAS exports /exports/<env>: media (static, shared read-only by web) and dynamic/ for csi-driver-nfs.
    nfsStorage: [{
      server: v.nfsServer,
      mountOptions: ['nfsvers=4.1', 'hard'],
      volumes: [{ name: `${v.name}-shared-media`, path: `/exports/${v.name}/media`, capacity: v.mediaCapacity, claim: { name: 'shared-media' } }],
      storageClass: {
        name: storageClass,
        share: `/exports/${v.name}/dynamic`,
        subDir: '${pvc.metadata.namespace}/${pvc.metadata.name}',
        // NFS ignores fsGroup: each volume directory is made group-and-world writable so non-root pods can write.
        mountPermissions: '0777',
      },
    }],
    addressPools: [
      { name: `${v.name}-pool`, addresses: [`${ip(v.pool[0])}-${ip(v.pool[1])}`] },
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
        minReplicas: v.hello.minReplicas,
        maxReplicas: v.hello.maxReplicas,
        cpuUtilization: 70,
        memoryUtilization: 80,
        scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
        service: { port: 80, pool: `${v.name}-pool`, ip: ip(v.pool[0]) },
      },
    ],
    nodePortApps: [
      {
        name: 'web',
        image: 'nginxinc/nginx-unprivileged:1.27-alpine',
        containerPort: 8080,
        port: 80,
        nodePort: v.webNodePort,
        replicas: v.webReplicas,
        readiness: { httpPath: '/' },
        liveness: { httpPath: '/' },
        claims: [{ claim: 'shared-media', mountPath: '/srv/media', readOnly: true }],
        // The stack's one client of kv: its NetworkPolicy admits web's pods, and no other pod, to kv:6379.
        connections: [{ to: 'kv', port: 6379 }],
      },
    ],
    ingressRoutes: [
      {
        name: 'apps',
        hosts: [{
          host: v.host,
          paths: [
            { path: '/', backend: { app: 'web' } },
            { path: '/hello', backend: { app: 'hello', port: 80 } },
          ],
        }],
        // The operators' private CA, a cert-manager ClusterIssuer named lab-ca, signs the certificate.
        tls: [{ hosts: [v.host], secretName: v.tlsSecret, certManager: { issuer: 'lab-ca' } }],
        // An HTTPRoute has no body limit (it is the Gateway implementation's policy), so a migrating
        // environment sets it there instead of in an nginx annotation the HTTPRoute could not carry.
        proxyBodySize: v.routes ? undefined : '8m',
      },
    ],
    statefulSets: [keyValueStore(v.kv.replicas, v.kv.storage, storageClass)],
    nodeDaemons: v.nodeExporter ? [nodeExporter(`${v.name}-node-agents`)] : [],
  };
}

/**
 * `kv`: Redis as its image's redis user (999), `replicas` pods started in order, each with its own claim
 * of `storage` from `storageClass`; it writes only to /data (that claim) and /tmp.
 */
export function keyValueStore(replicas: number, storage: string, storageClass: string): NonNullable<EnvironmentDefinition['statefulSets']>[number] {
  return {
    name: 'kv',
    image: 'redis:7.2.5-alpine',
    containerPort: 6379,
    runAsUser: 999,
    args: ['--appendonly', 'yes', '--dir', '/data'],
    replicas,
    volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage, storageClass }],
  };
}

/**
 * node-exporter on every node, control plane included, in namespace `namespace`: the host access it
 * needs makes that namespace "privileged", so it is not the apps' one.
 */
export function nodeExporter(namespace: string): NonNullable<EnvironmentDefinition['nodeDaemons']>[number] {
  return {
    name: 'node-exporter',
    namespace,
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
    // node-exporter reads filesystem usage of every mount below the node's root (--path.rootfs), so it needs
    // the node's root itself, read-only: beyond the safe host paths, hence the explicit opt-in.
    allowUnsafeHostPaths: true,
    tolerateControlPlane: true,
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    maxUnavailable: 1,
    // Scraped from the environment's networkPolicy.monitoringNamespace, when one is declared (none is shipped).
    metricsPorts: [9100],
  };
}
