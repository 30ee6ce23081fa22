/**
 * Adversarial cases for quantities, by the component whose rule they mirror: a quantity is written
 * exactly as given (never rounded by cdk8s-plus), judged exactly, and refused where the API server would
 * round it (finer than 1n, binary SI above 2^63-1), the kubelet would round it (CPU finer than 1m), the
 * API server calls it invalid (a fraction of a byte), or it is surely a unit typo (memory below 1Mi);
 * LimitRange admission judges the written requests, limits and claim sizes.
 */
import { App } from 'cdk8s';
import {
  AutoscaledApp, ChartTier, Environment, EnvironmentProps, NfsStorage, NodePortApp, OrderedStatefulSet, renderApp, show, SynthError, ValidationError,
} from '../../lib';
import { refusal } from './refusals';

type Props = Record<string, any>;
const IMAGE = 'nginx:1.27.0';

function env(extra: Partial<EnvironmentProps> = {}): { app: App; env: Environment } {
  const app = new App();
  return { app, env: new Environment(app, 'dev', { name: 'dev', ...extra }) };
}

/** A NodePortApp `web` with these resources (and environment props); renders the app. */
function web(resources: Props, extra: Partial<EnvironmentProps> = {}): Array<Record<string, any>> {
  const e = env(extra);
  new NodePortApp(e.env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, resources });
  return renderApp(e.app).flatMap((f) => f.objects.map((o) => o.manifest));
}

function sidecar(resources: Props): void {
  const e = env();
  const app = new NodePortApp(e.env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080 });
  app.addSidecar('log', { image: 'busybox:1.36.1', resources });
  renderApp(e.app);
}

function statefulSet(storage: string, extra: Partial<EnvironmentProps> = {}): void {
  const e = env(extra);
  new OrderedStatefulSet(e.env.addChart('kv'), 'kv', {
    name: 'kv', image: IMAGE, containerPort: 6379, replicas: 1, volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage }],
  });
  renderApp(e.app);
}

function nfs(props: Props): void {
  const e = env();
  new NfsStorage(e.env.addChart('storage', ChartTier.CLUSTER, { namespaced: false }), 'nfs', { server: '10.0.0.50', ...props } as any);
  renderApp(e.app);
}

const res = (field: string, value: string): Props => ({ [field]: value });

