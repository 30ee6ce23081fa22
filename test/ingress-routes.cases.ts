import { App } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Issuer } from '../imports/cert-manager-issuer-cert-manager.io';
import { composeEnvironment } from '../environments/compose';
import {
  hardenPods, IngressRoutes, IngressRoutesProps, NodePortApp, renderApp, secureContainer, STRIP_REWRITE_TARGET, stripPrefixRegex, SynthError, ValidationError,
} from '../lib';
import { expectSchemaValid, manifests, only, ROUTE_FIXTURE, testEnv } from './helpers';

const HOST = 'apps.example.com';

/** An environment with a one-port app (`web`, port 80) and a two-port Service (`api`, 80 and 9090). */
function setup(envProps = {}) {
  const { app, env } = testEnv(envProps);
  const web = new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080, port: 80, besideTlsRoute: ROUTE_FIXTURE });
  const apiChart = env.addChart('api');
  // A workload outside our constructs, secure as its namespace requires (the synth checks Pod Security).
  hardenPods(new kplus.Deployment(apiChart, 'pods', {
    metadata: { name: 'api' }, select: false, podMetadata: { labels: { app: 'api' } },
    containers: [secureContainer(apiChart, 'main', { image: 'registry.example.com/api:1.0.0', containerPort: 8080 })],
  }), 'api');
  const api = new kplus.Service(apiChart, 'api', {
    metadata: { name: 'api' },
    selector: kplus.Pods.select(apiChart, 'selector', { labels: { app: 'api' } }),
    ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'metrics', port: 9090 }],
  });
  const chart = env.addChart('routes');
  return { app, env, web, api, chart };
}

function build(props: (s: ReturnType<typeof setup>) => Partial<IngressRoutesProps> = () => ({}), id = 'routes') {
  const s = setup();
  const construct = new IngressRoutes(s.chart, id, {
    name: 'apps',
    hosts: [{ host: HOST, paths: [{ path: '/', backend: { service: s.web } }, { path: '/api', prefix: 'keep', backend: { service: s.api, port: 80 } }] }],
    tls: [{ hosts: [HOST], secretName: 'apps-tls' }],
    ...props(s),
  });
  return { ...s, construct, all: manifests(s.app) };
}

