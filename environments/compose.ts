import { Construct } from 'constructs';
import * as kplus from 'cdk8s-plus-27';
import {
  AutoscaledApp, ChartTier, Cluster, ClaimMount, ClaimRef, connectApps, Environment, fail, HttpGateway, IngressRoutes, MetalLbL2Pool, NfsStorage, NodeDaemon, NodePortApp,
  OrderedStatefulSet, RedisStore, StorageClassRef, VolumeClaimTemplate,
} from '../lib';
import { checkProps, ENVIRONMENT_DEFINITION } from '../lib/checks/prop-shapes';
import { clusters as shippedClusterDefinitions } from './clusters';
import { ClaimMountDefinition, ConnectionDefinition, EnvironmentDefinition, OrderedStatefulSetDefinition } from './definition';

/** The shipped clusters (environments/clusters.ts), created once per app so its environments share them. */
const shippedClusters = new WeakMap<object, Map<string, Cluster>>();
function shippedClustersOf(scope: Construct): Map<string, Cluster> {
  const root = scope.node.root;
  let byName = shippedClusters.get(root);
  if (!byName) {
    byName = new Map(shippedClusterDefinitions.map((c) => [c.name, new Cluster(c)]));
    shippedClusters.set(root, byName);
  }
  return byName;
}

/**
 * Turns one environment definition into an Environment and its charts, on the cluster it names (one of
 * `clusters`, by name).
 * @param clusters the clusters, by name @default - those of environments/clusters.ts, one instance per app
 */