describe('kubelet and API server: a quantity the cluster would round or call invalid is refused, with the likely unit', () => {
  test.each([
    // [row, build, path, field, value, hint]
    ['memory request in milli-bytes', () => web(res('memoryRequest', '128m')), 'dev/web/web', 'resources.memoryRequest', '128m', 'did you mean "128Mi"?'],
    ['memory limit in milli-bytes', () => web(res('memoryLimit', '256m')), 'dev/web/web', 'resources.memoryLimit', '256m', 'did you mean "256Mi"?'],
    ['CPU request finer than 1m', () => web(res('cpuRequest', '0.4m')), 'dev/web/web', 'resources.cpuRequest', '0.4m', 'did you mean "0.4"?'],
    ['CPU limit of 1.5 millicores', () => web(res('cpuLimit', '1.5m')), 'dev/web/web', 'resources.cpuLimit', '1.5m', 'finer than 1m'],
    ['CPU request in micro-cores', () => web(res('cpuRequest', '500u')), 'dev/web/web', 'resources.cpuRequest', '500u', 'did you mean "500m"?'],
    ['CPU request in nano-cores', () => web(res('cpuRequest', '100n')), 'dev/web/web', 'resources.cpuRequest', '100n', 'did you mean "100m"?'],
    ['CPU request as a tiny decimal', () => web(res('cpuRequest', '0.0001')), 'dev/web/web', 'resources.cpuRequest', '0.0001', 'finer than 1m'],
    ['CPU request with a negative exponent', () => web(res('cpuRequest', '1e-4')), 'dev/web/web', 'resources.cpuRequest', '1e-4', 'finer than 1m'],
    ['CPU finer than 1n', () => web(res('cpuRequest', '0.5n')), 'dev/web/web', 'resources.cpuRequest', '0.5n', 'finer than 1n'],
    ['memory below 1Mi in KiB', () => web(res('memoryRequest', '512Ki')), 'dev/web/web', 'resources.memoryRequest', '512Ki', 'did you mean "512Mi"?'],
    ['memory of 1000 bytes', () => web(res('memoryRequest', '1000')), 'dev/web/web', 'resources.memoryRequest', '1000', 'did you mean "1000Mi"?'],
    ['memory of 1e3 bytes', () => web(res('memoryRequest', '1e3')), 'dev/web/web', 'resources.memoryRequest', '1e3', 'less than 1Mi'],
    ['memory of half a MiB', () => web(res('memoryRequest', '0.5Mi')), 'dev/web/web', 'resources.memoryRequest', '0.5Mi', 'less than 1Mi'],
    ['memory of 100 kB', () => web(res('memoryRequest', '100k')), 'dev/web/web', 'resources.memoryRequest', '100k', 'less than 1Mi'],
    ['a fraction of a byte', () => web(res('memoryLimit', '1.5')), 'dev/web/web', 'resources.memoryLimit', '1.5', 'not a whole number of bytes'],
    ['a fraction of a byte above 1Mi', () => web(res('memoryLimit', '2097152.5')), 'dev/web/web', 'resources.memoryLimit', '2097152.5', 'not a whole number of bytes'],
    ['binary SI above 2^63-1 (capped by the API server)', () => web(res('memoryLimit', '9Ei')), 'dev/web/web', 'resources.memoryLimit', '9Ei', '2^63-1'],
    ['binary SI at 8Ei (capped by the API server)', () => web({ memoryRequest: '128Mi', memoryLimit: '8Ei' }), 'dev/web/web', 'resources.memoryLimit', '8Ei', '2^63-1'],
    ['sidecar memory in milli-bytes', () => sidecar(res('memoryRequest', '64m')), 'dev/web/web', 'sidecars.log.resources.memoryRequest', '64m', 'did you mean "64Mi"?'],
    ['sidecar CPU finer than 1m', () => sidecar(res('cpuLimit', '0.5m')), 'dev/web/web', 'sidecars.log.resources.cpuLimit', '0.5m', 'finer than 1m'],
    ['workload default memory in milli-bytes', () => env({ workloadDefaults: { resources: { memoryRequest: '128m' } } }), 'dev', 'workloadDefaults.resources.memoryRequest', '128m', 'did you mean "128Mi"?'],
    ['workload default CPU finer than 1m', () => env({ workloadDefaults: { resources: { cpuRequest: '0.1m' } } }), 'dev', 'workloadDefaults.resources.cpuRequest', '0.1m', 'finer than 1m'],
    ['quota CPU finer than 1m', () => env({ quota: { requestsCpu: '0.5m' } }), 'dev', 'quota.requestsCpu', '0.5m', 'finer than 1m'],
    ['quota memory in milli-bytes', () => env({ quota: { requestsMemory: '16m' } }), 'dev', 'quota.requestsMemory', '16m', 'did you mean "16Mi"?'],
    ['quota memory limit with a fraction of a byte', () => env({ quota: { limitsMemory: '33554432.5' } }), 'dev', 'quota.limitsMemory', '33554432.5', 'not a whole number of bytes'],
    ['quota storage in milli-bytes', () => env({ quota: { requestsStorage: '200m' } }), 'dev', 'quota.requestsStorage', '200m', 'did you mean "200Mi"?'],
    ['LimitRange max memory in milli-bytes', () => env({ containerLimits: { maxMemory: '8m' } }), 'dev', 'containerLimits.maxMemory', '8m', 'did you mean "8Mi"?'],
    ['LimitRange default CPU request finer than 1m', () => env({ containerLimits: { defaultRequestCpu: '0.5m' } }), 'dev', 'containerLimits.defaultRequestCpu', '0.5m', 'finer than 1m'],
    ['LimitRange max CPU with a negative exponent', () => env({ containerLimits: { maxCpu: '1e-4' } }), 'dev', 'containerLimits.maxCpu', '1e-4', 'finer than 1m'],
    ['claim size minimum in milli-bytes', () => env({ claimSize: { min: '10m' } }), 'dev', 'claimSize.min', '10m', 'did you mean "10Mi"?'],
    ['NFS volume capacity in milli-bytes', () => nfs({ volumes: [{ name: 'media', path: '/exports/media', capacity: '5m' }] }), 'dev/storage/nfs', 'volumes[0].capacity', '5m', 'did you mean "5Mi"?'],
    ['NFS claim request with a fraction of a byte', () => nfs({ volumes: [{ name: 'media', path: '/exports/media', capacity: '1Gi', claim: { request: '1.5' } }] }), 'dev/storage/nfs', 'volumes[0].claim.request', '1.5', 'not a whole number of bytes'],
    ['NFS dynamic claim request in milli-bytes', () => nfs({ storageClass: { name: 'nfs', share: '/exports/dyn', claims: [{ name: 'c', request: '100m' }] } }), 'dev/storage/nfs', 'storageClass.claims[0].request', '100m', 'did you mean "100Mi"?'],
    ['claim template storage in milli-bytes', () => statefulSet('1m'), 'dev/kv/kv', 'volumeClaimTemplates[0].storage', '1m', 'did you mean "1Mi"?'],
    ['claim template storage as 1e-3', () => statefulSet('1e-3'), 'dev/kv/kv', 'volumeClaimTemplates[0].storage', '1e-3', 'not a whole number of bytes'],
  ])('%s', (_row, build, path, field, value, hint) => {
    const e = refusal(build);
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.message).toContain(`${path}: ${field} ${show(value)} `);
    expect(e.message).toContain(hint);
  });
});

