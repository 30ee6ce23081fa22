import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import {
  AutoscaledApp, ChartTier, IngressRoutes, MetalLbL2Pool, NfsStorage, NodeDaemon, NodePortApp, NodePortAppProps, OrderedStatefulSet,
  SynthError, ValidationError, WorkloadDefaults,
} from '../lib';
import { expectSchemaValid, manifests, only, ROUTE_FIXTURE, testEnv } from './helpers';

const IMAGE = 'registry.example.com/app:1.2.3';
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** One of each workload construct in an environment with the given defaults. */
function everyWorkload(workloadDefaults?: WorkloadDefaults) {
  const { app, env } = testEnv({ workloadDefaults });
  const web = new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, besideTlsRoute: ROUTE_FIXTURE });
  const api = new AutoscaledApp(env.addChart('api'), 'api', { name: 'api', image: IMAGE, containerPort: 8080, maxReplicas: 4, cpuUtilization: 70 });
  const agent = new NodeDaemon(env.addChart('agent'), 'agent', { name: 'agent', image: IMAGE, containerPort: 9100 });
  const kv = new OrderedStatefulSet(env.addChart('kv'), 'kv', { name: 'kv', image: IMAGE, containerPort: 6379 });
  return { app, env, web, api, agent, kv, all: manifests(app) };
}

const podSpecs = (all: Array<Record<string, any>>) => all.filter((m) => WORKLOAD_KINDS.includes(m.kind)).map((m) => m.spec.template.spec);
const containers = (all: Array<Record<string, any>>) => podSpecs(all).flatMap((s) => s.containers);

