import { ApiObject, App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import {
  AutoscaledApp, ChartTier, Environment, EnvironmentProps, NfsStorage, NodePortApp, OrderedStatefulSet, renderApp, SynthError,
} from '../../lib';
import { AdmissionContext, formatQuantity, limitRangerAdmission, resourceQuotaAdmission } from '../../lib/checks/admission';
import { RenderedObjects } from '../../lib/checks';
import { testEnv } from '../helpers';

const IMAGE = 'nginxinc/nginx-unprivileged:1.27-alpine';
const q = (v: string) => k8s.Quantity.fromString(v);

/** A Deployment of cdk8s-plus with the given resources and replicas. */
function web(env: Environment, props: { name?: string; replicas?: number; cpuRequest?: string; cpuLimit?: string } = {}) {
  const name = props.name ?? 'web';
  return new NodePortApp(env.addChart(name), name, {
    name, image: IMAGE, containerPort: 8080, port: 80, replicas: props.replicas ?? 1,
    resources: { cpuRequest: props.cpuRequest ?? '100m', cpuLimit: props.cpuLimit ?? '500m' },
  });
}

/** A StatefulSet `kv` with one claim template per pod. */
function kv(env: Environment, replicas: number, storage: string) {
  const nfs = new NfsStorage(env.addChart('kv-storage', ChartTier.CLUSTER, { namespaced: false }), 'nfs', {
    server: '192.168.10.50', storageClass: { name: 'kv-nfs', share: '/exports/kv' },
  });
  return new OrderedStatefulSet(env.addChart('kv'), 'kv', {
    name: 'kv', image: 'redis:7.2.5-alpine', containerPort: 6379, runAsUser: 999, replicas,
    volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage, storageClass: nfs.storageClassRef }],
  });
}

/** NFS storage with a static claim `media` and a dynamic claim `scratch` of the given sizes. */
function claims(env: Environment, sizes: { media?: string; scratch?: string }) {
  new NfsStorage(env.addChart('storage', ChartTier.CLUSTER, { namespaced: false }), 'nfs', {
    server: '192.168.10.50',
    volumes: sizes.media ? [{ name: 'dev-media', path: '/exports/media', capacity: '100Gi', claim: { name: 'media', request: sizes.media } }] : [],
    storageClass: { name: 'nfs', share: '/exports/dynamic', claims: sizes.scratch ? [{ name: 'scratch', request: sizes.scratch }] : [] },
  });
}

/** A pod spec Pod Security "restricted" admits, with raw container resources (none when undefined). */
function rawPod(containers: Array<{ name: string; resources?: k8s.ResourceRequirements; restartPolicy?: string }>, init: typeof containers = []): k8s.PodSpec {
  const secure = { allowPrivilegeEscalation: false, runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };
  const c = (x: (typeof containers)[number]) => ({ name: x.name, image: IMAGE, resources: x.resources, securityContext: secure, restartPolicy: x.restartPolicy });
  return { containers: containers.map(c), initContainers: init.length > 0 ? init.map(c) : undefined, automountServiceAccountToken: false };
}

/** A raw apps/v1 Deployment (as a user of plain cdk8s would write it) in a chart of the environment. */
function rawDeployment(chart: Chart, name: string, replicas: number, spec: k8s.PodSpec, strategy?: k8s.DeploymentStrategy) {
  const labels = { app: name };
  return new k8s.KubeDeployment(chart, name, {
    metadata: { name },
    spec: { replicas, strategy, selector: { matchLabels: labels }, template: { metadata: { labels }, spec } },
  });
}

/** A second LimitRange in the environment's namespace. */
function extraLimitRange(env: Environment, item: k8s.LimitRangeItem) {
  return new k8s.KubeLimitRange(env.namespaceChart, 'ExtraLimits', { metadata: { name: 'extra-limits' }, spec: { limits: [item] } });
}

/** The problems synth reports (none when it renders). */
function problemsOf(app: App): string[] {
  try {
    renderApp(app);
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(SynthError);
    return [...(e as SynthError).problems];
  }
}

/** Every ApiObject of the app with its construct path, as the synth hands them to the checks. */
function objectsOf(app: App): RenderedObjects {
  return app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map((o) => ({ manifest: o.toJson(), constructPath: o.node.path }));
}

interface Row {
  readonly name: string;
  readonly env?: Partial<EnvironmentProps>;
  readonly build: (env: Environment) => void;
  /** Substrings one problem must all contain (construct path, field, value, what is allowed). */
  readonly expected: string[];
}