describe('API server: comparisons are exact (a float would call these equal)', () => {
  const big = '9007199254740993'; // 2^53 + 1: as a float it is 2^53
  const below = '9007199254740992';
  test.each([
    ['memory request 1 byte above its limit', () => web({ memoryRequest: big, memoryLimit: below }, { containerLimits: { maxMemory: '1Ei' } }), 'dev/web/web', 'resources.memoryRequest', big],
    ['quota memory requests 1 byte above its limits', () => env({ quota: { requestsMemory: big, limitsMemory: below } }), 'dev', 'quota.requestsMemory', big],
    ['claim size min 1 byte above max', () => env({ claimSize: { min: big, max: below } }), 'dev', 'claimSize.min', big],
    ['LimitRange default memory limit 1 byte above max', () => env({ containerLimits: { defaultLimitMemory: big, maxMemory: below } }), 'dev', 'containerLimits.defaultLimitMemory', big],
    ['NFS claim 1 byte larger than its volume', () => nfs({ volumes: [{ name: 'media', path: '/exports/media', capacity: below, claim: { request: big } }] }), 'dev/storage/nfs', 'volumes[0].claim.request', big],
  ])('%s', (_row, build, path, field, value) => {
    const e = refusal(build);
    expect(e.message).toContain(`${path}: ${field} ${show(value)} is more than`);
  });
});

