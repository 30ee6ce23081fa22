import { AutoscaledApp, AutoscaledAppProps, MetalLbL2Pool, renderApp, ValidationError } from '../lib';
import { expectSchemaValid, manifests, only, testEnv } from './helpers';

const base: AutoscaledAppProps = { name: 'api', image: 'registry.example.com/api:2.3.1', containerPort: 8080, minReplicas: 2, maxReplicas: 10, cpuUtilization: 70 };
const LABELS = { 'app.kubernetes.io/instance': 'api', 'app.kubernetes.io/name': 'api' };

function build(props: Partial<AutoscaledAppProps> = {}, id = 'api') {
  const { app, env } = testEnv();
  const construct = new AutoscaledApp(env.addChart('api'), id, { ...base, ...props });
  return { app, env, construct, all: manifests(app) };
}

describe('AutoscaledApp', () => {
  test('an autoscaling/v2 HPA targets the Deployment, which carries no replicas', () => {
    const { all } = build();
    const hpa = only(all, 'HorizontalPodAutoscaler', 'api');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.metadata.namespace).toBe('dev');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' });
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.spec.maxReplicas).toBe(10);
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    const deploy = only(all, 'Deployment', 'api');
    expect(deploy.spec).not.toHaveProperty('replicas');
    expect(deploy.spec.selector).toEqual({ matchLabels: LABELS });
    expect(deploy.spec.template.metadata.labels).toEqual(LABELS);
    expect(deploy.spec.template.spec.containers[0].resources.requests).toEqual({ cpu: '100m', memory: '128Mi' });
  });

  test('Kubernetes\' own scaling behaviour by default', () => {
    expect(only(build().all, 'HorizontalPodAutoscaler').spec.behavior).toEqual({
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
  });

  test('memory and CPU targets, and a custom behaviour', () => {
    const hpa = only(build({
      memoryUtilization: 80,
      scaleUp: { stabilizationWindowSeconds: 30, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
      scaleDown: { selectPolicy: 'Disabled' },
    }).all, 'HorizontalPodAutoscaler');
    expect(hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([['cpu', 70], ['memory', 80]]);
    expect(hpa.spec.behavior.scaleUp).toEqual({ stabilizationWindowSeconds: 30, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] });
    expect(hpa.spec.behavior.scaleDown.selectPolicy).toBe('Disabled');
  });

  test('a ClusterIP Service by default, a PodDisruptionBudget from two replicas, spread across nodes', () => {
    const { all } = build();
    const svc = only(all, 'Service', 'api');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080 }]);
    expect(svc.spec.selector).toEqual(LABELS);
    expect(only(all, 'PodDisruptionBudget', 'api').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: LABELS }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    expect(only(all, 'Deployment').spec.template.spec.topologySpreadConstraints[0]).toMatchObject({ whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 1 });
  });

  test('one replica minimum: no PodDisruptionBudget (it would block every drain); no Service when asked', () => {
    const { all } = build({ minReplicas: 1, service: false });
    expect(all.filter((m) => m.kind === 'PodDisruptionBudget' || m.kind === 'Service')).toEqual([]);
  });

  test('a LoadBalancer Service with an address from a MetalLB pool', () => {
    const { app, env } = testEnv();
    const pool = new MetalLbL2Pool(env.addChart('metallb'), 'pool', { name: 'lab', addresses: ['10.0.0.10-10.0.0.19'] });
    new AutoscaledApp(env.addChart('api'), 'api', { ...base, service: { port: 80, pool, ip: '10.0.0.11' } });
    const svc = only(manifests(app), 'Service', 'api');
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080 }]);
    expect(svc.metadata.annotations).toEqual({ 'metallb.io/address-pool': 'lab-pinned', 'metallb.io/loadBalancerIPs': '10.0.0.11' });
  });

  test('a CPU target above 100% with the opt-in, up to what the limit allows', () => {
    const hpa = only(build({ cpuUtilization: 300, allowCpuUtilizationAbove100: true, resources: { cpuRequest: '200m', cpuLimit: '800m' } }).all, 'HorizontalPodAutoscaler');
    expect(hpa.spec.metrics[0].resource.target.averageUtilization).toBe(300);
  });

  test('renaming the construct id changes nothing in the output', () => {
    expect(build({}, 'renamed').all).toEqual(build().all);
  });

  test('valid for Kubernetes 1.27, and matches the snapshot', () => {
    const { all } = build();
    expectSchemaValid(all);
    expect(all.filter((m) => m.metadata.name === 'api')).toMatchSnapshot();
  });
});

