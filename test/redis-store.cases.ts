import { App } from 'cdk8s';
import { composeEnvironment } from '../environments/compose';
import { ChartTier, NfsStorage, OrderedStatefulSet, RedisStore, RedisStoreProps, servicesWithoutPods, ValidationError } from '../lib';
import { expectSchemaValid, manifests, only, testEnv } from './helpers';

const LABELS = { 'app.kubernetes.io/instance': 'kv', 'app.kubernetes.io/name': 'kv' };
const IMAGE = 'redis:7.2.16-alpine';
const BASE = {
  name: 'kv', image: IMAGE, containerPort: 6379, runAsUser: 999, replicas: 3,
  auth: { secretName: 'kv-auth' },
  resources: { cpuRequest: '100m', memoryRequest: '256Mi', cpuLimit: '500m', memoryLimit: '256Mi' },
  volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage: '5Gi', storageClass: 'nfs' }],
};

function build(props: Partial<RedisStoreProps> = {}) {
  const { app, env } = testEnv({ externalStorageClasses: ['nfs'] });
  const construct = new RedisStore(env.addChart('kv'), 'kv', { ...BASE, ...props } as RedisStoreProps);
  const all = manifests(app);
  const set = only(all, 'StatefulSet', 'kv');
  return { app, env, construct, all, set, container: set.spec.template.spec.containers[0] };
}

/** The value after `flag` in the container's args. */
const arg = (container: any, flag: string) => container.args[container.args.indexOf(flag) + 1];

