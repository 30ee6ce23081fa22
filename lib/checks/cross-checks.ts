/**
 * Checks across rendered objects that no single construct can make: things that only go wrong in the
 * cluster, silently, and that every construct could cause (a patch, a cdk8s-plus default).
 */

import { apiGroup, objectId } from './schema';

type Manifest = Record<string, any>;
type Rendered = ReadonlyArray<{ manifest: Manifest; constructPath: string }>;

/** Kinds whose pod template Services, claims and autoscalers may refer to. */
export const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'];

/** The label each pod of a StatefulSet carries with its own name, `<statefulset>-<ordinal>`. */
export const STATEFUL_SET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';

/**
 * The labels a workload's pods carry: its template's, and on a StatefulSet's pods their own name.
 * kube-controller-manager: pkg/controller/statefulset/stateful_set_utils.go updateIdentity sets
 * `statefulset.kubernetes.io/pod-name` (apps/v1 StatefulSetPodNameLabel) on pods 0 to replicas-1.
 */
function podLabelSets(m: Manifest): Array<Record<string, string>> {
  const template = (m.spec?.template?.metadata?.labels ?? {}) as Record<string, string>;
  if (m.kind !== 'StatefulSet') return [template];
  const replicas = typeof m.spec?.replicas === 'number' ? m.spec.replicas : 1;
  return [template, ...Array.from({ length: replicas }, (_, i) => ({ ...template, [STATEFUL_SET_POD_NAME_LABEL]: `${m.metadata?.name}-${i}` }))];
}

/**
 * A lookup of the workloads whose pods a selector matches, in one namespace: workloads are indexed by
 * each label of their pods, so each lookup only compares the few that share the selector's first label
 * (linear in objects, not in Services × workloads).
 */
export function podSelector(manifests: readonly Manifest[]): (namespace: string | undefined, selector: Record<string, string>) => Manifest[] {
  const byLabel = new Map<string, Array<{ workload: Manifest; labels: Record<string, string> }>>();
  for (const m of manifests) {
    if (!WORKLOADS.includes(m.kind)) continue;
    for (const labels of podLabelSets(m)) {
      for (const [k, v] of Object.entries(labels)) {
        const key = `${m.metadata?.namespace}\u0000${k}\u0000${v}`;
        const list = byLabel.get(key);
        if (list) list.push({ workload: m, labels });
        else byLabel.set(key, [{ workload: m, labels }]);
      }
    }
  }
  return (namespace, selector) => {
    const entries = Object.entries(selector);
    if (entries.length === 0) return [];
    const [k, v] = entries[0];
    const matching = (byLabel.get(`${namespace}\u0000${k}\u0000${v}`) ?? []).filter((p) => entries.every(([key, value]) => p.labels[key] === value));
    return [...new Set(matching.map((p) => p.workload))];
  };
}

/**
 * Every Service with a selector must select the pods of some workload in its namespace and environment:
 * one that selects none has no endpoints, and the cluster reports nothing. One message per such Service.
 */
export function servicesWithoutPods(objects: Rendered): string[] {
  const select = podSelector(objects.map((o) => o.manifest));
  const problems: string[] = [];
  for (const o of objects) {
    const m = o.manifest;
    const selector = m.kind === 'Service' ? m.spec?.selector as Record<string, string> | undefined : undefined;
    if (!selector || Object.keys(selector).length === 0) continue;
    if (select(m.metadata?.namespace, selector).length === 0) {
      problems.push(`${o.constructPath}: Service ${m.metadata?.namespace}/${m.metadata?.name}: selector ${JSON.stringify(selector)} matches no pod of any workload in its namespace, so it would have no endpoints`);
    }
  }
  return problems;
}

/**
 * No two objects of one environment may share kind, namespace and name: the second apply would silently
 * overwrite the first. One message per repeat, naming both constructs.
 */