describe('IngressRoutes', () => {
  test('two paths on one host to two Services, class nginx, Prefix, TLS from a Secret', () => {
    const { all, construct } = build();
    const ing = only(all, 'Ingress', 'apps');
    expect(ing.apiVersion).toBe('networking.k8s.io/v1');
    expect(ing.metadata.namespace).toBe('dev');
    expect(ing.spec.ingressClassName).toBe('nginx');
    expect(ing.spec.rules).toEqual([{
      host: HOST,
      http: {
        paths: [
          { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
          { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } },
        ],
      },
    }]);
    expect(ing.spec.tls).toEqual([{ hosts: [HOST], secretName: 'apps-tls' }]);
    expect(ing.metadata.annotations).toBeUndefined();
    expect(all.filter((m) => m.kind === 'Certificate')).toEqual([]);
    expect(construct.routes.map((r) => `${r.host}${r.path} -> ${r.serviceName}:${r.port}`)).toEqual([`${HOST}/ -> web:80`, `${HOST}/api -> api:80`]);
    // The backend names are the Services the app writes.
    for (const name of ['web', 'api']) expect(only(all, 'Service', name).spec.ports.map((p: any) => p.port)).toContain(80);
  });

  test('typed nginx annotations, raw annotations, another class and path types', () => {
    const { all } = build((s) => ({
      className: 'nginx-internal',
      sslRedirect: false,
      forceSslRedirect: true,
      proxyBodySize: '16m',
      backendProtocol: 'GRPC',
      annotations: { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '120' },
      hosts: [{ host: HOST, paths: [{ path: '/healthz', prefix: 'keep', pathType: 'Exact', backend: { service: s.web } }, { path: '/metrics', prefix: 'keep', backend: { service: s.api, port: 9090 } }] }],
    }));
    const ing = only(all, 'Ingress', 'apps');
    expect(ing.spec.ingressClassName).toBe('nginx-internal');
    expect(ing.metadata.annotations).toEqual({
      'nginx.ingress.kubernetes.io/backend-protocol': 'GRPC',
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/proxy-body-size': '16m',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '120',
      'nginx.ingress.kubernetes.io/ssl-redirect': 'false',
    });
    const paths = ing.spec.rules[0].http.paths;
    expect(paths.find((p: any) => p.path === '/healthz').pathType).toBe('Exact');
    expect(paths.find((p: any) => p.path === '/metrics').backend.service).toEqual({ name: 'api', port: { number: 9090 } });
    expectSchemaValid(all);
  });

  test('rewrite-target with ImplementationSpecific regex paths', () => {
    const { all } = build((s) => ({
      rewriteTarget: '/$2',
      hosts: [{ host: HOST, paths: [{ path: '/api(/|$)(.*)', pathType: 'ImplementationSpecific', backend: { service: s.api, port: 80 } }] }],
    }));
    const ing = only(all, 'Ingress', 'apps');
    expect(ing.metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/rewrite-target': '/$2' });
    expect(ing.spec.rules[0].http.paths[0]).toMatchObject({ path: '/api(/|$)(.*)', pathType: 'ImplementationSpecific' });
  });

  test('prefix "strip": the paths go to a second Ingress <name>-strip, regex paths rewritten to /$2, with their hosts\' TLS', () => {
    const { all, construct, app } = build((s) => ({
      hosts: [
        { host: HOST, paths: [{ path: '/', backend: { service: s.web } }, { path: '/api', prefix: 'strip', backend: { service: s.api, port: 80 } }, { path: '/docs', prefix: 'keep', backend: { service: s.web } }] },
        { host: 'v.example.com', paths: [{ path: '/v1.2', prefix: 'strip', backend: { service: s.web } }] },
      ],
      tls: [{ hosts: [HOST], secretName: 'apps-tls', certManager: { issuer: 'lab-ca' } }],
    }));
    const kept = only(all, 'Ingress', 'apps');
    expect(kept.metadata.annotations).toBeUndefined();
    expect(kept.spec.rules).toEqual([{ host: HOST, http: { paths: [
      { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
      { path: '/docs', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
    ] } }]);
    expect(kept.spec.tls).toEqual([{ hosts: [HOST], secretName: 'apps-tls' }]);
    const strip = only(all, 'Ingress', 'apps-strip');
    expect(strip.metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/rewrite-target': '/$2', 'nginx.ingress.kubernetes.io/use-regex': 'true' });
    expect(strip.spec.ingressClassName).toBe('nginx');
    expect(strip.spec.rules).toEqual([
      { host: HOST, http: { paths: [{ path: '/api(/|$)(.*)', pathType: 'ImplementationSpecific', backend: { service: { name: 'api', port: { number: 80 } } } }] } },
      { host: 'v.example.com', http: { paths: [{ path: '/v1[.]2(/|$)(.*)', pathType: 'ImplementationSpecific', backend: { service: { name: 'web', port: { number: 80 } } } }] } },
    ]);
    // Only the TLS hosts this Ingress serves; the one Certificate is written once.
    expect(strip.spec.tls).toEqual([{ hosts: [HOST], secretName: 'apps-tls' }]);
    expect(all.filter((m) => m.kind === 'Certificate')).toHaveLength(1);
    expect(construct.routes.map((r) => `${r.host}${r.path} ${r.stripPrefix}`)).toEqual([`${HOST}/ false`, `${HOST}/api true`, `${HOST}/docs false`, 'v.example.com/v1.2 true']);
    expect(construct.ingress).toBeDefined();
    expect(construct.stripIngress).toBeDefined();
    expectSchemaValid(all);
    expect(() => renderApp(app)).not.toThrow();
  });

  test.each<[string, string | undefined]>([
    ['/api', '/'], ['/api/', '/'], ['/api/x/y', '/x/y'], ['/API/x', '/x'], ['/apix', undefined], ['/other/api', undefined],
  ])('the strip regex as nginx runs it (location ~* "^…", rewrite "(?i)…" /$2): %s reaches the backend as %s', (request, backend) => {
    const regex = new RegExp(`^${stripPrefixRegex('/api')}`, 'i');
    expect(regex.test(request) ? request.replace(regex, STRIP_REWRITE_TARGET) : undefined).toBe(backend);
  });

  test('every path strips: only the <name>-strip Ingress is written', () => {
    const { all, construct } = build((s) => ({ hosts: [{ host: HOST, paths: [{ path: '/api', prefix: 'strip', backend: { service: s.api, port: 80 } }] }] }));
    expect(all.filter((m) => m.kind === 'Ingress').map((m) => m.metadata.name)).toEqual(['apps-strip']);
    expect(construct.ingress).toBeUndefined();
  });

  test('cert-manager: a Certificate for the TLS hosts, or the cluster-issuer annotation', () => {
    const viaCertificate = build(() => ({ tls: [{ hosts: [HOST], secretName: 'apps-tls', certManager: { issuer: 'lab-ca' } }] })).all;
    const cert = only(viaCertificate, 'Certificate', 'apps-tls');
    expect(cert.apiVersion).toBe('cert-manager.io/v1');
    expect(cert.metadata.namespace).toBe('dev');
    expect(cert.spec).toEqual({ secretName: 'apps-tls', dnsNames: [HOST], issuerRef: { name: 'lab-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' } });
    expect(only(viaCertificate, 'Ingress').spec.tls).toEqual([{ hosts: [HOST], secretName: 'apps-tls' }]);
    expectSchemaValid(viaCertificate);

    const viaAnnotation = build((s) => {
      // The namespace's own Issuer the annotation names (cert-manager finds an Issuer only in the Ingress's namespace).
      new Issuer(s.chart, 'team-ca', { metadata: { name: 'team-ca' }, spec: { selfSigned: {} } });
      return { tls: [{ hosts: [HOST], secretName: 'apps-tls', certManager: { issuer: 'team-ca', issuerKind: 'Issuer', via: 'annotation' } }] };
    }).all;
    expect(viaAnnotation.filter((m) => m.kind === 'Certificate')).toEqual([]);
    expect(only(viaAnnotation, 'Ingress').metadata.annotations).toEqual({ 'cert-manager.io/issuer': 'team-ca' });
  });

  test('a wildcard TLS host covers a rule host one label below it', () => {
    const { all } = build(() => ({ tls: [{ hosts: ['*.example.com'], secretName: 'wildcard-tls' }] }));
    expect(only(all, 'Ingress').spec.tls).toEqual([{ hosts: ['*.example.com'], secretName: 'wildcard-tls' }]);
  });

  test('a backend by name only is an explicit opt-in', () => {
    const { all } = build(() => ({ hosts: [{ host: HOST, paths: [{ backend: { serviceByName: { name: 'legacy', port: 8443 } } }] }] }));
    expect(only(all, 'Ingress').spec.rules[0].http.paths).toEqual([{ path: '/', pathType: 'Prefix', backend: { service: { name: 'legacy', port: { number: 8443 } } } }]);
  });

  test('renaming the construct id changes nothing in the output', () => {
    expect(build(() => ({}), 'renamed').all).toEqual(build().all);
  });

  test('valid for Kubernetes 1.27 and the cert-manager CRD, and matches the snapshot', () => {
    const { all } = build(() => ({ tls: [{ hosts: [HOST], secretName: 'apps-tls', certManager: { issuer: 'lab-ca' } }] }));
    expectSchemaValid(all);
    expect(all.filter((m) => m.kind === 'Ingress' || m.kind === 'Certificate')).toMatchSnapshot();
  });
});

describe('IngressRoutes refuses', () => {
  const host = (paths: (s: ReturnType<typeof setup>) => any[]) => (s: ReturnType<typeof setup>) => ({ hosts: [{ host: HOST, paths: paths(s) }] });
  test.each<[string, (s: ReturnType<typeof setup>) => Partial<IngressRoutesProps>, string]>([
    ['a Prefix path with a space (strict path rules)', host((s) => [{ path: '/well known', prefix: 'keep', backend: { service: s.web } }]),
      'dev/routes/routes: hosts[0].paths[0].path "/well known" breaks ingress-nginx\'s strict path rules for pathType Prefix'],
    ['an Exact path with a regex', host((s) => [{ path: '/api/(.*)', prefix: 'keep', pathType: 'Exact', backend: { service: s.web } }]),
      'hosts[0].paths[0].path "/api/(.*)" breaks ingress-nginx\'s strict path rules for pathType Exact'],
    ['a path without a leading slash', host((s) => [{ path: 'api', pathType: 'ImplementationSpecific', backend: { service: s.web } }]),
      'hosts[0].paths[0].path "api" must start with "/"'],
    ['rewrite-target with a Prefix path', (s) => ({ rewriteTarget: '/', ...host((t) => [{ path: '/api', backend: { service: t.web } }])(s) }),
      'hosts[0].paths[0].pathType "Prefix" cannot be used with rewriteTarget: nginx then treats every path as a regular expression, so each must be ImplementationSpecific'],
    ['rewrite-target using a group the path lacks', (s) => ({ rewriteTarget: '/$2', ...host((t) => [{ path: '/api/(.*)', pathType: 'ImplementationSpecific', backend: { service: t.web } }])(s) }),
      'rewriteTarget "/$2" uses $2 but path "/api/(.*)" (hosts[0].paths[0]) has only 1 capture group(s)'],
    ['an invalid regex path', (s) => ({ useRegex: true, ...host((t) => [{ path: '/api/(', prefix: 'keep', pathType: 'ImplementationSpecific', backend: { service: t.web } }])(s) }),
      'hosts[0].paths[0].path "/api/(" is not a valid regular expression'],
    ['a TLS host no rule serves', () => ({ tls: [{ hosts: ['other.example.com'], secretName: 'x-tls' }] }),
      'dev/routes/routes: tls[0].hosts[0] "other.example.com" is served by no rule of this Ingress (rule hosts: apps.example.com); a TLS host must be a rule host'],
    ['a wildcard in the middle of a host', (s) => ({ hosts: [{ host: 'apps.*.example.com', paths: [{ backend: { service: s.web } }] }] }),
      'hosts[0].host "apps.*.example.com" is not a host name (a lower-case DNS name such as "app.example.com", optionally starting with "*."'],
    ['an IP address as host', (s) => ({ hosts: [{ host: '192.168.10.5', paths: [{ backend: { service: s.web } }] }] }),
      'hosts[0].host "192.168.10.5" is not a host name'],
    ['an upper-case host', (s) => ({ hosts: [{ host: 'Apps.example.com', paths: [{ backend: { service: s.web } }] }] }),
      'hosts[0].host "Apps.example.com" is not a host name'],
    ['a backend port the Service does not expose', host((s) => [{ backend: { service: s.api, port: 8080 } }]),
      'hosts[0].paths[0].backend.port 8080 is not a port of Service api exposes 80, 9090'],
    ['a multi-port Service without a port', host((s) => [{ backend: { service: s.api } }]),
      'hosts[0].paths[0].backend.port undefined must be given: api exposes 80, 9090'],
    ['a backend without a Service', host(() => [{ backend: {} }]),
      'hosts[0].paths[0].backend.service undefined is missing: give a Service of this app (or opt in to serviceByName)'],
    ['a Service in another namespace', (s) => {
      const other = s.env.addChart('other', undefined, { namespace: 'other' });
      const svc = new kplus.Service(other, 'svc', { metadata: { name: 'svc' }, ports: [{ port: 80 }] });
      return host(() => [{ backend: { service: svc } }])(s);
    }, 'hosts[0].paths[0].backend.service "dev/other/svc" is in namespace "other", but an Ingress can only route to Services in its own namespace "dev"'],
    ['the same path twice on a host', host((s) => [{ path: '/a', prefix: 'keep', backend: { service: s.web } }, { path: '/a', prefix: 'keep', backend: { service: s.web } }]),
      'hosts[0].paths[1].path "/a" is listed twice for host apps.example.com'],
    ['a sub-path that does not say whether the backend sees its prefix', host((s) => [{ path: '/api', backend: { service: s.web } }]),
      'dev/routes/routes: hosts[0].paths[0].prefix undefined must be stated for path "/api": "strip" if the backend serves this content at "/" ("/api/x" reaches it as "/x"), or "keep" if it serves under "/api" itself'],
    ['an Exact sub-path without a choice', host((s) => [{ path: '/healthz', pathType: 'Exact', backend: { service: s.web } }]),
      'hosts[0].paths[0].prefix undefined must be stated for path "/healthz"'],
    ['a prefix handling that is not strip or keep', host((s) => [{ path: '/api', prefix: 'drop' as any, backend: { service: s.web } }]),
      'hosts[0].paths[0].prefix "drop" is not one of "strip", "keep"'],
    ['strip on an Exact path', host((s) => [{ path: '/api', pathType: 'Exact', prefix: 'strip', backend: { service: s.web } }]),
      'hosts[0].paths[0].prefix "strip" needs pathType "Prefix", not "Exact"'],
    ['strip on a path ending in "/"', host((s) => [{ path: '/api/', prefix: 'strip', backend: { service: s.web } }]),
      'hosts[0].paths[0].path "/api/" ends with "/": write "/api" to strip the prefix'],
    ['strip with useRegex', (s) => ({ useRegex: true, ...host((t) => [{ path: '/api', pathType: 'ImplementationSpecific', prefix: 'strip', backend: { service: t.web } }])(s) }),
      'hosts[0].paths[0].prefix "strip" cannot be "strip" with useRegex'],
    ['a prefix choice with rewriteTarget', (s) => ({ rewriteTarget: '/$2', ...host((t) => [{ path: '/api(/|$)(.*)', pathType: 'ImplementationSpecific', prefix: 'keep', backend: { service: t.web } }])(s) }),
      'hosts[0].paths[0].prefix "keep" cannot be combined with rewriteTarget'],
    ['strip with the cert-manager annotation', (s) => ({
      ...host((t) => [{ path: '/api', prefix: 'strip', backend: { service: t.web } }])(s),
      tls: [{ hosts: [HOST], secretName: 'apps-tls', certManager: { issuer: 'ca', via: 'annotation' } }],
    }), 'tls[].certManager.via "annotation" cannot be used with paths of prefix "strip": they are a second Ingress "apps-strip"'],
    ['a bad proxy body size', () => ({ proxyBodySize: '10MB' }), 'proxyBodySize "10MB" is not an nginx size'],
    ['an unknown backend protocol', () => ({ backendProtocol: 'http' as any }), 'backendProtocol "http" is not one of "HTTP", "HTTPS", "GRPC", "GRPCS", "AUTO_HTTP", "FCGI"'],
    ['a raw annotation repeating a typed option', () => ({ proxyBodySize: '1m', annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '2m' } }),
      'annotations key "nginx.ingress.kubernetes.io/proxy-body-size" is written by the typed option proxyBodySize: set proxyBodySize instead'],
    ['a snippet annotation without opt-in', () => ({ annotations: { 'nginx.ingress.kubernetes.io/server-snippet': 'return 200;' } }),
      'annotations key "nginx.ingress.kubernetes.io/server-snippet" is a snippet annotation, which ingress-nginx rejects unless its operators enabled allow-snippet-annotations'],
    ['two issuers through the annotation', (s) => ({
      hosts: [{ host: 'a.example.com', paths: [{ backend: { service: s.web } }] }, { host: 'b.example.com', paths: [{ backend: { service: s.web } }] }],
      tls: [{ hosts: ['a.example.com'], secretName: 'a-tls', certManager: { issuer: 'one', via: 'annotation' } }, { hosts: ['b.example.com'], secretName: 'b-tls', certManager: { issuer: 'two', via: 'annotation' } }],
    }), 'tls[].certManager ["one","two"] asks for different issuers through the annotation, which is one per Ingress'],
    ['a host in two TLS entries', () => ({ tls: [{ hosts: [HOST], secretName: 'a-tls' }, { hosts: [HOST], secretName: 'b-tls' }] }),
      'tls[1].hosts "apps.example.com" already has a certificate in tls[0]'],
  ])('%s, leaving nothing in the tree', (_what, props, message) => {
    const s = setup();
    const given = props(s);
    const make = () => new IngressRoutes(s.chart, 'routes', { name: 'apps', hosts: [{ host: HOST, paths: [{ backend: { service: s.web } }] }], ...given });
    expect(make).toThrow(ValidationError);
    expect(make).toThrow(message);
    expect(s.chart.node.children).toEqual([]);
  });

  test('the same host + path routed twice anywhere in the environment, naming both', () => {
    const s = setup();
    const props = { hosts: [{ host: HOST, paths: [{ path: '/', backend: { service: s.web } }] }] };
    new IngressRoutes(s.chart, 'first', { name: 'first', ...props });
    new IngressRoutes(s.env.addChart('more'), 'second', { name: 'second', ...props });
    expect(() => renderApp(s.app)).toThrow(SynthError);
    expect(() => renderApp(s.app)).toThrow(
      `dev/more/second: route 1 ${HOST}/ is already used by dev/routes/first (route 1); host + path (one backend per route, ingress class "nginx") must be unique`);
  });

  test('the same host + path on two ingress classes is two controllers\' business', () => {
    const s = setup();
    const props = { hosts: [{ host: HOST, paths: [{ path: '/', backend: { service: s.web } }] }] };
    new IngressRoutes(s.chart, 'public', { name: 'public', ...props });
    new IngressRoutes(s.chart, 'internal', { name: 'internal', className: 'nginx-internal', ...props });
    expect(manifests(s.app).filter((m) => m.kind === 'Ingress')).toHaveLength(2);
  });

  test('one host with two different TLS Secrets in two Ingresses, naming both', () => {
    const s = setup();
    new IngressRoutes(s.chart, 'a', { name: 'a', hosts: [{ host: HOST, paths: [{ path: '/a', prefix: 'keep', backend: { service: s.web } }] }], tls: [{ hosts: [HOST], secretName: 'one-tls' }] });
    new IngressRoutes(s.chart, 'b', { name: 'b', hosts: [{ host: HOST, paths: [{ path: '/b', prefix: 'keep', backend: { service: s.web } }] }], tls: [{ hosts: [HOST], secretName: 'two-tls' }] });
    expect(() => renderApp(s.app)).toThrow(
      `dev/routes/b: tls[0].secretName "two-tls" for ${HOST} disagrees with dev/routes/a (tls[0].secretName "one-tls"); TLS Secret of a host (ingress class "nginx") must be the same everywhere`);
  });

  test('an app on a nodePort the ingress controller holds', () => {
    const { app, env } = testEnv({ reservedNodePorts: [30080] });
    new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080, nodePort: 30080 });
    expect(() => renderApp(app)).toThrow('dev/web/web: nodePort 30080 is already used by dev (reservedNodePorts[0])');
  });
});

describe('environment definitions', () => {
  test('a route to an app the environment does not have', () => {
    const def = {
      name: 'dev',
      nodePortApps: [{ name: 'web', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080, port: 80, nodePort: 30080 }, { name: 'api', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080, port: 80, nodePort: 30081 }],
      ingressRoutes: [{ name: 'apps', hosts: [{ host: 'x.example.com', paths: [{ backend: { app: 'nope' } }] }] }],
    };
    expect(() => composeEnvironment(new App(), def)).toThrow(
      'dev/ingress-apps: hosts[0].paths[0].backend.app "nope" is not an app of this environment (api, web)');
  });
});
