/**
 * Adversarial inputs Gateway API refuses or loses: the CRDs' rules (unique listener names, path
 * matches), NGINX Gateway Fabric's (path characters, route-namespace selectors, addresses it parses as
 * written), RE2 regular expressions, names that collide after slugging, annotations an HTTPRoute would
 * silently drop, and a refused IngressRoutes that leaves its listener on the Gateway. Each row fails on
 * the main branch before these checks; the rows under "must pass" keep the rules from being over-broad.
 */
import { ApiObject } from 'cdk8s';
import { ChartTier, HttpGateway, IngressRoutes, IngressRoutesProps, MetalLbL2Pool, NodePortApp, renderApp, RouteOutput, show, SynthError, ValidationError } from '../../lib';
import { manifests, only, ROUTE_FIXTURE, testEnv } from '../helpers';
import { expectRefused } from './refusals';

const HOST = 'apps.example.com';
const IMAGE = 'nginxinc/nginx-unprivileged:1.27-alpine';

/** An environment with app `web` (port 80), a Gateway `gw` and helpers to add routes in their own charts. */
function setup() {
  const { app, env } = testEnv();
  const web = new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, port: 80, besideTlsRoute: ROUTE_FIXTURE });
  const gateway = new HttpGateway(env.addChart('gateway', ChartTier.ROUTES), 'gw', { name: 'gw', gatewayClassName: 'nginx' });
  const routes = (id: string, props: Partial<IngressRoutesProps> = {}, namespace?: string) => new IngressRoutes(
    env.addChart(id, ChartTier.ROUTES, namespace ? { namespace } : undefined), id,
    { name: id, output: 'HTTPRoute', hosts: [{ host: HOST, paths: [{ path: '/', backend: { service: web } }] }], ...props },
  );
  return { app, env, web, gateway, routes };
}

/** One route of `path` with `props`, HTTPRoute output unless told, rendered. */
function route(path: string, props: Partial<IngressRoutesProps> = {}) {
  const s = setup();
  s.routes('routes', { hosts: [{ host: HOST, paths: [{ path, pathType: props.useRegex ? 'ImplementationSpecific' : 'Prefix', prefix: 'keep', backend: { service: s.web } }] }], ...props });
  return manifests(s.app);
}

/**
 * Hosts an HTTPRoute output refuses at the second host (an ImplementationSpecific path has no Gateway API
 * equivalent), after the first host's TLS listener was checked.
 */
function refusedHosts(s: ReturnType<typeof setup>, path = '/x') {
  return [
    { host: HOST, paths: [{ path, prefix: 'keep' as const, backend: { service: s.web } }] },
    { host: 'other.example.com', paths: [{ path: '/files', prefix: 'keep' as const, pathType: 'ImplementationSpecific' as const, backend: { service: s.web } }] },
  ];
}

/** The listener names and route namespaces of the Gateway as written. */
function listeners(gateway: HttpGateway): { names: string[]; namespaces: string[] } {
  const spec = gateway.gateway.toJson().spec;
  return { names: spec.listeners.map((l: any) => l.name), namespaces: spec.listeners[0].allowedRoutes.namespaces.selector.matchExpressions[0].values };
}

describe('HTTPRoute paths (HTTPRoute CRD rules, NGINX Gateway Fabric validatePathInMatch / validatePathInRegexMatch, RE2)', () => {
  test.each<[string, RouteOutput, boolean, string]>([
    ['/api/[a-z]{3}', 'HTTPRoute', true, 'has whitespace, "{", "}" or ";"'],
    ['/x{2}', 'both', true, 'has whitespace, "{", "}" or ";"'],
    ['/a}', 'HTTPRoute', true, 'has whitespace, "{", "}" or ";"'],
    ['/a b', 'HTTPRoute', true, 'has whitespace, "{", "}" or ";"'],
    ['/a\tb', 'both', true, 'has whitespace, "{", "}" or ";"'],
    ['/a;b', 'HTTPRoute', true, 'has whitespace, "{", "}" or ";"'],
    ['/(?<=a)b', 'HTTPRoute', true, 'is not a valid regular expression in RE2 syntax'],
    ['/(a)\\1', 'both', true, 'is not a valid regular expression in RE2 syntax'],
    ['/a//b', 'HTTPRoute', false, 'contains "//", which the HTTPRoute CRD refuses in a PathPrefix path'],
    ['/api//', 'HTTPRoute', false, 'contains "//", which the HTTPRoute CRD refuses in a PathPrefix path'],
    ['/a/../b', 'HTTPRoute', false, 'contains "/../", which the HTTPRoute CRD refuses'],
    ['/a/.', 'HTTPRoute', false, 'ends with "/.", which the HTTPRoute CRD refuses'],
  ])('%j with output %s (regex: %s) is refused', (path, output, useRegex, reason) => {
    expectRefused(() => route(path, { output, useRegex }), ValidationError, ['dev/routes/routes: hosts[0].paths[0].path ', JSON.stringify(path), reason]);
  });
});

