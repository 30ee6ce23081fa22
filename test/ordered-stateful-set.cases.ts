import { ChartTier, NfsStorage, OrderedStatefulSet, OrderedStatefulSetProps, ValidationError } from '../lib';
import { expectSchemaValid, manifests, only, testEnv } from './helpers';

const LABELS = { 'app.kubernetes.io/instance': 'kv', 'app.kubernetes.io/name': 'kv' };

function build(props: Partial<OrderedStatefulSetProps> = {}, ids = { set: 'kv', storage: 'nfs' }) {
  const { app, env } = testEnv();
  const storage = new NfsStorage(env.addChart('storage', ChartTier.CLUSTER, { namespaced: false }), ids.storage, {
    server: 'nas.lab.example.com', storageClass: { name: 'nfs', share: '/exports/dynamic' },
  });
  const construct = new OrderedStatefulSet(env.addChart('kv'), ids.set, {
    name: 'kv', image: 'redis:7.2.5-alpine', containerPort: 6379, runAsUser: 999, replicas: 3,
    volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage: '5Gi', storageClass: storage.storageClassRef }],
    ...props,
  });
  return { app, env, storage, construct, all: manifests(app) };
}

describe('OrderedStatefulSet', () => {
  test('a headless Service named in serviceName, selecting exactly the pods', () => {
    const { all } = build();
    const svc = only(all, 'Service', 'kv');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.ports).toEqual([{ name: 'tcp', port: 6379, targetPort: 6379 }]);
    const set = only(all, 'StatefulSet', 'kv');
    expect(set.spec.serviceName).toBe('kv');
    expect(svc.spec.selector).toEqual(LABELS);
    expect(set.spec.selector).toEqual({ matchLabels: LABELS });
    expect(set.spec.template.metadata.labels).toEqual(LABELS);
  });

  test('ordered start, 3 replicas, rolling update with partition, claims retained', () => {
    const spec = only(build({ partition: 2 }).all, 'StatefulSet').spec;
    expect(spec.replicas).toBe(3);
    expect(spec.podManagementPolicy).toBe('OrderedReady');
    expect(spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 2 } });
    expect(spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  test('volumeClaimTemplates with their real storage value, mounted into the container', () => {
    const spec = only(build().all, 'StatefulSet').spec;
    expect(spec.volumeClaimTemplates).toEqual([{
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'nfs', resources: { requests: { storage: '5Gi' } } },
    }]);
    expect(spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(spec.template.spec.volumes.map((v: any) => v.name)).not.toContain('data');
  });

  test('a PodDisruptionBudget and Pod Security "restricted"', () => {
    const { all } = build();
    expect(only(all, 'PodDisruptionBudget', 'kv').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: LABELS }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    const pod = only(all, 'StatefulSet').spec.template.spec;
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(pod.containers[0].securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  test('exposes pod names, pod DNS names and claim names', () => {
    const { construct } = build();
    expect(construct.podNames).toEqual(['kv-0', 'kv-1', 'kv-2']);
    expect(construct.podDnsNames).toEqual(['kv-0.kv.dev.svc.cluster.local', 'kv-1.kv.dev.svc.cluster.local', 'kv-2.kv.dev.svc.cluster.local']);
    expect(construct.claimNames).toEqual({ data: ['data-kv-0', 'data-kv-1', 'data-kv-2'] });
  });

  test('Parallel start and Delete retention with the opt-in', () => {
    const spec = only(build({ podManagementPolicy: 'Parallel', claimRetention: { whenScaled: 'Delete', allowDelete: true } }).all, 'StatefulSet').spec;
    expect(spec.podManagementPolicy).toBe('Parallel');
    expect(spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Delete' });
  });

  test('renaming construct ids changes none of the names of the StatefulSet, its Service, claims or class', () => {
    expect(build({}, { set: 'renamed', storage: 'other' }).all).toEqual(build().all);
  });

  test('valid for Kubernetes 1.27, and matches the snapshot', () => {
    const { all } = build();
    expectSchemaValid(all);
    expect(all.filter((m) => m.metadata.name === 'kv')).toMatchSnapshot();
  });
});

describe('OrderedStatefulSet refuses', () => {
  test.each<[string, Partial<OrderedStatefulSetProps>, string]>([
    ['replicas below 0', { replicas: -1 }, 'dev/kv/kv: replicas -1 is outside 0-10000'],
    ['a template without a storage request', { volumeClaimTemplates: [{ name: 'data', mountPath: '/data' } as any] },
      'dev/kv/kv: volumeClaimTemplates[0].storage undefined is required: each pod\'s claim must request a size'],
    ['a storage request that is not a quantity', { volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage: '5 GB' }] }, 'volumeClaimTemplates[0].storage "5 GB" is not a Kubernetes quantity'],
    ['an access mode the class cannot serve', { volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage: '1Gi', storageClass: { storageClassName: 'nfs', accessModes: ['ReadWriteMany'] }, accessModes: ['ReadWriteOncePod'] }] },
      'dev/kv/kv: volumeClaimTemplates[0].accessModes[0] "ReadWriteOncePod" is not served by StorageClass nfs (ReadWriteMany)'],
    ['a name that is not a DNS label', { name: 'KV' }, 'dev/kv/kv: name "KV" is not a DNS-1123 label'],
    ['a name too long for -N suffixes', { name: 'a'.repeat(53) }, 'is not a DNS-1123 label (lower-case letters, digits and \'-\', starting and ending with a letter or digit, at most 52 characters)'],
    ['Delete retention without opt-in', { claimRetention: { whenDeleted: 'Delete' } },
      'dev/kv/kv: claimRetention.whenDeleted "Delete" deletes the pods\' claims (and with a Delete reclaim policy their data); keep "Retain", or opt in with claimRetention.allowDelete: true'],
    ['an unknown pod management policy', { podManagementPolicy: 'Ordered' as any }, 'podManagementPolicy "Ordered" is not one of "OrderedReady", "Parallel"'],
  ])('%s, leaving nothing in the tree', (_what, props, message) => {
    const { env } = testEnv();
    const chart = env.addChart('kv');
    const make = () => new OrderedStatefulSet(chart, 'kv', { name: 'kv', image: 'redis:7.2.5-alpine', containerPort: 6379, ...props });
    expect(make).toThrow(ValidationError);
    expect(make).toThrow(message);
    expect(chart.node.children).toEqual([]);
  });
});
