/**
 * Property-based checks of the seven constructs' input handling (fast-check, seeded: see ./property.ts).
 * Valid props always synthesize to schema-valid, deterministic YAML; props with exactly one field made
 * invalid (wrong type, out of range, malformed address or quantity, conflicting combination, or a
 * conflict with another object) always fail with our error naming the construct path, the field and
 * the bad value, never a TypeError from inside cdk8s, and write nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import fc from 'fast-check';
import {
  AutoscaledApp, ChartTier, Environment, IngressRoutes, MetalLbL2Pool, NfsStorage, NodeDaemon, NodePortApp, OrderedStatefulSet,
  renderApp, serialize, show, synthesize, SynthError, ValidationError,
} from '../lib';
import { FULL, params, SEED } from './property';
import { readTree, ROUTE_FIXTURE, tempDir } from './helpers';

type Props = Record<string, any>;

/** One construct: how to build it (with what it needs around it), its valid props and its bad fields. */
interface Spec {
  readonly construct: string;
  /** Construct path the messages must name (the construct, or one of its children). */
  readonly path: string;
  readonly valid: fc.Arbitrary<Props>;
  /** Builds the construct (and the objects it needs or conflicts with) in a fresh app. */
  readonly build: (props: Props) => App;
  readonly bad: ReadonlyArray<Mutation>;
}

/** One field made invalid: the text its messages name it by, how to set it and the bad values. */
interface Mutation {
  readonly field: string;
  readonly set: (props: Props, bad: any) => Props;
  readonly values: fc.Arbitrary<unknown>;
  /** How many distinct values to draw. @default 5 */
  readonly count?: number;
  /** How the message shows the bad value. @default show(bad) */
  readonly shown?: (bad: any) => string;
}

const name = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
const image = fc.tuple(fc.constantFrom('nginx', 'registry.example.internal/team/app', 'traefik/whoami'), fc.nat(30), fc.nat(9))
  .map(([repo, minor, patch]) => `${repo}:1.${minor}.${patch}`);
const port = fc.integer({ min: 1024, max: 65535 });
const badName = fc.oneof(fc.constantFrom('Web', 'web_1', '-web', 'web-', 'a'.repeat(254), '', 'wéb', 'web..app', 42, null),
  fc.stringMatching(/^[A-Z][A-Za-z]{1,6}$/), fc.stringMatching(/^[a-z]{1,4}[_ !][a-z]{1,4}$/));
const badImage = fc.oneof(fc.constantFrom('nginx', 'nginx:latest', 'Nginx:1.0', 'nginx:', ':1.0', 'nginx@sha256:abc', 7, ''),
  fc.stringMatching(/^[a-z]{2,8}$/));
const badPort = fc.oneof(fc.constantFrom(0, 65536, -1, 1.5, '8080', null), fc.integer({ min: 65536, max: 1e6 }), fc.integer({ min: -1e6, max: 0 }));
const badQuantity = fc.oneof(fc.constantFrom('10GB', '1.2.3', 'ten', '-1Gi', '', 'Gi', '1 Gi', 5), fc.stringMatching(/^[0-9]{1,3}[a-zA-Z]{3}$/));
const badReplicas = fc.oneof(fc.constantFrom(-1, 1.5, '3', true), fc.integer({ min: -1000, max: -1 }));

/** A fresh app with environment `dev`; `extra` adds environment props. */
function env(extra: Partial<ConstructorParameters<typeof Environment>[2]> = {}): { app: App; env: Environment } {
  const app = new App();
  return { app, env: new Environment(app, 'dev', { name: 'dev', ...extra }) };
}

const container = { image, containerPort: port };
const containerBad: Mutation[] = [
  { field: 'image', set: (p, v) => ({ ...p, image: v }), values: badImage },
  { field: 'containerPort', set: (p, v) => ({ ...p, containerPort: v }), values: badPort },
  { field: 'resources.cpuRequest', set: (p, v) => ({ ...p, resources: { cpuRequest: v } }), values: badQuantity, count: 3 },
  { field: 'resources.memoryLimit', set: (p, v) => ({ ...p, resources: { memoryLimit: v } }), values: badQuantity, count: 3 },
  { field: 'runAsUser', set: (p, v) => ({ ...p, runAsUser: v }), values: fc.constantFrom(0, -5, 1.5, 'root') },
  { field: 'name', set: (p, v) => ({ ...p, name: v }), values: badName, count: 8 },
];

