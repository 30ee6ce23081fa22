import { ChartTier, HttpGateway, IngressRoutes, IngressRoutesProps, MetalLbL2Pool, NodePortApp, renderApp } from '../lib';
import { expectSchemaValid, manifests, only, ROUTE_FIXTURE, testEnv } from './helpers';

const HOST = 'apps.example.com';
const IMAGE = 'nginxinc/nginx-unprivileged:1.27-alpine';

/** An environment with two apps (`web`, `api`, port 80 each), a Gateway `gw` and a chart for routes. */
function setup(envProps = {}) {
  const { app, env } = testEnv(envProps);
  const web = new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, port: 80, besideTlsRoute: ROUTE_FIXTURE });
  const api = new NodePortApp(env.addChart('api'), 'api', { name: 'api', image: IMAGE, containerPort: 8080, port: 80, besideTlsRoute: ROUTE_FIXTURE });
  const gateway = new HttpGateway(env.addChart('gateway', ChartTier.ROUTES), 'gw', { name: 'gw', gatewayClassName: 'nginx' });
  return { app, env, web, api, gateway, chart: env.addChart('routes', ChartTier.ROUTES) };
}

function build(props: (s: ReturnType<typeof setup>) => Partial<IngressRoutesProps> = () => ({})) {
  const s = setup();
  const construct = new IngressRoutes(s.chart, 'routes', {
    name: 'apps',
    output: 'HTTPRoute',
    hosts: [{ host: HOST, paths: [{ path: '/', backend: { service: s.web } }, { path: '/api', prefix: 'keep', backend: { service: s.api } }] }],
    tls: [{ hosts: [HOST], secretName: 'apps-tls' }],
    ...props(s),
  });
  return { ...s, construct, all: manifests(s.app) };
}

/**
 * `host path -> service:port` for every route an Ingress or the HTTPRoutes serve; `strip` when the backend gets the
 * path without the prefix (nginx: the `/p(/|$)(.*)` regex rewritten to `/$2`; Gateway API: ReplacePrefixMatch "/").
 */
function ingressRoutes(all: Array<Record<string, any>>): string[] {
  return all.filter((m) => m.kind === 'Ingress').flatMap((ing) => ing.spec.rules.flatMap((rule: any) => rule.http.paths.map((p: any) => {
    const strip = ing.metadata.annotations?.['nginx.ingress.kubernetes.io/rewrite-target'] === '/$2' ? /^(.*)\(\/\|\$\)\(\.\*\)$/.exec(p.path) : null;
    const path = strip ? `${strip[1]} strip` : p.path;
    return `${rule.host} ${p.pathType === 'Exact' ? 'Exact' : 'Prefix'} ${path} -> ${p.backend.service.name}:${p.backend.service.port.number}`;
  }))).sort();
}
function httpRoutes(all: Array<Record<string, any>>): string[] {
  return all.filter((m) => m.kind === 'HTTPRoute').flatMap((r) => r.spec.rules.filter((rule: any) => rule.backendRefs).flatMap((rule: any) => {
    const strip = (rule.filters ?? []).some((f: any) => f.urlRewrite?.path?.type === 'ReplacePrefixMatch' && f.urlRewrite.path.replacePrefixMatch === '/');
    const path = `${rule.matches[0].path.value}${strip ? ' strip' : ''}`;
    return r.spec.hostnames.map((h: string) => `${h} ${rule.matches[0].path.type === 'Exact' ? 'Exact' : 'Prefix'} ${path} -> ${rule.backendRefs[0].name}:${rule.backendRefs[0].port}`);
  })).sort();
}