describe('environment-wide workload defaults: set once, reach every workload', () => {
  const defaults: WorkloadDefaults = {
    resources: { cpuRequest: '200m', memoryLimit: '512Mi' },
    readiness: { periodSeconds: 20 },
    liveness: { initialDelaySeconds: 30 },
    securityContext: { runAsUser: 10001, runAsGroup: 10001, fsGroup: 2000 },
    labels: { 'example.com/team': 'platform' },
    annotations: { 'example.com/owner': 'ops@example.com' },
  };

  test('resources, probe timing and pod user/group ids reach every container of every workload kind', () => {
    const { all } = everyWorkload(defaults);
    expect(containers(all)).toHaveLength(4);
    for (const c of containers(all)) {
      // Changed fields come from the environment, the rest from the library defaults.
      expect(c.resources).toEqual({ requests: { cpu: '200m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
      expect(c.readinessProbe.periodSeconds).toBe(20);
      expect(c.readinessProbe.initialDelaySeconds).toBe(5);
      expect(c.livenessProbe.initialDelaySeconds).toBe(30);
      expect(c.livenessProbe.periodSeconds).toBe(10);
    }
    for (const s of podSpecs(all)) {
      expect(s.securityContext).toMatchObject({ runAsUser: 10001, runAsGroup: 10001, fsGroup: 2000, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    }
    expectSchemaValid(all);
  });

  test('labels and annotations reach every object and pod template, never a selector', () => {
    const { all } = everyWorkload(defaults);
    expect(all.length).toBeGreaterThan(10);
    for (const m of all) {
      expect([m.kind, m.metadata.labels?.['example.com/team']]).toEqual([m.kind, 'platform']);
      expect([m.kind, m.metadata.annotations?.['example.com/owner']]).toEqual([m.kind, 'ops@example.com']);
    }
    for (const w of all.filter((m) => WORKLOAD_KINDS.includes(m.kind))) {
      expect(w.spec.template.metadata.labels['example.com/team']).toBe('platform');
      expect(w.spec.template.metadata.annotations['example.com/owner']).toBe('ops@example.com');
      expect(w.spec.selector.matchLabels['example.com/team']).toBeUndefined();
    }
    for (const s of all.filter((m) => m.kind === 'Service')) expect(s.spec.selector['example.com/team']).toBeUndefined();
  });

  test('without defaults nothing changes: the library defaults and no extra metadata', () => {
    const { all } = everyWorkload();
    for (const c of containers(all)) {
      expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
      expect(c.readinessProbe.periodSeconds).toBe(10);
    }
    for (const s of podSpecs(all)) expect(s.securityContext.runAsUser).toBeUndefined();
    for (const m of all) expect(m.metadata.labels?.['example.com/team']).toBeUndefined();
  });

  test("a construct's own props win over the environment's defaults, and an object's own label keeps its value", () => {
    const { app, env } = testEnv({ workloadDefaults: defaults });
    new NodePortApp(env.addChart('web'), 'web', {
      name: 'web', image: IMAGE, containerPort: 8080, runAsUser: 4242,
      resources: { cpuRequest: '50m' }, readiness: { periodSeconds: 5, httpPath: '/ready' },
    }).deployment.metadata.addLabel('example.com/team', 'web-team');
    const all = manifests(app);
    const c = only(all, 'Deployment', 'web').spec.template.spec.containers[0];
    expect(c.resources.requests.cpu).toBe('50m');
    expect(c.resources.limits.memory).toBe('512Mi');
    expect(c.readinessProbe).toMatchObject({ periodSeconds: 5, httpGet: { path: '/ready' } });
    expect(c.securityContext.runAsUser).toBe(4242);
    expect(only(all, 'Deployment', 'web').metadata.labels['example.com/team']).toBe('web-team');
    expect(only(all, 'Service', 'web').metadata.labels['example.com/team']).toBe('platform');
  });

  test('an environment default and a prop are checked together: a request above the merged limit is refused', () => {
    const { env } = testEnv({ workloadDefaults: { resources: { cpuLimit: '200m' } } });
    expect(() => new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, resources: { cpuRequest: '300m' } }))
      .toThrow('dev/web/web: resources.cpuRequest "300m" is more than resources.cpuLimit "200m"');
  });

  test.each<[WorkloadDefaults, string]>([
    [{ resources: { cpuRequest: 'lots' } }, 'dev: workloadDefaults.resources.cpuRequest "lots" is not a Kubernetes quantity'],
    [{ resources: { memoryRequest: '1Gi' } }, 'dev: workloadDefaults.resources.memoryRequest "1Gi" is more than workloadDefaults.resources.memoryLimit "256Mi"'],
    [{ readiness: { periodSeconds: 0 } }, 'dev: workloadDefaults.readiness.periodSeconds 0'],
    [{ liveness: { initialDelaySeconds: 1.5 } }, 'dev: workloadDefaults.liveness.initialDelaySeconds 1.5'],
    [{ securityContext: { runAsUser: 0 } }, 'dev: workloadDefaults.securityContext.runAsUser 0'],
    [{ securityContext: { fsGroup: -1 } }, 'dev: workloadDefaults.securityContext.fsGroup -1'],
    [{ labels: { 'app.kubernetes.io/name': 'x' } }, 'dev: workloadDefaults.labels key "app.kubernetes.io/name" is set by the constructs themselves'],
    [{ labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } }, 'dev: workloadDefaults.labels key "pod-security.kubernetes.io/enforce"'],
    [{ labels: { team: 'a b' } }, 'dev: workloadDefaults.labels'],
    [{ annotations: { 'onprem.k8s/pod-security-reason': 'x' } }, 'dev: workloadDefaults.annotations key "onprem.k8s/pod-security-reason" belongs to a construct option'],
    [{ annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false' } }, 'dev: workloadDefaults.annotations key "argocd.argoproj.io/sync-options"'],
  ])('a bad default is refused where it is set: %j', (workloadDefaults, message) => {
    expect(() => testEnv({ workloadDefaults })).toThrow(ValidationError);
    expect(() => testEnv({ workloadDefaults })).toThrow(message);
  });
});

/** A platform team's NodePortApp: the app writes logs to a shared folder and a sidecar ships them. */
interface LoggedAppProps extends NodePortAppProps {
  /** Folder the app writes its log files to. */
  readonly logPath: string;
}

class LoggedApp extends NodePortApp {
  public readonly shipper: kplus.Container;

  constructor(scope: Construct, id: string, props: LoggedAppProps) {
    super(scope, id, props);
    const logs = kplus.Volume.fromEmptyDir(this, 'logs', 'logs');
    this.container.mount(props.logPath, logs);
    this.shipper = this.addSidecar('log-shipper', {
      image: 'fluent/fluent-bit:3.1.9',
      containerPort: 2020,
      readiness: { httpPath: '/api/v1/health' },
      resources: { cpuRequest: '20m', memoryRequest: '32Mi', memoryLimit: '64Mi' },
    });
    this.shipper.mount(props.logPath, logs, { readOnly: true });
  }
}

describe('a subclass adds a sidecar and a volume without copying code', () => {
  function logged(workloadDefaults?: WorkloadDefaults) {
    const { app, env } = testEnv({ workloadDefaults });
    const construct = new LoggedApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, nodePort: 30080, logPath: '/var/log/app' });
    return { construct, all: manifests(app) };
  }

  test('the sidecar is in the pods, secure like the main container, and shares the log volume read-only', () => {
    const { construct, all } = logged();
    const spec = only(all, 'Deployment', 'web').spec.template.spec;
    expect(spec.containers.map((c: any) => c.name)).toEqual(['web', 'log-shipper']);
    const [main, sidecar] = spec.containers;
    expect(main.volumeMounts).toContainEqual({ name: 'logs', mountPath: '/var/log/app' });
    expect(sidecar.volumeMounts).toEqual([
      { name: 'log-shipper-writable-0', mountPath: '/tmp' },
      { name: 'logs', mountPath: '/var/log/app', readOnly: true },
    ]);
    expect(spec.volumes.map((v: any) => v.name).sort()).toEqual(['log-shipper-writable-0', 'logs', 'writable-0']);
    expect(sidecar.securityContext).toMatchObject({
      runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] },
    });
    expect(sidecar.resources).toEqual({ requests: { cpu: '20m', memory: '32Mi' }, limits: { cpu: '500m', memory: '64Mi' } });
    expect(sidecar.readinessProbe.httpGet).toEqual({ path: '/api/v1/health', port: 2020, scheme: 'HTTP' });
    expect(sidecar.livenessProbe.tcpSocket).toEqual({ port: 2020 });
    expect(sidecar.image).toBe('fluent/fluent-bit:3.1.9');
    expect(construct.shipper.name).toBe('log-shipper');
    // The Service still exposes only the app.
    expect(only(all, 'Service', 'web').spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080, nodePort: 30080 }]);
    expectSchemaValid(all);
  });

  test('the environment defaults reach the sidecar too', () => {
    const { all } = logged({ resources: { cpuLimit: '250m' }, liveness: { periodSeconds: 30 } });
    const sidecar = only(all, 'Deployment', 'web').spec.template.spec.containers[1];
    expect(sidecar.resources.limits.cpu).toBe('250m');
    expect(sidecar.livenessProbe.periodSeconds).toBe(30);
  });

  test('every workload construct takes a sidecar', () => {
    const { app, env } = testEnv();
    const add = (w: { addSidecar: NodePortApp['addSidecar'] }) => w.addSidecar('proxy', { image: 'registry.example.com/proxy:0.9.1', containerPort: 15000 });
    add(new AutoscaledApp(env.addChart('api'), 'api', { name: 'api', image: IMAGE, containerPort: 8080, maxReplicas: 4, cpuUtilization: 70 }));
    add(new NodeDaemon(env.addChart('agent'), 'agent', { name: 'agent', image: IMAGE, containerPort: 9100 }));
    add(new OrderedStatefulSet(env.addChart('kv'), 'kv', { name: 'kv', image: IMAGE, containerPort: 6379 }));
    const all = manifests(app);
    for (const kind of ['Deployment', 'DaemonSet', 'StatefulSet']) {
      const cs = all.find((m) => m.kind === kind)!.spec.template.spec.containers;
      expect([kind, cs.map((c: any) => c.name), cs[1].securityContext.capabilities]).toEqual([kind, [expect.any(String), 'proxy'], { drop: ['ALL'] }]);
    }
    expectSchemaValid(all);
  });

  test('a sidecar without a port: no probes by default, exec probes when asked, a port-based probe refused', () => {
    const { app, env } = testEnv();
    const web = new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, besideTlsRoute: ROUTE_FIXTURE });
    web.addSidecar('tail', { image: 'busybox:1.36.1', args: ['tail', '-F', '/logs/app.log'] });
    web.addSidecar('watch', { image: 'busybox:1.36.1', liveness: { command: ['test', '-f', '/tmp/alive'], periodSeconds: 15 } });
    expect(() => web.addSidecar('bad', { image: 'busybox:1.36.1', readiness: { httpPath: '/ready' } }))
      .toThrow('dev/web/web: sidecars.bad.readiness.command undefined is required: the container has no containerPort');
    const cs = only(manifests(app), 'Deployment', 'web').spec.template.spec.containers;
    expect(cs.map((c: any) => c.name)).toEqual(['web', 'tail', 'watch']);
    expect(cs[1].readinessProbe).toBeUndefined();
    expect(cs[1].livenessProbe).toBeUndefined();
    expect(cs[1].ports).toBeUndefined();
    expect(cs[2].livenessProbe).toMatchObject({ exec: { command: ['test', '-f', '/tmp/alive'] }, periodSeconds: 15 });
  });

  test.each<[string, object, string]>([
    ['web', {}, 'sidecars.web "web" is already a container of dev/web/web/Deployment (web)'],
    ['Log', {}, 'sidecars.Log "Log" is not a DNS-1123 label'],
    ['log', { image: 'busybox' }, 'sidecars.log.image "busybox"'],
    ['log', { containerPort: 70000 }, 'sidecars.log.containerPort 70000'],
    ['log', { resources: { cpuRequest: '2' } }, 'sidecars.log.resources.cpuRequest "2" is more than sidecars.log.resources.cpuLimit'],
    ['log', { runAsUser: 0 }, 'sidecars.log.runAsUser 0'],
    ['log', { writablePaths: ['tmp'] }, 'sidecars.log.writablePaths[0] "tmp"'],
    ['log', { liveness: { command: [] } }, 'sidecars.log.liveness.command [] must be a non-empty list'],
    ['log', { liveness: { command: ['true'], httpPath: '/x' } }, 'sidecars.log.liveness.command ["true"] cannot be combined with httpPath'],
  ])('a bad sidecar %s %j is refused, naming the sidecar and field', (name, props, message) => {
    const { env } = testEnv();
    const web = new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, besideTlsRoute: ROUTE_FIXTURE });
    const make = () => web.addSidecar(name, { image: 'busybox:1.36.1', ...props });
    expect(make).toThrow(ValidationError);
    expect(make).toThrow(`dev/web/web: ${message}`);
    expect(web.deployment.containers).toHaveLength(1);
  });
});