export function duplicateObjects(objects: Rendered): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const o of objects) {
    const m = o.manifest;
    const shown = objectId(m);
    const key = `${apiGroup(m.apiVersion)}\u0000${shown}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, o.constructPath);
    else problems.push(`${o.constructPath}: ${shown} is also written by ${first}; one of them would overwrite the other`);
  }
  return problems;
}

/**
 * Every claim must be able to bind: a claim bound by `volumeName` needs that PersistentVolume (reserved
 * for it, if the volume names a claim), a claim or claim template naming a StorageClass needs that class
 * (written by the environment or listed as external), and a pod volume needs its claim in its namespace.
 * Otherwise the claim stays Pending and its pods never start.
 */
export function claimsWithoutStorage(objects: Rendered, externalStorageClasses: readonly string[] = []): string[] {
  const byKind = (kind: string) => objects.filter((o) => o.manifest.kind === kind);
  const volumes = new Map(byKind('PersistentVolume').map((o) => [o.manifest.metadata?.name, o.manifest]));
  const classes = new Set([...byKind('StorageClass').map((o) => o.manifest.metadata?.name), ...externalStorageClasses]);
  const claims = new Set(byKind('PersistentVolumeClaim').map((o) => objectId(o.manifest)));
  const knownClasses = () => [...classes].sort().join(', ') || 'none';
  const problems: string[] = [];
  const checkClass = (path: string, what: string, spec: Manifest | undefined) => {
    const name = spec?.storageClassName;
    if (typeof name === 'string' && name !== '' && !classes.has(name)) {
      problems.push(`${path}: ${what} names StorageClass "${name}", which this environment neither writes nor lists in externalStorageClasses (${knownClasses()}), so it would stay Pending`);
    }
  };
  for (const o of objects) {
    const m = o.manifest;
    if (m.kind === 'PersistentVolumeClaim') {
      const what = objectId(m);
      checkClass(o.constructPath, what, m.spec);
      const volumeName = m.spec?.volumeName;
      if (volumeName !== undefined) {
        const pv = volumes.get(volumeName);
        const ref = pv?.spec?.claimRef;
        if (!pv) problems.push(`${o.constructPath}: ${what} binds PersistentVolume "${volumeName}", which this environment does not write, so it would stay Pending`);
        else if (ref && (ref.name !== m.metadata?.name || ref.namespace !== m.metadata?.namespace)) {
          problems.push(`${o.constructPath}: ${what} binds PersistentVolume "${volumeName}", which is reserved for claim ${ref.namespace}/${ref.name}, so it would stay Pending`);
        }
      }
    }
    if (m.kind === 'StatefulSet') {
      for (const t of m.spec?.volumeClaimTemplates ?? []) checkClass(o.constructPath, `${objectId(m)} volumeClaimTemplate "${t.metadata?.name}"`, t.spec);
    }
    if (WORKLOADS.includes(m.kind)) {
      for (const v of m.spec?.template?.spec?.volumes ?? []) {
        const claimName = v.persistentVolumeClaim?.claimName;
        if (claimName !== undefined && !claims.has(objectId({ kind: 'PersistentVolumeClaim', metadata: { namespace: m.metadata?.namespace, name: claimName } }))) {
          problems.push(`${o.constructPath}: ${objectId(m)} mounts claim "${claimName}", which this environment does not write in namespace ${m.metadata?.namespace}, so its pods would never start`);
        }
      }
    }
  }
  return problems;
}

/**
 * Every HorizontalPodAutoscaler must scale a workload this environment writes in its namespace, and that
 * workload must not set `spec.replicas` (each GitOps apply would reset what the autoscaler chose).
 */
export function autoscalersWithoutTarget(objects: Rendered): string[] {
  const targets = new Map(objects.map((o) => [objectId(o.manifest), o.manifest]));
  const problems: string[] = [];
  for (const o of objects) {
    const m = o.manifest;
    if (m.kind !== 'HorizontalPodAutoscaler') continue;
    const ref = m.spec?.scaleTargetRef ?? {};
    const target = targets.get(objectId({ kind: ref.kind, metadata: { namespace: m.metadata?.namespace, name: ref.name } }));
    if (!target) {
      problems.push(`${o.constructPath}: ${objectId(m)} scales ${ref.kind} "${ref.name}", which this environment does not write in its namespace`);
    } else if (target.spec?.replicas !== undefined) {
      problems.push(`${o.constructPath}: ${objectId(m)} scales ${ref.kind} "${ref.name}", which sets spec.replicas ${target.spec.replicas}; every apply would reset the scale (leave replicas unset)`);
    }
  }
  return problems;
}

/** Capabilities the Pod Security "baseline" profile lets a container add. */
export const BASELINE_CAPABILITIES: readonly string[] = [
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
];
/** Volume types the "restricted" profile allows. */
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const SECCOMP_OK = ['RuntimeDefault', 'Localhost'];

/** What a pod spec breaks of one Pod Security level (Kubernetes 1.27 Pod Security Standards), in words. */
/** The minor a namespace's `enforce-version` label pins (`v1.34` → 34; `latest` or none: the newest we know). */
function pinnedMinor(version: unknown): number {
  const m = typeof version === 'string' ? /^v1\.(\d+)$/.exec(version) : null;
  return m ? Number(m[1]) : NEWEST_MINOR;
}
const NEWEST_MINOR = 36;
const HANDLERS = ['livenessProbe', 'readinessProbe', 'startupProbe'];

function podSecurityBreaches(spec: Manifest, level: 'baseline' | 'restricted', minor: number): string[] {
  const out: string[] = [];
  for (const host of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[host]) out.push(`${host}: true`);
  for (const v of (spec.volumes ?? []) as Manifest[]) {
    if (v.hostPath) out.push(`hostPath volume "${v.name}"`);
    else if (level === 'restricted' && !Object.keys(v).some((k) => RESTRICTED_VOLUMES.includes(k))) out.push(`volume "${v.name}" of a type other than ${RESTRICTED_VOLUMES.join('/')}`);
  }
  const pod = (spec.securityContext ?? {}) as Manifest;
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])] as Manifest[];
  for (const c of containers) {
    const sc = (c.securityContext ?? {}) as Manifest;
    const where = `container "${c.name}"`;
    if (sc.privileged) out.push(`${where}: privileged`);
    if ((c.ports ?? []).some((p: Manifest) => p.hostPort)) out.push(`${where}: hostPort`);
    const added: string[] = sc.capabilities?.add ?? [];
    const allowedAdd = level === 'restricted' ? ['NET_BIND_SERVICE'] : BASELINE_CAPABILITIES;
    const extra = added.filter((a) => !allowedAdd.includes(a));
    if (extra.length > 0) out.push(`${where}: adds capabilities ${extra.join(', ')}`);
    // Pod Security admission: policy/check_hostProbesAndHostLifecycle.go (baseline from v1.34): no host in probes or lifecycle handlers.
    if (minor >= 34) {
      const handlers = [...HANDLERS.map((h) => [h, c[h]]), ...['postStart', 'preStop'].map((h) => [`lifecycle.${h}`, c.lifecycle?.[h]])] as Array<[string, Manifest | undefined]>;
      for (const [name, h] of handlers) {
        const host = h?.httpGet?.host || h?.tcpSocket?.host;
        if (host) out.push(`${where}: ${name} sets host ${JSON.stringify(host)} (refused from Pod Security v1.34)`);
      }
    }
    if (level === 'baseline') continue;
    if (sc.allowPrivilegeEscalation !== false) out.push(`${where}: allowPrivilegeEscalation is not false`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${where}: does not drop capability ALL`);
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) out.push(`${where}: runAsNonRoot is not true`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) out.push(`${where}: runAsUser 0`);
    if (!SECCOMP_OK.includes(sc.seccompProfile?.type ?? pod.seccompProfile?.type)) out.push(`${where}: no RuntimeDefault or Localhost seccompProfile`);
  }
  return out;
}

