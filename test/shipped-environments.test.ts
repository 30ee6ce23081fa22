/**
 * Shipped data: every environment of `environments/` is written as its definition says, whatever
 * environments and clusters a user declares there (each property is read from the definitions, never from a
 * list of names), plus one snapshot per environment (`npm run test:update` refreshes them after a change
 * you meant; review the diff). The generic checks of every environment's folder, routes and GitOps files are
 * in environments.test.ts; image facts in images.test.ts; the clusters' platforms in platform-render.test.ts.
 */
import { clusters, EnvironmentDefinition, environments } from '../environments';
import { buildApp } from '../main';
import { Cluster } from '../lib';
import { DEFAULT_NETWORK_FACTS } from '../lib/checks';
import { parseQuantity } from '../lib/checks/validation';
import { admitted, containerPortsOf, requiredFlows, unreachableServices, workloadsOf } from '../lib/checks/network-policy';
import { snapshotOf, synthesizeApp } from '../lib/testing';

type Manifest = Record<string, any>;

const result = synthesizeApp(buildApp());
const cases = environments.map((d) => [d.name, d] as const);
const namespaceOf = (d: EnvironmentDefinition) => d.namespace ?? d.name;
/** The objects of an environment's folder. */
const objectsOf = (d: EnvironmentDefinition) => result.findObjects({ environment: d.name }).map((o) => o.manifest);
/** The one object of a kind and name in an environment's folder (and namespace, when given). */
const one = (d: EnvironmentDefinition, kind: string, name: string, namespace?: string): Manifest =>
  result.findObject({ environment: d.name, kind, name, ...(namespace === undefined ? {} : { namespace }) }).manifest;
