/**
 * Adversarial Ingress inputs the API server (pkg/apis/networking/validation) or ingress-nginx v1.15.1
 * (strict path types, deep inspection, annotation validators) refuse, and regular expressions RE2
 * refuses (lookarounds, backreferences) although the JavaScript engine accepts them. Each row fails on
 * the main branch before these checks; the rows under "must pass" keep the rules from being over-broad.
 */
import * as kplus from 'cdk8s-plus-27';
import { IngressRoutes, IngressRoutesProps, NodePortApp, renderApp, RoutePathType, SynthError, ValidationError } from '../../lib';
import { manifests, only, ROUTE_FIXTURE, testEnv } from '../helpers';
import { expectRefused } from './refusals';

const HOST = 'apps.example.com';
const AT = 'dev/routes/routes: ';

function setup() {
  const { app, env } = testEnv();
  const web = new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080, port: 80, besideTlsRoute: ROUTE_FIXTURE });
  return { app, env, web, chart: env.addChart('routes') };
}

/** An Ingress-only IngressRoutes with one path, rendered. */
function route(path: string, pathType: RoutePathType, props: Partial<IngressRoutesProps> = {}) {
  const s = setup();
  new IngressRoutes(s.chart, 'routes', { name: 'apps', output: 'Ingress', hosts: [{ host: HOST, paths: [{ path, pathType, prefix: props.rewriteTarget === undefined ? 'keep' : undefined, backend: { service: s.web } }] }], ...props });
  return manifests(s.app);
}

describe('API server: Ingress paths of type Prefix and Exact (networking validation invalidPathSequences/Suffixes)', () => {
  test.each<[string, RoutePathType, string]>([
    ['/a//b', 'Prefix', 'contains "//"'],
    ['/a//b', 'Exact', 'contains "//"'],
    ['//', 'Prefix', 'contains "//"'],
    ['/api//', 'Prefix', 'contains "//"'],
    ['//api', 'Exact', 'contains "//"'],
    ['/a/./b', 'Prefix', 'contains "/./"'],
    ['/a/../b', 'Exact', 'contains "/../"'],
    ['/a/.', 'Prefix', 'ends with "/."'],
    ['/a/..', 'Prefix', 'ends with "/.."'],
    ['/..', 'Exact', 'ends with "/.."'],
  ])('%j (%s) is refused', (path, pathType, reason) => {
    expectRefused(() => route(path, pathType), ValidationError, [AT, 'hosts[0].paths[0].path ', JSON.stringify(path), reason, `in a ${pathType} path`]);
  });
});

describe('ingress-nginx: deep inspection of paths (internal/ingress/inspector/rules.go)', () => {
  test.each<[string, RoutePathType, string]>([
    ['/etc/nginx', 'Prefix', 'a sensitive /etc path'],
    ['/static/etc/passwd', 'Prefix', 'a sensitive /etc path'],
    ['/etc/shadow', 'Exact', 'a sensitive /etc path'],
    ['/etc/group', 'Prefix', 'a sensitive /etc path'],
    ['/etc/ingress-controller/ssl', 'Prefix', 'a sensitive /etc path'],
    ['/var/run/secrets/token', 'Prefix', 'the service-account secrets path'],
    ['/content_by_lua', 'Prefix', 'a "*_by_lua" directive'],
    ['/etc/passwd', 'ImplementationSpecific', 'a sensitive /etc path'],
    ['/a;root /srv;', 'ImplementationSpecific', 'an nginx "root …;" directive'],
    ['/x; alias /;', 'ImplementationSpecific', 'an nginx "alias …;" directive'],
    ['/rootfs;v', 'ImplementationSpecific', 'an nginx "root …;" directive'],
    ['/access_by_lua_block', 'ImplementationSpecific', 'a "*_by_lua" directive'],
  ])('%j (%s) is refused', (path, pathType, what) => {
    expectRefused(() => route(path, pathType), ValidationError, [AT, 'hosts[0].paths[0].path ', JSON.stringify(path), `looks like ${what}`, 'deep inspection']);
  });
});

describe('Regex paths are checked with RE2 (re2js), not the JavaScript engine', () => {
  test.each<[string, Partial<IngressRoutesProps>]>([
    ['/a(?=b)', { useRegex: true }],
    ['/a(?!b)', { useRegex: true }],
    ['/(?<=a)b', { useRegex: true }],
    ['/(?<!a)b', { useRegex: true }],
    ['/(a)\\1', { useRegex: true }],
    ['/(?<n>a)\\k<n>', { useRegex: true }],
    ['/\\cA', { useRegex: true }],
    ['/(?=)', { useRegex: true }],
    ['/app(?=/)(.*)', { rewriteTarget: '/$1' }],
    ['/(x)(?!y)(.*)', { rewriteTarget: '/$2' }],
  ])('%j is refused', (path, props) => {
    expect(() => new RegExp(path)).not.toThrow();
    expectRefused(() => route(path, 'ImplementationSpecific', props), ValidationError, [AT, 'hosts[0].paths[0].path ', JSON.stringify(path), 'is not a valid regular expression in RE2 syntax']);
  });
});

