/**
 * Adversarial inputs that the workload controllers turn into objects the API server refuses (pods whose
 * derived names or labels are too long, ReplicaSets whose names are), or that they silently rewrite (claim
 * templates replacing pod volumes of the same name, repeated claim templates), and node paths that give a
 * daemon's pods the node through the kubelet's hostPath mounts. Each refused row fails on the main branch
 * before issue 19; rows that must pass keep the rules from being over-broad.
 */
import { ApiObject, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import {
  Environment, HostPathMount, NodeDaemon, NodeDaemonProps, NodePortApp, OrderedStatefulSet, OrderedStatefulSetProps, renderApp,
} from '../../lib';
import { testEnv } from '../helpers';
import { expectPropRefusal, expectRenderRefusal } from './refusals';

const IMAGE = 'registry.example.com/app:1.2.3';
const long = (n: number, c = 'a') => c.repeat(n);

/** An aspect that runs `f` on every ApiObject of a kind (what an organisation-wide rule does). */
const onKind = (env: Environment, kind: string, f: (o: ApiObject) => void) =>
  env.addAspect({ visit: (n: IConstruct) => { if (n instanceof ApiObject && n.kind === kind) f(n); } });
/** An OrderedStatefulSet "kv" in chart "kv". */
const kv = (env: Environment, props: Partial<OrderedStatefulSetProps> = {}) =>
  new OrderedStatefulSet(env.addChart('kv'), 'kv', { name: 'kv', image: IMAGE, containerPort: 6379, ...props });
/** A raw StatefulSet written with the L1 class (no construct checks its props). */
const rawStatefulSet = (env: Environment, name: string, spec: Partial<k8s.StatefulSetSpec> = {}) => new k8s.KubeStatefulSet(env.addChart('raw'), 'sts', {
  metadata: { name },
  spec: {
    serviceName: name, selector: { matchLabels: { app: 'db' } },
    template: { metadata: { labels: { app: 'db' } }, spec: { containers: [] } },
    ...spec,
  },
});
const claim = (name: string): k8s.KubePersistentVolumeClaimProps => ({ metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } } } });

type Row = [what: string, build: (env: Environment) => unknown, path: string, field: string, value: unknown];

describe('StatefulSet and Deployment controllers: derived names and label values', () => {
  test.each<Row>([
    ['an aspect renaming a StatefulSet to 53 characters (controller-revision-hash "<name>-<hash>" > 63)', (env) => {
      kv(env);
      onKind(env, 'StatefulSet', (o) => o.addJsonPatch(JsonPatch.replace('/metadata/name', long(53, 'k'))));
    }, 'dev/kv/kv/StatefulSet/Resource', 'metadata.name', long(53, 'k')],
    ['a raw StatefulSet of 60 characters', (env) => rawStatefulSet(env, long(60, 'd')), 'dev/raw/sts', 'metadata.name', long(60, 'd')],
    ['a raw StatefulSet of 63 characters, whose pod "<name>-0" is 65', (env) => rawStatefulSet(env, long(63, 'd')), 'dev/raw/sts', 'spec.replicas', 1],
    ['a raw StatefulSet of 62 characters with 11 replicas (pod "<name>-10")', (env) => rawStatefulSet(env, long(62, 'd'), { replicas: 11 }), 'dev/raw/sts', 'spec.replicas', 11],
    ['an aspect renaming a Deployment to 243 characters (ReplicaSet "<name>-<hash>" > 253)', (env) => {
      new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080 });
      onKind(env, 'Deployment', (o) => o.addJsonPatch(JsonPatch.replace('/metadata/name', `${long(60)}.${long(60)}.${long(60)}.${long(60)}`)));
    }, 'dev/web/web/Deployment/Resource', 'metadata.name', `${long(60)}.${long(60)}.${long(60)}.${long(60)}`],
  ])('%s', (_what, build, path, field, value) => {
    const { app, env } = testEnv();
    build(env);
    expectRenderRefusal(app, path, field, value);
  });

  test.each<[string, (env: Environment) => unknown]>([
    ['a StatefulSet name of exactly 52 characters', (env) => kv(env, { name: long(52, 'k') })],
    ['a raw StatefulSet of 52 characters with 100 replicas (pod "<name>-99" is 55; the namespace quota allows 100 pods)', (env) => rawStatefulSet(env, long(52, 'd'), { replicas: 100 })],
    ['a Deployment name of 242 characters', (env) => {
      new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080 });
      onKind(env, 'Deployment', (o) => o.addJsonPatch(JsonPatch.replace('/metadata/name', `${long(60)}.${long(60)}.${long(60)}.${long(59)}`)));
    }],
  ])('passes: %s', (_what, build) => {
    const { app, env } = testEnv();
    build(env);
    expect(() => renderApp(app)).not.toThrow();
  });
});