describe('Names that collide after slugging (Gateway API: listener names unique; API server: object names)', () => {
  test.each<[string, string]>([
    ['a-b.example.com', 'a.b-example.com'],
    ['*.example.com', 'wildcard.example.com'],
    ['x-y-z.example.com', 'x.y.z-example.com'],
  ])('TLS hosts %j and %j on one Gateway get one HTTPS listener name', (first, second) => {
    const s = setup();
    s.routes('one', { hosts: [{ host: first, paths: [{ path: '/', backend: { service: s.web } }] }], tls: [{ hosts: [first], secretName: 'one-tls' }] });
    expectRefused(() => s.routes('two', { hosts: [{ host: second, paths: [{ path: '/', backend: { service: s.web } }] }], tls: [{ hosts: [second], secretName: 'two-tls' }] }),
      ValidationError, [`dev/two/two: tls host ${JSON.stringify(second)} gets HTTPS listener name`, `which host ${first} (dev/one/one) already has`]);
  });

  test.each<[string, string]>([
    ['a-b.example.com', 'a.b-example.com'],
    ['*.example.com', 'wildcard.example.com'],
  ])('hosts %j and %j of one IngressRoutes get one HTTPRoute name', (first, second) => {
    const s = setup();
    expectRefused(() => s.routes('one', { hosts: [first, second].map((host) => ({ host, paths: [{ path: '/', backend: { service: s.web } }] })) }),
      ValidationError, [`dev/one/one: hosts ${JSON.stringify(second)} gives HTTPRoute name`, `as host ${first} does`]);
  });

  const long = (n: number) => `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(n - 192)}`;
  test.each<[string, number, boolean, string]>([
    ['an HTTPS listener name over 253 characters', 249, true, 'makes HTTPS listener name'],
    ['an HTTPRoute name over 253 characters', 250, false, 'makes HTTPRoute name'],
    ['a redirect HTTPRoute name over 253 characters', 241, true, 'makes HTTPRoute name'],
  ])('%s', (_what, length, tls, reason) => {
    const s = setup();
    const host = long(length);
    expect(host).toHaveLength(length);
    expectRefused(() => s.routes('one', { hosts: [{ host, paths: [{ path: '/', backend: { service: s.web } }] }], tls: tls ? [{ hosts: [host], secretName: 'one-tls' }] : [] }),
      ValidationError, ['dev/one/one: ', show(host), `(${length} characters)`, reason]);
  });
});

describe('A Gateway no route uses (NGINX Gateway Fabric: an "In" selector without values is refused)', () => {
  test.each<[string, (s: ReturnType<typeof setup>) => void]>([
    ['a Gateway without routes', () => undefined],
    ['a Gateway whose routes are written as an Ingress only', (s) => s.routes('one', { output: 'Ingress' })],
    ['a Gateway whose only IngressRoutes was refused', (s) => {
      expect(() => s.routes('one', { hosts: refusedHosts(s) })).toThrow(ValidationError);
    }],
  ])('%s is refused', (_what, add) => {
    const s = setup();
    add(s);
    expectRefused(() => renderApp(s.app), SynthError, [
      'dev/gateway/gw/Gateway: spec.listeners[0].allowedRoutes.namespaces.selector.matchExpressions[0].values [] must list at least one value with operator In',
      'no route attaches to this Gateway']);
  });
});