describe('ingress-nginx: annotation validators (internal/ingress/annotations/parser/validators.go)', () => {
  test.each<[string, string]>([
    ['/new path/$1', 'a space'],
    ['/search?q=$1', 'a query'],
    ['/a%20b/$1', 'a percent escape'],
    ['/a;b', 'a semicolon'],
    ['/a#b', 'a fragment'],
    ['/a\nb', 'a line break'],
    ['/a"b', 'a double quote'],
  ])('rewriteTarget %j (%s) is refused', (rewriteTarget) => {
    expectRefused(() => route('/app(/|$)(.*)', 'ImplementationSpecific', { rewriteTarget }), ValidationError, [AT, 'rewriteTarget ', JSON.stringify(rewriteTarget)]);
  });

  test.each<[string, string, string]>([
    ['nginx.ingress.kubernetes.io/app-root', '/app root', 'is not a path ingress-nginx accepts here'],
    ['nginx.ingress.kubernetes.io/app-root', '/app?x=1', 'is not a path ingress-nginx accepts here'],
    ['nginx.ingress.kubernetes.io/proxy-read-timeout', '120\n', 'contains a line break'],
  ])('a raw %s %j is refused', (key, value, reason) => {
    expectRefused(() => route('/', 'Prefix', { annotations: { [key]: value } }), ValidationError, [AT, `annotations[${JSON.stringify(key)}] `, JSON.stringify(value), reason]);
  });
});

describe('Raw annotations cannot bypass the typed options', () => {
  test.each<[string, string, string]>([
    ['nginx.ingress.kubernetes.io/use-regex', 'true', 'useRegex'],
    ['nginx.ingress.kubernetes.io/rewrite-target', '/', 'rewriteTarget'],
    ['nginx.ingress.kubernetes.io/ssl-redirect', 'false', 'sslRedirect'],
    ['nginx.ingress.kubernetes.io/force-ssl-redirect', 'true', 'forceSslRedirect'],
    ['nginx.ingress.kubernetes.io/proxy-body-size', '8m', 'proxyBodySize'],
    ['nginx.ingress.kubernetes.io/backend-protocol', 'GRPC', 'backendProtocol'],
    ['cert-manager.io/cluster-issuer', 'ca', 'tls[].certManager'],
    ['cert-manager.io/issuer', 'ca', 'tls[].certManager (issuerKind: "Issuer"'],
  ])('%s given raw is refused, naming the typed option', (key, value, option) => {
    expectRefused(() => route('/', 'Prefix', { annotations: { [key]: value } }), ValidationError,
      [AT, `annotations key ${JSON.stringify(key)} is written by the typed option ${option}`]);
  });
});

