import { ApiObject, App, JsonPatch } from 'cdk8s';
import { CRD_SCHEMAS } from '../../imports/crd-schemas';
import { ChartTier, FluxSync, HttpGateway, IngressRoutes, NodePortApp, renderApp, SynthError } from '../../lib';
import { celRuleStats, compileCelRule, crdValidationRules, CrdSchemaNode, escapeFieldName, rulesOf, validateCelRules } from '../../lib/checks/cel';
import { buildApp } from '../../main';
import { ROUTE_FIXTURE, testEnv } from '../helpers';

const HOST = 'apps.example.com';
const IMAGE = 'nginxinc/nginx-unprivileged:1.27-alpine';

/**
 * An environment `dev` with a Gateway `gw` (dev/gateway/gw/Gateway), HTTPRoutes for two apps with TLS
 * (dev/routes/routes/...: `apps-apps-example-com` with two rules, `apps-apps-example-com-redirect` with a
 * RequestRedirect rule) and Flux objects (dev/flux/sync/GitRepository, dev/flux/sync/Kustomization).
 */
function setup(): App {
  const { app, env } = testEnv();
  new FluxSync(env.addChart('flux', ChartTier.CLUSTER, { namespaced: false }), 'sync', { name: 'dev', repoUrl: 'https://git.example.com/platform/k8s.git', path: 'dist/dev' });
  const web = new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, port: 80, besideTlsRoute: ROUTE_FIXTURE });
  const api = new NodePortApp(env.addChart('api'), 'api', { name: 'api', image: IMAGE, containerPort: 8080, port: 80, besideTlsRoute: ROUTE_FIXTURE });
  new HttpGateway(env.addChart('gateway', ChartTier.ROUTES), 'gw', { name: 'gw', gatewayClassName: 'nginx' });
  new IngressRoutes(env.addChart('routes', ChartTier.ROUTES), 'routes', {
    name: 'apps',
    output: 'HTTPRoute',
    hosts: [{ host: HOST, paths: [{ path: '/', backend: { service: web } }, { path: '/api', prefix: 'keep', backend: { service: api } }] }],
    tls: [{ hosts: [HOST], secretName: 'apps-tls' }],
  });
  return app;
}