describe('StatefulSet controller: claim templates (updateStorage replaces pod volumes of a template\'s name)', () => {
  test.each<Row>([
    ['a template named like the default writable volume', (env) => kv(env, { volumeClaimTemplates: [{ name: 'writable-0', mountPath: '/data', storage: '1Gi' }] }),
      'dev/kv/kv', 'volumeClaimTemplates[0].name', 'writable-0'],
    ['a template named like the second writable volume', (env) => kv(env, {
      writablePaths: ['/tmp', '/cache'], volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage: '1Gi' }, { name: 'writable-1', mountPath: '/wal', storage: '1Gi' }],
    }), 'dev/kv/kv', 'volumeClaimTemplates[1].name', 'writable-1'],
    ['two templates with one name', (env) => kv(env, {
      volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage: '1Gi' }, { name: 'data', mountPath: '/wal', storage: '2Gi' }],
    }), 'dev/kv/kv', 'volumeClaimTemplates[1].name', 'data'],
  ])('%s (prop-level)', (_what, build, path, field, value) => {
    const { env } = testEnv();
    expectPropRefusal(() => build(env), path, field, value);
  });

  test.each<Row>([
    ['a template named like the volume of a sidecar added afterwards', (env) => kv(env, { volumeClaimTemplates: [{ name: 'log-writable-0', mountPath: '/data', storage: '1Gi' }] })
      .addSidecar('log', { image: IMAGE, readiness: { command: ['true'] }, liveness: { command: ['true'] } }),
    'dev/kv/kv/StatefulSet/Resource', 'spec.volumeClaimTemplates[0].metadata.name', 'log-writable-0'],
    ['an aspect adding a pod volume named like a template', (env) => {
      kv(env, { volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage: '1Gi' }] });
      onKind(env, 'StatefulSet', (o) => o.addJsonPatch(JsonPatch.add('/spec/template/spec/volumes/-', { name: 'data', emptyDir: {} })));
    }, 'dev/kv/kv/StatefulSet/Resource', 'spec.volumeClaimTemplates[0].metadata.name', 'data'],
    ['a raw StatefulSet whose template shadows its emptyDir', (env) => rawStatefulSet(env, 'db', {
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [], volumes: [{ name: 'cache', emptyDir: {} }] } },
      volumeClaimTemplates: [claim('cache')],
    }), 'dev/raw/sts', 'spec.volumeClaimTemplates[0].metadata.name', 'cache'],
    ['a raw StatefulSet with two templates of one name', (env) => rawStatefulSet(env, 'db', { volumeClaimTemplates: [claim('data'), claim('data')] }),
      'dev/raw/sts', 'spec.volumeClaimTemplates[1].metadata.name', 'data'],
    ['a raw template name with upper case (a pod volume name)', (env) => rawStatefulSet(env, 'db', { volumeClaimTemplates: [claim('Data')] }),
      'dev/raw/sts', 'spec.volumeClaimTemplates[0].metadata.name', 'Data'],
    ['a raw template name with a dot', (env) => rawStatefulSet(env, 'db', { volumeClaimTemplates: [claim('data.main')] }),
      'dev/raw/sts', 'spec.volumeClaimTemplates[0].metadata.name', 'data.main'],
    ['a raw template name of 64 characters', (env) => rawStatefulSet(env, 'db', { volumeClaimTemplates: [claim(long(64))] }),
      'dev/raw/sts', 'spec.volumeClaimTemplates[0].metadata.name', long(64)],
  ])('%s', (_what, build, path, field, value) => {
    const { app, env } = testEnv();
    build(env);
    expectRenderRefusal(app, path, field, value);
  });

  test.each<[string, (env: Environment) => unknown]>([
    ['two templates, writable paths and a sidecar, all named apart', (env) => kv(env, {
      writablePaths: ['/tmp', '/cache'], volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage: '1Gi' }, { name: 'wal', mountPath: '/wal', storage: '1Gi' }],
    }).addSidecar('log', { image: IMAGE, readiness: { command: ['true'] }, liveness: { command: ['true'] } })],
    ['a template named "writable" (not a volume of the pod)', (env) => kv(env, { volumeClaimTemplates: [{ name: 'writable', mountPath: '/data', storage: '1Gi' }] })],
  ])('passes: %s', (_what, build) => {
    const { app, env } = testEnv();
    build(env);
    expect(() => renderApp(app)).not.toThrow();
  });
});

