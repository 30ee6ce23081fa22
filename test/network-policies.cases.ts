import { ApiObject, App } from 'cdk8s';
import { IConstruct } from 'constructs';
import { composeEnvironment } from '../environments/compose';
import { EnvironmentDefinition } from '../environments/definition';
import {
  AutoscaledApp, ChartTier, Environment, EnvironmentProps, HttpGateway, IngressRoutes, MetalLbL2Pool, NodeDaemon, NodePortApp, OrderedStatefulSet, renderApp,
} from '../lib';
import { NetworkFacts, networkPolicies, unreachableServices } from '../lib/checks/network-policy';
import { DEFAULT_NETWORK_FACTS } from '../lib/checks';
import { manifests, testEnv } from './helpers';
import { refusal } from './adversarial/refusals';

const IMAGE = 'nginxinc/nginx-unprivileged:1.27-alpine';
const OUTSIDE = [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }];
const INGRESS_NGINX = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
  podSelector: { matchLabels: { 'app.kubernetes.io/component': 'controller', 'app.kubernetes.io/instance': 'ingress-nginx', 'app.kubernetes.io/name': 'ingress-nginx' } },
};
const pods = (name: string) => ({ matchLabels: { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': name } });
const policies = (all: Array<Record<string, any>>) => all.filter((m) => m.kind === 'NetworkPolicy');
const policy = (all: Array<Record<string, any>>, namespace: string, name: string) => {
  const found = policies(all).filter((p) => p.metadata.namespace === namespace && p.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one NetworkPolicy ${namespace}/${name}, found ${found.length}`);
  return found[0];
};

/** An environment with `web` (NodePort 80 → 8080), `kv` (StatefulSet 6379) and `api` (ClusterIP 80 → 8080). */
function stack(envProps: Partial<EnvironmentProps> = {}, webProps: Record<string, unknown> = {}) {
  const { app, env } = testEnv(envProps);
  const kv = new OrderedStatefulSet(env.addChart('kv'), 'kv', { name: 'kv', image: 'redis:7.2.5-alpine', containerPort: 6379, runAsUser: 999 });
  const api = new AutoscaledApp(env.addChart('api'), 'api', { name: 'api', image: IMAGE, containerPort: 8080, service: { port: 80 }, maxReplicas: 3, cpuUtilization: 70 });
  const web = new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, port: 80, connections: [{ to: kv }, { to: api, port: 80 }], ...webProps });
  return { app, env, kv, api, web };
}

describe('NetworkPolicies written for an environment', () => {
  test('default deny of ingress in each namespace with workloads, and policies admitting exactly the declared flows on container ports', () => {
    const { app } = stack();
    const all = manifests(app);
    expect(policy(all, 'dev', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    // NodePort: any source (SNAT under externalTrafficPolicy Cluster), on the container port 8080, not the Service port 80.
    expect(policy(all, 'dev', 'allow-web').spec).toEqual({ podSelector: pods('web'), policyTypes: ['Ingress'], ingress: [{ from: OUTSIDE, ports: [{ protocol: 'TCP', port: 8080 }] }] });
    expect(policy(all, 'dev', 'allow-kv').spec).toEqual({
      podSelector: pods('kv'), policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: pods('web') }], ports: [{ protocol: 'TCP', port: 6379 }] }],
    });
    // Connected through the Service port 80: admitted on the container port it targets.
    expect(policy(all, 'dev', 'allow-api').spec.ingress).toEqual([{ from: [{ podSelector: pods('web') }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    expect(policies(all).map((p) => p.metadata.name).sort()).toEqual(['allow-api', 'allow-kv', 'allow-web', 'default-deny']);
  });

  test('an Ingress backend is admitted from the ingress-nginx controller pods, an HTTPRoute backend from its Gateway\'s data plane', () => {
    const { app, env, api } = stack({ routeOutput: 'both' });
    new HttpGateway(env.addChart('gateway', ChartTier.ROUTES), 'gw', { name: 'gw', gatewayClassName: 'nginx' });
    new IngressRoutes(env.addChart('routes', ChartTier.ROUTES), 'routes', { name: 'apps', hosts: [{ host: 'apps.example.com', paths: [{ path: '/', backend: { service: api.service! } }] }] });
    expect(policy(manifests(app), 'dev', 'allow-api').spec.ingress).toEqual([
      { from: [INGRESS_NGINX], ports: [{ protocol: 'TCP', port: 8080 }] },
      { from: [{ podSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'gw' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
      { from: [{ podSelector: pods('web') }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
  });

  test('a Gateway\'s data plane (NGF runs it in the Gateway\'s namespace) is admitted from outside on its listener ports; with denyEgress it may reach its backends and the NGF control plane', () => {
    const build = (denyEgress: boolean) => {
      const { app, env, api } = stack({ routeOutput: 'HTTPRoute', networkPolicy: { denyEgress } });
      new HttpGateway(env.addChart('gateway', ChartTier.ROUTES), 'gw', { name: 'gw', gatewayClassName: 'nginx' });
      new IngressRoutes(env.addChart('routes', ChartTier.ROUTES), 'routes', { name: 'apps', hosts: [{ host: 'apps.example.com', paths: [{ path: '/', backend: { service: api.service! } }] }] });
      return manifests(app);
    };
    const all = build(false);
    const listeners = [...new Set(all.find((m) => m.kind === 'Gateway')!.spec.listeners.map((l: any) => l.port))].sort() as number[];
    expect(listeners.length).toBeGreaterThan(0);
    const dataPlane = { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'gw' } };
    expect(policy(all, 'dev', 'allow-gateway-gw').spec).toEqual({
      podSelector: dataPlane, policyTypes: ['Ingress'], ingress: [{ from: OUTSIDE, ports: listeners.map((port) => ({ protocol: 'TCP', port })) }],
    });
    expect(policy(build(true), 'dev', 'allow-gateway-gw').spec.egress).toEqual([
      { to: [{ podSelector: pods('api') }], ports: [{ protocol: 'TCP', port: 8080 }] },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'nginx-gateway' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'nginx-gateway-fabric' } } }], ports: [{ protocol: 'TCP', port: 8443 }] },
    ]);
  });

  test('the controllers are environment props: another ingress controller, a Gateway data plane in its own namespace', () => {
    const { app, env, api } = stack({
      routeOutput: 'both',
      networkPolicy: { ingressController: { namespace: 'traefik', podLabels: { 'app.kubernetes.io/name': 'traefik' } }, gatewayDataPlane: { namespace: 'envoy-gateway-system', podLabels: { gateway: 'gw' } } },
    });
    new HttpGateway(env.addChart('gateway', ChartTier.ROUTES), 'gw', { name: 'gw', gatewayClassName: 'eg' });
    new IngressRoutes(env.addChart('routes', ChartTier.ROUTES), 'routes', { name: 'apps', hosts: [{ host: 'apps.example.com', paths: [{ path: '/', backend: { service: api.service! } }] }] });
    const from = policy(manifests(app), 'dev', 'allow-api').spec.ingress.slice(0, 2).map((r: any) => r.from[0]);
    expect(from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'traefik' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } }, podSelector: { matchLabels: { gateway: 'gw' } } },
    ]);
  });

  test('a LoadBalancer Service (MetalLB) is admitted from any IPv4 and IPv6 source on its target port', () => {
    const { app, env } = testEnv();
    const pool = new MetalLbL2Pool(env.addChart('metallb', ChartTier.PLATFORM, { namespaced: false }), 'pool', { name: 'pool', addresses: ['10.0.0.200-10.0.0.210'] });
    new AutoscaledApp(env.addChart('lb'), 'lb', { name: 'lb', image: IMAGE, containerPort: 8080, maxReplicas: 2, cpuUtilization: 70, service: { port: 80, pool } });
    expect(policy(manifests(app), 'dev', 'allow-lb').spec.ingress).toEqual([{ from: OUTSIDE, ports: [{ protocol: 'TCP', port: 8080 }] }]);
  });

  test('connectTo: a target created later; a connection across namespaces names the namespace by kubernetes.io/metadata.name', () => {
    const { app, env } = testEnv();
    env.addNamespace('agents');
    const agent = new NodeDaemon(env.addChart('agent', ChartTier.APPS, { namespace: 'agents' }), 'agent', { name: 'agent', image: IMAGE, containerPort: 9100 });
    const kv = new OrderedStatefulSet(env.addChart('kv'), 'kv', { name: 'kv', image: 'redis:7.2.5-alpine', containerPort: 6379, runAsUser: 999 });
    agent.connectTo(kv, 6379);
    const all = manifests(app);
    expect(policy(all, 'agents', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    expect(policy(all, 'dev', 'allow-kv').spec.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'agents' } }, podSelector: pods('agent') }], ports: [{ protocol: 'TCP', port: 6379 }],
    }]);
  });

  test('metrics ports are admitted from the monitoring namespace only when one is declared', () => {
    const build = (monitoringNamespace?: string) => {
      const { app, env } = testEnv({ networkPolicy: { monitoringNamespace } });
      new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, metricsPorts: [8080] });
      return policy(manifests(app), 'dev', 'allow-web').spec.ingress;
    };
    expect(build('monitoring')).toEqual([
      { from: OUTSIDE, ports: [{ protocol: 'TCP', port: 8080 }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
    expect(build(undefined)).toEqual([{ from: OUTSIDE, ports: [{ protocol: 'TCP', port: 8080 }] }]);
  });

  test('denyEgress: egress denied too, DNS to kube-dns allowed, the declared connections let out', () => {
    const { app } = stack({ networkPolicy: { denyEgress: true } });
    const all = manifests(app);
    expect(policy(all, 'dev', 'default-deny').spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy(all, 'dev', 'allow-dns').spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      }],
    });
    const web = policy(all, 'dev', 'allow-web').spec;
    expect(web.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(web.egress).toEqual([
      { to: [{ podSelector: pods('kv') }], ports: [{ protocol: 'TCP', port: 6379 }] },
      { to: [{ podSelector: pods('api') }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
  });

  test('each synth writes the policies again from the tree as it is then', () => {
    const { app, env, api } = stack();
    expect(policy(manifests(app), 'dev', 'allow-api').spec.ingress).toHaveLength(1);
    new IngressRoutes(env.addChart('routes', ChartTier.ROUTES), 'routes', { name: 'apps', hosts: [{ host: 'apps.example.com', paths: [{ path: '/', backend: { service: api.service! } }] }] });
    const again = manifests(app);
    expect(policy(again, 'dev', 'allow-api').spec.ingress[0]).toEqual({ from: [INGRESS_NGINX], ports: [{ protocol: 'TCP', port: 8080 }] });
    expect(policies(again)).toHaveLength(4);
  });

  test('a pod label an aspect adds (after the policies are written) lands on the Deployment and changes none of the policies', () => {
    const { app, env, api } = stack();
    env.addAspect({ visit: (node: IConstruct) => { if (node === api.deployment) api.deployment.podMetadata.addLabel('team', 'payments'); } });
    const labelled = manifests(app);
    expect(labelled.find((m) => m.kind === 'Deployment' && m.metadata.name === 'api')!.spec.template.metadata.labels.team).toBe('payments');
    expect(policies(labelled)).toEqual(policies(manifests(stack().app)));
  });

  test('a manifest the synth returned is the caller\'s: changing it changes no object of a later synth of the same app (the policies included)', () => {
    const { app } = stack();
    const first = manifests(app);
    const deployment = first.find((m) => m.kind === 'Deployment' && m.metadata.name === 'api')!;
    deployment.spec.selector.matchLabels['app.kubernetes.io/name'] = 'changed';
    deployment.spec.template.metadata.labels['app.kubernetes.io/name'] = 'changed';
    const second = manifests(app);
    expect(policy(second, 'dev', 'allow-api').spec.podSelector).toEqual(pods('api'));
    expect(second.find((m) => m.kind === 'Deployment' && m.metadata.name === 'api')!.spec.selector).toEqual(pods('api'));
  });

  test("without aspects, an object the policies are computed from is rendered once; an aspect anywhere in the app, workload defaults, or a stateful object's protection marks render it again; the same output either way", () => {
    const renders = (build: (s: ReturnType<typeof stack>) => void, envProps: Partial<EnvironmentProps> = {}) => {
      const s = stack(envProps);
      build(s);
      const spy = jest.spyOn(ApiObject.prototype, 'toJson');
      try {
        const out = manifests(s.app);
        const count = (o: ApiObject) => spy.mock.contexts.filter((c) => c === o).length;
        // Each rendering is given once: an app kept after its synth does not keep the manifests alive.
        expect(s.env.renderedEarly(ApiObject.of(s.api.deployment))).toBeUndefined();
        return { out, deployment: count(ApiObject.of(s.api.deployment)), statefulSet: count(ApiObject.of(s.kv.statefulSet)) };
      } finally {
        spy.mockRestore();
      }
    };
    const plain = renders(() => undefined);
    expect([plain.deployment, plain.statefulSet]).toEqual([1, 2]);
    // A no-op aspect in another environment of the app: everything is rendered again, to the same objects.
    const elsewhere = renders(({ app }) => new Environment(app, 'qa', { name: 'qa' }).addAspect({ visit: () => undefined }));
    expect([elsewhere.deployment, elsewhere.statefulSet]).toEqual([2, 2]);
    expect(elsewhere.out.filter((m) => m.metadata?.namespace !== 'qa' && m.metadata?.name !== 'qa')).toEqual(plain.out);
    const stamped = renders(() => undefined, { workloadDefaults: { labels: { team: 'web' } } });
    expect(stamped.deployment).toBe(2);
    expect(stamped.out.find((m) => m.kind === 'Deployment')!.metadata.labels.team).toBe('web');
    expect(plain.out.find((m) => m.kind === 'StatefulSet')!.metadata.annotations).toEqual(expect.objectContaining({ 'argocd.argoproj.io/sync-options': expect.stringContaining('Delete=false') }));
  });

  test('a workload named with 63 characters gets "allow-<name>": a NetworkPolicy name is a DNS-1123 subdomain, with no limit per dot-separated part', () => {
    // API server (apimachinery validation IsDNS1123Subdomain, as NetworkPolicy names are checked): 253 characters in all, parts of any length.
    const names = (length: number) => {
      const { app, env } = testEnv();
      new NodePortApp(env.addChart('web'), 'web', { name: 'w'.repeat(length), image: IMAGE, containerPort: 8080 });
      return policies(manifests(app)).map((p) => p.metadata.name);
    };
    expect(names(57)).toEqual(['default-deny', `allow-${'w'.repeat(57)}`]);
    expect(names(63)).toEqual(['default-deny', `allow-${'w'.repeat(63)}`]);
  });

  test('an environment without workloads writes no policy', () => {
    const { app } = testEnv();
    expect(policies(manifests(app))).toEqual([]);
  });
});

describe('connections and metrics ports that do not exist are refused', () => {
  const kvChart = (env: ReturnType<typeof testEnv>['env']) => new OrderedStatefulSet(env.addChart('kv'), 'kv', { name: 'kv', image: 'redis:7.2.5-alpine', containerPort: 6379, runAsUser: 999 });
  test.each<[string, (env: ReturnType<typeof testEnv>['env']) => void, string[]]>([
    ['a port the target does not have', (env) => new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, connections: [{ to: kvChart(env), port: 6380 }] }),
      ['dev/web/web', 'connections[0].port', '6380', 'is not a port of dev/kv/kv (Service ports: 6379 → 6379; container ports: 6379)']],
    ['a target that is not an app of the environment', (env) => new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, connections: [{ to: env.addChart('other') }] }),
      ['dev/web/web', 'connections[0].to', 'dev/other', 'is not an app of this environment']],
    ['a target of another environment', (env) => {
      const other = testEnv({ name: 'other' }).env;
      new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, connections: [{ to: kvChart(other) }] });
    }, ['connections[0].to', 'other/kv/kv', 'is not an app of this environment']],
    ['a metrics port that is not a container port', (env) => new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, metricsPorts: [9090] }),
      ['dev/web/web', 'metricsPorts[0]', '9090', 'is not a container port of the app (8080)']],
    ['a client on the host network', (env) => new NodeDaemon(env.addChart('agent'), 'agent', { name: 'agent', image: IMAGE, containerPort: 9100, hostNetwork: true, connections: [{ to: kvChart(env) }] }),
      ['dev/agent/agent', 'connections[0].to', 'dev/kv/kv', 'runs on the host network']],
    ['a port out of range', (env) => new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, connections: [{ to: kvChart(env), port: 70000 }] }),
      ['connections[0].port', '70000']],
  ])('%s', (_, build, parts) => {
    const { env } = testEnv();
    const e = refusal(() => build(env));
    for (const part of parts) expect(e.message).toContain(part);
  });

  test.each<[string, Partial<EnvironmentProps>, string[]]>([
    ['a monitoring namespace that is not a name', { networkPolicy: { monitoringNamespace: 'Monitoring!' } }, ['networkPolicy.monitoringNamespace', 'Monitoring!']],
    ['controller labels that are not labels', { networkPolicy: { ingressController: { podLabels: { 'bad key!': 'x' } } } }, ['networkPolicy.ingressController.podLabels']],
    ['an unknown field', { networkPolicy: { denyIngress: true } as never }, ['networkPolicy', 'denyIngress']],
  ])('environment: %s', (_, props, parts) => {
    const e = refusal(() => testEnv(props));
    for (const part of parts) expect(e.message).toContain(part);
  });

  test('a refused app leaves no connection behind', () => {
    const { app, env } = testEnv();
    const kv = kvChart(env);
    refusal(() => new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, connections: [{ to: kv }, { to: kv, port: 1 }] }));
    expect(env.network.facts.connections).toEqual([]);
    const rendered = renderApp(app).flatMap((f) => f.objects);
    expect(unreachableServices(rendered)).toEqual([expect.stringContaining('Service dev/kv port 6379 reaches StatefulSet dev/kv on port 6379, but no NetworkPolicy admits anything there: it is reachable by nothing')]);
  });

  test.each<[string, EnvironmentDefinition['nodePortApps'], string[]]>([
    ['a definition naming no app', [{ name: 'web', image: IMAGE, containerPort: 8080, connections: [{ to: 'cache' }] }], ['defs/dev/web', 'connections[0].to', '"cache"', 'is not an app of this environment (web)']],
    ['a definition naming a port the app does not have', [
      { name: 'web', image: IMAGE, containerPort: 8080, connections: [{ to: 'api', port: 81 }] },
      { name: 'api', image: IMAGE, containerPort: 8080, port: 80 },
    ], ['defs/dev/web/web', 'connections[0].port', '81', 'is not a port of defs/dev/api/api']],
  ])('%s', (_, nodePortApps, parts) => {
    const app = new App();
    const scope = new (require('constructs').Construct)(app, 'defs');
    const e = refusal(() => composeEnvironment(scope, { name: 'dev', nodePortApps }));
    for (const part of parts) expect(e.message).toContain(part);
  });
});

describe('the check mirrors the API server and the network plugin', () => {
  const deployment = (name: string, labels: Record<string, string>, port = 8080) => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'dev' },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name, image: IMAGE, ports: [{ containerPort: port }] }] } } },
  });
  const service = (name: string, selector: Record<string, string>, type = 'ClusterIP') => ({
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'dev' }, spec: { type, selector, ports: [{ port: 80, targetPort: 8080 }] },
  });
  const np = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'dev' }, spec });
  const deny = np('default-deny', { podSelector: {}, policyTypes: ['Ingress'] });
  const web = deployment('web', { app: 'web' });
  const fromOutside = np('allow-web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: OUTSIDE, ports: [{ port: 8080 }] }] });
  const check = (objects: Array<Record<string, unknown>>, facts: NetworkFacts = DEFAULT_NETWORK_FACTS) =>
    networkPolicies(objects.map((manifest) => ({ manifest, constructPath: 'dev/x' })), facts);

  test.each<[string, Array<Record<string, unknown>>, string | undefined]>([
    ['a NodePort Service admitted from outside passes', [web, service('web', { app: 'web' }, 'NodePort'), deny, fromOutside], undefined],
    ['a namespace without policies isolates nothing: passes', [web, service('web', { app: 'web' }, 'NodePort')], undefined],
    ['a NodePort Service whose pods no policy admits from outside', [web, service('web', { app: 'web' }, 'NodePort'), deny],
      'NodePort Service dev/web needs outside the cluster to reach Deployment dev/web on port 8080, but no NetworkPolicy of namespace dev admits it'],
    ['admitted for IPv4 only', [web, service('web', { app: 'web' }, 'NodePort'), deny, np('allow-web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [OUTSIDE[0]] }] })],
      'needs outside the cluster'],
    ['admitted on the Service port instead of the container port', [web, service('web', { app: 'web' }, 'NodePort'), deny, np('allow-web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: OUTSIDE, ports: [{ port: 80 }] }] })],
      'needs outside the cluster to reach Deployment dev/web on port 8080'],
    ['a policy selecting no pod', [web, np('allow-wbe', { podSelector: { matchLabels: { app: 'wbe' } }, ingress: [{}] })], 'NetworkPolicy dev/allow-wbe: spec.podSelector {"matchLabels":{"app":"wbe"}} selects no pod'],
    ['a namespace selected by a label no namespace carries', [web, np('allow-web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { name: 'monitoring' } } }] }] })],
      'selects namespaces by labels no namespace of this environment carries; select a namespace by its name label kubernetes.io/metadata.name'],
    ['a namespace selected by its name label passes', [web, np('allow-web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }] })], undefined],
    ['an unknown policy type', [web, np('p', { podSelector: {}, policyTypes: ['Inbound'] })], 'spec.policyTypes[0] "Inbound" is not "Ingress" or "Egress", which the API server refuses'],
    ['ipBlock with a podSelector in one peer', [web, np('p', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] })], 'may not combine ipBlock with podSelector'],
    ['an except outside its cidr', [web, np('p', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] } }] }] })], 'except[0] 192.168.0.0/16 must be a strict subset of cidr 10.0.0.0/8'],
    ['a cidr that is an address', [web, np('p', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.1' } }] }] })], 'ipBlock.cidr "10.0.0.1" is not a CIDR'],
    ['endPort with a named port', [web, np('p', { podSelector: {}, ingress: [{ ports: [{ port: 'http', endPort: 90 }] }] })], 'endPort may only be given with a numeric port'],
    ['a peer that names nothing', [web, np('p', { podSelector: {}, ingress: [{ from: [{}] }] })], 'must specify a peer'],
  ])('%s', (_, objects, expected) => {
    const problems = check(objects);
    if (expected === undefined) expect(problems).toEqual([]);
    else expect(problems.join('\n')).toContain(expected);
  });

  test.each<[string, Array<Record<string, unknown>>, string[]]>([
    ['a ClusterIP Service no policy admits is reachable by nothing', [web, service('web', { app: 'web' }), deny],
      ['dev/x: Service dev/web port 80 reaches Deployment dev/web on port 8080, but no NetworkPolicy admits anything there: it is reachable by nothing (declare the apps that connect to it, or expose it)']],
    ['admitted only on another port: still reachable by nothing', [web, service('web', { app: 'web' }), deny, np('allow-web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 9090 }] }] })],
      [expect.stringContaining('reachable by nothing') as unknown as string]],
    ['admitted from some pod: reachable', [web, service('web', { app: 'web' }), deny, np('allow-web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 8080 }] }] })], []],
    ['a namespace without policies: reachable', [web, service('web', { app: 'web' })], []],
  ])('unreachableServices: %s', (_, objects, expected) => {
    expect(unreachableServices(objects.map((manifest) => ({ manifest, constructPath: 'dev/x' })))).toEqual(expected);
  });

  test('a declared connection to a port that is not a container port', () => {
    const facts: NetworkFacts = { ...DEFAULT_NETWORK_FACTS, connections: [{ by: 'dev/api', from: { namespace: 'dev', podLabels: { app: 'api' } }, to: { namespace: 'dev', podLabels: { app: 'web' } }, port: 6379 }] };
    expect(check([web, deployment('api', { app: 'api' })], facts)).toEqual(['dev/api: connection declared by dev/api reaches Deployment dev/web on port 6379, which is not a container port of its pods (8080)']);
  });

  test('a declared connection no policy admits (a selector changed by a patch)', () => {
    const facts: NetworkFacts = { ...DEFAULT_NETWORK_FACTS, connections: [{ by: 'dev/api', from: { namespace: 'dev', podLabels: { app: 'api' } }, to: { namespace: 'dev', podLabels: { app: 'web' } }, port: 8080 }] };
    const allow = np('allow-web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'apy' } } }], ports: [{ port: 8080 }] }] });
    expect(check([web, deployment('api', { app: 'api' }), deny, allow], facts).join('\n'))
      .toContain('dev/api: connection declared by dev/api needs pods {"app":"api"} of namespace dev to reach Deployment dev/web on port 8080, but no NetworkPolicy of namespace dev admits it');
  });
});