describe('LimitRange admission (plugin/pkg/admission/limitranger, simulated in lib/checks/admission.ts): written requests, limits and claims within the namespace bounds', () => {
  const container = 'spec.template.spec.containers[0] (container "web").resources.limits';
  const template = 'spec.volumeClaimTemplates[0].spec.resources.requests.storage';
  test.each([
    ['memory limit above max', () => web({ memoryLimit: '1.5Gi' }, { containerLimits: { maxMemory: '1Gi' } }), 'dev/web/web/Deployment', `${container}.memory 1536Mi is above the maximum 1Gi`],
    ['CPU limit above max', () => web({ cpuLimit: '2' }, { containerLimits: { maxCpu: '1' } }), 'dev/web/web/Deployment', `${container}.cpu 2 is above the maximum 1`],
    ['memory limit in G above a max in Mi', () => web({ memoryLimit: '1G' }, { containerLimits: { maxMemory: '953Mi' } }), 'dev/web/web/Deployment', `${container}.memory 1G is above the maximum 953Mi`],
    ['claim template above the claim max', () => statefulSet('100Gi'), 'dev/kv/kv/StatefulSet', `${template} 100Gi is above the maximum 50Gi`],
    ['claim template below the claim min', () => statefulSet('5Mi'), 'dev/kv/kv/StatefulSet', `${template} 5Mi is below the minimum 10Mi`],
  ])('%s', (_row, build, from, text) => {
    const e = refusal(build);
    expect(e).toBeInstanceOf(SynthError);
    expect(e.message).toContain(`${from}/Resource: ${text} of LimitRange dev/dev-limits`);
  });

  test('a sidecar limit above max is refused too', () => {
    const e = refusal(() => {
      const x = env({ containerLimits: { maxMemory: '1Gi' } });
      new NodePortApp(x.env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080 }).addSidecar('log', { image: 'busybox:1.36.1', resources: { memoryLimit: '2Gi' } });
      renderApp(x.app);
    });
    expect(e.message).toContain('dev/web/web/Deployment/Resource: spec.template.spec.containers[1] (container "log").resources.limits.memory 2Gi is above the maximum 1Gi');
  });
});

describe('quantities are written exactly as given (cdk8s-plus would round them to whole Mi or m)', () => {
  const resources = (all: Array<Record<string, any>>) => all.find((m) => m.kind === 'Deployment')!.spec.template.spec.containers[0].resources;
  test.each([
    ['memory request in M', { memoryRequest: '128M' }, 'requests', 'memory', '128M', {}],
    ['memory request of 100M', { memoryRequest: '100M' }, 'requests', 'memory', '100M', {}],
    ['memory limit equal to the LimitRange max in G', { memoryLimit: '1G' }, 'limits', 'memory', '1G', { containerLimits: { maxMemory: '1G' } }],
    ['memory limit as an exponent', { memoryLimit: '1e9' }, 'limits', 'memory', '1e9', {}],
    ['memory limit in Ki', { memoryLimit: '500000Ki' }, 'limits', 'memory', '500000Ki', {}],
    ['memory request in bytes', { memoryRequest: '134217729' }, 'requests', 'memory', '134217729', {}],
  ])('%s', (_row, given, group, resource, written, extra) => {
    expect(resources(web(given, extra))[group][resource]).toBe(written);
  });

  test('a sidecar is written exactly too', () => {
    const x = env();
    new NodePortApp(x.env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080 })
      .addSidecar('log', { image: 'busybox:1.36.1', resources: { memoryRequest: '100M', memoryLimit: '200M' } });
    const d = renderApp(x.app).flatMap((f) => f.objects.map((o) => o.manifest)).find((m) => m.kind === 'Deployment')!;
    expect(d.spec.template.spec.containers[1].resources).toEqual({ limits: { cpu: '500m', memory: '200M' }, requests: { cpu: '100m', memory: '100M' } });
  });

  test.each([
    ['0.1 CPU', { cpuRequest: '0.1' }], ['+1 CPU', { cpuLimit: '+1' }], ['.5 CPU', { cpuRequest: '.5' }], ['1. CPU', { cpuLimit: '1.' }],
    ['2e0 CPU', { cpuLimit: '2e0' }], ['1E-3 CPU', { cpuRequest: '1E-3' }], ['1.5Gi memory', { memoryLimit: '1.5Gi' }],
    ['1Mi memory (the smallest taken)', { memoryRequest: '1Mi' }], ['0 memory request', { memoryRequest: '0' }], ['0.5e1 CPU', { cpuLimit: '0.5e1' }],
  ])('valid odd form: %s is written as given', (_row, given) => {
    const written = resources(web(given, { containerLimits: { maxCpu: '1000' } }));
    const [key, value] = Object.entries(given)[0];
    const [, resource, kind] = /^(cpu|memory)(Request|Limit)$/.exec(key)!;
    expect(written[kind === 'Request' ? 'requests' : 'limits'][resource]).toBe(value);
  });
});

