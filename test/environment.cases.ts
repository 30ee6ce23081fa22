import { App, Chart } from 'cdk8s';
import { ConfigMap, k8s, PersistentVolumeClaim, Volume } from 'cdk8s-plus-27';
import { Cluster, Environment, NodePortApp, OrderedStatefulSet, renderApp, stableService, SynthError, ValidationError } from '../lib';
import { expectSchemaValid, appManifests, manifests, only, testEnv } from './helpers';

describe('an environment with its quota and limits', () => {
  const version = '1.34';
  const { app } = testEnv({
    cluster: new Cluster({ name: 'site', kubernetesVersion: version }),
    quota: { requestsCpu: '4', requestsMemory: '8Gi', limitsCpu: '8', limitsMemory: '16Gi', pods: 50, persistentVolumeClaims: 10, requestsStorage: '50Gi' },
    containerLimits: { maxCpu: '2', maxMemory: '4Gi' },
    claimSize: { min: '10Mi', max: '20Gi' },
  });
  const all = appManifests(app).filter((m) => ['Namespace', 'ResourceQuota', 'LimitRange'].includes(m.kind));

  test('its namespace enforces Pod Security "restricted" at the version of its cluster', () => {
    const ns = only(all, 'Namespace', 'dev');
    expect(ns.metadata.namespace).toBeUndefined();
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': `v${version}`,
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
  });

  test('its ResourceQuota caps requests, limits, pods, claims and storage', () => {
    const quota = only(all, 'ResourceQuota');
    expect(quota.metadata).toEqual({ name: 'dev-quota', namespace: 'dev' });
    expect(quota.spec.hard).toEqual({
      'requests.cpu': '4', 'requests.memory': '8Gi', 'limits.cpu': '8', 'limits.memory': '16Gi',
      'pods': '50', 'persistentvolumeclaims': '10', 'requests.storage': '50Gi',
    });
  });

  test('its LimitRange gives containers defaults and maxima, and bounds claim sizes', () => {
    const lr = only(all, 'LimitRange');
    expect(lr.metadata).toEqual({ name: 'dev-limits', namespace: 'dev' });
    const container = lr.spec.limits.find((l: any) => l.type === 'Container');
    expect(container).toEqual({
      type: 'Container',
      defaultRequest: { cpu: '100m', memory: '128Mi' },
      default: { cpu: '500m', memory: '512Mi' },
      max: { cpu: '2', memory: '4Gi' },
    });
    const claim = lr.spec.limits.find((l: any) => l.type === 'PersistentVolumeClaim');
    expect(claim).toEqual({ type: 'PersistentVolumeClaim', min: { storage: '10Mi' }, max: { storage: '20Gi' } });
  });

  test('every object is valid for Kubernetes 1.27', () => expectSchemaValid(all));

  test('matches the snapshot', () => expect(all).toMatchSnapshot());
});