/**
 * Every workload must meet the Pod Security level its namespace enforces (read from the environment's
 * Namespace objects): a Deployment the API server accepts but whose pods admission refuses never starts,
 * and only the ReplicaSet's events say why. This catches containers added around the constructs (a
 * subclass calling cdk8s-plus directly, an aspect, a patch). One message per workload.
 */
export function podSecurityViolations(objects: Rendered): string[] {
  const levels = new Map<string, string>();
  const minors = new Map<string, number>();
  for (const { manifest: m } of objects) {
    if (m.kind !== 'Namespace') continue;
    levels.set(m.metadata?.name, m.metadata?.labels?.['pod-security.kubernetes.io/enforce'] ?? 'privileged');
    minors.set(m.metadata?.name, pinnedMinor(m.metadata?.labels?.['pod-security.kubernetes.io/enforce-version']));
  }
  const problems: string[] = [];
  for (const o of objects) {
    const m = o.manifest;
    const level = levels.get(m.metadata?.namespace);
    const spec = WORKLOADS.includes(m.kind) ? m.spec?.template?.spec : undefined;
    if (!spec || (level !== 'restricted' && level !== 'baseline')) continue;
    const breaches = podSecurityBreaches(spec, level, minors.get(m.metadata.namespace) ?? NEWEST_MINOR);
    if (breaches.length > 0) {
      problems.push(`${o.constructPath}: ${objectId(m)}: ${breaches.join('; ')}; namespace ${m.metadata.namespace} enforces Pod Security "${level}", so its pods would be refused and never start (use the constructs' secure containers and addSidecar(), or declare the need with Environment.requirePodSecurity)`);
    }
  }
  return problems;
}