const refused: Row[] = [
  // LimitRanger: claims
  {
    name: 'a static claim above the claim maximum',
    env: { claimSize: { max: '20Gi' } },
    build: (env) => claims(env, { media: '30Gi' }),
    expected: ['dev/storage/nfs/', 'spec.resources.requests.storage 30Gi', 'above the maximum 20Gi', 'LimitRange dev/dev-limits', 'type PersistentVolumeClaim'],
  },
  {
    name: 'a dynamic claim above the claim maximum',
    env: { claimSize: { max: '20Gi' } },
    build: (env) => claims(env, { scratch: '21Gi' }),
    expected: ['dev/storage/nfs/', 'spec.resources.requests.storage 21Gi', 'above the maximum 20Gi'],
  },
  {
    name: 'a volumeClaimTemplate above the claim maximum',
    env: { claimSize: { max: '20Gi' } },
    build: (env) => kv(env, 1, '25Gi'),
    expected: ['dev/kv/kv/', 'spec.volumeClaimTemplates[0].spec.resources.requests.storage 25Gi', 'above the maximum 20Gi'],
  },
  {
    name: 'a claim below the claim minimum',
    env: { claimSize: { min: '1Gi', max: '20Gi' } },
    build: (env) => claims(env, { scratch: '512Mi' }),
    expected: ['spec.resources.requests.storage 512Mi', 'below the minimum 1Gi'],
  },
  // LimitRanger: containers
  {
    name: 'a container limit above maxCpu',
    env: { containerLimits: { maxCpu: '2' } },
    build: (env) => web(env, { cpuRequest: '1', cpuLimit: '3' }),
    expected: ['dev/web/web/', 'spec.template.spec.containers[0] (container "web").resources.limits.cpu 3', 'above the maximum 2', 'spec.limits[0], type Container'],
  },
  {
    name: 'a container request below a Container min',
    build: (env) => {
      extraLimitRange(env, { type: 'Container', min: { cpu: q('200m') } });
      web(env, { cpuRequest: '150m' });
    },
    expected: ['dev/web/web/', 'resources.requests.cpu 150m', 'below the minimum 200m', 'LimitRange dev/extra-limits'],
  },
  {
    name: 'defaulting producing a violation: the LimitRange defaults 100m/500m to a container that sets none, above a ratio of 2',
    build: (env) => {
      extraLimitRange(env, { type: 'Container', maxLimitRequestRatio: { cpu: q('2') } });
      rawDeployment(env.addChart('raw'), 'raw', 1, rawPod([{ name: 'app' }]));
    },
    expected: ['dev/raw/raw', 'limits.cpu 500m / requests.cpu 100m = 5', 'above the maxLimitRequestRatio 2', 'LimitRange dev/extra-limits'],
  },
  {
    name: 'defaulting producing a violation: a request taken from the container\'s own limit, below a Container min',
    build: (env) => {
      extraLimitRange(env, { type: 'Container', min: { memory: q('600Mi') } });
      rawDeployment(env.addChart('raw'), 'raw', 1, rawPod([{ name: 'app', resources: { limits: { cpu: q('200m'), memory: q('512Mi') } } }]));
    },
    expected: ['dev/raw/raw', 'resources.requests.memory 512Mi (from its limit)', 'below the minimum 600Mi'],
  },
  {
    name: 'an init container above maxCpu',
    env: { containerLimits: { maxCpu: '2' } },
    build: (env) => rawDeployment(env.addChart('raw'), 'raw', 1, rawPod(
      [{ name: 'app', resources: { requests: { cpu: q('100m') }, limits: { cpu: q('1') } } }],
      [{ name: 'migrate', resources: { requests: { cpu: q('1') }, limits: { cpu: q('2500m') } } }])),
    expected: ['dev/raw/raw', 'spec.template.spec.initContainers[0] (init container "migrate").resources.limits.cpu 2500m', 'above the maximum 2'],
  },
  // API server validation of the LimitRange itself
  {
    name: 'a LimitRange whose default request is above its default limit',
    build: (env) => extraLimitRange(env, { type: 'Container', default: { cpu: q('500m') }, defaultRequest: { cpu: q('1') } }),
    expected: ['dev/namespace/ExtraLimits', 'spec.limits[0].defaultRequest.cpu 1 is greater than its default (the default limit) 500m'],
  },
  // ResourceQuota
  {
    name: 'StatefulSet replicas above the pod quota',
    env: { quota: { pods: 10 } },
    build: (env) => kv(env, 11, '1Gi'),
    expected: ['dev/namespace/ResourceQuota: ResourceQuota dev/dev-quota: pods worst case 11 (kv 11 (11 replicas)) exceeds the quota 10'],
  },
  {
    name: 'HPA maxReplicas × requests above the CPU quota',
    env: { quota: { requestsCpu: '5' } },
    build: (env) => new AutoscaledApp(env.addChart('api'), 'api', {
      name: 'api', image: IMAGE, containerPort: 8080, minReplicas: 2, maxReplicas: 5, cpuUtilization: 70, resources: { cpuRequest: '1', cpuLimit: '1' },
    }),
    expected: ['ResourceQuota dev/dev-quota: requests.cpu worst case 7 (api 7 = 7 (HPA max 5 + surge 2) × 1) exceeds the quota 5'],
  },
  {
    name: 'the rollout surge tipping the pod count over',
    env: { quota: { pods: 9 } },
    build: (env) => web(env, { replicas: 8 }),
    expected: ['pods worst case 10 (web 10 (8 replicas + surge 2)) exceeds the quota 9'],
  },
  {
    name: 'the largest contributors named, the rest counted',
    env: { quota: { requestsCpu: '3', limitsCpu: '3' } },
    build: (env) => {
      web(env, { name: 'a', replicas: 4, cpuLimit: '1' });
      web(env, { name: 'b', replicas: 1 });
      web(env, { name: 'c', replicas: 1, cpuLimit: '250m' });
      web(env, { name: 'd', replicas: 1, cpuLimit: '100m' });
    },
    expected: ['limits.cpu worst case 6700m (a 5 = 5 (4 replicas + surge 1) × 1, b 1 = 2 (1 replica + surge 1) × 500m, c 500m = 2 (1 replica + surge 1) × 250m, 1 more) exceeds the quota 3'],
  },
  {
    name: 'storage of volumeClaimTemplates × replicas over requests.storage',
    env: { quota: { requestsStorage: '25Gi' } },
    build: (env) => kv(env, 3, '10Gi'),
    expected: ['requests.storage worst case 30Gi (kv (claim template data) 30Gi = 3 (3 replicas) × 10Gi) exceeds the quota 25Gi'],
  },
  {
    name: 'the claim count over persistentvolumeclaims',
    env: { quota: { persistentVolumeClaims: 3 } },
    build: (env) => {
      claims(env, { media: '1Gi' });
      kv(env, 3, '1Gi');
    },
    expected: ['persistentvolumeclaims worst case 4 (kv (claim template data) 3 (3 replicas), media 1) exceeds the quota 3'],
  },
  {
    name: 'LimitRange defaults counted in the quota: pods without resources charged the default limit',
    env: { quota: { requestsCpu: '1', limitsCpu: '2' } },
    build: (env) => rawDeployment(env.addChart('raw'), 'raw', 5, rawPod([{ name: 'app' }]), { type: 'Recreate' }),
    expected: ['limits.cpu worst case 2500m (raw 2500m = 5 (5 replicas) × 500m) exceeds the quota 2'],
  },
  {
    name: 'a count/ quota of another ResourceQuota in the namespace',
    build: (env) => {
      new k8s.KubeResourceQuota(env.namespaceChart, 'Counts', { metadata: { name: 'counts' }, spec: { hard: { 'count/deployments.apps': q('1') } } });
      web(env, { name: 'a' });
      web(env, { name: 'b' });
    },
    expected: ['dev/namespace/Counts: ResourceQuota dev/counts: count/deployments.apps worst case 2', 'exceeds the quota 1'],
  },
  {
    name: 'a quota on cpu in a namespace without LimitRange defaults: a container without requests is refused',
    build: (env) => {
      const other = env.addChart('other', ChartTier.APPS, { namespace: 'other' });
      env.addNamespace('other');
      new k8s.KubeResourceQuota(other, 'Quota', { metadata: { name: 'other-quota' }, spec: { hard: { 'limits.cpu': q('4') } } });
      rawDeployment(other, 'bare', 1, rawPod([{ name: 'app' }]));
    },
    expected: ['dev/other/bare', 'spec.template.spec.containers[0] ("app").resources.limits.cpu is not set', 'ResourceQuota other/other-quota tracks limits.cpu'],
  },
];