const specs: Spec[] = [
  {
    construct: 'MetalLbL2Pool',
    path: 'dev/metallb/x',
    valid: fc.record({ name, third: fc.nat(255), prefix: fc.integer({ min: 26, max: 30 }) })
      .map(({ name: n, third, prefix }) => ({ name: n, addresses: [`10.0.${third}.0/${prefix}`] })),
    build: (props) => {
      const e = env();
      const chart = e.env.addChart('metallb', ChartTier.PLATFORM, { namespaced: false });
      new MetalLbL2Pool(chart, 'other', { name: 'other', addresses: ['10.1.0.0/24'] });
      new MetalLbL2Pool(chart, 'x', props as any);
      return e.app;
    },
    bad: [
      { field: 'name', set: (p, v) => ({ ...p, name: v }), values: badName, count: 8 },
      { field: 'addresses[0]', set: (p, v) => ({ ...p, addresses: [v] }), count: 10,
        values: fc.oneof(fc.constantFrom('10.0.0.256/28', '10.0.0.0/33', '10.0.0.5-10.0.0.1', 'abc', '10.0.0.1/24', '10.0.0.0/8-10.0.0.1', '::1/129', 10, '10.0.0.0/24,10.0.1.0/24'),
          fc.tuple(fc.integer({ min: 256, max: 999 }), fc.nat(255)).map(([a, b]) => `10.${a}.${b}.0/28`)) },
      { field: 'overlaps "10.1.0.0/24" of IPAddressPool metallb-system/other (dev/metallb/other/IPAddressPool)', set: (p) => ({ ...p, addresses: ['10.1.0.128/25'] }), values: fc.constant('10.1.0.128/25'), count: 1 },
      { field: 'autoAssign', set: (p, v) => ({ ...p, autoAssign: v }), values: fc.constantFrom('yes', 1, 'true') },
      { field: 'excludedAddresses[0]', set: (p, v) => ({ ...p, excludedAddresses: [v] }), values: fc.constantFrom('nope', '10.0.0.300', '10.0.0.0/33') },
    ],
  },
  {
    construct: 'NodePortApp',
    path: 'dev/web/x',
    valid: fc.record({ name, ...container, nodePort: fc.integer({ min: 30001, max: 32767 }), replicas: fc.integer({ min: 1, max: 5 }) }),
    build: (props) => {
      const e = env();
      new NodePortApp(e.env.addChart('taken'), 'taken', { name: 'taken', image: 'nginx:1.27.0', containerPort: 8080, nodePort: 30000 });
      new NodePortApp(e.env.addChart('web'), 'x', props as any);
      return e.app;
    },
    bad: [
      ...containerBad,
      { field: 'nodePort', set: (p, v) => ({ ...p, nodePort: v }), count: 8,
        values: fc.oneof(fc.constantFrom(29999, 32768, 80, 30000.5, '30080'), fc.integer({ min: 1, max: 29999 }), fc.integer({ min: 32768, max: 65535 })) },
      { field: 'nodePort', set: (p) => ({ ...p, nodePort: 30000 }), values: fc.constant(30000), count: 1 },
      { field: 'replicas', set: (p, v) => ({ ...p, replicas: v }), values: badReplicas },
      { field: 'port', set: (p, v) => ({ ...p, port: v }), values: badPort, count: 3 },
      { field: 'spread', set: (p, v) => ({ ...p, spread: v }), values: fc.constantFrom('Always', 'never', 3) },
    ],
  },
  {
    construct: 'AutoscaledApp',
    path: 'dev/api/x',
    valid: fc.record({ name, ...container, minReplicas: fc.integer({ min: 1, max: 3 }), maxReplicas: fc.integer({ min: 3, max: 20 }), cpuUtilization: fc.integer({ min: 10, max: 100 }) }),
    build: (props) => {
      const e = env();
      new AutoscaledApp(e.env.addChart('api'), 'x', props as any);
      return e.app;
    },
    bad: [
      ...containerBad,
      { field: 'maxReplicas', set: (p, v) => ({ ...p, maxReplicas: v }), values: fc.oneof(fc.constantFrom(0, 2.5, '10', -3), fc.integer({ min: -100, max: 0 })) },
      { field: 'minReplicas', set: (p, v) => ({ ...p, minReplicas: v }), values: fc.integer({ min: 21, max: 100 }) },
      { field: 'cpuUtilization', set: (p, v) => ({ ...p, cpuUtilization: v }), values: fc.oneof(fc.constantFrom(0, 101, 150, 55.5, '70'), fc.integer({ min: 101, max: 1000 })) },
      { field: 'memoryUtilization', set: (p, v) => ({ ...p, memoryUtilization: v }), values: fc.constantFrom(0, -10, 'high') },
      { field: 'scaleUp.policies[0].value', set: (p, v) => ({ ...p, scaleUp: { policies: [{ type: 'Pods', value: v }] } }), values: fc.constantFrom(0, -1, 2.5) },
      { field: 'scaleDown.stabilizationWindowSeconds', set: (p, v) => ({ ...p, scaleDown: { stabilizationWindowSeconds: v } }), values: fc.constantFrom(-1, 3601, 'long') },
    ],
  },
  {
    construct: 'IngressRoutes',
    path: 'dev/routes/x',
    valid: fc.record({ name, host: name.map((n) => `${n}.example.internal`), seg: name }).map(({ name: n, host, seg }) => ({
      name: n, hosts: [{ host, paths: [{ path: `/${seg}`, prefix: 'keep', backend: { app: 'web' } }] }], tls: [{ hosts: [host], secretName: `${n}-tls` }],
    })),
    build: (props) => {
      const e = env();
      const web = new NodePortApp(e.env.addChart('web'), 'web', { name: 'web', image: 'nginx:1.27.0', containerPort: 8080, besideTlsRoute: ROUTE_FIXTURE });
      const fix = (p: Props) => ({ ...p, hosts: p.hosts?.map((h: Props) => ({ ...h, paths: h.paths?.map((x: Props) => (x.backend?.app ? { ...x, backend: { service: web } } : x)) })) });
      new IngressRoutes(e.env.addChart('taken', ChartTier.ROUTES), 'taken', { name: 'taken', hosts: [{ host: 'taken.example.internal', paths: [{ path: '/', backend: { service: web } }] }] });
      new IngressRoutes(e.env.addChart('routes', ChartTier.ROUTES), 'x', fix(props) as any);
      return e.app;
    },
    bad: [
      { field: 'name', set: (p, v) => ({ ...p, name: v }), values: badName, count: 8 },
      { field: 'hosts[0].host', set: (p, v) => ({ ...p, hosts: [{ ...p.hosts[0], host: v }], tls: undefined }), count: 8,
        values: fc.oneof(fc.constantFrom('Bad_Host', 'http://x.example', '*.*.example', 'a..b', '', 'host name', 5), fc.stringMatching(/^[a-z]{2,5}_[a-z]{2,5}\.internal$/)) },
      { field: 'hosts[0].paths[0].path', set: (p, v) => ({ ...p, hosts: [{ ...p.hosts[0], paths: [{ ...p.hosts[0].paths[0], path: v }] }] }), count: 6,
        values: fc.oneof(fc.constantFrom('no-slash', '/a b', '/a/../b', '//x', 7), fc.stringMatching(/^[a-z]{1,6}$/)) },
      { field: 'tls[0].secretName', set: (p, v) => ({ ...p, tls: [{ ...p.tls[0], secretName: v }] }), values: badName },
      { field: 'tls[0].hosts[0]', set: (p, v) => ({ ...p, tls: [{ ...p.tls[0], hosts: [v] }] }), values: fc.constantFrom('other.example.internal', 'unrouted.example.com') },
      { field: 'className', set: (p, v) => ({ ...p, className: v }), values: fc.constantFrom('Nginx', 'nginx_ext', 3) },
      { field: 'proxyBodySize', set: (p, v) => ({ ...p, proxyBodySize: v }), values: badQuantity, count: 4 },
      { field: 'route 1', set: (p) => ({ ...p, hosts: [{ host: 'taken.example.internal', paths: [{ path: '/', backend: { app: 'web' } }] }], tls: undefined }), values: fc.constant('taken.example.internal'), count: 1, shown: () => 'taken.example.internal/ is already used by dev/taken/taken' },
    ],
  },
  {
    construct: 'NodeDaemon',
    path: 'dev/agents/x',
    valid: fc.record({ name, ...container, maxUnavailable: fc.integer({ min: 1, max: 3 }) }),
    build: (props) => {
      const e = env();
      new NodeDaemon(e.env.addChart('agents'), 'x', props as any);
      return e.app;
    },
    bad: [
      ...containerBad,
      { field: 'maxUnavailable', set: (p, v) => ({ ...p, maxUnavailable: v }), values: fc.constantFrom(0, -1, '0%', '150%', 'half', 1.5) },
      { field: 'nodeSelector', set: (p, v) => ({ ...p, nodeSelector: { [v]: 'x' } }), values: fc.constantFrom('bad key!', '-lead', 'a/b/c') },
      { field: 'tolerations[0].effect', set: (p, v) => ({ ...p, tolerations: [{ key: 'k', effect: v }] }), values: fc.constantFrom('Never', 'noschedule', 4) },
      { field: 'hostPaths[0].hostPath', set: (p, v) => ({ ...p, hostPaths: [{ hostPath: v }] }), values: fc.constantFrom('var/log', '', '/var/../etc', 9) },
      { field: 'priorityClassName', set: (p, v) => ({ ...p, priorityClassName: v }), values: badName, count: 4 },
    ],
  },
  {
    construct: 'NfsStorage',
    path: 'dev/storage/x',
    valid: fc.record({ n: name, size: fc.integer({ min: 1, max: 50 }), last: fc.integer({ min: 1, max: 254 }) }).map(({ n, size, last }) => ({
      server: `192.168.5.${last}`, volumes: [{ name: `pv-${n}`, path: `/exports/${n}`, capacity: `${size}Gi` }],
    })),
    build: (props) => {
      const e = env();
      new NfsStorage(e.env.addChart('storage', ChartTier.CLUSTER, { namespaced: false }), 'x', props as any);
      return e.app;
    },
    bad: [
      { field: 'server', set: (p, v) => ({ ...p, server: v }), count: 8,
        values: fc.oneof(fc.constantFrom('300.1.1.1', 'nfs server', '', 'http://nas', 12), fc.integer({ min: 256, max: 999 }).map((a) => `10.0.0.${a}`)) },
      { field: 'volumes[0].path', set: (p, v) => ({ ...p, volumes: [{ ...p.volumes[0], path: v }] }), values: fc.constantFrom('relative', '/a/../b', '', '/a//b', 3) },
      { field: 'volumes[0].capacity', set: (p, v) => ({ ...p, volumes: [{ ...p.volumes[0], capacity: v }] }), values: badQuantity, count: 8 },
      { field: 'volumes[0].name', set: (p, v) => ({ ...p, volumes: [{ ...p.volumes[0], name: v }] }), values: badName, count: 6 },
      { field: 'volumes[0].claim.request', set: (p, v) => ({ ...p, volumes: [{ ...p.volumes[0], capacity: '1Gi', claim: { request: v } }] }), values: fc.constantFrom('2Gi', '100Gi', '1Ti') },
      { field: 'volumes[0].reclaimPolicy', set: (p, v) => ({ ...p, volumes: [{ ...p.volumes[0], reclaimPolicy: v }] }), values: fc.constantFrom('Delete', 'Recycle', 'keep') },
      { field: 'storageClass.name', set: (p, v) => ({ ...p, storageClass: { name: v, share: '/exports/dyn' } }), values: badName, count: 4 },
    ],
  },
  {
    construct: 'OrderedStatefulSet',
    path: 'dev/db/x',
    valid: fc.record({ name, ...container, replicas: fc.integer({ min: 1, max: 5 }), size: fc.integer({ min: 1, max: 20 }) }).map(({ size, ...p }) => ({
      ...p, volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage: `${size}Gi`, storageClass: 'fast' }],
    })),
    build: (props) => {
      const e = env({ externalStorageClasses: ['fast'] });
      new OrderedStatefulSet(e.env.addChart('db'), 'x', props as any);
      return e.app;
    },
    bad: [
      ...containerBad,
      { field: 'replicas', set: (p, v) => ({ ...p, replicas: v }), values: badReplicas },
      { field: 'podManagementPolicy', set: (p, v) => ({ ...p, podManagementPolicy: v }), values: fc.constantFrom('Random', 'ordered', 1) },
      { field: 'partition', set: (p, v) => ({ ...p, partition: v }), values: fc.constantFrom(-1, 1.5, 'all') },
      { field: 'volumeClaimTemplates[0].storage', set: (p, v) => ({ ...p, volumeClaimTemplates: [{ ...p.volumeClaimTemplates[0], storage: v }] }), values: badQuantity, count: 6 },
      { field: 'volumeClaimTemplates[0].mountPath', set: (p, v) => ({ ...p, volumeClaimTemplates: [{ ...p.volumeClaimTemplates[0], mountPath: v }] }), values: fc.constantFrom('data', '', 'relative/dir', 5) },
      { field: 'volumeClaimTemplates[0].storageClass', set: (p, v) => ({ ...p, volumeClaimTemplates: [{ ...p.volumeClaimTemplates[0], storageClass: v }] }), values: fc.constantFrom('Bad_Class', '', 'a..b') },
      { field: 'names StorageClass', set: (p, v) => ({ ...p, volumeClaimTemplates: [{ ...p.volumeClaimTemplates[0], storageClass: v }] }), values: fc.constantFrom('slow', 'nfs', 'local-path') },
      { field: 'claimRetention.whenDeleted', set: (p, v) => ({ ...p, claimRetention: { whenDeleted: v } }), values: fc.constantFrom('Delete', 'Remove') },
    ],
  },
];

