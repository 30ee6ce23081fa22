/**
 * environments/compose.ts, which turns a definition into an Environment and its charts, on fixtures of its
 * own (a cluster and a definition made here): never the shipped environments, which a user may change.
 */
import { App } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { composeEnvironment } from '../environments/compose';
import { EnvironmentDefinition } from '../environments/definition';
import { Cluster, hardenPods, MetalLbL2Pool, renderApp, secureContainer, stableService } from '../lib';
import { manifests, testEnv } from './helpers';

/** A two-node cluster on 10.1.0.0/24 (gateway .1, control plane .10, worker .11, NAS .50 reserved). */
const site = () => new Cluster({
  name: 'site',
  nodes: [{ name: 'site-cp', address: '10.1.0.10', role: 'control-plane' }, { name: 'site-worker', address: '10.1.0.11', role: 'worker' }],
  nodeNetwork: { cidr: '10.1.0.0/24', gateway: '10.1.0.1', reserved: ['10.1.0.50'] },
});

const hello = {
  name: 'hello', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080, runAsUser: 101, runAsGroup: 101, writablePaths: ['/tmp'],
  readiness: { httpPath: '/' }, liveness: { httpPath: '/' }, minReplicas: 2, maxReplicas: 4, cpuUtilization: 70,
  service: { port: 80, pool: 'shop-pool', ip: '10.1.0.200' },
};

/** An environment on `site`: a pool and one app pinned to its first address. */
const shop: EnvironmentDefinition = {
  name: 'shop', cluster: 'site', addressPools: [{ name: 'shop-pool', addresses: ['10.1.0.200-10.1.0.219'] }], autoscaledApps: [hello],
};

function compose(def: EnvironmentDefinition): App {
  const app = new App();
  composeEnvironment(app, def, new Map([['site', site()]]));
  return app;
}

describe('composing an environment', () => {
  test('renaming construct ids changes no name, selector or label', () => {
    const build = (ids: { pool: string; deployment: string; chart: string }) => {
      const { app, env } = testEnv();
      const pool = new MetalLbL2Pool(env.addChart('metallb'), ids.pool, { name: 'pool', addresses: ['10.0.0.0/28'] });
      const chart = env.addChart(ids.chart);
      const deployment = new kplus.Deployment(chart, ids.deployment, {
        metadata: { name: 'web' }, select: false, containers: [secureContainer(chart, 'web', { image: 'app:1.0.0', containerPort: 8080 })],
      });
      hardenPods(deployment, 'web');
      pool.assign(stableService(chart, 'web', { type: kplus.ServiceType.LOAD_BALANCER, ports: [{ port: 80, targetPort: 8080 }] }));
      return manifests(app);
    };
    const before = build({ pool: 'pool', deployment: 'Deployment', chart: 'web' });
    const after = build({ pool: 'renamed-pool', deployment: 'RenamedDeployment', chart: 'renamed-chart' });
    expect(after).toEqual(before);
    expect(JSON.stringify(before)).not.toContain('cdk8s.io/metadata.addr');
  });

  test('an app whose pool is not defined is refused with the pools that are', () => {
    const def: EnvironmentDefinition = { ...shop, autoscaledApps: [{ ...hello, service: { ...hello.service, pool: 'prod-pool' } }] };
    expect(() => compose(def)).toThrow('shop/hello: service.pool "prod-pool" is not one of this environment\'s addressPools (shop-pool)');
  });

  test('an app with an unpinned image is refused', () => {
    const def: EnvironmentDefinition = { ...shop, autoscaledApps: [{ ...hello, image: 'nginx' }] };
    expect(() => compose(def)).toThrow('shop/hello/hello: image "nginx" is not pinned');
  });

  test('an address outside the pool is refused', () => {
    const def: EnvironmentDefinition = { ...shop, autoscaledApps: [{ ...hello, service: { ...hello.service, ip: '10.1.0.10' } }] };
    expect(() => compose(def)).toThrow('ip "10.1.0.10" is not an address pool "shop-pool" can hand out');
  });

  test('a pool over a reserved address of its cluster is refused', () => {
    const def: EnvironmentDefinition = { ...shop, addressPools: [{ name: 'shop-pool', addresses: ['10.1.0.40-10.1.0.59'] }], autoscaledApps: [] };
    expect(() => compose(def)).toThrow('shop/metallb/shop-pool: addresses[0] "10.1.0.40-10.1.0.59" contains reserved address(es) "10.1.0.50" (node, gateway or VIP addresses must stay out of MetalLB pools)');
  });

  test('a cluster that is not given is refused with those that are', () => {
    expect(() => compose({ ...shop, cluster: 'elsewhere' })).toThrow('shop: cluster "elsewhere" is not a cluster of environments/clusters.ts (site)');
  });

  test('the output renders one file per chart, in the cluster\'s folder', () => expect(renderApp(compose(shop)).map((f) => f.file)).toEqual([
    'site/shop/00-cluster.yaml', 'site/shop/10-namespace.yaml', 'site/shop/10-network-policies.yaml', 'site/shop/20-metallb.yaml', 'site/shop/50-hello.yaml',
  ]));
});