const admitted: Row[] = [
  { name: 'a static claim at exactly the claim maximum', env: { claimSize: { max: '20Gi' } }, build: (env) => claims(env, { media: '20Gi', scratch: '20Gi' }), expected: [] },
  { name: 'a volumeClaimTemplate at exactly the claim maximum', env: { claimSize: { max: '20Gi' } }, build: (env) => kv(env, 1, '20Gi'), expected: [] },
  { name: 'a container limit at exactly maxCpu', env: { containerLimits: { maxCpu: '2' } }, build: (env) => web(env, { cpuRequest: '1', cpuLimit: '2' }), expected: [] },
  {
    name: 'a container request at exactly a Container min',
    build: (env) => {
      extraLimitRange(env, { type: 'Container', min: { cpu: q('200m') } });
      web(env, { cpuRequest: '200m' });
    },
    expected: [],
  },
  {
    name: 'a limit/request ratio of exactly maxLimitRequestRatio',
    build: (env) => {
      extraLimitRange(env, { type: 'Container', maxLimitRequestRatio: { cpu: q('2') } });
      web(env, { cpuRequest: '250m', cpuLimit: '500m' });
    },
    expected: [],
  },
  { name: 'StatefulSet replicas at exactly the pod quota', env: { quota: { pods: 10 } }, build: (env) => kv(env, 10, '1Gi'), expected: [] },
  {
    name: 'HPA maxReplicas plus surge × requests at exactly the CPU quota',
    env: { quota: { requestsCpu: '5' } },
    build: (env) => new AutoscaledApp(env.addChart('api'), 'api', {
      name: 'api', image: IMAGE, containerPort: 8080, minReplicas: 2, maxReplicas: 4, cpuUtilization: 70, resources: { cpuRequest: '1', cpuLimit: '1' },
    }),
    expected: [],
  },
  { name: 'replicas plus surge at exactly the pod quota', env: { quota: { pods: 9 } }, build: (env) => web(env, { replicas: 7 }), expected: [] },
  {
    name: 'Recreate: no surge',
    env: { quota: { pods: 4 } },
    build: (env) => rawDeployment(env.addChart('raw'), 'raw', 4, rawPod([{ name: 'app' }]), { type: 'Recreate' }),
    expected: [],
  },
  { name: 'templates × replicas at exactly requests.storage', env: { quota: { requestsStorage: '30Gi' } }, build: (env) => kv(env, 3, '10Gi'), expected: [] },
  {
    name: 'claims at exactly persistentvolumeclaims',
    env: { quota: { persistentVolumeClaims: 3 } },
    build: (env) => {
      claims(env, { media: '1Gi' });
      kv(env, 2, '1Gi');
    },
    expected: [],
  },
  {
    name: 'many 100m requests summing to exactly the quota (no floating-point drift)',
    env: { quota: { requestsCpu: '1500m' } },
    build: (env) => rawDeployment(env.addChart('raw'), 'raw', 15, rawPod([{ name: 'app', resources: { requests: { cpu: q('0.1') }, limits: { cpu: q('0.1') } } }]), { type: 'Recreate' }),
    expected: [],
  },
];