describe('RedisStore: authentication from a Secret the operators create', () => {
  test('the password reaches the container only by secretKeyRef, as REDISCLI_AUTH (which redis-cli reads)', () => {
    const { container } = build({ auth: { secretName: 'kv-auth', key: 'redis-password' } });
    expect(container.env).toContainEqual({ name: 'REDISCLI_AUTH', valueFrom: { secretKeyRef: { name: 'kv-auth', key: 'redis-password', optional: false } } });
  });

  test('the key defaults to "password"', () => {
    expect(build().container.env).toContainEqual({ name: 'REDISCLI_AUTH', valueFrom: { secretKeyRef: { name: 'kv-auth', key: 'password', optional: false } } });
  });

  test('no password literal anywhere: requirepass and masterauth are written at start from the variable, into a memory-backed file', () => {
    const { all, set, container } = build();
    const text = JSON.stringify(all);
    // Every requirepass/masterauth in the output is the printf format, never a value; no argument carries one.
    expect(text.match(/requirepass [^%]/g)).toBeNull();
    expect(text.match(/masterauth [^%]/g)).toBeNull();
    expect(container.args.filter((a: string) => /pass|auth/.test(a))).toEqual([]);
    expect(container.env.filter((e: any) => e.value !== undefined)).toEqual([]);
    expect(all.filter((m) => m.kind === 'Secret')).toEqual([]);
    const script: string = container.command[2];
    expect(container.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(script).toContain(`printf 'requirepass %s\\nmasterauth %s\\n' "$pw" "$pw"`);
    expect(script).toContain('} > /run/redis/redis.conf');
    expect(script).toContain('exec redis-server /run/redis/redis.conf "$@"');
    expect(container.volumeMounts).toContainEqual({ name: 'redis-config', mountPath: '/run/redis' });
    expect(set.spec.template.spec.volumes).toContainEqual({ name: 'redis-config', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
  });

  test('no emptyDir but the configuration\'s: Redis writes only to /data; writablePaths adds one', () => {
    expect(build().set.spec.template.spec.volumes).toEqual([{ name: 'redis-config', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }]);
    expect(build().container.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/data', '/run/redis']);
    expect(build({ writablePaths: ['/tmp'] }).container.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp', '/data', '/run/redis']);
  });

  test('the start refuses a password it cannot write into redis.conf, naming the Secret', () => {
    const script: string = build().container.command[2];
    expect(script).toContain('case "$pw" in *[!A-Za-z0-9._~+/=-]*) echo "kv: the password in Secret kv-auth (key password) may hold only');
    expect(script).toContain('if [ "${#pw}" -lt 16 ]');
  });

  test('both probes authenticate: redis-cli ping with REDISCLI_AUTH; liveness also accepts LOADING', () => {
    const { container } = build();
    expect(container.readinessProbe.exec.command).toEqual(['sh', '-c', 'test "$(redis-cli -p 6379 ping)" = PONG']);
    expect(container.livenessProbe.exec.command[2]).toBe('r="$(redis-cli -p 6379 ping 2>&1)"; case "$r" in PONG|*LOADING*) exit 0 ;; esac; echo "$r"; exit 1');
    expect(container.readinessProbe.tcpSocket).toBeUndefined();
    expect(container.livenessProbe.tcpSocket).toBeUndefined();
  });
});

describe('RedisStore: maxmemory below the memory limit', () => {
  test('half the limit by default, noeviction, and replica output buffers bounded by the limit', () => {
    const { container, construct } = build();
    expect(arg(container, '--maxmemory')).toBe(String(128 * 2 ** 20));
    expect(construct.maxmemoryBytes).toBe(128 * 2 ** 20);
    expect(arg(container, '--maxmemory-policy')).toBe('noeviction');
    const i = container.args.indexOf('--client-output-buffer-limit');
    expect(container.args.slice(i, i + 5)).toEqual(['--client-output-buffer-limit', 'replica', String(32 * 2 ** 20), String(16 * 2 ** 20), '60']);
    expect(container.resources.limits.memory).toBe('256Mi');
  });

  test('derived from the environment\'s workloadDefaults limit when the props set none', () => {
    const { app, env } = testEnv({ externalStorageClasses: ['nfs'], workloadDefaults: { resources: { memoryRequest: '512Mi', memoryLimit: '1Gi' } } });
    new RedisStore(env.addChart('kv'), 'kv', { ...BASE, resources: undefined });
    const c = only(manifests(app), 'StatefulSet', 'kv').spec.template.spec.containers[0];
    expect(c.resources.limits.memory).toBe('1Gi');
    expect(arg(c, '--maxmemory')).toBe(String(512 * 2 ** 20));
  });

  test.each([['192Mi', 192 * 2 ** 20], ['100M', 100_000_000], ['1Mi', 2 ** 20]])('maxmemory %s is written in bytes', (maxmemory, bytes) => {
    const { container } = build({ maxmemory });
    expect(Number(arg(container, '--maxmemory'))).toBe(bytes);
    expect(Number(arg(container, '--maxmemory'))).toBeLessThan(256 * 2 ** 20);
  });

  test.each(['allkeys-lru', 'volatile-ttl', 'allkeys-lfu'])('eviction policy %s', (evictionPolicy) => {
    expect(arg(build({ evictionPolicy: evictionPolicy as any }).container, '--maxmemory-policy')).toBe(evictionPolicy);
  });
});

describe('RedisStore: one primary, replicas of its stable name, a Service for writes', () => {
  test('pods other than kv-0 replicate kv-0 through the headless Service, with the same password', () => {
    const { container } = build();
    const script: string = container.command[2];
    expect(script).toContain(`if [ "$POD_NAME" != kv-0 ]; then printf 'replicaof %s %s\\n' kv-0.kv.dev.svc.cluster.local 6379; fi`);
    expect(container.env).toContainEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    expect(container.command[3]).toBe('kv');
    expect(container.args.slice(0, 6)).toEqual(['--port', '6379', '--dir', '/data', '--appendonly', 'yes']);
  });

  test('kv-primary selects only pod 0 by the StatefulSet controller\'s pod-name label', () => {
    const { all, construct } = build();
    const svc = only(all, 'Service', 'kv-primary');
    expect(svc.spec.selector).toEqual({ ...LABELS, 'statefulset.kubernetes.io/pod-name': 'kv-0' });
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.clusterIP).toBeUndefined();
    expect(svc.spec.ports).toEqual([{ name: 'tcp', port: 6379, targetPort: 6379 }]);
    expect(construct.primaryHost).toBe('kv-primary.dev.svc.cluster.local');
  });

  test('the names an OrderedStatefulSet gave (StatefulSet, headless Service, claim templates, selectors, PDB) are unchanged', () => {
    const { all } = build();
    const { app, env } = testEnv({ externalStorageClasses: ['nfs'] });
    new OrderedStatefulSet(env.addChart('kv'), 'kv', { name: 'kv', image: 'redis:7.2.5-alpine', containerPort: 6379, runAsUser: 999, replicas: 3, volumeClaimTemplates: BASE.volumeClaimTemplates });
    const before = manifests(app);
    expect(only(all, 'Service', 'kv')).toEqual(only(before, 'Service', 'kv'));
    expect(only(all, 'PodDisruptionBudget', 'kv')).toEqual(only(before, 'PodDisruptionBudget', 'kv'));
    const [now, old] = [only(all, 'StatefulSet', 'kv'), only(before, 'StatefulSet', 'kv')];
    for (const field of ['serviceName', 'selector', 'volumeClaimTemplates', 'persistentVolumeClaimRetentionPolicy', 'podManagementPolicy', 'replicas']) {
      expect(now.spec[field]).toEqual(old.spec[field]);
    }
    expect(now.spec.template.metadata.labels).toEqual(old.spec.template.metadata.labels);
  });

  test('every Service has endpoints, and the result is schema-valid', () => {
    const { app, all } = build();
    expect(servicesWithoutPods(all.map((manifest) => ({ manifest, constructPath: 'x' })))).toEqual([]);
    expectSchemaValid(all);
    expect(app).toBeDefined();
  });

  test('with claims from NfsStorage, as composed environments pass them', () => {
    const { app, env } = testEnv();
    const storage = new NfsStorage(env.addChart('storage', ChartTier.CLUSTER, { namespaced: false }), 'nfs', { server: 'nas.example.com', storageClass: { name: 'nfs', share: '/exports/dynamic' } });
    new RedisStore(env.addChart('kv'), 'kv', { ...BASE, volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage: '5Gi', storageClass: storage.storageClassRef }] });
    expect(only(manifests(app), 'StatefulSet', 'kv').spec.volumeClaimTemplates[0].spec.storageClassName).toBe('nfs');
  });
});

describe('a Service selecting StatefulSet pods by the controller\'s pod-name label (lib/checks/cross-checks.ts)', () => {
  const svc = (podName: string) => ({
    manifest: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'dev' }, spec: { selector: { ...LABELS, 'statefulset.kubernetes.io/pod-name': podName } } },
    constructPath: 'dev/s',
  });
  const set = { manifest: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'kv', namespace: 'dev' }, spec: { replicas: 3, template: { metadata: { labels: LABELS } } } }, constructPath: 'dev/kv' };
  test.each([['kv-0', 0], ['kv-2', 0], ['kv-3', 1], ['other-0', 1]])('pod %s of a 3-replica StatefulSet kv: %i problem(s)', (podName, problems) => {
    expect(servicesWithoutPods([set, svc(podName)])).toHaveLength(problems);
  });
  test('a Deployment\'s pods carry no pod-name label', () => {
    const deployment = { ...set, manifest: { ...set.manifest, kind: 'Deployment' } };
    expect(servicesWithoutPods([deployment, svc('kv-0')])).toHaveLength(1);
  });
});