export function composeEnvironment(scope: Construct, def: EnvironmentDefinition, clusters: ReadonlyMap<string, Cluster> = shippedClustersOf(scope)): Environment {
  const where = `${scope.node.path ? `${scope.node.path}/` : ''}${typeof def?.name === 'string' ? def.name : 'definition'}`;
  checkProps(where, def, ENVIRONMENT_DEFINITION);
  checkUniqueNames(where, def);
  const { nfsStorage, addressPools, autoscaledApps, nodePortApps, statefulSets, redisStores, nodeDaemons, ingressRoutes, gateway, cluster: clusterName, ...envProps } = def;
  const cluster = clusterName === undefined ? undefined
    : clusters.get(clusterName) ?? fail(where, 'cluster', clusterName, `is not a cluster of environments/clusters.ts (${[...clusters.keys()].join(', ') || 'none'})`);
  const env = new Environment(scope, def.name, { ...envProps, cluster });
  const pools = new Map<string, MetalLbL2Pool>();
  const services = new Map<string, kplus.Service | undefined>();
  const claims = new Map<string, ClaimRef>();
  const classes = new Map<string, StorageClassRef>();
  /** Each app built, by name, with the chart it is in and the connections it names (resolved once all exist). */
  const apps = new Map<string, { app: Construct; chart: Construct; connections?: ConnectionDefinition[] }>();
  if (def.nfsStorage?.length) {
    const chart = env.addChart('storage', ChartTier.CLUSTER, { namespaced: false });
    def.nfsStorage.forEach((props, i) => {
      const storage = new NfsStorage(chart, `nfs-${i}`, props);
      for (const c of storage.claims) claims.set(c.claimName, c);
      if (props.storageClass) classes.set(props.storageClass.name, storage.storageClassRef);
    });
  }
  /** Resolves named claim mounts against the environment's NFS claims. */
  const mounts = (where: Construct, named: ClaimMountDefinition[] | undefined): ClaimMount[] | undefined => named?.map((m, i) => ({
    ...m,
    claim: claims.get(m.claim) ?? fail(where, `claims[${i}].claim`, m.claim, `is not a claim of this environment's nfsStorage (${[...claims.keys()].sort().join(', ') || 'none'})`),
  }));
  if (def.addressPools?.length) {
    const chart = env.addChart('metallb', ChartTier.PLATFORM, { namespaced: false });
    for (const props of def.addressPools) pools.set(props.name, new MetalLbL2Pool(chart, props.name, props));
  }
  for (const app of def.autoscaledApps ?? []) {
    const chart = env.addChart(app.name);
    const { service, connections, ...rest } = app;
    const pool = service && service.pool !== undefined
      ? pools.get(service.pool) ?? fail(chart, 'service.pool', service.pool, `is not one of this environment's addressPools (${[...pools.keys()].join(', ') || 'none'})`)
      : undefined;
    const built = new AutoscaledApp(chart, app.name, { ...rest, claims: mounts(chart, app.claims), service: service ? { ...service, pool } : service });
    services.set(app.name, built.service);
    apps.set(app.name, { app: built, chart, connections });
  }
  for (const app of def.nodePortApps ?? []) {
    const chart = env.addChart(app.name);
    const { connections, ...props } = app;
    const built = new NodePortApp(chart, app.name, { ...props, claims: mounts(chart, app.claims) });
    services.set(app.name, built.service);
    apps.set(app.name, { app: built, chart, connections });
  }
  /** Resolves claim templates' StorageClass names against the environment's NFS classes (other names pass as they are). */
  const templates = (named: OrderedStatefulSetDefinition['volumeClaimTemplates']): VolumeClaimTemplate[] | undefined =>
    named?.map((t) => ({ ...t, storageClass: t.storageClass === undefined ? undefined : classes.get(t.storageClass) ?? t.storageClass }));
  for (const set of def.statefulSets ?? []) {
    const chart = env.addChart(set.name);
    const { connections, ...props } = set;
    const built = new OrderedStatefulSet(chart, set.name, { ...props, claims: mounts(chart, set.claims), volumeClaimTemplates: templates(set.volumeClaimTemplates) });
    services.set(set.name, built.service);
    apps.set(set.name, { app: built, chart, connections });
  }
  for (const store of def.redisStores ?? []) {
    const chart = env.addChart(store.name);
    const { connections, ...props } = store;
    const built = new RedisStore(chart, store.name, { ...props, claims: mounts(chart, store.claims), volumeClaimTemplates: templates(store.volumeClaimTemplates) });
    services.set(store.name, built.service);
    apps.set(store.name, { app: built, chart, connections });
  }
  for (const daemon of def.nodeDaemons ?? []) {
    if (daemon.namespace !== undefined) env.addNamespace(daemon.namespace);
    const chart = env.addChart(daemon.name, ChartTier.APPS, { namespace: daemon.namespace });
    const { namespace, connections, ...props } = daemon;
    apps.set(daemon.name, { app: new NodeDaemon(chart, daemon.name, { ...props, claims: mounts(chart, daemon.claims) }), chart, connections });
  }
  // Connections name apps, which may come later in the definition: resolved once every app exists.
  for (const { app, chart, connections } of apps.values()) {
    (connections ?? []).forEach((c, i) => {
      const to = apps.get(c.to)?.app ?? fail(chart, `connections[${i}].to`, c.to, `is not an app of this environment (${[...apps.keys()].sort().join(', ') || 'none'})`);
      connectApps(app, to, c.port, `connections[${i}]`);
    });
  }
  if (def.gateway) {
    const chart = env.addChart('gateway', ChartTier.ROUTES);
    const { address, ...rest } = def.gateway;
    const pool = address === undefined ? undefined
      : pools.get(address.pool) ?? fail(chart, 'gateway.address.pool', address.pool, `is not one of this environment's addressPools (${[...pools.keys()].join(', ') || 'none'})`);
    new HttpGateway(chart, def.gateway.name, { ...rest, address: pool ? { ...address!, pool } : undefined });
  }
  for (const routes of def.ingressRoutes ?? []) {
    const chart = env.addChart(`ingress-${routes.name}`, ChartTier.ROUTES);
    const hosts = routes.hosts.map((h, i) => ({
      ...h,
      paths: h.paths.map((p, j) => {
        const { app, ...backend } = p.backend;
        if (app === undefined) return { ...p, backend };
        if (!services.has(app)) {
          fail(chart, `hosts[${i}].paths[${j}].backend.app`, app, `is not an app of this environment (${[...services.keys()].sort().join(', ') || 'none'})`);
        }
        return { ...p, backend: { ...backend, service: services.get(app) ?? fail(chart, `hosts[${i}].paths[${j}].backend.app`, app, 'has no Service') } };
      }),
    }));
    new IngressRoutes(chart, routes.name, { ...routes, hosts });
  }
  return env;
}

/**
 * Names that become chart or construct ids must be unique within a definition: each app, StatefulSet and
 * daemon is a chart `<name>`, each pool a construct `<name>`, each ingress a chart `ingress-<name>`.
 */
function checkUniqueNames(where: string, def: EnvironmentDefinition): void {
  const lists: Array<[string, ReadonlyArray<{ readonly name: string }> | undefined, string]> = [
    ['autoscaledApps', def.autoscaledApps, 'chart'], ['nodePortApps', def.nodePortApps, 'chart'], ['statefulSets', def.statefulSets, 'chart'], ['redisStores', def.redisStores, 'chart'],
    ['nodeDaemons', def.nodeDaemons, 'chart'], ['addressPools', def.addressPools, 'pool'], ['ingressRoutes', def.ingressRoutes, 'ingress'],
  ];
  const seen = new Map<string, string>();
  for (const [field, list, space] of lists) {
    (list ?? []).forEach((item, i) => {
      const key = `${space}\u0000${item.name}`;
      const first = seen.get(key);
      if (first !== undefined) fail(where, `${field}[${i}].name`, item.name, `is already the name of ${first} (each name is one chart or construct of the environment)`);
      seen.set(key, `${field}[${i}]`);
    });
  }
}