function render(row: Row): App {
  const { app, env } = testEnv(row.env);
  row.build(env);
  return app;
}

describe('LimitRanger and ResourceQuota admission, simulated at synth', () => {
  test.each(refused)('refused: $name', (row) => {
    const problems = problemsOf(render(row));
    expect(problems.filter((p) => row.expected.every((s) => p.includes(s)))).toHaveLength(1);
  });

  test.each(admitted)('admitted: $name', (row) => {
    expect(problemsOf(render(row))).toEqual([]);
  });
});

describe('DaemonSets and the eligible nodes of the cluster', () => {
  function daemonApp(pods: number) {
    const { app, env } = testEnv({ quota: { pods } });
    const labels = { app: 'agent' };
    new k8s.KubeDaemonSet(env.addChart('agent'), 'agent', {
      metadata: { name: 'agent' },
      spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: rawPod([{ name: 'agent' }]) } },
    });
    web(env, { replicas: 2 });
    return objectsOf(app);
  }
  const base: AdmissionContext = { environment: 'dev', namespace: 'dev' };

  test.each([
    { nodes: 3, pods: 5, expected: 'pods worst case 6 (agent 3 (3 nodes), web 3 (2 replicas + surge 1)) exceeds the quota 5' },
    { nodes: () => 4, pods: 6, expected: 'pods worst case 7 (agent 4 (4 nodes), web 3 (2 replicas + surge 1)) exceeds the quota 6' },
  ])('with $nodes nodes, a DaemonSet counts once per node', ({ nodes, pods, expected }) => {
    const problems = resourceQuotaAdmission(daemonApp(pods), { ...base, eligibleNodes: nodes });
    expect(problems).toEqual([expect.stringContaining(expected)]);
  });

  test('with as many pods as nodes and the other workloads allow, admitted', () => {
    expect(resourceQuotaAdmission(daemonApp(6), { ...base, eligibleNodes: 3 })).toEqual([]);
  });

  test('unknown nodes: nothing refused that is not certain', () => {
    expect(resourceQuotaAdmission(daemonApp(3), base)).toEqual([]);
  });

  test('unknown nodes: a certain refusal names the DaemonSets it did not count', () => {
    expect(resourceQuotaAdmission(daemonApp(2), base)).toEqual([
      expect.stringContaining('pods worst case 3 (web 3 (2 replicas + surge 1)) exceeds the quota 2; not counted (eligible nodes unknown): DaemonSet agent'),
    ]);
  });
});

