/**
 * The kubelet's runAsNonRoot rule (pkg/kubelet/kuberuntime/security_context_others.go verifyRunAsNonRoot): a
 * container whose effective securityContext has runAsNonRoot and no numeric runAsUser falls back to the
 * image's USER, and a named one ("nobody") is refused at start. Our policy adds runAsGroup. The constructs
 * write numeric ids on every container (props over environment defaults over 65532); the check catches raw
 * objects and patches.
 */
import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import {
  DEFAULT_RUN_AS_GROUP, DEFAULT_RUN_AS_USER, Environment, KUBERNETES_VERSIONS, NodeDaemon, NodePortApp, renderApp, SynthError, validateManifest, ValidationError,
} from '../../lib';
import { kubeletRunAsNonRoot } from '../../lib/checks/kubelet';
import { manifests, only, testEnv } from '../helpers';

type Obj = Record<string, any>;
const IMAGE = 'registry.example.com/app:1.2.3';

/** A Deployment manifest with these pod-level and container fields. */
const deployment = (pod: Obj, container: Obj, init?: Obj): Obj => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'dev' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { securityContext: pod, containers: [{ name: 'web', image: IMAGE, securityContext: container }], ...(init ? { initContainers: [{ name: 'init', image: IMAGE, securityContext: init }] } : {}) },
    },
  },
});
const check = (m: Obj) => kubeletRunAsNonRoot([{ manifest: m, constructPath: 'dev/web/raw' }]);

describe('kubelet: runAsNonRoot needs a numeric runAsUser (and, by our policy, a runAsGroup)', () => {
  test.each<[string, Obj, string]>([
    ['runAsNonRoot on the container, no user anywhere', deployment({}, { runAsNonRoot: true }), 'spec.template.spec.containers[0] (container "web"): runAsNonRoot is true but no numeric runAsUser'],
    ['runAsNonRoot on the pod, inherited by the container', deployment({ runAsNonRoot: true }, {}), 'containers[0] (container "web"): runAsNonRoot is true but no numeric runAsUser'],
    ['an init container without a user under the pod\'s runAsNonRoot', deployment({ runAsNonRoot: true }, { runAsUser: 101, runAsGroup: 101 }, {}),
      'spec.template.spec.initContainers[0] (container "init"): runAsNonRoot is true but no numeric runAsUser'],
    ['a user id written as a string', deployment({}, { runAsNonRoot: true, runAsUser: '101', runAsGroup: 101 }), 'no numeric runAsUser'],
    ['a user but no group', deployment({}, { runAsNonRoot: true, runAsUser: 101 }), 'runAsNonRoot is true with runAsUser 101 but no runAsGroup (our policy'],
    ['a pod-level user, no group anywhere', deployment({ runAsNonRoot: true, runAsUser: 101 }, {}), 'but no runAsGroup (our policy'],
  ])('refused: %s', (_what, m, part) => {
    const problems = check(m);
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith('dev/web/raw: Deployment dev/web ')).toBe(true);
    expect(problems[0]).toContain(part);
    expect(problems[0]).toContain('set a numeric securityContext.runAsUser and runAsGroup');
  });

  test.each<[string, Obj]>([
    ['ids on the container', deployment({}, { runAsNonRoot: true, runAsUser: 101, runAsGroup: 101 })],
    ['ids on the pod, runAsNonRoot on the container', deployment({ runAsUser: 65534, runAsGroup: 65534 }, { runAsNonRoot: true })],
    ['group 0 (allowed: only the user must not be root)', deployment({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 0 }, {})],
    ['no runAsNonRoot at all (nothing for the kubelet to verify)', deployment({}, {})],
    ['the container turns the pod\'s runAsNonRoot off (a root daemon)', deployment({ runAsNonRoot: true }, { runAsNonRoot: false, runAsUser: 0 })],
  ])('passes: %s', (_what, m) => {
    expect(check(m)).toEqual([]);
  });

  test('a raw cdk8s-plus Deployment (runAsNonRoot by default, no user) is refused at synth, naming the path and what to set', () => {
    const { app, env } = testEnv();
    new kplus.Deployment(env.addChart('raw'), 'web', { containers: [{ image: IMAGE, portNumber: 8080 }] });
    let error: unknown;
    try {
      renderApp(app);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SynthError);
    const problem = (error as SynthError).problems.find((p) => p.includes('no numeric runAsUser'));
    expect(problem).toMatch(/^dev\/raw\/web\/Resource: Deployment dev\/[^ ]+ spec\.template\.spec\.containers\[0\] \(container "main"\): runAsNonRoot is true/);
    expect(problem).toContain("the environment's workloadDefaults.securityContext");
  });

  test('an aspect that strips the user from a construct\'s container is refused', () => {
    const { app, env } = testEnv();
    new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080 });
    env.addAspect({ visit: (n: IConstruct) => { if (n instanceof ApiObject && n.kind === 'Deployment') n.addJsonPatch(JsonPatch.remove('/spec/template/spec/containers/0/securityContext/runAsUser')); } });
    expect(() => renderApp(app)).toThrow(/dev\/web\/web\/Deployment\/Resource: Deployment dev\/web spec\.template\.spec\.containers\[0\] \(container "web"\): runAsNonRoot is true but no numeric runAsUser/);
  });
});

