import { ApiObject } from 'cdk8s';
import { renderApp, SERVED_API_VERSIONS_1_27, SynthError, validateManifest, ValidationError } from '../../lib';
import { SCHEMA_SETS, schemaSetFor } from '../../lib/checks/schema-sets';
import { testEnv } from '../helpers';

type Obj = Record<string, any>;

const meta = (name: string) => ({ name, namespace: 'dev' });
const pod = (spec: Obj = {}): Obj => ({
  apiVersion: 'v1', kind: 'Pod', metadata: meta('p'), spec: { containers: [{ name: 'c', image: 'nginx:1.27' }], ...spec },
});
const deployment = (container: Obj = {}): Obj => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('web'),
  spec: {
    replicas: 2, selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', ...container }] } },
  },
});
const service = (spec: Obj = {}): Obj => ({ apiVersion: 'v1', kind: 'Service', metadata: meta('web'), spec: { ports: [{ port: 80 }], ...spec } });
const hpa = (apiVersion: string): Obj => ({
  apiVersion, kind: 'HorizontalPodAutoscaler', metadata: meta('web'),
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 3 },
});
const flowSchema = (apiVersion: string): Obj => ({
  apiVersion, kind: 'FlowSchema', metadata: { name: 'fs' }, spec: { priorityLevelConfiguration: { name: 'workload-low' } },
});
const cronJob = (apiVersion: string): Obj => ({
  apiVersion, kind: 'CronJob', metadata: meta('backup'),
  spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'b', image: 'busybox:1.36' }] } } } } },
});
const pdb = (apiVersion: string): Obj => ({ apiVersion, kind: 'PodDisruptionBudget', metadata: meta('web'), spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } });
const vap = (apiVersion: string): Obj => ({
  apiVersion, kind: 'ValidatingAdmissionPolicy', metadata: { name: 'replicas' },
  spec: { validations: [{ expression: 'object.spec.replicas <= 5' }] },
});

describe('the schema of the cluster version', () => {
  test.each<[string, string, Obj]>([
    ['a Deployment', '1.27', deployment()],
    ['a Deployment', '1.34', deployment()],
    ['a Deployment', '1.36', deployment()],
    ['a Service', '1.30', service({ type: 'NodePort' })],
    ['autoscaling/v2 HPA', '1.34', hpa('autoscaling/v2')],
    ['flowcontrol v1beta3 FlowSchema before its removal', '1.31', flowSchema('flowcontrol.apiserver.k8s.io/v1beta3')],
    ['flowcontrol v1 FlowSchema once served', '1.29', flowSchema('flowcontrol.apiserver.k8s.io/v1')],
    ['ValidatingAdmissionPolicy v1 once served', '1.30', vap('admissionregistration.k8s.io/v1')],
    ['ValidatingAdmissionPolicy v1 on the current schema', '1.34', vap('admissionregistration.k8s.io/v1')],
    ['a field of 1.31 on 1.33 (Service trafficDistribution)', '1.33', service({ trafficDistribution: 'PreferClose' })],
    ['a field of 1.34 on 1.34 (Pod hostnameOverride, KEP-4762)', '1.34', pod({ hostnameOverride: 'web-0.example' })],
    ['a field of 1.34 on 1.35 (container restartPolicyRules, KEP-5307)', '1.35',
      deployment({ restartPolicy: 'Never', restartPolicyRules: [{ action: 'Restart', exitCodes: { operator: 'In', values: [42] } }] })],
  ])('%s is valid on %s', (_, version, obj) => {
    expect(validateManifest(obj, version)).toEqual([]);
  });

  test.each<[string, Obj, string, string, string]>([
    ['Service trafficDistribution (1.31) on 1.27 (exact 1.27 schema)', service({ trafficDistribution: 'PreferClose' }), '1.27', 'spec.trafficDistribution', 'is not a field of v1 Service'],
    ['Pod hostnameOverride (1.34) on 1.27', pod({ hostnameOverride: 'web-0.example' }), '1.27', 'spec.hostnameOverride', 'is not a field of v1 Pod'],
    ['Pod hostnameOverride (1.34) on 1.33', pod({ hostnameOverride: 'web-0.example' }), '1.33', 'spec.hostnameOverride', 'is not a field of v1 Pod'],
    ['container restartPolicyRules (1.34) on 1.27', deployment({ restartPolicyRules: [] }), '1.27',
      'spec.template.spec.containers[0].restartPolicyRules', 'is not a field of apps/v1 Deployment'],
    ['an unknown field on 1.27', service({ trafficPolicy: 'Local' }), '1.27', 'spec.trafficPolicy', 'is not a field of v1 Service'],
    // Beside a field of 1.34, so that only the current set can report just the one unknown field.
    ['an unknown field beside a 1.34 field on 1.34', pod({ hostnameOverride: 'web-0.example', hostAlias: [] }), '1.34', 'spec.hostAlias', 'is not a field of v1 Pod'],
    ['an unknown nested field beside a 1.34 field on 1.36',
      deployment({ restartPolicy: 'Never', restartPolicyRules: [{ action: 'Restart', exitCodes: { operator: 'In', values: [42] } }], imagePolicy: 'Always' }), '1.36',
      'spec.template.spec.containers[0].imagePolicy', 'is not a field of apps/v1 Deployment'],
    ['a wrong type beside a 1.34 field on 1.34', pod({ hostnameOverride: 'web-0.example', activeDeadlineSeconds: '5' }), '1.34',
      'spec.activeDeadlineSeconds', 'must be of type integer'],
    ['a bad enum value beside a 1.34 field on 1.35', pod({ hostnameOverride: 'web-0.example', restartPolicy: 'Sometimes' }), '1.35',
      'spec.restartPolicy', 'must be one of ["Always","Never","OnFailure"]'],
  ])('%s is refused', (_, obj, version, field, message) => {
    expect(validateManifest(obj, version)).toEqual([{ object: `${obj.kind} ${obj.metadata.namespace ? 'dev/' : ''}${obj.metadata.name}`, field, message }]);
  });
});

