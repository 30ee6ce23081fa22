import { ChartTier, NfsStorage, NfsStorageProps, NodePortApp, renderApp, ValidationError } from '../lib';
import { expectSchemaValid, manifests, only, testEnv } from './helpers';

/** The GitOps no-prune marks every stateful object carries (Argo CD's and Flux's). */
const PROTECTED = { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' };

const base: NfsStorageProps = {
  server: '192.168.10.50',
  volumes: [{ name: 'dev-media', path: '/exports/media', capacity: '50Gi', claim: { name: 'media', request: '20Gi' } }],
  storageClass: { name: 'nfs', share: '/exports/dynamic', subDir: '${pvc.metadata.namespace}/${pvc.metadata.name}', claims: [{ name: 'scratch', request: '1Gi' }] },
};

function build(props: Partial<NfsStorageProps> = {}, id = 'nfs') {
  const { app, env } = testEnv();
  const construct = new NfsStorage(env.addChart('storage', ChartTier.CLUSTER, { namespaced: false }), id, { ...base, ...props });
  return { app, env, construct, all: manifests(app) };
}

describe('NfsStorage', () => {
  test('a static volume on the export, Retain, and a claim bound to exactly it', () => {
    const { all } = build();
    const pv = only(all, 'PersistentVolume', 'dev-media');
    expect(pv.metadata.namespace).toBeUndefined();
    expect(pv.spec).toEqual({
      capacity: { storage: '50Gi' },
      accessModes: ['ReadWriteMany'],
      persistentVolumeReclaimPolicy: 'Retain',
      mountOptions: ['nfsvers=4.1'],
      nfs: { server: '192.168.10.50', path: '/exports/media' },
      claimRef: { name: 'media', namespace: 'dev' },
    });
    const pvc = only(all, 'PersistentVolumeClaim', 'media');
    expect(pvc.metadata.namespace).toBe('dev');
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteMany'], resources: { requests: { storage: '20Gi' } }, storageClassName: '', volumeName: 'dev-media' });
  });

  test('a csi-driver-nfs StorageClass, Retain, with claims made from it', () => {
    const { all } = build();
    const sc = only(all, 'StorageClass', 'nfs');
    expect(sc.metadata).toEqual({ name: 'nfs', annotations: PROTECTED });
    expect(sc.provisioner).toBe('nfs.csi.k8s.io');
    expect(sc.parameters).toEqual({ server: '192.168.10.50', share: '/exports/dynamic', subDir: '${pvc.metadata.namespace}/${pvc.metadata.name}', onDelete: 'retain' });
    expect(sc.reclaimPolicy).toBe('Retain');
    expect(sc.allowVolumeExpansion).toBe(true);
    expect(sc.volumeBindingMode).toBe('Immediate');
    expect(sc.mountOptions).toEqual(['nfsvers=4.1']);
    expect(only(all, 'PersistentVolumeClaim', 'scratch').spec).toEqual({ accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'nfs' });
    expectSchemaValid(all);
  });

  test('the legacy nfs-subdir-external-provisioner, as the default class, with Delete opted in', () => {
    const sc = only(build({ volumes: [], storageClass: { name: 'legacy', provisioner: 'nfs-subdir-external-provisioner', pathPattern: '${.PVC.namespace}/${.PVC.name}', isDefault: true, reclaimPolicy: 'Delete', allowDelete: true } }).all, 'StorageClass');
    expect(sc.provisioner).toBe('k8s-sigs.io/nfs-subdir-external-provisioner');
    expect(sc.parameters).toEqual({ archiveOnDelete: 'true', onDelete: 'retain', pathPattern: '${.PVC.namespace}/${.PVC.name}' });
    expect(sc.metadata.annotations).toEqual({ 'storageclass.kubernetes.io/is-default-class': 'true', ...PROTECTED });
    expect(sc.reclaimPolicy).toBe('Delete');
    expect(sc.allowVolumeExpansion).toBe(false);
  });

  test('workloads mount claims, never inline nfs volumes', () => {
    const { app, env, construct } = build();
    new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: 'web:1.0.0', containerPort: 8080, claims: [{ claim: construct.claim('media'), mountPath: '/media', readOnly: true }] });
    const pod = only(manifests(app), 'Deployment', 'web').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'claim-0', persistentVolumeClaim: { claimName: 'media', readOnly: true } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'claim-0', mountPath: '/media', readOnly: true });
    expect(JSON.stringify(pod)).not.toContain('"nfs"');
  });

  test('renaming the construct id changes no name of a volume, claim or class', () => {
    expect(build({}, 'renamed').all).toEqual(build().all);
  });

  test('matches the snapshot', () => {
    expect(build().all.filter((m) => ['PersistentVolume', 'PersistentVolumeClaim', 'StorageClass'].includes(m.kind))).toMatchSnapshot();
  });
});