describe('A refused IngressRoutes leaves nothing on the Gateway', () => {
  /** `one` serves HOST/x without TLS; `two` brings TLS for HOST and is refused at its second host, after the first host's listener was checked. */
  function refusedSecond(namespace?: string) {
    const s = setup();
    s.routes('one', { hosts: [{ host: HOST, paths: [{ path: '/x', prefix: 'keep', backend: { service: s.web } }] }] });
    if (namespace) s.env.addNamespace(namespace);
    // From another namespace without TLS (a Gateway terminates TLS with Secrets of its own namespace).
    const tls = namespace ? [] : [{ hosts: [HOST], secretName: 'two-tls' }];
    expectRefused(() => s.routes('two', { hosts: refusedHosts(s, '/y'), tls }, namespace),
      ValidationError, ['dev/two/two: pathType "ImplementationSpecific" of path "/files" has no Gateway API equivalent']);
    return s;
  }
  test('no HTTPS listener of the refused routes', () => {
    expect(listeners(refusedSecond().gateway).names).toEqual(['http']);
  });
  test('no route namespace of the refused routes', () => {
    expect(listeners(refusedSecond('team').gateway).namespaces).toEqual(['dev']);
  });
  test('must pass: the host can then take another certificate', () => {
    const s = refusedSecond();
    s.routes('three', { hosts: [{ host: HOST, paths: [{ path: '/z', prefix: 'keep', backend: { service: s.web } }] }], tls: [{ hosts: [HOST], secretName: 'three-tls' }] });
    expect(listeners(s.gateway).names).toEqual(['http', 'https-apps-example-com']);
    expect(() => renderApp(s.app)).not.toThrow();
  });
});

describe('Addresses with spaces (NGINX Gateway Fabric provisioner: net.ParseIP(addr.Value), no trimming)', () => {
  test.each<[string]>([[' 10.0.0.200'], ['10.0.0.200 '], ['10.0.0.200\t'], ['\n10.0.0.200']])('Gateway address %j is refused', (ip) => {
    const { env } = testEnv();
    const pool = new MetalLbL2Pool(env.addChart('metallb', ChartTier.PLATFORM, { namespaced: false }), 'pool', { name: 'pool', addresses: ['10.0.0.200-10.0.0.201'] });
    expectRefused(() => new HttpGateway(env.addChart('gateway', ChartTier.ROUTES), 'gw', { name: 'gw', gatewayClassName: 'eg', address: { pool, ip, specAddresses: true } }),
      ValidationError, [`dev/gateway/gw: ip ${JSON.stringify(ip)} has spaces around it`]);
  });
});

describe('Gateway API objects written by other means are judged as written (rendered checks)', () => {
  function raw(kind: 'Gateway' | 'HTTPRoute', spec: Record<string, unknown>) {
    const { app, env } = testEnv();
    new ApiObject(env.addChart('gw', ChartTier.ROUTES), 'raw', { apiVersion: 'gateway.networking.k8s.io/v1', kind, metadata: { name: 'raw' }, spec });
    return app;
  }
  const listener = (name: string, extra: Record<string, unknown> = {}) => ({ name, protocol: 'HTTP', port: 80, ...extra });
  const selector = (matchExpressions: unknown[]) => ({ namespaces: { from: 'Selector', selector: { matchExpressions } } });
  const match = (type: string, value: string) => ({ parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ path: { type, value } }], backendRefs: [{ name: 'web', port: 80 }] }] });
  test.each<[string, () => any, string[]]>([
    ['an address with a leading space', () => raw('Gateway', { gatewayClassName: 'nginx', listeners: [listener('http')], addresses: [{ type: 'IPAddress', value: ' 10.0.0.1' }] }),
      ['spec.addresses[0].value " 10.0.0.1" has spaces around it']],
    ['two listeners with one name', () => raw('Gateway', { gatewayClassName: 'nginx', listeners: [listener('web'), listener('web', { port: 8080 })] }),
      ['Gateway dev/raw: spec.listeners: Listener name must be unique within the Gateway (CRD rule:']],
    ['an In selector without values', () => raw('Gateway', { gatewayClassName: 'nginx', listeners: [listener('http', { allowedRoutes: selector([{ key: 'team', operator: 'In', values: [] }]) })] }),
      ['spec.listeners[0].allowedRoutes.namespaces.selector.matchExpressions[0].values [] must list at least one value']],
    ['a selector key with a space', () => raw('Gateway', { gatewayClassName: 'nginx', listeners: [listener('http', { allowedRoutes: selector([{ key: 'team name', operator: 'Exists' }]) })] }),
      ['spec.listeners[0].allowedRoutes.namespaces.selector.matchExpressions[0].key "team name" is not a valid label key']],
    ['a selector value with a slash', () => raw('Gateway', { gatewayClassName: 'nginx', listeners: [listener('http', { allowedRoutes: selector([{ key: 'team', operator: 'In', values: ['a/b'] }]) })] }),
      ['matchExpressions[0].values[0] "a/b" is not a valid label value']],
    ['a PathPrefix with a space', () => raw('HTTPRoute', match('PathPrefix', '/a b')), ['HTTPRoute dev/raw: spec.rules[0].matches[0].path: must only contain valid characters', 'spec.rules[0].matches[0].path.value "/a b" has whitespace']],
    ['a PathPrefix with "#"', () => raw('HTTPRoute', match('PathPrefix', '/a#b')), ['HTTPRoute dev/raw: spec.rules[0].matches[0].path: must not contain \'#\'']],
    ['a PathPrefix with "%2F"', () => raw('HTTPRoute', match('PathPrefix', '/a%2Fb')), ['spec.rules[0].matches[0].path: must not contain \'%2F\'']],
    ['an Exact path ending in "/.."', () => raw('HTTPRoute', match('Exact', '/a/..')), ['spec.rules[0].matches[0].path: must not end with \'/..\'']],
    ['a PathPrefix with ";" (NGINX Gateway Fabric)', () => raw('HTTPRoute', match('PathPrefix', '/a;b')), ['path.value "/a;b" has whitespace, "{", "}" or ";"']],
    ['a RegularExpression with a lookahead', () => raw('HTTPRoute', match('RegularExpression', '/(?=a)')), ['path.value "/(?=a)" is not a valid regular expression in RE2 syntax']],
    ['a RegularExpression with a quantifier in braces', () => raw('HTTPRoute', match('RegularExpression', '/a{2}')), ['path.value "/a{2}" has whitespace, "{", "}" or ";"', 'cannot use "{n}" quantifiers']],
    ['a RegularExpression not starting with "/"', () => raw('HTTPRoute', match('RegularExpression', '.*')), ['path.value ".*" has whitespace, "{", "}" or ";" or does not start with "/"']],
  ])('%s is refused', (_what, build, parts) => {
    expectRefused(() => renderApp(build()), SynthError, ['dev/gw/raw: ', ...parts]);
  });
});