describe('IngressRoutes as HTTPRoutes', () => {
  test('output "both": the Ingress and the HTTPRoutes route the same hosts and paths to the same backends', () => {
    const { all } = build((s) => ({
      output: 'both',
      hosts: [{ host: HOST, paths: [{ path: '/', backend: { service: s.web } }, { path: '/api', prefix: 'strip', backend: { service: s.api } }] }],
    }));
    expectSchemaValid(all);
    const viaIngress = ingressRoutes(all);
    expect(viaIngress).toEqual([
      'apps.example.com Prefix / -> web:80',
      'apps.example.com Prefix /api strip -> api:80',
    ]);
    expect(httpRoutes(all)).toEqual(viaIngress);
    const gw = only(all, 'Gateway', 'gw');
    expect(gw.spec.gatewayClassName).toBe('nginx');
    const route = only(all, 'HTTPRoute', 'apps-apps-example-com');
    expect(route.spec.parentRefs).toEqual([{ name: 'gw', namespace: 'dev', sectionName: 'https-apps-example-com' }]);
    expect(gw.spec.listeners.map((l: any) => l.name)).toEqual(['http', 'https-apps-example-com']);
    expect(gw.spec.listeners[1].tls.certificateRefs).toEqual([{ group: '', kind: 'Secret', name: only(all, 'Ingress', 'apps').spec.tls[0].secretName }]);
  });

  test('prefix "strip": a PathPrefix match with a URLRewrite ReplacePrefixMatch "/" filter; "keep" writes no filter', () => {
    const { all, app } = build((s) => ({
      hosts: [{ host: HOST, paths: [
        { path: '/', backend: { service: s.web } },
        { path: '/api', prefix: 'strip', backend: { service: s.api } },
        { path: '/docs', prefix: 'keep', backend: { service: s.web } },
      ] }],
    }));
    const rules = only(all, 'HTTPRoute', 'apps-apps-example-com').spec.rules;
    expect(rules.find((r: any) => r.matches[0].path.value === '/api')).toEqual({
      matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
      filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
      backendRefs: [{ name: 'api', port: 80 }],
    });
    expect(rules.filter((r: any) => r.filters !== undefined).map((r: any) => r.matches[0].path.value)).toEqual(['/api']);
    // The HTTPRoute CRD's own CEL rules (ReplacePrefixMatch needs exactly one PathPrefix match) run at synth.
    expect(() => renderApp(app)).not.toThrow();
    expectSchemaValid(all);
  });

  test('HTTPS hosts get a redirect route on the HTTP listener (nginx ssl-redirect), 301', () => {
    const { all } = build();
    const redirect = only(all, 'HTTPRoute', 'apps-apps-example-com-redirect');
    expect(redirect.spec).toEqual({
      parentRefs: [{ name: 'gw', namespace: 'dev', sectionName: 'http' }],
      hostnames: [HOST],
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
    });
    expect(all.some((m) => m.kind === 'Ingress')).toBe(false);
    expectSchemaValid(all);
  });

  test('sslRedirect false serves a TLS host on both listeners; forceSslRedirect redirects a host without TLS', () => {
    const noRedirect = build(() => ({ sslRedirect: false })).all;
    expect(noRedirect.filter((m) => m.kind === 'HTTPRoute').map((m) => m.metadata.name)).toEqual(['apps-apps-example-com']);
    expect(only(noRedirect, 'HTTPRoute').spec.parentRefs.map((p: any) => p.sectionName)).toEqual(['http', 'https-apps-example-com']);
    const forced = build(() => ({ tls: [], forceSslRedirect: true })).all;
    expect(forced.filter((m) => m.kind === 'HTTPRoute').map((m) => m.metadata.name).sort()).toEqual(['apps-apps-example-com', 'apps-apps-example-com-redirect']);
  });

  test('path types map faithfully: Prefix to PathPrefix, Exact to Exact, nginx regex to RegularExpression', () => {
    const exact = build((s) => ({ hosts: [{ host: HOST, paths: [{ path: '/health', prefix: 'keep', pathType: 'Exact', backend: { service: s.web } }] }], tls: [] })).all;
    expect(only(exact, 'HTTPRoute').spec.rules[0].matches).toEqual([{ path: { type: 'Exact', value: '/health' } }]);
    const regex = build((s) => ({ useRegex: true, hosts: [{ host: HOST, paths: [{ path: '/v[0-9]+/api', prefix: 'keep', pathType: 'ImplementationSpecific', backend: { service: s.api } }] }], tls: [] })).all;
    expect(only(regex, 'HTTPRoute').spec.rules[0].matches).toEqual([{ path: { type: 'RegularExpression', value: '/v[0-9]+/api' } }]);
  });

  test('the strip-prefix rewrite becomes a URLRewrite filter; request header annotations become a RequestHeaderModifier', () => {
    const all = build((s) => ({
      rewriteTarget: '/$2',
      annotations: { 'nginx.ingress.kubernetes.io/upstream-vhost': 'internal.example.com' },
      hosts: [{ host: HOST, paths: [{ path: '/api(/|$)(.*)', pathType: 'ImplementationSpecific', backend: { service: s.api } }] }],
      tls: [],
    })).all;
    expect(only(all, 'HTTPRoute').spec.rules).toEqual([{
      matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
      filters: [
        { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } },
        { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'Host', value: 'internal.example.com' }] } },
      ],
      backendRefs: [{ name: 'api', port: 80 }],
    }]);
    expectSchemaValid(all);
  });

  test.each<[string, (s: ReturnType<typeof setup>) => Partial<IngressRoutesProps>, string]>([
    ['proxy-body-size', () => ({ proxyBodySize: '8m' }), 'annotations key "nginx.ingress.kubernetes.io/proxy-body-size" (value "8m") has no Gateway API equivalent'],
    ['backend-protocol', () => ({ backendProtocol: 'GRPC' }), 'annotations key "nginx.ingress.kubernetes.io/backend-protocol" (value "GRPC") has no Gateway API equivalent'],
    ['a raw nginx annotation', () => ({ annotations: { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '120' } }),
      'annotations key "nginx.ingress.kubernetes.io/proxy-read-timeout" (value "120") has no Gateway API equivalent (it is nginx configuration)'],
    ['a snippet', () => ({ allowSnippetAnnotations: true, annotations: { 'nginx.ingress.kubernetes.io/configuration-snippet': 'more_set_headers "X: y";' } }),
      'annotations key "nginx.ingress.kubernetes.io/configuration-snippet"'],
    ['a rewrite other than strip-prefix', (s) => ({ rewriteTarget: '/new/$1', hosts: [{ host: HOST, paths: [{ path: '/old/(.*)', pathType: 'ImplementationSpecific', backend: { service: s.web } }] }] }),
      'annotations key "nginx.ingress.kubernetes.io/rewrite-target" (value "/new/$1") has no Gateway API equivalent (only the strip-prefix form'],
    ['the cert-manager annotation', () => ({ tls: [{ hosts: [HOST], secretName: 'apps-tls', certManager: { issuer: 'ca', via: 'annotation' } }] }),
      'annotations key "cert-manager.io/cluster-issuer" (value "ca") has no Gateway API equivalent (cert-manager reads it from Ingresses only'],
    ['an ImplementationSpecific path without regex', (s) => ({ hosts: [{ host: HOST, paths: [{ path: '/files', prefix: 'keep', pathType: 'ImplementationSpecific', backend: { service: s.web } }] }] }),
      'dev/routes/routes: pathType "ImplementationSpecific" of path "/files" has no Gateway API equivalent'],
  ])('%s is refused by name, never dropped', (_what, props, message) => {
    expect(() => build(props)).toThrow(message);
    expect(() => build(props)).toThrow(/^dev\/routes\/routes: /);
  });

  test('the same options pass with output Ingress (they are only refused where they would be lost)', () => {
    const s = setup();
    new IngressRoutes(s.chart, 'routes', {
      name: 'apps', output: 'Ingress', proxyBodySize: '8m', backendProtocol: 'GRPC', hosts: [{ host: HOST, paths: [{ path: '/', backend: { service: s.web } }] }],
    });
    // The Gateway needs a route of its own: one without routes is refused (its namespace selector would be empty).
    new IngressRoutes(s.chart, 'other', { name: 'other', output: 'HTTPRoute', hosts: [{ host: 'other.example.com', paths: [{ path: '/', backend: { service: s.api } }] }] });
    expect(() => manifests(s.app)).not.toThrow();
  });

  test('a Service in another namespace: allowed for HTTPRoute output with a ReferenceGrant there, refused when an Ingress is written too', () => {
    const make = (output: 'HTTPRoute' | 'both') => {
      const { app, env } = testEnv();
      env.addNamespace('shared');
      const db = new NodePortApp(env.addChart('shared', undefined, { namespace: 'shared' }), 'docs', { name: 'docs', image: IMAGE, containerPort: 8080, port: 80, besideTlsRoute: ROUTE_FIXTURE });
      new HttpGateway(env.addChart('gateway', ChartTier.ROUTES), 'gw', { name: 'gw', gatewayClassName: 'nginx' });
      new IngressRoutes(env.addChart('routes', ChartTier.ROUTES), 'routes', { name: 'apps', output, hosts: [{ host: HOST, paths: [{ path: '/docs', prefix: 'keep', backend: { service: db } }] }] });
      return manifests(app);
    };
    const all = make('HTTPRoute');
    expect(only(all, 'HTTPRoute').spec.rules[0].backendRefs).toEqual([{ name: 'docs', namespace: 'shared', port: 80 }]);
    expect(only(all, 'ReferenceGrant')).toEqual(expect.objectContaining({
      metadata: { name: 'apps-from-dev', namespace: 'shared' },
      spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'dev' }], to: [{ group: '', kind: 'Service', name: 'docs' }] },
    }));
    expectSchemaValid(all);
    expect(() => make('both')).toThrow('an Ingress can only route to Services in its own namespace "dev" (an HTTPRoute can, with output "HTTPRoute")');
  });

  test('HTTPRoute output needs a Gateway: the environment\'s only one, or one given', () => {
    const { env } = testEnv();
    const web = new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, port: 80, besideTlsRoute: ROUTE_FIXTURE });
    const routes = (id: string, gateway?: { name: string; namespace?: string }) => new IngressRoutes(env.addChart(id, ChartTier.ROUTES), id, {
      name: id, output: 'HTTPRoute', gateway, hosts: [{ host: `${id}.example.com`, paths: [{ backend: { service: web } }] }],
    });
    expect(() => routes('a')).toThrow('dev/a/a: gateway undefined is required for output "HTTPRoute": the environment has no HttpGateway to default to');
    const external = routes('b', { name: 'shared-gw', namespace: 'gateways' });
    expect(external.httpRoutes[0].toJson().spec.parentRefs).toEqual([{ name: 'shared-gw', namespace: 'gateways', sectionName: 'http' }]);
  });

  test('cross-object checks hold for HTTPRoutes: the same host and path on one Gateway twice, naming both', () => {
    const s = setup();
    const routes = (id: string) => new IngressRoutes(env(s, id), id, { name: id, output: 'HTTPRoute', hosts: [{ host: HOST, paths: [{ path: '/x', prefix: 'keep', backend: { service: s.web } }] }] });
    routes('one');
    routes('two');
    expect(() => renderApp(s.app)).toThrow(/dev\/two\/two: .*apps\.example\.com\/x.* is already used by dev\/one\/one/);
  });

  test('the construct checks hold for HTTPRoute output too: a port the Service does not expose, a TLS host no rule serves', () => {
    expect(() => build((s) => ({ hosts: [{ host: HOST, paths: [{ path: '/', backend: { service: s.web, port: 8443 } }] }], tls: [] })))
      .toThrow('dev/routes/routes: hosts[0].paths[0].backend.port 8443 is not a port of Service web exposes 80');
    expect(() => build(() => ({ tls: [{ hosts: ['other.example.com'], secretName: 'x' }] })))
      .toThrow('dev/routes/routes: tls[0].hosts[0] "other.example.com" is served by no rule of this Ingress');
  });

  test('one host, two certificates on the same Gateway is refused', () => {
    const s = setup();
    new IngressRoutes(env(s, 'one'), 'one', { name: 'one', output: 'HTTPRoute', hosts: [{ host: HOST, paths: [{ path: '/a', prefix: 'keep', backend: { service: s.web } }] }], tls: [{ hosts: [HOST], secretName: 'one-tls' }] });
    expect(() => new IngressRoutes(env(s, 'two'), 'two', {
      name: 'two', output: 'HTTPRoute', hosts: [{ host: HOST, paths: [{ path: '/b', prefix: 'keep', backend: { service: s.web } }] }], tls: [{ hosts: [HOST], secretName: 'two-tls' }],
    })).toThrow('dev/two/two: tls secretName "two-tls" differs from "one-tls" that dev/one/one gives host apps.example.com on Gateway gw; one host has one certificate');
  });

  test('the Gateway takes its address from a MetalLB pool, checked like a Service\'s', () => {
    const { env } = testEnv({ reservedAddresses: ['10.0.0.1'] });
    const pool = new MetalLbL2Pool(env.addChart('metallb', ChartTier.PLATFORM, { namespaced: false }), 'pool', { name: 'pool', addresses: ['10.0.0.200-10.0.0.201'] });
    const gwChart = env.addChart('gateway', ChartTier.ROUTES);
    expect(() => new HttpGateway(gwChart, 'bad', { name: 'bad', gatewayClassName: 'nginx', address: { pool, ip: '10.0.0.99' } }))
      .toThrow('dev/gateway/bad: ip "10.0.0.99" is not an address pool "pool" can hand out (10.0.0.200-10.0.0.201)');
    const gw = new HttpGateway(gwChart, 'gw', { name: 'gw', gatewayClassName: 'eg', address: { pool, ip: '10.0.0.200', specAddresses: true } }).gateway.toJson();
    expect(gw.spec.addresses).toEqual([{ type: 'IPAddress', value: '10.0.0.200' }]);
    expect(() => new HttpGateway(env.addChart('gateway2', ChartTier.ROUTES), 'gw2', { name: 'gw2', gatewayClassName: 'eg', address: { pool, ip: '10.0.0.200' } }))
      .toThrow('ip "10.0.0.200" is already requested by dev/gateway/gw');
  });

  test('routes of another namespace widen the listeners\' allowed namespaces to exactly those', () => {
    const s = setup();
    s.env.addNamespace('team');
    const team = new NodePortApp(s.env.addChart('team', undefined, { namespace: 'team' }), 'team', { name: 'team', image: IMAGE, containerPort: 8080, port: 80, besideTlsRoute: ROUTE_FIXTURE });
    new IngressRoutes(s.env.addChart('team-routes', ChartTier.ROUTES, { namespace: 'team' }), 'r', { name: 'team', output: 'HTTPRoute', gateway: s.gateway, hosts: [{ host: 'team.example.com', paths: [{ backend: { service: team } }] }] });
    new IngressRoutes(s.chart, 'r', { name: 'apps', output: 'HTTPRoute', hosts: [{ host: HOST, paths: [{ backend: { service: s.web } }] }] });
    const gw = only(manifests(s.app), 'Gateway');
    expect(gw.spec.listeners[0].allowedRoutes.namespaces).toEqual({
      from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['dev', 'team'] }] },
    });
  });
});

/** A new routes chart of the setup's environment. */
function env(s: ReturnType<typeof setup>, id: string) {
  return s.env.addChart(id, ChartTier.ROUTES);
}