/** The distinct invalid cases: each construct's base props with exactly one field replaced. */
const cases = specs.flatMap((spec, s) => {
  const [base] = fc.sample(spec.valid, { seed: SEED + s, numRuns: 1 });
  return spec.bad.flatMap((m, i) => {
    const seen = new Set<string>();
    const values = fc.sample(m.values, { seed: SEED + 100 * s + i, numRuns: 200 }).filter((v) => {
      const k = show(v);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    }).slice(0, m.count ?? 5);
    return values.map((bad) => ({ spec, field: m.field, bad, shown: (m.shown ?? show)(bad), props: m.set(base, bad), label: `${spec.construct} ${m.field} = ${show(bad)}` }));
  });
});

describe('valid props synthesize, pass the schema check and are deterministic (property, seeded)', () => {
  test.each(specs.map((s) => [s.construct, s] as const))('%s', (_, spec) => {
    fc.assert(fc.property(spec.valid, (props) => {
      const first = serialize(renderApp(spec.build(props)));
      expect(first.size).toBeGreaterThan(0);
      expect(serialize(renderApp(spec.build(props)))).toEqual(first);
    }), params(8));
  });
});

// `npm run test:e2e` runs this file again only for the properties above, at their full count.
(FULL ? describe.skip : describe)(`${cases.length} invalid props: our error names path, field and value; nothing is written`, () => {
  /** A previous output: one file that must survive every failed synth byte for byte. */
  const previous = () => {
    const outdir = path.join(tempDir('bad-input-'), 'dist');
    fs.mkdirSync(path.join(outdir, 'dev'), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'dev', 'kept.yaml'), 'kept: true\n');
    return outdir;
  };
  const before = readTree(previous());

  test('there are at least 200 distinct cases across the seven constructs', () => {
    expect(new Set(cases.map((c) => c.label)).size).toBe(cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(200);
    expect(new Set(cases.map((c) => c.spec.construct)).size).toBe(7);
  });

  test.each(cases.map((c) => [c.label, c] as const))('%s', (_, c) => {
    const outdir = previous();
    let error: unknown;
    try {
      synthesize(() => c.spec.build(c.props), { outdir });
    } catch (e) {
      error = e;
    }
    expect(error).toBeDefined();
    const e = error as Error;
    if (!(e instanceof ValidationError || e instanceof SynthError)) throw new Error(`not our error: ${e?.stack ?? e}`);
    expect(e.message).toContain(c.spec.path);
    expect(e.message).toContain(c.field);
    expect(e.message).toContain(c.shown);
    expect(readTree(outdir)).toEqual(before);
    expect(fs.readdirSync(path.dirname(outdir))).toEqual(['dist']);
  });
});