describe('formatQuantity', () => {
  test.each([
    ['cpu', 1500n, '1500m'], ['limits.cpu', 8000n, '8'], ['requests.memory', 2n ** 31n * 1000n, '2Gi'],
    ['requests.storage', 10n ** 9n * 1000n, '1G'], ['pods', 12000n, '12'], ['memory', 1000n, '1'],
  ])('%s %s → %s', (resource, m, expected) => {
    expect(formatQuantity(resource, m)).toBe(expected);
  });
});

describe('init containers and sidecars (restartPolicy Always, Kubernetes 1.28+)', () => {
  const context = { environment: 'dev', namespace: 'dev' };
  const res = (req: string, lim: string) => ({ requests: { cpu: req }, limits: { cpu: lim } });
  const pod = (init: any[]) => ({
    manifest: {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'dev' },
      spec: { initContainers: init, containers: [{ name: 'app', resources: res('300m', '600m') }] },
    },
    constructPath: 'dev/raw/p',
  });
  const range = (item: any) => ({ manifest: { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr', namespace: 'dev' }, spec: { limits: [item] } }, constructPath: 'dev/namespace/lr' });
  const quota = (hard: any) => ({ manifest: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'rq', namespace: 'dev' }, spec: { hard } }, constructPath: 'dev/namespace/rq' });

  test.each([
    { name: 'a sidecar adds to the pod', init: [{ name: 'proxy', restartPolicy: 'Always', resources: res('100m', '500m') }], max: '1', expected: 'limits cpu to 1100m, above the maximum 1' },
    { name: 'an init container counts alone when larger', init: [{ name: 'migrate', resources: res('1', '1500m') }], max: '1', expected: 'limits cpu to 1500m, above the maximum 1' },
  ])('Pod max: $name', ({ init, max, expected }) => {
    const problems = limitRangerAdmission([range({ type: 'Pod', max: { cpu: max } }), pod(init)], context);
    expect(problems).toEqual([expect.stringContaining(expected)]);
    expect(problems[0]).toMatch(/^dev\/raw\/p: spec /);
  });

  test('Pod max: an init container smaller than the containers adds nothing', () => {
    expect(limitRangerAdmission([range({ type: 'Pod', max: { cpu: '600m' } }), pod([{ name: 'migrate', resources: res('100m', '200m') }])], context)).toEqual([]);
  });

  test.each([
    { init: [{ name: 'proxy', restartPolicy: 'Always', resources: res('100m', '500m') }], hard: '1', expected: 'limits.cpu worst case 1100m (p 1100m) exceeds the quota 1' },
    { init: [{ name: 'migrate', resources: res('1', '1500m') }], hard: '1', expected: 'limits.cpu worst case 1500m' },
  ])('quota: a pod is charged its containers, sidecars and largest init container ($expected)', ({ init, hard, expected }) => {
    expect(resourceQuotaAdmission([quota({ 'limits.cpu': hard }), pod(init)], context)).toEqual([expect.stringContaining(expected)]);
  });

  test('a sidecar above a Container max is refused like any container', () => {
    const problems = limitRangerAdmission([range({ type: 'Container', max: { cpu: '1' } }), pod([{ name: 'proxy', restartPolicy: 'Always', resources: res('100m', '2') }])], context);
    expect(problems).toEqual([expect.stringContaining('spec.initContainers[0] (sidecar "proxy").resources.limits.cpu 2 is above the maximum 1')]);
  });
});