describe('aspects: one rule for every construct of an environment', () => {
  test('an aspect visits every construct once, before the checks, and may change the objects', () => {
    const { app, env, web, api } = (() => {
      const e = testEnv();
      const w = new NodePortApp(e.env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, besideTlsRoute: ROUTE_FIXTURE });
      const a = new AutoscaledApp(e.env.addChart('api'), 'api', { name: 'api', image: IMAGE, containerPort: 8080, maxReplicas: 4, cpuUtilization: 70 });
      return { ...e, web: w, api: a };
    })();
    const seen: string[] = [];
    env.addAspect({
      visit(node: IConstruct) {
        seen.push(node.node.path);
        if (node instanceof kplus.Deployment) {
          node.scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.is('dedicated', 'apps', { effect: kplus.TaintEffect.NO_SCHEDULE })));
        }
      },
    });
    const all = manifests(app);
    manifests(app); // a second render visits nothing again
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining([web.node.path, web.deployment.node.path, api.deployment.node.path, env.node.path]));
    for (const d of all.filter((m) => m.kind === 'Deployment')) {
      expect(d.spec.template.spec.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'apps', effect: 'NoSchedule' }]);
    }
  });

  test('constructs an aspect adds are visited too', () => {
    const { app, env } = testEnv();
    new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080 });
    let added = false;
    env.addAspect({
      visit(node: IConstruct) {
        if (!added && node instanceof NodePortApp) {
          added = true;
          node.addSidecar('late', { image: 'busybox:1.36.1' });
        }
        if (node instanceof ApiObject && node.kind === 'Deployment') node.addJsonPatch(JsonPatch.add('/spec/revisionHistoryLimit', 5));
      },
    });
    const d = only(manifests(app), 'Deployment', 'web');
    expect(d.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['web', 'late']);
    expect(d.spec.revisionHistoryLimit).toBe(5);
  });
});

