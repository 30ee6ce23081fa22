import { Construct } from 'constructs';
import * as kplus from 'cdk8s-plus-27';
import { AutoscaledApp, ChartTier, Environment, fail, IngressRoutes, MetalLbL2Pool, NodeDaemon, NodePortApp } from '../lib';
import { EnvironmentDefinition } from './definition';

/** Turns one environment definition into an Environment and its charts. */
export function composeEnvironment(scope: Construct, def: EnvironmentDefinition): Environment {
  const env = new Environment(scope, def.name, def);
  const pools = new Map<string, MetalLbL2Pool>();
  const services = new Map<string, kplus.Service | undefined>();
  if (def.addressPools?.length) {
    const chart = env.addChart('metallb', ChartTier.PLATFORM, { namespaced: false });
    for (const props of def.addressPools) pools.set(props.name, new MetalLbL2Pool(chart, props.name, props));
  }
  for (const app of def.autoscaledApps ?? []) {
    const chart = env.addChart(app.name);
    const { service, ...rest } = app;
    const pool = service && service.pool !== undefined
      ? pools.get(service.pool) ?? fail(chart, 'service.pool', service.pool, `is not one of this environment's addressPools (${[...pools.keys()].join(', ') || 'none'})`)
      : undefined;
    const built = new AutoscaledApp(chart, app.name, { ...rest, service: service ? { ...service, pool } : service });
    services.set(app.name, built.service);
  }
  for (const app of def.nodePortApps ?? []) services.set(app.name, new NodePortApp(env.addChart(app.name), app.name, app).service);
  for (const daemon of def.nodeDaemons ?? []) {
    if (daemon.namespace !== undefined) env.addNamespace(daemon.namespace);
    new NodeDaemon(env.addChart(daemon.name, ChartTier.APPS, { namespace: daemon.namespace }), daemon.name, daemon);
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
