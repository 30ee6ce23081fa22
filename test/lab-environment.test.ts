import * as ipaddr from 'ipaddr.js';
import { lab } from '../environments/lab';
import { buildApp } from '../main';
import { renderApp } from '../lib';
import { expectSchemaValid, appManifests, only } from './helpers';

// The lab reproduces the classic learning cluster object by object; these are the facts a reader of its
// YAML would check by hand.
const all = appManifests(buildApp([lab]));
const NODES = ['192.168.1.10', '192.168.1.101', '192.168.1.102', '192.168.1.103'];

/** Every address of an inclusive "a-b" range. */
function expand(range: string): string[] {
  const [from, to] = range.split('-').map((a) => ipaddr.parse(a).toByteArray());
  const out: string[] = [];
  for (let last = from[3]; last <= to[3]; last++) out.push([...from.slice(0, 3), last].join('.'));
  return out;
}

describe('the lab environment', () => {
  test('every object is valid for Kubernetes 1.27 and the imported CRDs', () => expectSchemaValid(all));

  test('files: cluster-scoped objects first, then the namespace, MetalLB, the apps and the routes; GitOps objects apart', () => {
    expect(renderApp(buildApp([lab])).map((f) => f.file)).toEqual([
      'lab/lab/00-cluster.yaml', 'lab/lab/00-storage.yaml', 'lab/lab/10-namespace.yaml', 'lab/lab/10-network-policies.yaml', 'lab/lab/20-metallb.yaml', 'lab/lab/50-files.yaml', 'lab/lab/50-hello.yaml',
      'lab/lab/50-kv.yaml', 'lab/lab/50-node-exporter.yaml', 'lab/lab/50-whoami.yaml', 'lab/lab/60-ingress-lab.yaml',
      'lab/platform/crds/metallb.yaml', 'lab/platform/crds/cert-manager.yaml', 'lab/platform/controllers/metallb.yaml', 'lab/platform/controllers/metrics-server.yaml',
      'lab/platform/controllers/cert-manager.yaml', 'lab/platform/controllers/csi-driver-nfs.yaml', 'lab/platform/controllers/ingress-nginx.yaml',
      'lab/platform/config/cert-manager.yaml', 'gitops/lab-argocd.yaml',
    ]);
  });

  test('MetalLB hands out 192.168.1.11-13 in layer 2, none of them a node address', () => {
    const pool = only(all, 'IPAddressPool', 'lab-pool');
    const pinned = only(all, 'IPAddressPool', 'lab-pool-pinned');
    expect(pool.metadata.namespace).toBe('metallb-system');
    // whoami pins .11: it is handed out only on request (autoAssign: false), .12-.13 automatically.
    expect(pool.spec).toMatchObject({ addresses: ['192.168.1.12-192.168.1.13'], autoAssign: true });
    expect(pinned.spec).toMatchObject({ addresses: ['192.168.1.11/32'], autoAssign: false });
    const addresses = [pinned.spec.addresses[0].replace('/32', ''), ...expand(pool.spec.addresses[0])];
    expect(addresses).toEqual(['192.168.1.11', '192.168.1.12', '192.168.1.13']);
    expect(addresses.filter((a) => NODES.includes(a))).toEqual([]);
    expect(only(all, 'L2Advertisement', 'lab-pool').spec.ipAddressPools).toEqual(['lab-pool', 'lab-pool-pinned']);
  });

  test('hello: 3 replicas, one per worker (hard spread that ignores the tainted control plane), on nodePort 30000', () => {
    const d = only(all, 'Deployment', 'hello');
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.topologySpreadConstraints).toEqual([{
      maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor',
      labelSelector: { matchLabels: d.spec.selector.matchLabels },
    }]);
    const svc = only(all, 'Service', 'hello');
    expect(svc.spec.type).toBe('NodePort');
    expect(svc.spec.ports).toEqual([expect.objectContaining({ port: 80, targetPort: 8080, nodePort: 30000 })]);
    expect(svc.spec.selector).toEqual(d.spec.template.metadata.labels);
    expect(only(all, 'PodDisruptionBudget', 'hello').spec.maxUnavailable).toBe(1);
  });

  test('the nginx Ingress routes / to hello and /ip to whoami (prefix stripped: whoami answers at "/"), with TLS from the lab CA', () => {
    const ing = only(all, 'Ingress', 'lab');
    expect(ing.spec.ingressClassName).toBe('nginx');
    expect(ing.spec.rules).toEqual([{
      host: 'lab.example.internal',
      http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'hello', port: { number: 80 } } } }] },
    }]);
    const strip = only(all, 'Ingress', 'lab-strip');
    expect(strip.metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/rewrite-target': '/$2', 'nginx.ingress.kubernetes.io/use-regex': 'true' });
    expect(strip.spec.rules).toEqual([{
      host: 'lab.example.internal',
      http: { paths: [{ path: '/ip(/|$)(.*)', pathType: 'ImplementationSpecific', backend: { service: { name: 'whoami', port: { number: 80 } } } }] },
    }]);
    for (const i of [ing, strip]) expect(i.spec.tls).toEqual([{ hosts: ['lab.example.internal'], secretName: 'lab-tls' }]);
    expect(only(all, 'Certificate', 'lab-tls').spec).toEqual({
      secretName: 'lab-tls', dnsNames: ['lab.example.internal'], issuerRef: { name: 'lab-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' },
    });
    for (const name of ['hello', 'whoami']) expect(only(all, 'Service', name).spec.ports[0].port).toBe(80);
  });

  test('whoami is autoscaled on CPU (2-6 at 60 %), with no replica count of its own, at 192.168.1.11', () => {
    const d = only(all, 'Deployment', 'whoami');
    expect(d.spec.replicas).toBeUndefined();
    const hpa = only(all, 'HorizontalPodAutoscaler', 'whoami');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'whoami' });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 6]);
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
    expect(d.spec.template.spec.containers[0].resources.requests.cpu).toBe('50m');
    const svc = only(all, 'Service', 'whoami');
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.metadata.annotations).toEqual({ 'metallb.io/address-pool': 'lab-pool-pinned', 'metallb.io/loadBalancerIPs': '192.168.1.11' });
    expect(d.spec.template.spec.containers[0].securityContext.runAsUser).toBe(65534);
  });

  test('node-exporter runs on every node, control plane included, in its own privileged namespace', () => {
    const ds = only(all, 'DaemonSet', 'node-exporter');
    expect(ds.metadata.namespace).toBe('lab-node-agents');
    expect(ds.spec.template.spec.tolerations).toEqual(expect.arrayContaining([
      expect.objectContaining({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }),
    ]));
    const ns = (name: string) => only(all, 'Namespace', name).metadata.labels['pod-security.kubernetes.io/enforce'];
    expect(ns('lab-node-agents')).toBe('privileged');
    expect(ns('lab')).toBe('restricted');
  });

  test('a static NFS volume of 100Mi from the control plane (ReadWriteMany, Retain), bound to its claim', () => {
    const pv = only(all, 'PersistentVolume', 'lab-nfs-shared');
    expect(pv.spec).toEqual(expect.objectContaining({
      capacity: { storage: '100Mi' }, accessModes: ['ReadWriteMany'], persistentVolumeReclaimPolicy: 'Retain',
      nfs: { server: '192.168.1.10', path: '/nfs_shared/static' }, claimRef: { namespace: 'lab', name: 'nfs-shared' },
    }));
    const pvc = only(all, 'PersistentVolumeClaim', 'nfs-shared');
    expect(pvc.metadata.namespace).toBe('lab');
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteMany'], resources: { requests: { storage: '100Mi' } }, storageClassName: '', volumeName: 'lab-nfs-shared' });
  });

  test('files: 4 replicas mount that claim read-only, on nodePort 30001', () => {
    const d = only(all, 'Deployment', 'files');
    expect(d.spec.replicas).toBe(4);
    const spec = d.spec.template.spec;
    const volume = spec.volumes.find((v: any) => v.persistentVolumeClaim);
    expect(volume.persistentVolumeClaim).toEqual({ claimName: 'nfs-shared', readOnly: true });
    expect(spec.containers[0].volumeMounts).toEqual(expect.arrayContaining([{ name: volume.name, mountPath: '/usr/share/nginx/html', readOnly: true }]));
    expect(only(all, 'Service', 'files').spec.ports[0].nodePort).toBe(30001);
  });

  test('a dynamic NFS class on the control plane that keeps volumes (Retain, onDelete retain)', () => {
    const sc = only(all, 'StorageClass', 'lab-nfs');
    expect(sc.provisioner).toBe('nfs.csi.k8s.io');
    expect(sc.reclaimPolicy).toBe('Retain');
    expect(sc.parameters).toEqual(expect.objectContaining({ server: '192.168.1.10', share: '/nfs_shared/dynamic', onDelete: 'retain' }));
  });

  test('kv: a StatefulSet of 3 pods, started in order, each with its own 1Gi claim from lab-nfs, behind a headless Service', () => {
    const sts = only(all, 'StatefulSet', 'kv');
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe('OrderedReady');
    expect(sts.spec.serviceName).toBe('kv');
    expect(sts.spec.volumeClaimTemplates).toEqual([expect.objectContaining({
      metadata: { name: 'data' },
      spec: expect.objectContaining({ storageClassName: 'lab-nfs', resources: { requests: { storage: '1Gi' } }, accessModes: ['ReadWriteOnce'] }),
    })]);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    const svc = only(all, 'Service', 'kv');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.selector).toEqual(sts.spec.template.metadata.labels);
  });

  test('every pod of namespace lab meets Pod Security "restricted", with requests, limits, probes and pinned images', () => {
    const workloads = all.filter((m) => ['Deployment', 'StatefulSet'].includes(m.kind));
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual(['files', 'hello', 'kv', 'whoami']);
    for (const w of workloads) {
      const spec = w.spec.template.spec;
      expect(spec.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }));
      expect(spec.hostNetwork).toBe(false);
      for (const c of spec.containers) {
        expect(c.securityContext).toEqual(expect.objectContaining({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true }));
        expect(Object.keys(c.resources).sort()).toEqual(['limits', 'requests']);
        expect(c.readinessProbe && c.livenessProbe).toBeTruthy();
        expect(c.image).toMatch(/:[\w.-]+$/);
        expect(c.image).not.toMatch(/:latest$/);
      }
      expect(spec.volumes?.filter((v: any) => v.hostPath) ?? []).toEqual([]);
    }
  });

  test('each stateful object is protected from pruning by Argo CD (the lab cluster\'s controller) and by Flux', () => {
    const stateful = all.filter((m) => ['Namespace', 'PersistentVolume', 'PersistentVolumeClaim', 'StatefulSet', 'StorageClass'].includes(m.kind));
    expect(stateful.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      'Namespace/lab', 'Namespace/lab-node-agents', 'PersistentVolume/lab-nfs-shared', 'PersistentVolumeClaim/nfs-shared', 'StatefulSet/kv', 'StorageClass/lab-nfs',
    ]);
    for (const m of stateful) {
      expect(m.metadata.annotations).toEqual(expect.objectContaining({
        'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
        'kustomize.toolkit.fluxcd.io/prune': 'disabled',
      }));
    }
    expect(all.filter((m) => m.kind === 'Deployment').every((m) => m.metadata.annotations === undefined)).toBe(true);
  });

  test('matches the snapshot', () => expect(all).toMatchSnapshot());
});