describe('every construct exposes the objects it creates', () => {
  test('workloads, storage, pools and routes', () => {
    const { app, env, web, api, agent, kv } = everyWorkload();
    const storage = new NfsStorage(env.addChart('storage', ChartTier.CLUSTER, { namespaced: false }), 'nfs', {
      server: 'nfs.example.internal', volumes: [{ name: 'media', path: '/exports/media', capacity: '10Gi' }],
      storageClass: { name: 'nfs', share: '/exports/dynamic', claims: [{ name: 'scratch', request: '1Gi' }] },
    });
    const pool = new MetalLbL2Pool(env.addChart('metallb', ChartTier.PLATFORM, { namespace: 'metallb-system' }), 'pool', { name: 'lan', addresses: ['10.0.0.10-10.0.0.20'] });
    const routes = new IngressRoutes(env.addChart('ingress', ChartTier.ROUTES), 'routes', {
      name: 'apps', hosts: [{ host: 'app.example.internal', paths: [{ path: '/', backend: { service: web } }] }],
    });
    const obj = (c: IConstruct | undefined) => (c ? ApiObject.of(c) : undefined);
    const kinds = (objects: Array<{ kind: string } | undefined>) => objects.map((o) => o?.kind);
    expect(kinds([obj(web.deployment), obj(web.service)])).toEqual(['Deployment', 'Service']);
    expect(kinds([obj(api.deployment), obj(api.autoscaler), obj(api.service), api.podDisruptionBudget])).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'Service', 'PodDisruptionBudget']);
    expect(kinds([obj(agent.daemonSet), obj(kv.statefulSet), obj(kv.service)])).toEqual(['DaemonSet', 'StatefulSet', 'Service']);
    expect([web.container.name, api.container.name, agent.container.name, kv.container.name]).toEqual(['web', 'api', 'agent', 'kv']);
    expect(kinds([...storage.volumes, storage.storageClass, ...storage.persistentVolumeClaims])).toEqual(['PersistentVolume', 'StorageClass', 'PersistentVolumeClaim', 'PersistentVolumeClaim']);
    expect(storage.persistentVolumeClaims.map((c) => c.metadata.name)).toEqual(['media', 'scratch']);
    expect(kinds([pool.pool, pool.advertisement])).toEqual(['IPAddressPool', 'L2Advertisement']);
    expect(kinds([obj(routes.ingress)])).toEqual(['Ingress']);
    expect(manifests(app).length).toBeGreaterThan(0);
  });
});