const podLabels = (w: Manifest) => w.spec.template.metadata.labels;
const PROTECTED = { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' };

describe.each(cases)('shipped environment %s, as its definition says', (_name, def) => {
  const all = objectsOf(def);
  const ns = namespaceOf(def);

  test('its namespace meets Pod Security "restricted"; a node daemon with host access has a namespace of its own', () => {
    expect(one(def, 'Namespace', ns).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const d of def.nodeDaemons ?? []) {
      const ds = one(def, 'DaemonSet', d.name);
      expect(ds.metadata.namespace).toBe(d.namespace ?? ns);
      const hostAccess = d.hostNetwork || d.hostPID || (d.hostPaths ?? []).length > 0;
      if (hostAccess) expect(d.namespace === undefined ? 'no namespace of its own' : d.namespace).not.toBe(ns);
      if (d.tolerateControlPlane) {
        expect(ds.spec.template.spec.tolerations).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' })]));
      }
    }
  });

  test('each address pool in metallb-system with its advertisement; a pinned address only in the pinned companion pool', () => {
    for (const p of def.addressPools ?? []) {
      const pool = one(def, 'IPAddressPool', p.name, 'metallb-system');
      const adv = one(def, 'L2Advertisement', p.name, 'metallb-system');
      const pinned = all.find((m) => m.kind === 'IPAddressPool' && m.metadata.name === `${p.name}-pinned`);
      expect(adv.spec.ipAddressPools).toEqual([p.name, ...(pinned ? [pinned.metadata.name] : [])]);
      if (pinned) expect(pinned.spec.autoAssign).toBe(false);
      for (const app of (def.autoscaledApps ?? []).filter((a) => a.service && a.service.pool === p.name)) {
        const svc = one(def, 'Service', app.name);
        expect(svc.spec.type).toBe('LoadBalancer');
        const ip = app.service && app.service.ip;
        if (ip === undefined || pool.spec.autoAssign === false) continue;
        expect(svc.metadata.annotations).toEqual({ 'metallb.io/address-pool': `${p.name}-pinned`, 'metallb.io/loadBalancerIPs': ip });
        expect(pinned?.spec.addresses).toContain(`${ip}/32`);
        expect(pool.spec.addresses.join(' ')).not.toContain(ip);
      }
    }
  });

  test('each app: its workload, replicas or autoscaling bounds, and a Service selecting its pods', () => {
    for (const app of def.autoscaledApps ?? []) {
      const d = one(def, 'Deployment', app.name);
      expect(d.spec.replicas).toBeUndefined();
      expect(one(def, 'HorizontalPodAutoscaler', app.name).spec).toEqual(expect.objectContaining({
        minReplicas: app.minReplicas, maxReplicas: app.maxReplicas, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: app.name },
      }));
      if (app.service === false) continue;
      const svc = one(def, 'Service', app.name);
      expect(svc.spec.type).toBe(app.service?.pool === undefined ? 'ClusterIP' : 'LoadBalancer');
      expect(svc.spec.selector).toEqual(podLabels(d));
    }
    for (const app of def.nodePortApps ?? []) {
      const d = one(def, 'Deployment', app.name);
      if (app.replicas !== undefined) expect(d.spec.replicas).toBe(app.replicas);
      if (app.spread !== undefined) expect(d.spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable).toBe(app.spread);
      const svc = one(def, 'Service', app.name);
      expect(svc.spec.type).toBe('NodePort');
      expect(svc.spec.ports).toEqual([expect.objectContaining({ port: app.port, nodePort: app.nodePort })]);
      expect(svc.spec.selector).toEqual(podLabels(d));
    }
    for (const set of [...(def.statefulSets ?? []), ...(def.redisStores ?? [])]) {
      const sts = one(def, 'StatefulSet', set.name);
      if (set.replicas !== undefined) expect(sts.spec.replicas).toBe(set.replicas);
      expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
      expect(sts.spec.volumeClaimTemplates.map((t: Manifest) => [t.metadata.name, t.spec.resources.requests.storage, t.spec.storageClassName]))
        .toEqual((set.volumeClaimTemplates ?? []).map((t) => [t.name, t.storage, t.storageClass]));
      expect(one(def, 'Service', set.name).spec.selector).toEqual(podLabels(sts));
    }
  });

  test('each workload mounts the claims its definition names, and runs on the nodes it selects', () => {
    const workloads = [
      ...[...(def.autoscaledApps ?? []), ...(def.nodePortApps ?? [])].map((w) => ({ w, kind: 'Deployment' })),
      ...[...(def.statefulSets ?? []), ...(def.redisStores ?? [])].map((w) => ({ w, kind: 'StatefulSet' })),
      ...(def.nodeDaemons ?? []).map((w) => ({ w, kind: 'DaemonSet' })),
    ];
    for (const { w, kind } of workloads) {
      const pod = one(def, kind, w.name).spec.template.spec;
      const claims = (pod.volumes ?? []).filter((v: Manifest) => v.persistentVolumeClaim).map((v: Manifest) => v.persistentVolumeClaim);
      expect(claims).toEqual((w.claims ?? []).map((c) => ({ claimName: c.claim, ...(c.readOnly ? { readOnly: true } : {}) })));
      const nodeSelector = (w as { nodeSelector?: Record<string, string> }).nodeSelector;
      if (nodeSelector) expect(pod.nodeSelector).toEqual(nodeSelector);
    }
  });

  test('each Redis store: authenticated from its Secret, maxmemory below its memory limit, replicas of its pod 0, a primary Service selecting it', () => {
    for (const store of def.redisStores ?? []) {
      const sts = one(def, 'StatefulSet', store.name);
      const c = sts.spec.template.spec.containers[0];
      expect(c.env).toContainEqual({ name: 'REDISCLI_AUTH', valueFrom: { secretKeyRef: { name: store.auth.secretName, key: store.auth.key ?? 'password', optional: false } } });
      const maxmemory = Number(c.args[c.args.indexOf('--maxmemory') + 1]);
      expect(maxmemory).toBeGreaterThan(0);
      expect(maxmemory).toBeLessThan(Number(parseQuantity(c.resources.limits.memory)));
      expect(c.command.join(' ')).toContain(`${store.name}-0.${store.name}.${ns}.svc.cluster.local`);
      expect(one(def, 'Service', `${store.name}-primary`).spec.selector['statefulset.kubernetes.io/pod-name']).toBe(`${store.name}-0`);
    }
    expect(JSON.stringify(all).match(/requirepass [^%]/g)).toBeNull();
  });

  test('each NFS volume bound to its claim, each StorageClass on its server, keeping its volumes', () => {
    for (const nfs of def.nfsStorage ?? []) {
      for (const v of nfs.volumes ?? []) {
        const pv = one(def, 'PersistentVolume', v.name);
        expect(pv.spec).toEqual(expect.objectContaining({ persistentVolumeReclaimPolicy: 'Retain', nfs: { server: nfs.server, path: v.path }, capacity: { storage: v.capacity } }));
        if (!v.claim) continue;
        const claim = v.claim.name ?? v.name;
        expect(pv.spec.claimRef).toEqual({ namespace: ns, name: claim });
        expect(one(def, 'PersistentVolumeClaim', claim).spec).toEqual(expect.objectContaining({ volumeName: v.name, storageClassName: '' }));
      }
      if (!nfs.storageClass) continue;
      const sc = one(def, 'StorageClass', nfs.storageClass.name);
      expect(sc.provisioner).toBe('nfs.csi.k8s.io');
      expect(sc.reclaimPolicy).toBe('Retain');
      expect(sc.parameters).toEqual(expect.objectContaining({ server: nfs.server, share: nfs.storageClass.share }));
    }
  });

  test('each TLS host has a Certificate from the issuer its definition names', () => {
    for (const tls of (def.ingressRoutes ?? []).flatMap((r) => r.tls ?? [])) {
      const issuer = tls.certManager?.issuer;
      if (issuer === undefined || tls.secretName === undefined) continue;
      expect(one(def, 'Certificate', tls.secretName).spec).toEqual(expect.objectContaining({
        secretName: tls.secretName, dnsNames: tls.hosts, issuerRef: expect.objectContaining({ name: issuer }),
      }));
    }
  });

  test('every pod of its namespace: restricted security context, requests and limits, probes, a pinned image, no host path', () => {
    const workloads = all.filter((m) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(m.kind) && m.metadata.namespace === ns);
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
      expect(spec.volumes?.filter((v: Manifest) => v.hostPath) ?? []).toEqual([]);
    }
  });

  test('each stateful object is protected from pruning by Argo CD and by Flux; nothing else is', () => {
    for (const m of all.filter((o) => ['Namespace', 'PersistentVolume', 'PersistentVolumeClaim', 'StatefulSet', 'StorageClass'].includes(o.kind))) {
      expect(m.metadata.annotations).toEqual(expect.objectContaining(PROTECTED));
    }
    for (const m of all.filter((o) => o.kind === 'Deployment')) expect(m.metadata.annotations).toBeUndefined();
  });

  test('every namespace with pods denies ingress by default', () => {
    for (const namespace of new Set(workloadsOf(all).map((w) => w.metadata.namespace))) {
      expect(one(def, 'NetworkPolicy', 'default-deny', namespace).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    }
  });

  test('every route backend is admitted from its controller, every LoadBalancer/NodePort Service\'s pods from outside, on their target port', () => {
    const flows = requiredFlows(all.map((manifest) => ({ manifest, constructPath: def.name })), DEFAULT_NETWORK_FACTS);
    const routed = all.filter((m) => m.kind === 'Ingress' || m.kind === 'HTTPRoute').length;
    const exposed = all.filter((m) => m.kind === 'Service' && ['LoadBalancer', 'NodePort'].includes(m.spec.type));
    expect(flows.filter((f) => f.why.startsWith('route backend')).length).toBeGreaterThanOrEqual(routed);
    expect(flows.filter((f) => f.source.kind === 'outside').length).toBeGreaterThanOrEqual(exposed.length);
    for (const f of flows) {
      expect(containerPortsOf(f.workload)).toContain(f.port);
      expect([f.why, admitted(all, f.workload, f.port, f.source)]).toEqual([f.why, true]);
    }
  });

  test('an app that only its declared clients reach (no route, no exposure) admits them and no other pod', () => {
    const apps = [...(def.autoscaledApps ?? []), ...(def.nodePortApps ?? []), ...(def.statefulSets ?? []), ...(def.redisStores ?? []), ...(def.nodeDaemons ?? [])];
    const flows = requiredFlows(all.map((manifest) => ({ manifest, constructPath: def.name })), DEFAULT_NETWORK_FACTS);
    for (const target of new Set(apps.flatMap((a) => (a.connections ?? []).map((c) => c.to)))) {
      const workload = workloadsOf(all).find((w) => w.metadata.name === target)!;
      if (flows.some((f) => f.workload === workload)) continue; // routed or exposed: reachable from a controller or from outside too
      const clients = apps.filter((a) => (a.connections ?? []).some((c) => c.to === target)).map((a) => a.name);
      const port = containerPortsOf(workload)[0];
      for (const w of workloadsOf(all).filter((x) => x !== workload || clients.includes(target))) {
        const source = { kind: 'pods' as const, namespace: w.metadata.namespace, podLabels: w.spec.template.metadata.labels };
        expect([target, w.metadata.name, admitted(all, workload, port, source)]).toEqual([target, w.metadata.name, clients.includes(w.metadata.name)]);
      }
      expect(admitted(all, workload, port, { kind: 'pods', namespace: workload.metadata.namespace, podLabels: { app: 'intruder' } })).toBe(false);
      expect(admitted(all, workload, port, { kind: 'outside' })).toBe(false);
    }
  });

  test('no Service is reachable by nothing', () => {
    expect(unreachableServices(result.findObjects({ environment: def.name }))).toEqual([]);
  });

  test('matches the snapshot (refresh: npm run test:update)', () => {
    expect(snapshotOf(result, { environment: def.name })).toMatchSnapshot();
  });
});

describe.each(clusters.map((c) => [c.name, c] as const))('shipped cluster %s', (_name, props) => {
  test('its gateway, reserved and node addresses are kept out of MetalLB pools', () => {
    const used = new Cluster(props).usedAddresses.map((r) => r.text);
    const declared = [props.nodeNetwork?.gateway, ...(props.nodeNetwork?.reserved ?? []), ...(props.nodes ?? []).map((n) => n.address)].filter((a): a is string => a !== undefined);
    expect(used).toEqual(expect.arrayContaining(declared));
  });
});
