import { App } from 'cdk8s';
import { Environment, NodePortApp, NodePortAppProps, renderApp, SynthError, ValidationError } from '../lib';
import { expectSchemaValid, manifests, only, testEnv } from './helpers';

const base: NodePortAppProps = { name: 'web', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080, port: 80, nodePort: 30080, replicas: 3 };
const LABELS = { 'app.kubernetes.io/instance': 'web', 'app.kubernetes.io/name': 'web' };

function build(props: Partial<NodePortAppProps> = {}, id = 'web') {
  const { app, env } = testEnv();
  const construct = new NodePortApp(env.addChart('web'), id, { ...base, ...props });
  return { app, env, construct, all: manifests(app) };
}

describe('NodePortApp', () => {
  test('a NodePort Service on the chosen nodePort, selecting the Deployment\'s pods by stable labels', () => {
    const { all } = build();
    const svc = only(all, 'Service', 'web');
    expect(svc.spec.type).toBe('NodePort');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }]);
    expect(svc.spec.selector).toEqual(LABELS);
    expect(svc.spec.externalTrafficPolicy).toBe('Cluster');
    const deploy = only(all, 'Deployment', 'web');
    expect(deploy.metadata.namespace).toBe('dev');
    expect(deploy.spec.replicas).toBe(3);
    expect(deploy.spec.selector).toEqual({ matchLabels: LABELS });
    expect(deploy.spec.template.metadata.labels).toEqual(LABELS);
    expect(deploy.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 8080 }]);
  });

  test('three replicas spread one per node, and a PodDisruptionBudget', () => {
    const { all } = build();
    expect(only(all, 'Deployment', 'web').spec.template.spec.topologySpreadConstraints).toEqual([{
      maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: LABELS }, nodeTaintsPolicy: 'Honor',
    }]);
    expect(only(all, 'PodDisruptionBudget', 'web').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: LABELS }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  });

  test('secure by default: Pod Security "restricted", requests, limits and probes', () => {
    const pod = only(build().all, 'Deployment', 'web').spec.template.spec;
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    const [c] = pod.containers;
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, capabilities: { drop: ['ALL'] } });
    expect(c.resources.requests).toEqual({ cpu: '100m', memory: '128Mi' });
    expect(c.readinessProbe.tcpSocket).toEqual({ port: 8080 });
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 8080 });
  });

  test('options: no nodePort, Local traffic, soft spread, env from ConfigMaps and Secrets, one replica without PDB', () => {
    const { all } = build({ nodePort: undefined, externalTrafficPolicy: 'Local', spread: 'ScheduleAnyway', envFromConfigMaps: ['web-config'], envFromSecrets: ['web-secret'], replicas: 1 });
    const svc = only(all, 'Service', 'web');
    expect(svc.spec.ports[0].nodePort).toBeUndefined();
    expect(svc.spec.externalTrafficPolicy).toBe('Local');
    const deploy = only(all, 'Deployment', 'web');
    expect(deploy.spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable).toBe('ScheduleAnyway');
    expect(deploy.spec.template.spec.containers[0].envFrom).toEqual([{ configMapRef: { name: 'web-config' } }, { secretRef: { name: 'web-secret' } }]);
    expect(all.filter((m) => m.kind === 'PodDisruptionBudget')).toEqual([]);
    expectSchemaValid(all);
  });

  test('renaming the construct id changes none of its object names or selectors', () => {
    expect(build({}, 'renamed').all).toEqual(build({}, 'web').all);
  });

  test('valid for Kubernetes 1.27, and matches the snapshot', () => {
    const { all } = build();
    expectSchemaValid(all);
    expect(all.filter((m) => m.metadata.name === 'web')).toMatchSnapshot();
  });
});

describe('NodePortApp refuses', () => {
  test.each<[string, Partial<NodePortAppProps>, string]>([
    ['a nodePort below 30000', { nodePort: 3000 }, 'dev/web/web: nodePort 3000 is outside 30000-32767'],
    ['a nodePort above 32767', { nodePort: 32768 }, 'dev/web/web: nodePort 32768 is outside 30000-32767'],
    ['a port outside 1-65535', { port: 0 }, 'dev/web/web: port 0 is outside 1-65535'],
    ['a container port outside 1-65535', { containerPort: 65536 }, 'dev/web/web: containerPort 65536 is outside 1-65535'],
    ['replicas below 0', { replicas: -1 }, 'dev/web/web: replicas -1 is outside 0-10000'],
    ['an unpinned image', { image: 'nginx' }, 'dev/web/web: image "nginx" is not pinned'],
    ['the latest tag', { image: 'nginx:latest' }, 'dev/web/web: image "nginx:latest" uses the "latest" tag'],
    ['an invalid name', { name: 'Web' }, 'dev/web/web: name "Web" is not a DNS-1123 label'],
    ['an unknown traffic policy', { externalTrafficPolicy: 'local' as any }, 'externalTrafficPolicy "local" is not one of "Cluster", "Local"'],
    ['a bad ConfigMap name', { envFromConfigMaps: ['Web_Config'] }, 'envFromConfigMaps[0] "Web_Config" is not a DNS-1123 subdomain'],
  ])('%s, leaving nothing in the tree', (_what, props, message) => {
    const { app, env } = testEnv();
    const chart = env.addChart('web');
    const make = () => new NodePortApp(chart, 'web', { ...base, ...props });
    expect(make).toThrow(ValidationError);
    expect(make).toThrow(message);
    expect(chart.node.children).toEqual([]);
    expect(renderApp(app).flatMap((f) => f.objects)).toHaveLength(3);
  });

  test('the same nodePort twice in one environment, naming both users', () => {
    const { app, env } = testEnv();
    new NodePortApp(env.addChart('web'), 'web', base);
    new NodePortApp(env.addChart('api'), 'api', { ...base, name: 'api' });
    expect(() => renderApp(app)).toThrow(SynthError);
    expect(() => renderApp(app)).toThrow('dev/api/api: nodePort 30080 is already used by dev/web/web (nodePort); nodePort (one Service per port, cluster-wide) must be unique');
  });

  test('the same nodePort in two environments is each environment\'s own business', () => {
    const app = new App();
    for (const name of ['dev', 'prod']) new NodePortApp(new Environment(app, name, { name }).addChart('web'), 'web', base);
    // Per environment: cluster, namespace, network-policies and web.
    expect(renderApp(app).length).toBe(8);
  });
});