describe('other workloads and quota resources, over hand-written manifests', () => {
  const context = { environment: 'dev', namespace: 'dev' };
  const obj = (apiVersion: string, kind: string, name: string, spec: any, namespace = 'dev') =>
    ({ manifest: { apiVersion, kind, metadata: { name, namespace }, spec }, constructPath: `dev/raw/${name}` });
  const podSpec = (cpu = '1', volumes?: any[]) => ({ containers: [{ name: 'app', resources: { requests: { cpu }, limits: { cpu } } }], volumes });
  const template = (cpu = '1', volumes?: any[]) => ({ template: { spec: podSpec(cpu, volumes) } });
  const quota = (hard: Record<string, string | undefined>, extra: any = {}) => obj('v1', 'ResourceQuota', 'rq', { hard, ...extra });
  const ephemeral = (storage: string) => [{ name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: { resources: { requests: { storage } } } } } }];

  test.each([
    { name: 'Job parallelism', objects: [obj('batch/v1', 'Job', 'j', { parallelism: 3, ...template() })], hard: { 'requests.cpu': '2' }, expected: 'requests.cpu worst case 3 (j 3 = 3 (parallelism 3) × 1) exceeds the quota 2' },
    { name: 'Job parallelism capped by completions', objects: [obj('batch/v1', 'Job', 'j', { parallelism: 5, completions: 3, ...template() })], hard: { 'requests.cpu': '2' }, expected: 'requests.cpu worst case 3 (j 3 = 3 (parallelism 3) × 1)' },
    { name: 'CronJob: one job at its parallelism', objects: [obj('batch/v1', 'CronJob', 'c', { schedule: '* * * * *', jobTemplate: { spec: { parallelism: 2, ...template() } } })], hard: { pods: '1' }, expected: 'pods worst case 2 (c 2 (parallelism 2)) exceeds the quota 1' },
    { name: 'ReplicaSet replicas', objects: [obj('apps/v1', 'ReplicaSet', 'rs', { replicas: 3, ...template('500m') })], hard: { 'limits.cpu': '1' }, expected: 'limits.cpu worst case 1500m (rs 1500m = 3 (3 replicas) × 500m)' },
    { name: 'an HPA above spec.replicas of a StatefulSet', objects: [obj('apps/v1', 'StatefulSet', 's', { replicas: 2, ...template() }), obj('autoscaling/v2', 'HorizontalPodAutoscaler', 'h', { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 's' }, maxReplicas: 4 })], hard: { pods: '3' }, expected: 'pods worst case 4 (s 4 (HPA max 4)) exceeds the quota 3' },
    { name: 'spec.replicas above an HPA maximum stands until the HPA acts', objects: [obj('apps/v1', 'StatefulSet', 's', { replicas: 5, ...template() }), obj('autoscaling/v2', 'HorizontalPodAutoscaler', 'h', { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 's' }, maxReplicas: 4 })], hard: { pods: '4' }, expected: 'pods worst case 5 (s 5 (5 replicas))' },
    { name: 'an integer maxSurge', objects: [obj('apps/v1', 'Deployment', 'd', { replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3 } }, ...template() })], hard: { pods: '6' }, expected: 'pods worst case 7 (d 7 (4 replicas + surge 3))' },
    { name: 'ephemeral volumes: a claim per pod', objects: [obj('apps/v1', 'StatefulSet', 's', { replicas: 3, ...template('1', ephemeral('2Gi')) })], hard: { 'requests.storage': '5Gi' }, expected: 'requests.storage worst case 6Gi (s (claim template scratch) 6Gi = 3 (3 replicas) × 2Gi) exceeds the quota 5Gi' },
    { name: 'storage per StorageClass', objects: [obj('v1', 'PersistentVolumeClaim', 'a', { storageClassName: 'fast', resources: { requests: { storage: '3Gi' } } }), obj('v1', 'PersistentVolumeClaim', 'b', { storageClassName: 'slow', resources: { requests: { storage: '8Gi' } } })], hard: { 'fast.storageclass.storage.k8s.io/requests.storage': '2Gi' }, expected: 'fast.storageclass.storage.k8s.io/requests.storage worst case 3Gi (a 3Gi) exceeds the quota 2Gi' },
    { name: 'services.loadbalancers', objects: [obj('v1', 'Service', 'a', { type: 'LoadBalancer', ports: [{ port: 80 }] }), obj('v1', 'Service', 'b', { type: 'LoadBalancer', ports: [{ port: 80 }] })], hard: { 'services.loadbalancers': '1' }, expected: 'services.loadbalancers worst case 2 (a 1, b 1) exceeds the quota 1' },
    { name: 'services.nodeports: every port of a NodePort or LoadBalancer Service', objects: [obj('v1', 'Service', 'a', { type: 'NodePort', ports: [{ port: 80 }, { port: 443 }] }), obj('v1', 'Service', 'b', { type: 'LoadBalancer', ports: [{ port: 80 }] })], hard: { 'services.nodeports': '2' }, expected: 'services.nodeports worst case 3 (a 2, b 1) exceeds the quota 2' },
    { name: 'services', objects: [obj('v1', 'Service', 'a', { ports: [{ port: 80 }] }), obj('v1', 'Service', 'b', { ports: [{ port: 80 }] })], hard: { services: '1' }, expected: 'services worst case 2 (a 1, b 1) exceeds the quota 1' },
    { name: 'count/ of a core kind', objects: [obj('v1', 'ConfigMap', 'a', undefined), obj('v1', 'ConfigMap', 'b', undefined)], hard: { 'count/configmaps': '1' }, expected: 'count/configmaps worst case 2 (ConfigMap a 1, ConfigMap b 1) exceeds the quota 1' },
  ])('refused: $name', ({ objects, hard, expected }) => {
    expect(resourceQuotaAdmission([quota(hard), ...objects], context)).toEqual([expect.stringContaining(expected)]);
  });

  test.each([
    { name: 'a LoadBalancer without allocated nodePorts uses none', objects: [obj('v1', 'Service', 'b', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 80 }] })], hard: { 'services.nodeports': '0' } },
    { name: 'workloads of another namespace are not charged', objects: [obj('apps/v1', 'StatefulSet', 's', { replicas: 9, ...template() }, 'other')], hard: { pods: '1' } },
    { name: 'a scoped quota is not simulated', objects: [obj('apps/v1', 'StatefulSet', 's', { replicas: 9, ...template() })], hard: { pods: '1' }, extra: { scopes: ['BestEffort'] } },
  ])('admitted: $name', ({ objects, hard, extra }) => {
    expect(resourceQuotaAdmission([quota(hard, extra), ...objects], context)).toEqual([]);
  });

  test.each([
    { name: 'min above max', item: { type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }, expected: 'dev/raw/lr: LimitRange dev/lr spec.limits[0].min.cpu 2 is greater than its max 1' },
    { name: 'default above max', item: { type: 'Container', default: { memory: '2Gi' }, max: { memory: '1Gi' } }, expected: 'spec.limits[0].default.memory 2Gi is greater than its max 1Gi' },
    { name: 'a ratio below 1', item: { type: 'Container', maxLimitRequestRatio: { cpu: '500m' } }, expected: 'spec.limits[0].maxLimitRequestRatio.cpu 500m is less than 1' },
    { name: 'a claim item without storage bounds', item: { type: 'PersistentVolumeClaim', max: { cpu: '1' } }, expected: 'a PersistentVolumeClaim item needs a min or max storage' },
    { name: 'a Pod item with a default', item: { type: 'Pod', default: { cpu: '1' } }, expected: 'spec.limits[0].default may not be set when type is Pod' },
  ])('a LimitRange the API server refuses: $name', ({ item, expected }) => {
    expect(limitRangerAdmission([obj('v1', 'LimitRange', 'lr', { limits: [item] })], context)).toContainEqual(expect.stringContaining(expected));
  });

  test('a claim without a storage request, under a claim minimum', () => {
    const problems = limitRangerAdmission([
      obj('v1', 'LimitRange', 'lr', { limits: [{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' } }] }),
      obj('v1', 'PersistentVolumeClaim', 'c', { resources: {} }),
    ], context);
    expect(problems).toEqual(['dev/raw/c: spec.resources.requests.storage is not set; LimitRange dev/lr (spec.limits[0], type PersistentVolumeClaim) requires at least 1Gi']);
  });
});