describe('RedisStore refuses', () => {
  test.each<[string, Record<string, unknown>, string]>([
    ['no auth', { auth: undefined }, 'dev/kv/kv: auth undefined is required (RedisStoreProps)'],
    ['a password in the props', { auth: { secretName: 'kv-auth', password: 'hunter2hunter2hunter2' } }, 'dev/kv/kv: auth.password "hunter2hunter2hunter2" is not a field of RedisAuth'],
    ['a Secret name that is not a DNS subdomain', { auth: { secretName: 'Kv_Auth' } }, 'dev/kv/kv: auth.secretName "Kv_Auth" is not a DNS-1123 subdomain'],
    ['a key the API server refuses', { auth: { secretName: 'kv-auth', key: '..pw' } }, 'dev/kv/kv: auth.key "..pw" is not a Secret data key'],
    ['a key with a slash', { auth: { secretName: 'kv-auth', key: 'a/b' } }, 'dev/kv/kv: auth.key "a/b" is not a Secret data key'],
    ['maxmemory equal to the limit', { maxmemory: '256Mi' }, 'dev/kv/kv: maxmemory "256Mi" is not below the container\'s memory limit 256Mi'],
    ['maxmemory above the limit', { maxmemory: '1Gi' }, 'dev/kv/kv: maxmemory "1Gi" is not below the container\'s memory limit 256Mi'],
    ['maxmemory leaving no room for buffers and the fork', { maxmemory: '200Mi' }, 'dev/kv/kv: maxmemory "200Mi" is more than three quarters of the memory limit 256Mi'],
    ['maxmemory in a unit typo', { maxmemory: '128m' }, 'dev/kv/kv: maxmemory "128m" is 0.128 bytes, not a whole number of bytes (the API server calls a fractional byte value invalid); did you mean "128Mi"?'],
    ['maxmemory that is not a quantity', { maxmemory: '128 MB' }, 'dev/kv/kv: maxmemory "128 MB" is not a Kubernetes quantity'],
    ['a memory limit too small for Redis', { resources: { memoryRequest: '32Mi', memoryLimit: '32Mi' } }, 'dev/kv/kv: resources.memoryLimit "32Mi" is less than 64Mi'],
    ['an unknown eviction policy', { evictionPolicy: 'lru' }, 'dev/kv/kv: evictionPolicy "lru" is not one of "noeviction", "allkeys-lru"'],
    ['no claim at /data', { volumeClaimTemplates: [{ name: 'data', mountPath: '/var/lib/redis', storage: '1Gi' }] }, 'dev/kv/kv: volumeClaimTemplates ["/var/lib/redis"] must include one mounted at /data'],
    ['a template named like the configuration volume', { volumeClaimTemplates: [...BASE.volumeClaimTemplates, { name: 'redis-config', mountPath: '/x', storage: '1Gi' }] },
      'dev/kv/kv: volumeClaimTemplates[1].name "redis-config" is the name of the memory-backed volume'],
    ['own probes (the construct\'s authenticate)', { readiness: { httpPath: '/' } }, 'dev/kv/kv: readiness {"httpPath":"/"} is not a field of RedisStoreProps'],
    ['own args (they would bypass maxmemory)', { args: ['--maxmemory', '1gb'] }, 'dev/kv/kv: args ["--maxmemory","1gb"] is not a field of RedisStoreProps'],
    ['a base-construct rule still applies', { replicas: -1 }, 'dev/kv/kv: replicas -1 is outside 0-10000'],
  ])('%s, leaving nothing in the tree', (_what, props, message) => {
    const { env } = testEnv();
    const chart = env.addChart('kv');
    const make = () => new RedisStore(chart, 'kv', { ...BASE, ...props } as RedisStoreProps);
    expect(make).toThrow(ValidationError);
    expect(make).toThrow(message);
    expect(chart.node.children).toEqual([]);
  });
});