describe('the group/versions the cluster version serves', () => {
  test.each<[string, string, Obj, string]>([
    ['autoscaling/v2beta2 HPA', '1.34', hpa('autoscaling/v2beta2'),
      'autoscaling/v2beta2 HorizontalPodAutoscaler is not served by Kubernetes 1.34 (removed in 1.26); it serves autoscaling/v1, autoscaling/v2'],
    ['flowcontrol v1beta2 FlowSchema', '1.34', flowSchema('flowcontrol.apiserver.k8s.io/v1beta2'),
      'flowcontrol.apiserver.k8s.io/v1beta2 FlowSchema is not served by Kubernetes 1.34 (removed in 1.29); it serves flowcontrol.apiserver.k8s.io/v1'],
    ['flowcontrol v1beta2 FlowSchema, served by 1.28', '1.29', flowSchema('flowcontrol.apiserver.k8s.io/v1beta2'),
      'flowcontrol.apiserver.k8s.io/v1beta2 FlowSchema is not served by Kubernetes 1.29 (removed in 1.29); it serves flowcontrol.apiserver.k8s.io/v1, flowcontrol.apiserver.k8s.io/v1beta3'],
    ['flowcontrol v1beta3 FlowSchema', '1.32', flowSchema('flowcontrol.apiserver.k8s.io/v1beta3'),
      'flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema is not served by Kubernetes 1.32 (removed in 1.32); it serves flowcontrol.apiserver.k8s.io/v1'],
    ['flowcontrol v1 FlowSchema before 1.29', '1.28', flowSchema('flowcontrol.apiserver.k8s.io/v1'),
      'flowcontrol.apiserver.k8s.io/v1 FlowSchema is not served by Kubernetes 1.28 (served from 1.29); it serves flowcontrol.apiserver.k8s.io/v1beta2, flowcontrol.apiserver.k8s.io/v1beta3'],
    ['batch/v1beta1 CronJob', '1.27', cronJob('batch/v1beta1'),
      'batch/v1beta1 CronJob is not served by Kubernetes 1.27 (removed in 1.25); it serves batch/v1'],
    ['batch/v1beta1 CronJob', '1.36', cronJob('batch/v1beta1'),
      'batch/v1beta1 CronJob is not served by Kubernetes 1.36 (removed in 1.25); it serves batch/v1'],
    ['policy/v1beta1 PDB', '1.30', pdb('policy/v1beta1'),
      'policy/v1beta1 PodDisruptionBudget is not served by Kubernetes 1.30 (removed in 1.25); it serves policy/v1'],
    ['extensions/v1beta1 Ingress', '1.34', { apiVersion: 'extensions/v1beta1', kind: 'Ingress', metadata: meta('web') },
      'extensions/v1beta1 Ingress is not served by Kubernetes 1.34 (removed in 1.22); it serves networking.k8s.io/v1'],
    ['ValidatingAdmissionPolicy v1 on 1.27', '1.27', vap('admissionregistration.k8s.io/v1'),
      'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy is not served by Kubernetes 1.27 (served from 1.30); it serves no API version of ValidatingAdmissionPolicy'],
    ['ValidatingAdmissionPolicy v1 on 1.29', '1.29', vap('admissionregistration.k8s.io/v1'),
      'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy is not served by Kubernetes 1.29 (served from 1.30); it serves no API version of ValidatingAdmissionPolicy'],
    ['resource.k8s.io/v1 ResourceClaim before DRA GA', '1.33', { apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaim', metadata: meta('gpu'), spec: {} },
      'resource.k8s.io/v1 ResourceClaim is not served by Kubernetes 1.33 (served from 1.34); it serves no API version of ResourceClaim'],
    ['storage.k8s.io/v1 VolumeAttributesClass before its GA', '1.33', { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttributesClass', metadata: { name: 'gold' }, driverName: 'x' },
      'storage.k8s.io/v1 VolumeAttributesClass is not served by Kubernetes 1.33 (served from 1.34); it serves no API version of VolumeAttributesClass'],
  ])('%s is refused on %s with what is served', (_, version, obj, message) => {
    expect(validateManifest(obj, version)).toEqual([{ object: expect.stringContaining(obj.kind), field: 'apiVersion', message }]);
  });

  test('the table serves 1.27 exactly the group/versions the 1.27 check accepted before', () => {
    expect([...SERVED_API_VERSIONS_1_27].sort()).toEqual([
      'admissionregistration.k8s.io/v1', 'apiextensions.k8s.io/v1', 'apiregistration.k8s.io/v1', 'apps/v1', 'autoscaling/v1',
      'autoscaling/v2', 'batch/v1', 'certificates.k8s.io/v1', 'coordination.k8s.io/v1', 'discovery.k8s.io/v1', 'events.k8s.io/v1',
      'flowcontrol.apiserver.k8s.io/v1beta2', 'flowcontrol.apiserver.k8s.io/v1beta3', 'networking.k8s.io/v1', 'node.k8s.io/v1',
      'policy/v1', 'rbac.authorization.k8s.io/v1', 'scheduling.k8s.io/v1', 'storage.k8s.io/v1', 'v1',
    ]);
  });

  test('custom resources keep going to their CRD schema, whatever the version', () => {
    const pool = { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: meta('pool'), spec: { addresses: ['192.168.1.240-192.168.1.250'] } };
    expect(validateManifest(pool, '1.36')).toEqual([]);
    expect(validateManifest({ ...pool, spec: { addresses: 'x' } }, '1.34')[0]).toMatchObject({ field: 'spec.addresses', message: 'must be of type array' });
    expect(validateManifest({ ...pool, apiVersion: 'metallb.io/v1beta2' }, '1.34')[0].message)
      .toBe('metallb.io/v1beta2 IPAddressPool is not a Kubernetes 1.34 kind nor a registered custom resource');
  });

  test('synth refuses a removed API with the construct path (today\'s default version 1.27)', () => {
    const { app, env } = testEnv();
    new ApiObject(env.addChart('jobs'), 'backup', cronJob('batch/v1beta1') as { apiVersion: string; kind: string });
    let problems: string[] = [];
    try {
      renderApp(app);
    } catch (e) {
      expect(e).toBeInstanceOf(SynthError);
      problems = [...(e as SynthError).problems];
    }
    expect(problems).toEqual([expect.stringMatching(
      /^dev\/jobs\/backup: CronJob \S+: apiVersion batch\/v1beta1 CronJob is not served by Kubernetes 1\.33 \(removed in 1\.25\); it serves batch\/v1 /)]);
  });
});

describe('the version argument', () => {
  test.each<[string, unknown]>([
    ['a minor below 1.27', '1.26'],
    ['a minor above 1.36', '1.37'],
    ['a patch version', '1.30.2'],
    ['a v prefix', 'v1.30'],
    ['a one-digit minor', '1.3'],
    ['a number', 1.3],
    ['an empty string', ''],
    ['a major 2', '2.30'],
  ])('%s is our ValidationError', (_, version) => {
    let error: unknown;
    try {
      validateManifest(deployment(), version as string);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe(
      `validateManifest: version ${JSON.stringify(version)} must be a Kubernetes minor version from 1.27 to 1.36, written like "1.34"`);
  });

  test('every minor 1.27-1.36 has one schema set, and the sets are the packages their CHANGELOGs name', () => {
    expect(Array.from({ length: 10 }, (_, i) => schemaSetFor(27 + i).kubernetes)).toEqual(['1.27.1', ...Array(6).fill('1.33.0'), ...Array(3).fill('1.36.0')]);
    expect(SCHEMA_SETS.map((s) => s.packageName)).toEqual(['kubernetes-models-1-27', 'kubernetes-models', 'kubernetes-models-current']);
  });

  test('the current schema set is loaded only on the first object of a 1.34+ cluster (today\'s 1.27 synth never loads it)', () => {
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports */
      const schema: typeof import('../../lib/checks/schema') = require('../../lib/checks/schema');
      const sets: typeof import('../../lib/checks/schema-sets') = require('../../lib/checks/schema-sets');
      /* eslint-enable @typescript-eslint/no-require-imports */
      expect(schema.validateManifest(deployment())).toEqual([]);
      expect(schema.validateManifest(cronJob('batch/v1beta1'), '1.33')).toHaveLength(1);
      expect(sets.loadedSchemaSets()).toEqual(['kubernetes-models-1-27', 'kubernetes-models']);
      expect(schema.validateManifest(deployment(), '1.34')).toEqual([]);
      expect(sets.loadedSchemaSets()).toEqual(['kubernetes-models-1-27', 'kubernetes-models', 'kubernetes-models-current']);
    });
  });
});