describe('AutoscaledApp refuses', () => {
  test.each<[string, Partial<AutoscaledAppProps>, string]>([
    ['minReplicas below 1', { minReplicas: 0 }, 'dev/api/api: minReplicas 0 is outside 1-10000'],
    ['maxReplicas below minReplicas', { minReplicas: 5, maxReplicas: 3 }, 'dev/api/api: maxReplicas 3 is below minReplicas 5'],
    ['a CPU target above 100 without opt-in', { cpuUtilization: 150 }, 'dev/api/api: cpuUtilization 150 is above 100% of the CPU request: allowed are 1-100, or more with allowCpuUtilizationAbove100'],
    ['a CPU target the limit never reaches', { cpuUtilization: 600, allowCpuUtilizationAbove100: true },
      'dev/api/api: cpuUtilization 600 can never be reached: the CPU limit 500m is 500% of the request 100m'],
    ['a CPU target of 0', { cpuUtilization: 0 }, 'dev/api/api: cpuUtilization 0 is outside 1-10000'],
    ['a memory target above 100', { memoryUtilization: 120 }, 'dev/api/api: memoryUtilization 120 is outside 1-100'],
    ['a CPU target without a CPU request', { resources: { cpuRequest: '0' } },
      'dev/api/api: cpuUtilization 70 needs a CPU request (resources.cpuRequest is "0"): utilization is a percentage of the request, so the autoscaler would never act'],
    ['a memory target without a memory request', { memoryUtilization: 80, resources: { memoryRequest: '0' } },
      'dev/api/api: memoryUtilization 80 needs a memory request (resources.memoryRequest is "0")'],
    ['no metric at all', { cpuUtilization: undefined }, 'dev/api/api: cpuUtilization undefined or memoryUtilization must be given: an autoscaler needs at least one metric'],
    ['a stabilization window over an hour', { scaleDown: { stabilizationWindowSeconds: 7200 } }, 'dev/api/api: scaleDown.stabilizationWindowSeconds 7200 is outside 0-3600'],
    ['a policy period over 30 minutes', { scaleUp: { policies: [{ type: 'Pods', value: 2, periodSeconds: 3600 }] } }, 'dev/api/api: scaleUp.policies[0].periodSeconds 3600 is outside 1-1800'],
    ['an unknown policy type', { scaleUp: { policies: [{ type: 'pods' as any, value: 2 }] } }, 'scaleUp.policies[0].type "pods" is not one of "Pods", "Percent"'],
    ['an address without a pool', { service: { ip: '10.0.0.1' } }, 'dev/api/api: service.pool undefined is required for ip, sharingKey, externalTrafficPolicy and allocateNodePorts'],
    ['an unpinned image', { image: 'api' }, 'dev/api/api: image "api" is not pinned'],
  ])('%s, leaving nothing in the tree', (_what, props, message) => {
    const { app, env } = testEnv();
    const chart = env.addChart('api');
    const make = () => new AutoscaledApp(chart, 'api', { ...base, ...props });
    expect(make).toThrow(ValidationError);
    expect(make).toThrow(message);
    expect(chart.node.children).toEqual([]);
    expect(renderApp(app).flatMap((f) => f.objects)).toHaveLength(3);
  });
});