/** Applies JSON patches to the one object of that kind (and name), as a raw cdk8s escape hatch would. */
function patch(app: App, kind: string, name: string | undefined, ...patches: JsonPatch[]): string {
  const found = app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && c.kind === kind && (!name || c.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ''}, found ${found.length}`);
  found[0].addJsonPatch(...patches);
  return found[0].node.path;
}

function problemsOf(app: App): string[] {
  try {
    renderApp(app);
    return [];
  } catch (e) {
    if (!(e instanceof SynthError)) throw e;
    return [...e.problems];
  }
}

const ROUTE = 'apps-apps-example-com';
const REDIRECT = 'apps-apps-example-com-redirect';

describe('API server: CRD x-kubernetes-validations (CEL) rules of the custom resources we write', () => {
  // Each row breaks one object the constructs built (through a raw JSON patch) in a way only a CEL rule sees.
  test.each<[string, string, string | undefined, JsonPatch[], string, string]>([
    ['Gateway: tls on an HTTP listener', 'Gateway', 'gw',
      [JsonPatch.add('/spec/listeners/0/tls', { mode: 'Terminate', certificateRefs: [{ name: 'x' }] })],
      'spec.listeners', "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"],
    ['Gateway: two listeners with one name', 'Gateway', 'gw', [JsonPatch.replace('/spec/listeners/1/name', 'http')],
      'spec.listeners', 'Listener name must be unique within the Gateway'],
    ['Gateway: a hostname on a TCP listener', 'Gateway', 'gw',
      [JsonPatch.replace('/spec/listeners/0/protocol', 'TCP'), JsonPatch.add('/spec/listeners/0/hostname', 'tcp.example.com')],
      'spec.listeners', "hostname must not be specified for protocols ['TCP', 'UDP']"],
    ['Gateway: the same port, protocol and hostname twice', 'Gateway', 'gw',
      [JsonPatch.replace('/spec/listeners/1/protocol', 'HTTP'), JsonPatch.replace('/spec/listeners/1/port', 80), JsonPatch.remove('/spec/listeners/1/hostname'),
        JsonPatch.remove('/spec/listeners/1/tls')],
      'spec.listeners', 'Combination of port, protocol and hostname must be unique for each listener'],
    ['Gateway: an infrastructure label key that is no label key', 'Gateway', 'gw', [JsonPatch.add('/spec/infrastructure', { labels: { '-team': 'web' } })],
      'spec.infrastructure.labels', 'Label keys must be in the form of an optional DNS subdomain prefix'],
    ['Gateway: the same IP address twice', 'Gateway', 'gw',
      [JsonPatch.add('/spec/addresses', [{ type: 'IPAddress', value: '192.168.1.10' }, { type: 'IPAddress', value: '192.168.1.10' }])],
      'spec.addresses', 'IPAddress values must be unique'],
    ['HTTPRoute: RequestRedirect and URLRewrite in one rule', 'HTTPRoute', REDIRECT,
      [JsonPatch.add('/spec/rules/0/filters/-', { type: 'URLRewrite', urlRewrite: { hostname: 'other.example.com' } })],
      'spec.rules[0].filters', 'May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both'],
    ['HTTPRoute: a RequestRedirect beside backendRefs', 'HTTPRoute', REDIRECT,
      [JsonPatch.add('/spec/rules/0/backendRefs', [{ name: 'web', port: 80 }])],
      'spec.rules[0]', 'RequestRedirect filter must not be used together with backendRefs'],
    ['HTTPRoute: a filter with the field of another type', 'HTTPRoute', REDIRECT,
      [JsonPatch.add('/spec/rules/0/filters/0/urlRewrite', { hostname: 'other.example.com' })],
      'spec.rules[0].filters[0]', 'filter.urlRewrite must be nil if the filter.type is not URLRewrite'],
    ['HTTPRoute: a path with //', 'HTTPRoute', ROUTE, [JsonPatch.replace('/spec/rules/1/matches/0/path/value', '/api//v1')],
      'spec.rules[1].matches[0].path', "must not contain '//' when type one of ['Exact', 'PathPrefix']"],
    ['HTTPRoute: a path not starting with /', 'HTTPRoute', ROUTE, [JsonPatch.replace('/spec/rules/1/matches/0/path/value', 'api')],
      'spec.rules[1].matches[0].path', "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']"],
    // IngressRoutes' prefix "strip" writes this filter on PathPrefix matches only (Gateway API v1.5.1 apis/v1/httproute_types.go keeps the rule).
    ['HTTPRoute: a ReplacePrefixMatch rewrite on an Exact match', 'HTTPRoute', ROUTE,
      [JsonPatch.replace('/spec/rules/1/matches/0/path/type', 'Exact'),
        JsonPatch.add('/spec/rules/1/filters', [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }])],
      'spec.rules[1]', 'When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified'],
    ['HTTPRoute: a backend timeout longer than the request timeout (durations)', 'HTTPRoute', ROUTE,
      [JsonPatch.add('/spec/rules/0/timeouts', { request: '10s', backendRequest: '1m' })],
      'spec.rules[0].timeouts', 'backendRequest timeout cannot be longer than request timeout'],
    ['HTTPRoute: the same parent twice without sectionName', 'HTTPRoute', ROUTE,
      [JsonPatch.remove('/spec/parentRefs/0/sectionName'), JsonPatch.add('/spec/parentRefs/-', { name: 'gw', namespace: 'dev' })],
      'spec.parentRefs', 'sectionName must be unique when parentRefs includes 2 or more references to the same parent'],
    // group "" and kind "Service" are the schema's defaults: the rule fails only because they are applied first.
    ['HTTPRoute: a Service backend without port (after defaulting group and kind)', 'HTTPRoute', ROUTE,
      [JsonPatch.remove('/spec/rules/0/backendRefs/0/port')],
      'spec.rules[0].backendRefs[0]', 'Must have port for Service reference'],
    ['Flux Kustomization: a kubeConfig with neither reference', 'Kustomization', 'dev', [JsonPatch.add('/spec/kubeConfig', {})],
      'spec.kubeConfig', 'exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified'],
    ['Flux GitRepository: serviceAccountName without the aws/azure provider', 'GitRepository', 'dev',
      [JsonPatch.add('/spec/serviceAccountName', 'fetcher')],
      'spec', "serviceAccountName can only be set when provider is 'azure' or 'aws'"],
  ])('%s', (_what, kind, name, patches, field, message) => {
    const app = setup();
    const path = patch(app, kind, name, ...patches);
    const problems = problemsOf(app);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${path}: ${kind} (dev|flux-system)/${name}: `));
    expect(problems[0]).toContain(`: ${field}: ${message}`);
    expect(problems[0]).toMatch(/ \(CRD rule: .+\)$/);
  });

  test.each<[string, string, string | undefined, JsonPatch[]]>([
    ['the objects as built', 'Gateway', 'gw', []],
    // The rule's `matches` is absent: its default (one PathPrefix "/" match) is what satisfies the rule.
    ['a ReplacePrefixMatch redirect in a rule without matches (their default applies)', 'HTTPRoute', REDIRECT,
      [JsonPatch.add('/spec/rules/0/filters/0/requestRedirect/path', { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' })]],
    ['a backend timeout within the request timeout', 'HTTPRoute', ROUTE, [JsonPatch.add('/spec/rules/0/timeouts', { request: '1m', backendRequest: '30s' })]],
    ['a request timeout of 0s (no timeout) and any backend timeout', 'HTTPRoute', ROUTE, [JsonPatch.add('/spec/rules/0/timeouts', { request: '0s', backendRequest: '1h' })]],
    ['a prefixed infrastructure label', 'Gateway', 'gw', [JsonPatch.add('/spec/infrastructure', { labels: { 'example.com/team': 'web' } })]],
    ['serviceAccountName with provider aws', 'GitRepository', 'dev', [JsonPatch.add('/spec/serviceAccountName', 'fetcher'), JsonPatch.add('/spec/provider', 'aws')]],
    // The parents differ only by namespace, which the rules read as __namespace__ (a CEL reserved word, escaped).
    ['two parents of one name in two namespaces, one without sectionName', 'HTTPRoute', ROUTE,
      [JsonPatch.add('/spec/parentRefs/-', { name: 'gw', namespace: 'other' })]],
  ])('passes: %s', (_what, kind, name, patches) => {
    const app = setup();
    if (patches.length > 0) patch(app, kind, name, ...patches);
    expect(problemsOf(app)).toEqual([]);
  });

  test('the shipped environments pass every rule, and each rule is compiled once however often it runs', () => {
    const objects = renderApp(buildApp()).flatMap((f) => f.objects);
    const before = celRuleStats();
    expect(crdValidationRules(objects)).toEqual([]);
    const after = celRuleStats();
    expect(after.evaluated).toBeGreaterThan(before.evaluated);
    expect(after.compiled).toBe(before.compiled);
  });
});

/** A CRD schema with one rule on `spec` (whose `x` defaults to "a"). */
function schemaWith(...rules: Array<{ rule: string; message?: string; messageExpression?: string; optionalOldSelf?: boolean }>): CrdSchemaNode {
  return {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: { x: { type: 'string', default: 'a' }, n: { type: 'integer' }, list: { type: 'array', items: { type: 'string' } } },
        'x-kubernetes-validations': rules,
      },
    },
  };
}