describe('Annotations an HTTPRoute would silently drop are refused by name', () => {
  test.each<[string, RouteOutput]>([
    ['nginx.org/proxy-connect-timeout', 'HTTPRoute'],
    ['kubernetes.io/ingress.class', 'HTTPRoute'],
    ['traefik.ingress.kubernetes.io/router.entrypoints', 'HTTPRoute'],
    ['alb.ingress.kubernetes.io/scheme', 'HTTPRoute'],
    ['cert-manager.io/common-name', 'HTTPRoute'],
    ['acme.cert-manager.io/http01-edit-in-place', 'HTTPRoute'],
    ['haproxy.org/timeout-server', 'HTTPRoute'],
    ['ingress.kubernetes.io/ssl-redirect', 'HTTPRoute'],
    ['nginx.org/proxy-connect-timeout', 'both'],
  ])('%s (output %s)', (key, output) => {
    expectRefused(() => route('/', { output, annotations: { [key]: 'x' } }), ValidationError,
      [`dev/routes/routes: annotations key ${JSON.stringify(key)} (value "x") has no Gateway API equivalent`, 'read from Ingresses only']);
  });

  test('must pass: other annotations are carried over to the HTTPRoutes', () => {
    const all = route('/', { annotations: { 'example.com/owner': 'web-team' } });
    expect(only(all, 'HTTPRoute').metadata.annotations).toEqual({ 'example.com/owner': 'web-team' });
  });
});

describe('must pass', () => {
  test.each<[string, Partial<IngressRoutesProps>]>([
    ['/api/v[0-9]+/.*', { useRegex: true }],
    ['/(?P<ver>v[0-9]+)/docs', { useRegex: true, output: 'both' }],
    ['/.well-known/acme-challenge', {}],
  ])('%j', (path, props) => {
    expect(() => route(path, props)).not.toThrow();
  });

  test('two hosts that slug apart share one Gateway', () => {
    const s = setup();
    s.routes('one', { hosts: [{ host: 'a.example.com', paths: [{ path: '/', backend: { service: s.web } }] }], tls: [{ hosts: ['a.example.com'], secretName: 'a-tls' }] });
    s.routes('two', { hosts: [{ host: 'b.example.com', paths: [{ path: '/', backend: { service: s.web } }] }], tls: [{ hosts: ['b.example.com'], secretName: 'b-tls' }] });
    expect(listeners(s.gateway).names).toEqual(['http', 'https-a-example-com', 'https-b-example-com']);
    expect(() => renderApp(s.app)).not.toThrow();
  });
});
