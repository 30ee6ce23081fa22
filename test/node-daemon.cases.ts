import { NodeDaemon, NodeDaemonProps, renderApp, ValidationError } from '../lib';
import { expectSchemaValid, manifests, only, testEnv } from './helpers';

const base: NodeDaemonProps = { name: 'agent', image: 'registry.example.com/agent:1.0.0', containerPort: 9100 };
const LABELS = { 'app.kubernetes.io/instance': 'agent', 'app.kubernetes.io/name': 'agent' };

function build(props: Partial<NodeDaemonProps> = {}, id = 'agent') {
  const { app, env } = testEnv();
  env.addNamespace('agents');
  const construct = new NodeDaemon(env.addChart('agent', undefined, { namespace: 'agents' }), id, { ...base, ...props });
  const all = manifests(app);
  const ns = (name: string) => only(all, 'Namespace', name).metadata;
  return { app, env, construct, all, ns, pod: only(all, 'DaemonSet', 'agent').spec.template.spec };
}

describe('NodeDaemon', () => {
  test('a DaemonSet selecting its pods by stable labels, rolled one node at a time, Pod Security "restricted"', () => {
    const { all, ns, pod } = build();
    const ds = only(all, 'DaemonSet', 'agent');
    expect(ds.metadata.namespace).toBe('agents');
    expect(ds.spec.selector).toEqual({ matchLabels: LABELS });
    expect(ds.spec.template.metadata.labels).toEqual(LABELS);
    expect(ds.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
    expect(pod.hostNetwork).toBe(false);
    expect(pod).not.toHaveProperty('hostPID');
    expect(pod).not.toHaveProperty('nodeSelector');
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, capabilities: { drop: ['ALL'] } });
    expect(ns('agents').labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('node selection, tolerations (control plane too), maxUnavailable and priority class', () => {
    const { pod, all } = build({
      nodeSelector: { 'kubernetes.io/os': 'linux', 'node.example.com/logs': 'true' },
      tolerateControlPlane: true,
      tolerations: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute', tolerationSeconds: 60 }, {}],
      maxUnavailable: '20%',
      priorityClassName: 'system-node-critical',
    });
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', 'node.example.com/logs': 'true' });
    expect(pod.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoExecute', tolerationSeconds: 60 },
      { operator: 'Exists' },
      { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    expect(pod.priorityClassName).toBe('system-node-critical');
    expect(only(all, 'DaemonSet').spec.updateStrategy.rollingUpdate.maxUnavailable).toBe('20%');
    expectSchemaValid(all);
  });

  test('host access is an opt-in that makes the namespace "privileged" and says why; the apps\' namespace stays "restricted"', () => {
    const { pod, ns, all } = build({ hostNetwork: true, hostPID: true, hostPaths: [{ hostPath: '/', mountPath: '/host/root' }, { hostPath: '/var/log', writable: true }], allowUnsafeHostPaths: true });
    expect(pod.hostNetwork).toBe(true);
    expect(pod.hostPID).toBe(true);
    expect(pod.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(pod.volumes.filter((v: any) => v.hostPath)).toEqual([
      { name: 'host-0', hostPath: { path: '/', type: 'Directory' } },
      { name: 'host-1', hostPath: { path: '/var/log', type: 'Directory' } },
    ]);
    expect(pod.containers[0].volumeMounts.filter((m: any) => m.name.startsWith('host-'))).toEqual([
      { name: 'host-0', mountPath: '/host/root', readOnly: true },
      { name: 'host-1', mountPath: '/var/log', readOnly: false },
    ]);
    expect(ns('agents').labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'privileged', 'pod-security.kubernetes.io/warn': 'restricted' });
    expect(ns('agents').annotations['onprem.k8s/pod-security-reason']).toBe('privileged: dev/agent/agent (hostNetwork; hostPID; hostPath /, /var/log (writable))');
    expect(ns('dev').labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expectSchemaValid(all);
  });

  test('baseline capabilities and root need only "baseline"', () => {
    const { pod, ns } = build({ capabilities: ['CHOWN', 'NET_BIND_SERVICE'], runAsRoot: true });
    expect(pod.containers[0].securityContext).toMatchObject({ capabilities: { drop: ['ALL'], add: ['CHOWN', 'NET_BIND_SERVICE'] }, runAsNonRoot: false, runAsUser: 0 });
    expect(ns('agents').labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(ns('agents').annotations['onprem.k8s/pod-security-reason']).toBe('baseline: dev/agent/agent (capabilities CHOWN; runAsRoot)');
  });

  test('a capability beyond baseline needs "privileged"; NET_BIND_SERVICE alone stays "restricted"', () => {
    expect(build({ capabilities: ['SYS_TIME'] }).ns('agents').labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(build({ capabilities: ['NET_BIND_SERVICE'] }).ns('agents').labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('a writable system path with its separate opt-ins (reaching the path, and writing it)', () => {
    const { pod } = build({ hostPaths: [{ hostPath: '/var/run/docker.sock', type: 'Socket', writable: true }], allowWritableSystemPaths: true, allowUnsafeHostPaths: true });
    expect(pod.volumes.find((v: any) => v.hostPath).hostPath).toEqual({ path: '/var/run/docker.sock', type: 'Socket' });
  });

  test('renaming the construct id changes none of its names or selectors', () => {
    const strip = (all: any[]) => JSON.stringify(all).replace(/dev\/agent\/(agent|renamed)/g, '');
    expect(strip(build({ hostNetwork: true }, 'renamed').all)).toEqual(strip(build({ hostNetwork: true }).all));
  });

  test('schema-valid on Kubernetes 1.27 (the oldest version supported), and matches the snapshot', () => {
    const { all } = build({ hostNetwork: true, tolerateControlPlane: true, nodeSelector: { 'kubernetes.io/os': 'linux' } });
    expectSchemaValid(all);
    expect(all.filter((m) => m.kind === 'DaemonSet' || m.metadata.name === 'agents')).toMatchSnapshot();
  });
});

describe('NodeDaemon refuses', () => {
  test.each<[string, Partial<NodeDaemonProps>, string]>([
    ['a relative hostPath', { hostPaths: [{ hostPath: 'var/log' }] }, 'dev/agent/agent: hostPaths[0].hostPath "var/log" must be an absolute, normalized path'],
    ['a hostPath with ..', { hostPaths: [{ hostPath: '/var/log/../../etc' }] }, 'hostPaths[0].hostPath "/var/log/../../etc" must be an absolute, normalized path'],
    ['a writable /', { hostPaths: [{ hostPath: '/', writable: true }] },
      'dev/agent/agent: hostPaths[0].hostPath "/" is a writable mount of the sensitive node path /, which gives the pod control of the node; mount it read-only, or opt in with allowWritableSystemPaths'],
    ['a writable /etc', { hostPaths: [{ hostPath: '/etc', writable: true }] }, 'hostPaths[0].hostPath "/etc" is a writable mount of the sensitive node path /etc'],
    ['a writable docker socket', { hostPaths: [{ hostPath: '/var/run/docker.sock', type: 'Socket', writable: true }] }, 'is a writable mount of the sensitive node path /var/run/docker.sock'],
    ['a writable folder holding the docker socket', { hostPaths: [{ hostPath: '/var/run', writable: true }] }, 'hostPaths[0].hostPath "/var/run" is a writable mount of the sensitive node path /var/run/docker.sock'],
    ['a writable /proc', { hostPaths: [{ hostPath: '/proc', writable: true }] }, 'sensitive node path /proc'],
    ['a writable folder under /sys', { hostPaths: [{ hostPath: '/sys/fs/cgroup', writable: true }] }, 'sensitive node path /sys'],
    ['a toleration with an unknown effect', { tolerations: [{ key: 'dedicated', effect: 'NoRun' as any }] },
      'dev/agent/agent: tolerations[0].effect "NoRun" is not one of "NoSchedule", "PreferNoSchedule", "NoExecute"'],
    ['tolerationSeconds without NoExecute', { tolerations: [{ key: 'dedicated', effect: 'NoSchedule', tolerationSeconds: 5 }] },
      'tolerations[0].tolerationSeconds 5 applies only with effect "NoExecute"'],
    ['maxUnavailable of 0', { maxUnavailable: 0 }, 'dev/agent/agent: maxUnavailable 0 is outside 1-100000'],
    ['maxUnavailable of 0%', { maxUnavailable: '0%' }, 'dev/agent/agent: maxUnavailable "0%" must be 1 or more pods, or "1%"-"100%" (0 would stop every rolling update)'],
    ['a bad node selector', { nodeSelector: { 'kubernetes.io/os': 'linux os' } }, 'nodeSelector["kubernetes.io/os"] "linux os" is not a valid label value'],
    ['a capability with CAP_', { capabilities: ['CAP_SYS_TIME'] }, 'capabilities[0] "CAP_SYS_TIME" is not a capability name such as "SYS_TIME"'],
    ['root and a user id', { runAsRoot: true, runAsUser: 1000 }, 'runAsUser 1000 cannot be combined with runAsRoot'],
  ])('%s, leaving nothing in the tree', (_what, props, message) => {
    const { app, env } = testEnv();
    const chart = env.addChart('agent');
    const make = () => new NodeDaemon(chart, 'agent', { ...base, ...props });
    expect(make).toThrow(ValidationError);
    expect(make).toThrow(message);
    expect(chart.node.children).toEqual([]);
    expect(only(manifests(app), 'Namespace').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('host access in a namespace the environment does not manage', () => {
    const { env } = testEnv();
    expect(() => new NodeDaemon(env.addChart('agent', undefined, { namespace: 'elsewhere' }), 'agent', { ...base, hostNetwork: true }))
      .toThrow('dev/agent/agent: namespace "elsewhere" is not a namespace of environment dev (dev), so its Pod Security labels cannot follow what the workload needs; add it with addNamespace()');
  });

  test('two host-network daemons on one port, naming both', () => {
    const { app, env } = testEnv();
    new NodeDaemon(env.addChart('a'), 'a', { ...base, name: 'a', hostNetwork: true });
    new NodeDaemon(env.addChart('b'), 'b', { ...base, name: 'b', hostNetwork: true });
    expect(() => renderApp(app)).toThrow(
      "dev/b/b: containerPort (hostNetwork) 9100 is already used by dev/a/a (containerPort (hostNetwork)); host port (host-network pods share each node's ports) must be unique");
  });
});