describe('numeric user and group on every container the constructs write', () => {
  const container = (env: Environment, props: Obj = {}) => {
    new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, ...props });
    return only(manifests(env.node.root as any), 'Deployment', 'web').spec.template.spec.containers[0].securityContext;
  };

  test('the library default is 65532:65532', () => {
    expect([DEFAULT_RUN_AS_USER, DEFAULT_RUN_AS_GROUP]).toEqual([65532, 65532]);
    expect(container(testEnv().env)).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 });
  });

  test("the environment's workloadDefaults win over the library's, the props over both", () => {
    expect(container(testEnv({ workloadDefaults: { securityContext: { runAsUser: 2000, runAsGroup: 3000 } } }).env)).toMatchObject({ runAsUser: 2000, runAsGroup: 3000 });
    expect(container(testEnv({ workloadDefaults: { securityContext: { runAsUser: 2000 } } }).env, { runAsGroup: 101 })).toMatchObject({ runAsUser: 2000, runAsGroup: 101 });
    expect(container(testEnv().env, { runAsUser: 101, runAsGroup: 101 })).toMatchObject({ runAsUser: 101, runAsGroup: 101 });
  });

  test('a sidecar gets its own numeric ids', () => {
    const { app, env } = testEnv();
    const web = new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080 });
    web.addSidecar('log', { image: IMAGE, readiness: { command: ['true'] }, liveness: { command: ['true'] }, runAsUser: 1001, runAsGroup: 1001 });
    const [, log] = only(manifests(app), 'Deployment', 'web').spec.template.spec.containers;
    expect(log.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1001, runAsGroup: 1001 });
  });

  test.each<[string, unknown]>([['-1', -1], ['1.5', 1.5], ['"101"', '101']])('runAsGroup %s is refused', (_what, value) => {
    const { env } = testEnv();
    expect(() => new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, runAsGroup: value as number })).toThrow(ValidationError);
  });

  test('a root daemon runs as 0:0 and passes (runAsNonRoot false on its container)', () => {
    const { app, env } = testEnv();
    new NodeDaemon(env.addChart('agent'), 'agent', { name: 'agent', image: IMAGE, containerPort: 9100, runAsRoot: true });
    const sc = only(manifests(app), 'DaemonSet', 'agent').spec.template.spec.containers[0].securityContext;
    expect(sc).toMatchObject({ runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 });
  });
});

describe('PodDisruptionBudgets let a drain evict unhealthy pods', () => {
  test('every PDB the constructs write sets unhealthyPodEvictionPolicy: AlwaysAllow', () => {
    const { app, env } = testEnv();
    new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, replicas: 2 });
    expect(only(manifests(app), 'PodDisruptionBudget', 'web').spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
  });

  // kube-apiserver: the field is beta and on by default from 1.27 (PDBUnhealthyPodEvictionPolicy), GA in 1.31
  // (pkg/features/versioned_kube_features.go); every supported version's schema must know it and its values.
  test.each([...KUBERNETES_VERSIONS])('the schema of Kubernetes %s knows the field and its values', (version) => {
    const pdb = (policy: string) => ({
      apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'dev' },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } }, unhealthyPodEvictionPolicy: policy },
    });
    expect(validateManifest(pdb('AlwaysAllow'), version)).toEqual([]);
    expect(validateManifest(pdb('Sometimes'), version)).not.toEqual([]);
  });
});