describe('ResourceQuota admission (plugin/pkg/admission/resourcequota, simulated in lib/checks/admission.ts): the worst case of the namespace fits its quota, compared exactly', () => {
  /** A StatefulSet `kv` (no rollout surge: its worst case is its replicas) with these props; renders the app. */
  const kv = (extra: Partial<EnvironmentProps>, replicas: number, props: Props = {}) => () => {
    const e = env(extra);
    new OrderedStatefulSet(e.env.addChart('kv'), 'kv', {
      name: 'kv', image: IMAGE, containerPort: 6379, replicas, volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage: '1Gi' }], ...props,
    });
    renderApp(e.app);
  };
  const quota = 'dev/namespace/ResourceQuota: ResourceQuota dev/dev-quota:';
  test.each([
    ['more pods than the quota', kv({ quota: { pods: 1 } }, 2), 'pods worst case 2 (kv 2 (2 replicas)) exceeds the quota 1'],
    ['memory requests of all replicas', kv({ quota: { requestsMemory: '256Mi' } }, 3, { resources: { memoryRequest: '128Mi' } }), 'requests.memory worst case 384Mi (kv 384Mi = 3 (3 replicas) × 128Mi) exceeds the quota 256Mi'],
    ['CPU limits of all replicas', kv({ quota: { requestsCpu: '1', limitsCpu: '1' } }, 3, { resources: { cpuLimit: '500m' } }), 'limits.cpu worst case 1500m (kv 1500m = 3 (3 replicas) × 500m) exceeds the quota 1'],
    ['memory requests exactly 3 bytes over', kv({ quota: { requestsMemory: '300M' } }, 3, { resources: { memoryRequest: '100000001', memoryLimit: '256Mi' } }), 'requests.memory worst case 300000003 (kv 300000003 = 3 (3 replicas) × 100000001) exceeds the quota 300M'],
    ['storage of a claim template per replica', kv({ quota: { requestsStorage: '1Gi' } }, 2), 'requests.storage worst case 2Gi (kv (claim template data) 2Gi = 2 (2 replicas) × 1Gi) exceeds the quota 1Gi'],
    ['claims of a claim template per replica', kv({ quota: { persistentVolumeClaims: 1 } }, 2), 'persistentvolumeclaims worst case 2 (kv (claim template data) 2 (2 replicas)) exceeds the quota 1'],
  ])('%s', (_row, build, text) => {
    const e = refusal(build);
    expect(e).toBeInstanceOf(SynthError);
    expect(e.message).toContain(`${quota} ${text}`);
  });

  test('an autoscaled app counts at its maxReplicas plus the rollout surge', () => {
    const e = refusal(() => {
      const x = env({ quota: { requestsMemory: '256Mi' } });
      new AutoscaledApp(x.env.addChart('api'), 'api', { name: 'api', image: IMAGE, containerPort: 8080, minReplicas: 3, maxReplicas: 5, cpuUtilization: 70 });
      renderApp(x.app);
    });
    expect(e.message).toContain(`${quota} requests.memory worst case 896Mi (api 896Mi = 7 (HPA max 5 + surge 2) × 128Mi) exceeds the quota 256Mi`);
  });

  test('a namespace exactly at its quota passes', () => {
    expect(() => kv({ quota: { requestsMemory: '300000003', pods: 3 } }, 3, { resources: { memoryRequest: '100000001', memoryLimit: '256Mi' } })()).not.toThrow();
  });
});