describe('Pod Security of what is added around the constructs is checked at synth', () => {
  test('a container added with cdk8s-plus directly, without the secure settings, is refused naming it and the namespace', () => {
    const { app, env } = testEnv();
    const web = new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, besideTlsRoute: ROUTE_FIXTURE });
    web.deployment.addContainer({ name: 'raw', image: 'busybox:1.36.1', securityContext: { allowPrivilegeEscalation: true } });
    expect(() => manifests(app)).toThrow(SynthError);
    expect(() => manifests(app)).toThrow('dev/web/web/Deployment/Resource: Deployment dev/web: container "raw": allowPrivilegeEscalation is not false; container "raw": does not drop capability ALL; namespace dev enforces Pod Security "restricted", so its pods would be refused and never start');
  });

  test('baseline breaches are refused too: a hostPath volume added by an aspect', () => {
    const { app, env } = testEnv();
    new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080 });
    env.addAspect({
      visit(node: IConstruct) {
        if (node instanceof ApiObject && node.kind === 'Deployment') {
          node.addJsonPatch(JsonPatch.add('/spec/template/spec/volumes/-', { name: 'host', hostPath: { path: '/var/log' } }));
        }
      },
    });
    expect(() => manifests(app)).toThrow('Deployment dev/web: hostPath volume "host"; namespace dev enforces Pod Security "restricted"');
  });

  test('a namespace whose level was relaxed on purpose (requirePodSecurity) accepts what that level allows', () => {
    const { app, env } = testEnv();
    env.addNamespace('agents');
    new NodeDaemon(env.addChart('agent', undefined, { namespace: 'agents' }), 'agent', {
      name: 'agent', image: IMAGE, containerPort: 9100, hostNetwork: true, hostPaths: [{ hostPath: '/var/log' }],
    });
    const all = manifests(app);
    expect(only(all, 'Namespace', 'agents').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(only(all, 'DaemonSet', 'agent').spec.template.spec.hostNetwork).toBe(true);
  });
});