describe('environment definitions: redisStores', () => {
  const def = (extra: Record<string, unknown> = {}): any => ({
    name: 'dev',
    nfsStorage: [{ server: '10.0.0.50', storageClass: { name: 'dev-nfs', share: '/exports/dev/dynamic' } }],
    redisStores: [{ ...BASE, volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage: '1Gi', storageClass: 'dev-nfs' }] }],
    ...extra,
  });

  test('compose a RedisStore in its chart, its template naming the environment\'s NFS class', () => {
    const app = new App();
    composeEnvironment(app, def());
    const all = manifests(app);
    expect(only(all, 'StatefulSet', 'kv').spec.volumeClaimTemplates[0].spec.storageClassName).toBe('dev-nfs');
    expect(only(all, 'Service', 'kv-primary').metadata.namespace).toBe('dev');
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['a name taken by a StatefulSet', { statefulSets: [{ name: 'kv', image: IMAGE, containerPort: 6379 }] }, 'dev: redisStores[0].name "kv" is already the name of statefulSets[0]'],
    ['a password in the definition', { redisStores: [{ ...BASE, auth: { secretName: 'kv-auth', password: 'x'.repeat(20) } }] }, 'dev: redisStores[0].auth.password'],
  ])('refuse %s', (_what, extra, message) => {
    expect(() => composeEnvironment(new App(), def(extra))).toThrow(message);
  });
});