describe('Ingresses written by other means are judged as written (rendered checks)', () => {
  /** A hand-written cdk8s-plus Ingress with one path. */
  function raw(path: string, pathType: kplus.HttpIngressPathType, annotations: Record<string, string> = {}) {
    const s = setup();
    const backend = kplus.IngressBackend.fromService(s.web.service!, { port: 80 });
    new kplus.Ingress(s.chart, 'ing', { metadata: { name: 'raw', annotations }, className: 'nginx', rules: [{ host: HOST, path, pathType, backend }] });
    return s.app;
  }
  const P = kplus.HttpIngressPathType.PREFIX;
  const IS = kplus.HttpIngressPathType.IMPLEMENTATION_SPECIFIC;
  test.each<[string, () => any, string[]]>([
    ['a Prefix path with "//"', () => raw('/a//b', P), ['spec.rules[0].http.paths[0].path "/a//b" contains "//"']],
    ['a Prefix path with a space', () => raw('/a b', P), ['spec.rules[0].http.paths[0].path "/a b" breaks ingress-nginx\'s strict path rules']],
    ['a Prefix path with a regex', () => raw('/api/(.*)', P), ['spec.rules[0].http.paths[0].path "/api/(.*)" breaks ingress-nginx\'s strict path rules']],
    ['an ImplementationSpecific /etc/passwd', () => raw('/etc/passwd', IS), ['spec.rules[0].http.paths[0].path "/etc/passwd" looks like a sensitive /etc path']],
    ['a lookahead with use-regex', () => raw('/a(?=b)', IS, { 'nginx.ingress.kubernetes.io/use-regex': 'true' }), ['spec.rules[0].http.paths[0].path "/a(?=b)" is not a valid regular expression in RE2 syntax']],
    ['a backreference with rewrite-target', () => raw('/(a)\\1', IS, { 'nginx.ingress.kubernetes.io/rewrite-target': '/' }), ['path "/(a)\\\\1" is not a valid regular expression in RE2 syntax']],
    ['ssl-redirect "yes"', () => raw('/', P, { 'nginx.ingress.kubernetes.io/ssl-redirect': 'yes' }), ['metadata.annotations["nginx.ingress.kubernetes.io/ssl-redirect"] "yes" is not a boolean']],
    ['use-regex "on"', () => raw('/', P, { 'nginx.ingress.kubernetes.io/use-regex': 'on' }), ['metadata.annotations["nginx.ingress.kubernetes.io/use-regex"] "on" is not a boolean']],
    ['proxy-body-size "1 MB"', () => raw('/', P, { 'nginx.ingress.kubernetes.io/proxy-body-size': '1 MB' }), ['"1 MB" is not an nginx size']],
    ['backend-protocol "HTTP2"', () => raw('/', P, { 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTP2' }), ['"HTTP2" is not a backend protocol ingress-nginx knows']],
    ['rewrite-target with a space', () => raw('/(.*)', IS, { 'nginx.ingress.kubernetes.io/rewrite-target': '/a b/$1' }), ['"/a b/$1" is not a path ingress-nginx accepts here']],
  ])('%s is refused', (_what, build, parts) => {
    expectRefused(() => renderApp(build()), SynthError, ['dev/routes/ing/Resource: ', ...parts]);
  });
});

describe('must pass', () => {
  test.each<[string, RoutePathType, Partial<IngressRoutesProps>]>([
    ['/.well-known/acme-challenge', 'Prefix', {}],
    ['/v1.2/api', 'Exact', {}],
    ['/files with space', 'ImplementationSpecific', {}],
    ['/api/(v[0-9]+)/(.*)', 'ImplementationSpecific', { rewriteTarget: '/$2' }],
    ['/(?P<ver>v[0-9]+)/x', 'ImplementationSpecific', { useRegex: true }],
    ['/(?i:docs)/.*', 'ImplementationSpecific', { useRegex: true }],
    ['/', 'Prefix', { annotations: { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '120', 'example.com/owner': 'web-team' } }],
    ['/app(/|$)(.*)', 'ImplementationSpecific', { rewriteTarget: 'https://other.example.com/$2' }],
    ['/', 'Prefix', { allowSnippetAnnotations: true, annotations: { 'nginx.ingress.kubernetes.io/configuration-snippet': 'more_set_headers "X-A: 1";\nmore_set_headers "X-B: 2";' } }],
  ])('%j (%s)', (path, pathType, props) => {
    const all = route(path, pathType, props);
    expect(only(all, 'Ingress').spec.rules[0].http.paths[0].path).toBe(path);
  });

  test('booleans ingress-nginx reads (strconv.ParseBool) and any-case protocols pass as written', () => {
    const s = setup();
    const backend = kplus.IngressBackend.fromService(s.web.service!, { port: 80 });
    new kplus.Ingress(s.chart, 'ing', {
      metadata: { name: 'raw', annotations: { 'nginx.ingress.kubernetes.io/ssl-redirect': 'True', 'nginx.ingress.kubernetes.io/backend-protocol': 'grpc' } },
      className: 'nginx', rules: [{ host: HOST, path: '/', pathType: kplus.HttpIngressPathType.PREFIX, backend }],
    });
    expect(() => renderApp(s.app)).not.toThrow();
  });
});

describe('ingress-nginx: a regex location makes every location of its host a case-insensitive regex (template.go enforceRegexModifier)', () => {
  type Hosts = IngressRoutesProps['hosts'];
  const build = (hosts: (web: NodePortApp) => Hosts) => {
    const s = setup();
    new IngressRoutes(s.chart, 'routes', { name: 'apps', output: 'Ingress', hosts: hosts(s.web) });
    return s.app;
  };

  test('an Exact path on a host whose other path strips its prefix is refused at synth, naming both Ingresses', () => {
    const app = build((web) => [{ host: HOST, paths: [
      { path: '/healthz', pathType: 'Exact', prefix: 'keep', backend: { service: web } }, { path: '/api', prefix: 'strip', backend: { service: web } },
    ] }]);
    expect(() => renderApp(app)).toThrow(SynthError);
    expect(() => renderApp(app)).toThrow('dev/routes/routes/Ingress/Resource: spec.rules[0].http.paths[0].path "/healthz" of pathType Exact on host "apps.example.com" '
      + 'would match every path starting with it, case-insensitively: dev/routes/routes/Ingress-strip/Resource makes every location of this host a regular expression');
  });

  test.each<[string, (web: NodePortApp) => Hosts]>([
    ['an Exact path on another host', (web) => [
      { host: HOST, paths: [{ path: '/api', prefix: 'strip', backend: { service: web } }] },
      { host: 'other.example.com', paths: [{ path: '/healthz', pathType: 'Exact', prefix: 'keep', backend: { service: web } }] },
    ]],
    ['an Exact path on a host without regex', (web) => [{ host: HOST, paths: [{ path: '/healthz', pathType: 'Exact', prefix: 'keep', backend: { service: web } }] }]],
    ['Prefix paths beside a stripped one', (web) => [{ host: HOST, paths: [{ path: '/', backend: { service: web } }, { path: '/api', prefix: 'strip', backend: { service: web } }] }]],
  ])('must pass: %s', (_what, hosts) => {
    expect(() => renderApp(build(hosts))).not.toThrow();
  });
});