describe('NfsStorage refuses', () => {
  const vol = (v: object) => ({ volumes: [{ ...base.volumes![0], ...v }] });
  const sc = (c: object) => ({ storageClass: { ...base.storageClass!, ...c } });
  test.each<[string, Partial<NfsStorageProps>, string]>([
    ['a server that is neither an IP nor a DNS name', { server: 'nfs server!' }, 'dev/storage/nfs: server "nfs server!" is neither an IP address nor a DNS name'],
    ['a relative export path', vol({ path: 'exports/media' }), 'dev/storage/nfs: volumes[0].path "exports/media" must be an absolute, normalized export path'],
    ['an empty export path', vol({ path: '' }), 'volumes[0].path "" is not a non-empty string'],
    ['a capacity that is not a quantity', vol({ capacity: '50 GB' }), 'volumes[0].capacity "50 GB" is not a Kubernetes quantity'],
    ['a request that is not a quantity', sc({ claims: [{ name: 'x', request: 'lots' }] }), 'storageClass.claims[0].request "lots" is not a Kubernetes quantity'],
    ['a claim asking for more than its volume holds', vol({ claim: { name: 'media', request: '60Gi' } }),
      'dev/storage/nfs: volumes[0].claim.request "60Gi" is more than the volume holds (capacity 50Gi), so the claim would never bind'],
    ['a claim mode the volume does not offer', vol({ accessModes: ['ReadOnlyMany'], claim: { accessModes: ['ReadWriteMany'] } }),
      'volumes[0].claim.accessModes[0] "ReadWriteMany" is not offered by the volume (ReadOnlyMany)'],
    ['ReadWriteOncePod on NFS', vol({ accessModes: ['ReadWriteOncePod'] }), 'volumes[0].accessModes[0] "ReadWriteOncePod" is not one NFS can serve'],
    ['a Delete reclaim policy without opt-in (volume)', vol({ reclaimPolicy: 'Delete' }),
      'dev/storage/nfs: volumes[0].reclaimPolicy "Delete" deletes the volume (and with dynamic provisioning its data) when the claim is deleted; keep "Retain", or opt in with allowDelete: true'],
    ['a Delete reclaim policy without opt-in (class)', sc({ reclaimPolicy: 'Delete' }), 'storageClass.reclaimPolicy "Delete" deletes the volume'],
    ['a class without a share', sc({ share: undefined }), 'storageClass.share undefined is not a non-empty string'],
    ['an unknown subDir placeholder', sc({ subDir: '${pvc.name}' }), 'storageClass.subDir "${pvc.name}" uses ${pvc.name}; csi-driver-nfs fills only'],
    ['a non-octal mountPermissions', sc({ mountPermissions: '777x' }), 'storageClass.mountPermissions "777x" is not an octal mode'],
    ['a legacy-only option on csi-driver-nfs', sc({ archiveOnDelete: false }), 'storageClass.archiveOnDelete false applies only to nfs-subdir-external-provisioner, not csi-driver-nfs'],
    ['an unknown onDelete', sc({ onDelete: 'wipe' as any }), 'storageClass.onDelete "wipe" is not one of "delete", "retain", "archive"'],
    ['two volumes with one name', { volumes: [base.volumes![0], { ...base.volumes![0], claim: { name: 'other' } }] }, 'volumes[1].name "dev-media" is used by another volume'],
  ])('%s, leaving nothing in the tree', (_what, props, message) => {
    const { env } = testEnv();
    const chart = env.addChart('storage', ChartTier.CLUSTER, { namespaced: false });
    const make = () => new NfsStorage(chart, 'nfs', { ...base, ...props });
    expect(make).toThrow(ValidationError);
    expect(make).toThrow(message);
    expect(chart.node.children).toEqual([]);
  });

  test('a namespaced chart (PersistentVolumes and StorageClasses are cluster-scoped)', () => {
    const { env } = testEnv();
    expect(() => new NfsStorage(env.addChart('storage'), 'nfs', base)).toThrow('dev/storage/nfs: scope "dev/storage" is a namespaced chart (dev)');
  });

  test('two default StorageClasses in one environment, naming both', () => {
    const { app, env } = testEnv();
    const chart = env.addChart('storage', ChartTier.CLUSTER, { namespaced: false });
    new NfsStorage(chart, 'a', { server: 'nas-a.lab', storageClass: { name: 'a', share: '/a', isDefault: true } });
    new NfsStorage(chart, 'b', { server: 'nas-b.lab', storageClass: { name: 'b', share: '/b', isDefault: true } });
    expect(() => renderApp(app)).toThrow('dev/storage/b: storageClass.isDefault b is already used by dev/storage/a (storageClass.isDefault); default StorageClass (one per cluster) must be unique');
  });

  test('two NfsStorage writing one PersistentVolume or claim name, naming both', () => {
    const { app, env } = testEnv();
    const chart = env.addChart('storage', ChartTier.CLUSTER, { namespaced: false });
    new NfsStorage(chart, 'a', { server: 'nas-a.lab', volumes: [{ name: 'media', path: '/a', capacity: '1Gi' }] });
    new NfsStorage(chart, 'b', { server: 'nas-b.lab', volumes: [{ name: 'media', path: '/b', capacity: '1Gi' }] });
    expect(() => renderApp(app)).toThrow('dev/storage/b/Volume-media: PersistentVolume media is also written by dev/storage/a/Volume-media');
    expect(() => renderApp(app)).toThrow('dev/storage/b/Claim-media: PersistentVolumeClaim dev/media is also written by dev/storage/a/Claim-media');
  });

  test('a ReadWriteOnce claim shared by several pods, or by two workloads', () => {
    const { app, env, construct } = build({ volumes: [{ name: 'rwo', path: '/exports/rwo', capacity: '1Gi', accessModes: ['ReadWriteOnce'] }] });
    const claims = [{ claim: construct.claim('rwo'), mountPath: '/data' }];
    const props = { image: 'web:1.0.0', containerPort: 8080, claims };
    expect(() => new NodePortApp(env.addChart('many'), 'many', { ...props, name: 'many', replicas: 2 }))
      .toThrow('dev/many/many: claims[0].claim "rwo" is ReadWriteOnce only, so it cannot be shared by 2 pods; use a ReadWriteMany (or ReadOnlyMany) claim, or one replica');
    new NodePortApp(env.addChart('one'), 'one', { ...props, name: 'one', replicas: 1 });
    new NodePortApp(env.addChart('two'), 'two', { ...props, name: 'two', replicas: 1 });
    expect(() => renderApp(app)).toThrow('dev/two/two: claims[0].claim rwo is already used by dev/one/one (claims[0].claim); use of a ReadWriteOnce claim (one workload) must be unique');
  });
});
