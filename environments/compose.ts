import { Construct } from 'constructs';
import * as kplus from 'cdk8s-plus-27';
import {
  ChartTier, checkInt, checkPort, Environment, fail, hardenPods, IngressRoutes, MetalLbL2Pool, NodePortApp, secureContainer, stableService,
} from '../lib';
import { EnvironmentDefinition } from './definition';

/** Turns one environment definition into an Environment and its charts. */
export function composeEnvironment(scope: Construct, def: EnvironmentDefinition): Environment {
  const env = new Environment(scope, def.name, def);
  const pools = new Map<string, MetalLbL2Pool>();
  const services = new Map<string, kplus.Service>();
  if (def.addressPools?.length) {
    const chart = env.addChart('metallb', ChartTier.PLATFORM, { namespaced: false });
    for (const props of def.addressPools) pools.set(props.name, new MetalLbL2Pool(chart, props.name, props));
  }
  for (const app of def.loadBalancedApps ?? []) {
    const chart = env.addChart(app.name);
    const deployment = new kplus.Deployment(chart, 'Deployment', {
      metadata: { name: app.name },
      replicas: checkInt(chart, 'replicas', app.replicas ?? 2, 0, 1000),
      select: false,
      containers: [secureContainer(chart, app.name, app)],
    });
    hardenPods(deployment, app.name);
    const service = stableService(chart, app.name, {
      type: kplus.ServiceType.LOAD_BALANCER,
      ports: [{ name: 'http', port: checkPort(chart, 'port', app.port), targetPort: app.containerPort }],
    });
    const pool = pools.get(app.pool) ?? fail(chart, 'pool', app.pool, `is not one of this environment's addressPools (${[...pools.keys()].join(', ') || 'none'})`);
    pool.assign(service, app);
    services.set(app.name, service);
  }
  for (const app of def.nodePortApps ?? []) services.set(app.name, new NodePortApp(env.addChart(app.name), app.name, app).service);
  for (const routes of def.ingressRoutes ?? []) {
    const chart = env.addChart(`ingress-${routes.name}`, ChartTier.ROUTES);
    const hosts = routes.hosts.map((h, i) => ({
      ...h,
      paths: h.paths.map((p, j) => {
        const { app, ...backend } = p.backend;
        if (app === undefined) return { ...p, backend };
        const service = services.get(app)
          ?? fail(chart, `hosts[${i}].paths[${j}].backend.app`, app, `is not an app of this environment (${[...services.keys()].sort().join(', ') || 'none'})`);
        return { ...p, backend: { ...backend, service } };
      }),
    }));
    new IngressRoutes(chart, routes.name, { ...routes, hosts });
  }
  return env;
}
