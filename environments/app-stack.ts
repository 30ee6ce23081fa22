import { ClaimSizeProps, ContainerLimitsProps, QuotaProps, RouteOutput } from '../lib';
import { appIssuer } from './clusters';
import { EnvironmentDefinition } from './definition';
import { NGINX_UNPRIVILEGED, NODE_EXPORTER_IMAGE, REDIS, runs } from './images';

/**
 * The values that make dev, staging and prod differ. They run the same stack (see {@link appStack}):
 * `hello` autoscaled behind a MetalLB address, `web` autoscaled behind the TLS route only, serving a shared NFS volume
 * at /media/, `kv` a Redis primary with replicas and a volume per pod, optionally node-exporter on every node of the cluster, and an Ingress
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
  /**
   * Whether this environment runs node-exporter (host network, :9100) on every node of its cluster: only one
   * environment per cluster may, since two would bind the same port of each node.
   */
  readonly nodeExporter: boolean;
  /** DNS name the Ingress serves. */
  readonly host: string;
  /** TLS Secret the Ingress uses (signed by its cluster's issuer, see `appIssuer` in clusters.ts). */
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
  /** Autoscaling bounds of `web`. */
  readonly web: { readonly minReplicas: number; readonly maxReplicas: number };
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
        // The unprivileged nginx build listens on 8080 as user 101 and writes only to /tmp (environments/images.ts).
        ...runs(NGINX_UNPRIVILEGED),
        minReplicas: v.hello.minReplicas,
        maxReplicas: v.hello.maxReplicas,
        cpuUtilization: 70,
        memoryUtilization: 80,
        scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
        service: { port: 80, pool: `${v.name}-pool`, ip: ip(v.pool[0]) },
      },
      {
        // Served only through the TLS route (a ClusterIP Service): no clear-text port on the nodes.
        name: 'web',
        ...runs(NGINX_UNPRIVILEGED),
        minReplicas: v.web.minReplicas,
        maxReplicas: v.web.maxReplicas,
        cpuUtilization: 70,
        // nginx-unprivileged serves /usr/share/nginx/html at "/" (its default.conf), so the share is served
        // at /media/; the front page stays in the image and needs no NAS.
        claims: [{ claim: 'shared-media', mountPath: '/usr/share/nginx/html/media', readOnly: true }],
        service: { port: 80 },
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
            // hello's nginx serves its page at "/": the prefix is stripped, so /hello reaches it as "/".
            { path: '/hello', prefix: 'strip', backend: { app: 'hello', port: 80 } },
          ],
        }],
        // The cluster's CA (its first issuer, environments/clusters.ts) signs the certificate.
        tls: [{ hosts: [v.host], secretName: v.tlsSecret, certManager: { issuer: appIssuer(v.cluster) } }],
        // An HTTPRoute has no body limit (it is the Gateway implementation's policy), so a migrating
        // environment sets it there instead of in an nginx annotation the HTTPRoute could not carry.
        proxyBodySize: v.routes ? undefined : '8m',
      },
    ],
    redisStores: [keyValueStore(v.kv.replicas, v.kv.storage, storageClass)],
    nodeDaemons: v.nodeExporter ? [nodeExporter(`${v.name}-node-agents`)] : [],
  };
}

/**
 * `kv`: Redis as its image's redis user, one primary (`kv-0`, written through the Service `kv-primary`)
 * and `replicas - 1` read-only replicas, started in order, each with its own claim of `storage` from
 * `storageClass`; it writes only to /data (that claim). Redis 7.2.16 is the newest patch of the
 * 7.2 line (BSD-licensed, the line 7.2.5 was on): 7.2.5 lacks the fixes of CVE-2024-31449, CVE-2024-31227,
 * CVE-2024-31228 (7.2.6), CVE-2024-46981, CVE-2024-51741 (7.2.7), CVE-2025-21605 (7.2.8), CVE-2025-32023,
 * CVE-2025-48367 (7.2.10), CVE-2025-49844 (Lua use-after-free, remote code execution), CVE-2025-46817,
 * CVE-2025-46818, CVE-2025-46819 (7.2.11) and of the 2026 releases 7.2.13 and 7.2.15.
 *
 * Image facts (docker-library redis 7.2/alpine/Dockerfile): user redis is uid 999, group 1000; it listens on
 * 6379 (EXPOSE) and writes to its WORKDIR /data only; health is an authenticated `redis-cli ping` (RedisStore).
 *
 * Before the first roll-out the operators create its password in the namespace:
 * `kubectl -n <namespace> create secret generic kv-auth --from-literal=password="$(openssl rand -hex 32)"`.
 */
export function keyValueStore(replicas: number, storage: string, storageClass: string): NonNullable<EnvironmentDefinition['redisStores']>[number] {
  return {
    name: 'kv',
    ...runs(REDIS, { claimed: ['/data'] }),
    auth: { secretName: 'kv-auth', key: 'password' },
    // Its replicas replicate from kv-0 on 6379: their own NetworkPolicy admits them.
    connections: [{ to: 'kv', port: 6379 }],
    // Requests equal to limits: a data store is not the pod the kubelet should evict first under memory pressure.
    // maxmemory is half the limit (128Mi), with noeviction: a full store refuses writes rather than dropping keys.
    resources: { cpuRequest: '100m', memoryRequest: '256Mi', cpuLimit: '500m', memoryLimit: '256Mi' },
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
    // The image's USER is the name "nobody", which the kubelet refuses under runAsNonRoot: runs() sets its
    // uid and gid 65534 as numbers (environments/images.ts). It writes nothing.
    ...runs(NODE_EXPORTER_IMAGE),
    args: ['--path.rootfs=/host/root', ...NODE_EXPORTER_IMAGE.args!],
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