describe('kubelet hostPath mounts: only node paths safe to read, unless opted in', () => {
  const daemon = (env: Environment, hostPaths: HostPathMount[], props: Partial<NodeDaemonProps> = {}) => {
    env.addNamespace('agents');
    return new NodeDaemon(env.addChart('agent', undefined, { namespace: 'agents' }), 'agent', { name: 'agent', image: IMAGE, containerPort: 9100, hostPaths, ...props });
  };
  const readOnly = (hostPath: string, type?: HostPathMount['type']): Row => [`read-only ${hostPath}`, (env) => daemon(env, [{ hostPath, type }]), 'dev/agent/agent', 'hostPaths[0].hostPath', hostPath];
  test.each<Row>([
    readOnly('/'),
    readOnly('/var/run/docker.sock', 'Socket'),
    readOnly('/run/docker.sock', 'Socket'),
    readOnly('/run/containerd/containerd.sock', 'Socket'),
    readOnly('/run/containerd'),
    readOnly('/var/run/containerd'),
    readOnly('/var/run/crio/crio.sock', 'Socket'),
    readOnly('/run/crio'),
    readOnly('/var/run/cri-dockerd.sock', 'Socket'),
    readOnly('/var/lib/containerd'),
    readOnly('/var/lib/docker'),
    readOnly('/var/lib/containers'),
    readOnly('/var/lib/kubelet'),
    readOnly('/var/lib/kubelet/pods'),
    readOnly('/var/lib/kubelet/pki'),
    readOnly('/var/lib/etcd'),
    readOnly('/etc/kubernetes'),
    readOnly('/etc/kubernetes/pki'),
    readOnly('/usr/bin'),
    readOnly('/usr/sbin'),
    readOnly('/bin'),
    readOnly('/sbin'),
    readOnly('/usr/local/bin'),
    readOnly('/usr/lib'),
    readOnly('/var/run'),
    readOnly('/run'),
    readOnly('/var/lib'),
    readOnly('/var'),
    readOnly('/usr'),
    readOnly('/etc'),
    readOnly('/etc/shadow', 'File'),
    readOnly('/root'),
    readOnly('/home'),
    readOnly('/boot'),
    readOnly('/dev'),
    readOnly('/opt/agent'),
    readOnly('/proc/1/root'),
    readOnly('/proc/self'),
    readOnly('/var/./run/docker.sock', 'Socket'),
    readOnly('/run/./containerd'),
    ['read-only /proc for a root daemon', (env) => daemon(env, [{ hostPath: '/proc' }], { runAsRoot: true }), 'dev/agent/agent', 'hostPaths[0].hostPath', '/proc'],
    ['a safe path first, then the kubelet state', (env) => daemon(env, [{ hostPath: '/var/log' }, { hostPath: '/var/lib/kubelet' }]), 'dev/agent/agent', 'hostPaths[1].hostPath', '/var/lib/kubelet'],
    ['writable containerd state with only allowUnsafeHostPaths', (env) => daemon(env, [{ hostPath: '/var/lib/containerd', writable: true }], { allowUnsafeHostPaths: true }),
      'dev/agent/agent', 'hostPaths[0].hostPath', '/var/lib/containerd'],
    ['writable etcd data with only allowUnsafeHostPaths', (env) => daemon(env, [{ hostPath: '/var/lib/etcd', writable: true }], { allowUnsafeHostPaths: true }),
      'dev/agent/agent', 'hostPaths[0].hostPath', '/var/lib/etcd'],
    ['writable /usr/bin with only allowUnsafeHostPaths', (env) => daemon(env, [{ hostPath: '/usr/bin', writable: true }], { allowUnsafeHostPaths: true }),
      'dev/agent/agent', 'hostPaths[0].hostPath', '/usr/bin'],
    ['writable /usr/local/bin with only allowUnsafeHostPaths', (env) => daemon(env, [{ hostPath: '/usr/local/bin', writable: true }], { allowUnsafeHostPaths: true }),
      'dev/agent/agent', 'hostPaths[0].hostPath', '/usr/local/bin'],
    ['writable /var/lib/docker with only allowUnsafeHostPaths', (env) => daemon(env, [{ hostPath: '/var/lib/docker', writable: true }], { allowUnsafeHostPaths: true }),
      'dev/agent/agent', 'hostPaths[0].hostPath', '/var/lib/docker'],
  ])('%s, leaving nothing in the tree', (_what, build, path, field, value) => {
    const { app, env } = testEnv();
    expectPropRefusal(() => build(env), path, field, value);
    expect(env.node.tryFindChild('agent')?.node.children ?? []).toEqual([]);
    expect(() => renderApp(app)).not.toThrow();
  });

  // Already refused before issue 19 (checkNormalizedPath); kept here so no spelling of a path slips past the lists.
  test.each(['/var/lib/../run/containerd', '/run/containerd/', '//run/containerd', '/var//run/docker.sock', 'run/containerd'])('still refused: the unnormalized path %s', (hostPath) => {
    const { env } = testEnv();
    expectPropRefusal(() => daemon(env, [{ hostPath }], { allowUnsafeHostPaths: false }), 'dev/agent/agent', 'hostPaths[0].hostPath', hostPath);
  });

  test.each<[string, HostPathMount[], Partial<NodeDaemonProps>]>([
    ['/proc for a non-root daemon', [{ hostPath: '/proc', mountPath: '/host/proc' }], {}],
    ['/sys and a folder below it', [{ hostPath: '/sys', mountPath: '/host/sys' }, { hostPath: '/sys/fs/cgroup', mountPath: '/host/cgroup' }], {}],
    ['/var/log and a folder below it', [{ hostPath: '/var/log' }, { hostPath: '/var/log/pods', mountPath: '/pods' }], {}],
    ['a writable /var/log (log shippers keep their positions there)', [{ hostPath: '/var/log', writable: true }], {}],
    ['/etc/os-release, /etc/machine-id and the journal', [{ hostPath: '/etc/os-release', type: 'File' }, { hostPath: '/etc/machine-id', type: 'File' }, { hostPath: '/run/log/journal' }], {}],
    ['the node\'s root with allowUnsafeHostPaths', [{ hostPath: '/', mountPath: '/host/root' }], { allowUnsafeHostPaths: true }],
    ['kubelet pods read-only with allowUnsafeHostPaths', [{ hostPath: '/var/lib/kubelet/pods', mountPath: '/pods' }], { allowUnsafeHostPaths: true }],
    ['a writable containerd socket with both opt-ins', [{ hostPath: '/run/containerd/containerd.sock', type: 'Socket', writable: true }], { allowUnsafeHostPaths: true, allowWritableSystemPaths: true }],
  ])('passes: %s', (_what, hostPaths, props) => {
    const { app, env } = testEnv();
    daemon(env, hostPaths, props);
    expect(() => renderApp(app)).not.toThrow();
  });
});