describe('Environment', () => {
  test('names do not depend on construct ids', () => {
    const names = (id: string) => {
      const app = new App();
      new Environment(app, id, { name: 'qa' });
      return manifests(app).map((m) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`);
    };
    expect(names('qa')).toEqual(names('renamed-id'));
    expect(names('qa')).toEqual(['Namespace//qa', 'ResourceQuota/qa/qa-quota', 'LimitRange/qa/qa-limits']);
  });

  test('namespaced charts stamp the namespace; the cluster chart does not', () => {
    const { app, env } = testEnv({ namespace: 'team-a' });
    new ConfigMap(env.addChart('web'), 'cm', { metadata: { name: 'web-config' }, data: { a: 'b' } });
    const files = renderApp(app);
    expect(files.map((f) => f.file)).toEqual(['dev/dev/00-cluster.yaml', 'dev/dev/10-namespace.yaml', 'dev/dev/50-web.yaml']);
    expect(files[2].objects[0].manifest.metadata.namespace).toBe('team-a');
    expect(files[0].objects[0].manifest.metadata.namespace).toBeUndefined();
  });

  test('a host-access request makes the namespace label honest and says who asked', () => {
    const { app, env } = testEnv();
    const agent = env.addChart('agent');
    env.requirePodSecurity('privileged', agent, 'hostPID');
    env.requirePodSecurity('baseline', agent, 'hostNetwork');
    const ns = only(manifests(app), 'Namespace');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(ns.metadata.labels['pod-security.kubernetes.io/warn']).toBe('restricted');
    expect(ns.metadata.annotations['onprem.k8s/pod-security-reason']).toBe('baseline: dev/agent (hostNetwork); privileged: dev/agent (hostPID)');
  });

  test('keys claimed twice are reported once the tree is complete, naming both users', () => {
    const { app, env } = testEnv();
    const a = env.addChart('a');
    const b = env.addChart('b');
    env.uniques.claim('nodePort', '30000', a, 'nodePort');
    env.uniques.claim('nodePort', '30000', b, 'nodePort');
    env.uniques.claim('nodePort', '30001', b, 'nodePort');
    expect(() => renderApp(app)).toThrow(SynthError);
    expect(() => renderApp(app)).toThrow('dev/b: nodePort 30000 is already used by dev/a (nodePort); nodePort must be unique');
  });

  test.each([
    [{ name: 'Dev' }, 'dev: name "Dev" is not a DNS-1123 label'],
    [{ name: 'dev', namespace: 'dev_ns' }, 'dev: namespace "dev_ns" is not a DNS-1123 label'],
    [{ name: 'dev', quota: { requestsCpu: '4 cores' } }, 'dev: quota.requestsCpu "4 cores" is not a Kubernetes quantity'],
    [{ name: 'dev', quota: { pods: -1 } }, 'dev: quota.pods -1 is outside 0-1000000'],
    [{ name: 'dev', quota: { requestsMemory: '64Gi' } }, 'dev: quota.requestsMemory "64Gi" is more than quota.limitsMemory "32Gi"'],
    [{ name: 'dev', containerLimits: { defaultRequestCpu: '2' } }, 'dev: containerLimits.defaultRequestCpu "2" is more than containerLimits.defaultLimitCpu "500m"'],
    [{ name: 'dev', containerLimits: { defaultLimitMemory: '16Gi' } }, 'dev: containerLimits.defaultLimitMemory "16Gi" is more than containerLimits.maxMemory "8Gi"'],
    [{ name: 'dev', claimSize: { min: '1Ti' } }, 'dev: claimSize.min "1Ti" is more than claimSize.max "50Gi"'],
    [{ name: 'dev', namespaceLabels: { 'pod-security.kubernetes.io/enforce': 'privileged' } }, 'is set by the Environment'],
    [{ name: 'dev', namespaceLabels: { team: 'a b' } }, 'dev: namespaceLabels["team"] "a b" is not a valid label value'],
  ])('refuses %j', (props, message) => {
    const app = new App();
    expect(() => new Environment(app, 'dev', props)).toThrow(ValidationError);
    expect(() => new Environment(new App(), 'dev', props)).toThrow(message);
  });

  test('two environments may not share a name', () => {
    const app = new App();
    new Environment(app, 'a', { name: 'dev' });
    new Environment(app, 'b', { name: 'dev' });
    expect(() => renderApp(app)).toThrow('b: environment name "dev" is already used by a');
  });

  test('a chart outside an environment is refused', () => {
    const app = new App();
    new Environment(app, 'dev', { name: 'dev' });
    new Chart(new App(), 'test');
    const stray = new Chart(app, 'stray');
    expect(stray.node.path).toBe('stray');
    expect(() => renderApp(app)).toThrow('stray: chart is not a chart of an Environment');
  });
});

describe('cross-object checks', () => {
  test('a Service whose selector matches no pod in its namespace fails the synth, naming it', () => {
    const { app, env } = testEnv();
    stableService(env.addChart('orphan'), 'orphan', { ports: [{ port: 80 }] });
    expect(() => renderApp(app)).toThrow(
      'dev/orphan/Service/Resource: Service dev/orphan: selector {"app.kubernetes.io/instance":"orphan","app.kubernetes.io/name":"orphan"} matches no pod of any workload in its namespace, so it would have no endpoints');
  });

  test('two objects of one kind, namespace and name fail the synth, naming both constructs', () => {
    const { app, env } = testEnv();
    new NodePortApp(env.addChart('a'), 'web', { name: 'web', image: 'web:1.0.0', containerPort: 8080 });
    new NodePortApp(env.addChart('b'), 'web', { name: 'web', image: 'web:2.0.0', containerPort: 8080 });
    expect(() => renderApp(app)).toThrow('dev/b/web/Deployment/Resource: Deployment dev/web is also written by dev/a/web/Deployment/Resource; one of them would overwrite the other');
  });

  test('the same name in another namespace, or of another kind, is no repeat', () => {
    const { app, env } = testEnv();
    env.addNamespace('other');
    new NodePortApp(env.addChart('a'), 'web', { name: 'web', image: 'web:1.0.0', containerPort: 8080 });
    new NodePortApp(env.addChart('b', undefined, { namespace: 'other' }), 'web', { name: 'web', image: 'web:1.0.0', containerPort: 8080 });
    expect(manifests(app).filter((m) => m.metadata.name === 'web').map((m) => `${m.kind} ${m.metadata.namespace}`).sort()).toEqual([
      'Deployment dev', 'Deployment other', 'PodDisruptionBudget dev', 'PodDisruptionBudget other', 'Service dev', 'Service other',
    ]);
  });

  test('pods of the same name in another namespace do not count', () => {
    const { app, env } = testEnv();
    env.addNamespace('other');
    const chart = env.addChart('other', undefined, { namespace: 'other' });
    new NodePortApp(chart, 'web', { name: 'web', image: 'web:1.0.0', containerPort: 8080 });
    stableService(env.addChart('svc'), 'web', { ports: [{ port: 80 }] });
    expect(() => renderApp(app)).toThrow('Service dev/web: selector');
  });

  test('a claim naming a StorageClass nobody writes fails, unless the environment lists it as external', () => {
    const build = (externalStorageClasses?: string[]) => {
      const { app, env } = testEnv({ externalStorageClasses });
      new OrderedStatefulSet(env.addChart('db'), 'db', {
        name: 'db', image: 'postgres:16.3-alpine', containerPort: 5432, runAsUser: 70,
        volumeClaimTemplates: [{ name: 'data', mountPath: '/var/lib/postgresql/data', storage: '1Gi', storageClass: 'local-path' }],
      });
      new k8s.KubePersistentVolumeClaim(env.addChart('scratch'), 'scratch', {
        metadata: { name: 'scratch' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } } },
      });
      return app;
    };
    expect(() => renderApp(build())).toThrow(
      'dev/db/db/StatefulSet/Resource: StatefulSet dev/db volumeClaimTemplate "data" names StorageClass "local-path", which this environment neither writes nor lists in externalStorageClasses (none), so it would stay Pending');
    expect(() => renderApp(build())).toThrow('dev/scratch/scratch: PersistentVolumeClaim dev/scratch names StorageClass "fast"');
    expect(() => renderApp(build(['local-path', 'fast']))).not.toThrow();
  });

  test('a claim bound to a volume nobody writes, or reserved for another claim, fails', () => {
    const { app, env } = testEnv();
    const chart = env.addChart('claims');
    const claim = (name: string, volumeName: string) => new k8s.KubePersistentVolumeClaim(chart, name, {
      metadata: { name }, spec: { accessModes: ['ReadWriteMany'], storageClassName: '', volumeName, resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } } },
    });
    new k8s.KubePersistentVolume(env.clusterChart, 'pv', {
      metadata: { name: 'media' },
      spec: { accessModes: ['ReadWriteMany'], capacity: { storage: k8s.Quantity.fromString('1Gi') }, nfs: { server: '10.0.0.5', path: '/media' }, claimRef: { namespace: 'dev', name: 'media' } },
    });
    claim('media', 'media');
    claim('thief', 'media');
    claim('ghost', 'nowhere');
    const problems = (() => {
      try {
        renderApp(app);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(problems).toContain('dev/claims/thief: PersistentVolumeClaim dev/thief binds PersistentVolume "media", which is reserved for claim dev/media, so it would stay Pending');
    expect(problems).toContain('dev/claims/ghost: PersistentVolumeClaim dev/ghost binds PersistentVolume "nowhere", which this environment does not write, so it would stay Pending');
    expect(problems).not.toContain('PersistentVolumeClaim dev/media ');
  });

  test('a pod volume naming a claim nobody writes in its namespace fails', () => {
    const { app, env } = testEnv();
    const d = new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: 'web:1.0.0', containerPort: 8080 });
    d.deployment.addVolume(Volume.fromPersistentVolumeClaim(d, 'v', PersistentVolumeClaim.fromClaimName(d, 'c', 'missing')));
    expect(() => renderApp(app)).toThrow('dev/web/web/Deployment/Resource: Deployment dev/web mounts claim "missing", which this environment does not write in namespace dev, so its pods would never start');
  });

  test('an autoscaler whose target is missing, or sets replicas, fails', () => {
    const { app, env } = testEnv();
    const chart = env.addChart('hpa');
    const hpa = (name: string, target: string) => new k8s.KubeHorizontalPodAutoscalerV2(chart, name, {
      metadata: { name },
      spec: { minReplicas: 1, maxReplicas: 3, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target } },
    });
    new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: 'web:1.0.0', containerPort: 8080, replicas: 2 });
    hpa('lost', 'nothing');
    hpa('fight', 'web');
    let message = '';
    try {
      renderApp(app);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('dev/hpa/lost: HorizontalPodAutoscaler dev/lost scales Deployment "nothing", which this environment does not write in its namespace');
    expect(message).toContain('dev/hpa/fight: HorizontalPodAutoscaler dev/fight scales Deployment "web", which sets spec.replicas 2; every apply would reset the scale (leave replicas unset)');
  });
});