describe('CEL rules as the API server evaluates them', () => {
  test.each<[string, object, Record<string, unknown>, string[]]>([
    // apiextensions-apiserver validation.go: a rule reading oldSelf only runs on update; a create has no old object.
    ['a transition rule is skipped on create', { rule: 'self.x == oldSelf.x', message: 'x is immutable' }, { x: 'b' }, []],
    ['a rule on the same object without oldSelf is not', { rule: "self.x == 'a'", message: 'x must be a' }, { x: 'b' }, ['spec: x must be a']],
    ['defaults are applied before the rule', { rule: "self.x == 'a'", message: 'x must be a' }, {}, []],
    ['integers are CEL ints', { rule: 'self.n == 3 && type(self.n) == int', message: 'n is no int 3' }, { n: 3 }, []],
    ['no message: "failed rule: <rule>"', { rule: 'self.n > 3' }, { n: 3 }, ['spec: failed rule: self.n > 3']],
    ['messageExpression gives the message', { rule: 'self.n > 3', message: 'too small', messageExpression: "'n is ' + string(self.n)" }, { n: 3 }, ['spec: n is 3']],
    ['an empty messageExpression result falls back to message', { rule: 'self.n > 3', message: 'too small', messageExpression: "''" }, { n: 3 }, ['spec: too small']],
    ['an evaluation error refuses the object', { rule: 'self.missing == 1', message: 'm' }, { n: 1 }, ['spec: no such key: missing evaluating rule: m']],
    // cel-go ext strings: Go strings.SplitN / strings.Replace, not JavaScript's split/replace.
    ['split with a count keeps the rest (Go SplitN)', { rule: "self.x.split('/', 2) == ['a', 'b/c']" }, { x: 'a/b/c' }, []],
    ['split on "" splits runes', { rule: "self.x.split('') == ['é', '😀']" }, { x: 'é😀' }, []],
    ['replace with a negative count replaces all (Go strings.Replace)', { rule: "self.x.replace('a', 'b', -1) == 'bbb'" }, { x: 'aaa' }, []],
    ['replace with a count replaces that many', { rule: "self.x.replace('a', 'b', 2) == 'bba'" }, { x: 'aaa' }, []],
    ['getMilliseconds of a duration is the total (cel-go)', { rule: "duration(self.x).getMilliseconds() == 1500" }, { x: '1.5s' }, []],
    ["duration('') is an error, as Go's time.ParseDuration", { rule: 'duration(self.x) > duration("0s")', message: 'd' }, { x: '' },
      ['spec: time: invalid duration "" evaluating rule: d']],
  ])('%s', (_what, rule, spec, expected) => {
    const violations = validateCelRules({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' }, spec }, schemaWith(rule as never));
    expect(violations.map((v) => `${v.field}: ${v.message}`)).toEqual(expected);
  });

  test.each<[string, string, string[]]>([
    // apiextensions-apiserver model.WithTypeAndObjectMeta: at the resource root, metadata shows only name and generateName.
    ['a root rule sees metadata.name', "self.metadata.name == 't' && self.kind == 'Thing'", []],
    ['a root rule does not see metadata.namespace', 'has(self.metadata.__namespace__)', ['(object): failed rule: has(self.metadata.__namespace__)']],
  ])('%s', (_what, rule, expected) => {
    const schema: CrdSchemaNode = {
      type: 'object',
      properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object', properties: { name: { type: 'string' }, namespace: { type: 'string' } } }, spec: { type: 'object', properties: { x: { type: 'string' } } } },
      'x-kubernetes-validations': [{ rule }],
    };
    const violations = validateCelRules({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't', namespace: 'ns' }, spec: {} }, schema);
    expect(violations.map((v) => `${v.field || '(object)'}: ${v.message}`)).toEqual(expected);
  });

  // k8s.io/apiserver pkg/cel/common/values.go: a string with format date-time is a CEL timestamp (an unparsable one an error).
  test.each<[string, string[]]>([
    ['2024-05-01T10:00:00Z', []],
    ['2019-05-01T10:00:00Z', ['spec: after 2020']],
    ['yesterday', [expect.stringMatching(/^spec: .*evaluating rule: after 2020$/) as unknown as string]],
  ])('a date-time field %s is a timestamp', (t, expected) => {
    const schema: CrdSchemaNode = { type: 'object', properties: { spec: { type: 'object', properties: { t: { type: 'string', format: 'date-time' } },
      'x-kubernetes-validations': [{ rule: "self.t > timestamp('2020-01-01T00:00:00Z')", message: 'after 2020' }] } } };
    expect(validateCelRules({ spec: { t } }, schema).map((v) => `${v.field}: ${v.message}`)).toEqual(expected);
  });

  test('fieldPath names the field the error is about', () => {
    const violations = validateCelRules({ spec: { x: 'b' } }, schemaWith({ rule: "self.x == 'a'", message: 'x must be a', fieldPath: '.x' } as never));
    expect(violations.map((v) => `${v.field}: ${v.message}`)).toEqual(['spec.x: x must be a']);
  });

  test.each<[string, string, RegExp]>([
    ['a Kubernetes library function this check does not have', 'isURL(self.x)', /unsupported function isURL\(\) with 1 argument/],
    ['an unknown method', 'self.x.reverse() == self.x', /unsupported function <value>\.reverse\(\) with 0 argument/],
    ['a variable the API server does not bind', 'request.x == self.x', /undeclared reference to 'request'/],
    ['a syntax error', 'self.x ==', /syntax error/],
    ['a transition rule with optionalOldSelf (needs CEL optionals)', 'self.x == oldSelf.x', /optionalOldSelf needs CEL optional values/],
    ['an optional value function', 'self.x == oldSelf.orValue(self).x', /unsupported function <value>\.orValue\(\) with 1 argument/],
  ])('a rule that cannot be evaluated is reported, never skipped: %s', (_what, rule, reason) => {
    const violations = validateCelRules({ spec: { x: 'a' } }, schemaWith({ rule, optionalOldSelf: rule.includes('oldSelf') }));
    expect(violations).toHaveLength(1);
    expect(violations[0].message).toMatch(reason);
    expect(violations[0].message).toMatch(/cannot evaluate the CRD's rule .* it is reported, not skipped/);
  });

  test('an unsupported rule injected into an imported CRD refuses the synth, naming the rule', () => {
    const spec = (CRD_SCHEMAS.find((c) => c.kind === 'GitRepository')!.schema as any).properties.spec;
    const injected = { rule: 'isURL(self.url)', message: 'url must be a URL' };
    spec['x-kubernetes-validations'].push(injected);
    // The objects that passed are remembered for the imported CRDs as the code fingerprint hashed them, not as changed in memory.
    const saved = process.env.ONPREM_CHECK_CACHE;
    process.env.ONPREM_CHECK_CACHE = 'off';
    try {
      const problems = problemsOf(setup());
      expect(problems).toEqual([expect.stringMatching(/^dev\/flux\/sync\/GitRepository: GitRepository flux-system\/dev: spec: this check cannot evaluate the CRD's rule \(unsupported function isURL\(\) with 1 argument\(s\)\).*\(CRD rule: isURL\(self.url\)\)$/)]);
    } finally {
      spec['x-kubernetes-validations'].splice(spec['x-kubernetes-validations'].indexOf(injected), 1);
      if (saved === undefined) delete process.env.ONPREM_CHECK_CACHE;
      else process.env.ONPREM_CHECK_CACHE = saved;
    }
  });

  test.each([
    ['namespace', '__namespace__'], ['in', '__in__'], ['foo-bar', 'foo__dash__bar'], ['a.b/c', 'a__dot__b__slash__c'],
    ['x__y', 'x__underscores__y'], ['plain_name', 'plain_name'], ['1st', undefined], ['a b', undefined],
  ])('field %s is %s in CEL (k8s.io/apiserver pkg/cel/escaping.go)', (name, escaped) => {
    expect(escapeFieldName(name)).toBe(escaped);
  });
});

describe('every rule of every CRD we import', () => {
  const all = CRD_SCHEMAS.flatMap((crd) => rulesOf(crd.schema as CrdSchemaNode).map((r) => ({ crd: `${crd.apiVersion} ${crd.kind}`, ...r })));

  test('there are rules, on the kinds upstream puts them (cert-manager issuers, Gateway, HTTPRoute, Flux Kustomization and GitRepository)', () => {
    expect(all.length).toBeGreaterThanOrEqual(150);
    expect([...new Set(all.map((r) => r.crd))].sort()).toEqual([
      'cert-manager.io/v1 ClusterIssuer', 'cert-manager.io/v1 Issuer',
      'gateway.networking.k8s.io/v1 Gateway', 'gateway.networking.k8s.io/v1 HTTPRoute',
      'gateway.networking.k8s.io/v1beta1 Gateway', 'gateway.networking.k8s.io/v1beta1 HTTPRoute',
      'kustomize.toolkit.fluxcd.io/v1 Kustomization', 'source.toolkit.fluxcd.io/v1 GitRepository',
    ]);
  });

  // A CRD upgrade that brings a function this check lacks fails here, by rule, instead of at synth.
  test.each(all.map((r) => [`${r.crd} ${r.field}: ${r.rule.rule}`, r.rule] as const))('compiles: %s', (_name, rule) => {
    expect(compileCelRule(rule.rule).error).toBeUndefined();
    if (rule.messageExpression) expect(compileCelRule(rule.messageExpression).error).toBeUndefined();
  });
});
