/**
 * What one cluster holds once, whichever environment writes it: nodePorts (kube-apiserver's allocator),
 * host ports of pods that can share a node (kube-scheduler's NodePorts filter), objects by name (one
 * per cluster for cluster-scoped kinds, one per namespace otherwise), the namespaces themselves (one
 * environment each) and the default StorageClass. Checked over the objects of all environments of one
 * cluster; an object's environment is the first segment of its construct path (Environments are
 * children of the App).
 */
import { show } from './validation';
import { apiGroup } from './schema';
import { idOf, podSpecOf } from './api-server';
import type { ClusterFacts } from './cluster';
import type { Manifest, RenderedObjects } from './index';
import { mostReplicas, workloadNodes } from './scheduling';

/** Construct path prefix of a cluster's platform objects (`platform:<cluster>/<layer>/…`): no environment name has a colon. */
export const PLATFORM_ROOT = 'platform:';

/** The environment that wrote an object: the first segment of its construct path. */
export function environmentOf(constructPath: string): string {
  return constructPath.split('/')[0];
}

// ---------------------------------------------------------------------------------------------
// nodePorts
// ---------------------------------------------------------------------------------------------

/**
 * nodePorts of all Services of the cluster: inside the cluster's nodePort range, and each used by one
 * Service (one Service may use a port for TCP and UDP).
 */
// API server: pkg/registry/core/service/portallocator (allocator.go Allocate: ErrNotInRange outside --service-node-port-range,
// ErrAllocated "provided port is already allocated" for a port another Service holds).
export function clusterNodePorts(objects: RenderedObjects, facts: ClusterFacts): string[] {
  const { from, to } = facts.nodePortRange;
  const owners = new Map<number, { path: string; id: string; manifest: Manifest }>();
  const problems: string[] = [];
  for (const o of objects) {
    const m = o.manifest;
    if (m.kind !== 'Service' || (m.spec?.type !== 'NodePort' && m.spec?.type !== 'LoadBalancer')) continue;
    const ports: Manifest[] = Array.isArray(m.spec?.ports) ? m.spec.ports : [];
    ports.forEach((p, i) => {
      const port = p?.nodePort;
      if (typeof port !== 'number' || port === 0) return;
      const at = `${o.constructPath}: ${idOf(m)} spec.ports[${i}].nodePort ${port}`;
      if (port < from || port > to) {
        problems.push(`${at} is outside the nodePort range ${from}-${to} of cluster ${show(facts.name)} (its --service-node-port-range): the API server refuses it ("provided port is not in the valid range")`);
        return;
      }
      const first = owners.get(port);
      if (!first) owners.set(port, { path: o.constructPath, id: idOf(m), manifest: m });
      else if (first.manifest !== m) problems.push(`${at} is also used by ${first.path} (${first.id}); kube-apiserver's nodePort allocator refuses the second Service ("provided port is already allocated")`);
    });
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Host ports
// ---------------------------------------------------------------------------------------------

interface HostPort {
  readonly path: string;
  readonly id: string;
  readonly field: string;
  readonly protocol: string;
  readonly hostIP: string;
  readonly port: number;
  readonly hostNetwork: boolean;
  readonly manifest: Manifest;
  readonly nodes?: ReadonlySet<string>;
  readonly nodeSelector: Record<string, unknown>;
}

const ANY_IP = new Set(['', '0.0.0.0', '::']);

/** Whether two workloads' pods may land on one node: their eligible nodes intersect (without declared nodes: unless their nodeSelectors disagree on a label). */
function shareNodes(a: HostPort, b: HostPort): string[] | undefined {
  if (a.nodes && b.nodes) {
    const both = [...a.nodes].filter((n) => b.nodes!.has(n));
    return both.length > 0 ? both : undefined;
  }
  const disagree = Object.keys(a.nodeSelector).some((k) => k in b.nodeSelector && a.nodeSelector[k] !== b.nodeSelector[k]);
  return disagree ? undefined : [];
}

/**
 * Host ports (a container's `hostPort`, or every `containerPort` with `hostNetwork`) of all workloads
 * whose pods can land on one node: the same protocol and port (and overlapping hostIP) on a node
 * serves only the first pod. With declared nodes, workloads whose eligible nodes do not intersect do not
 * clash; without them, every two clash unless their nodeSelectors disagree on a label.
 */
// kube-scheduler NodePorts: pkg/scheduler/framework/plugins/nodeports/node_ports.go Filter (fitsPorts, HostPortInfo.CheckConflict:
// protocol and port, 0.0.0.0 conflicting with every hostIP); with hostNetwork the API server defaults hostPort to containerPort.
export function clusterHostPorts(objects: RenderedObjects, facts: ClusterFacts): string[] {
  const byPort = new Map<string, HostPort[]>();
  const replicasOf = mostReplicas(objects);
  const problems: string[] = [];
  for (const o of objects) {
    const m = o.manifest;
    const pod = podSpecOf(m);
    if (!pod || m.kind === 'PodTemplate') continue;
    const hostNetwork = pod.spec.hostNetwork === true;
    const nodes = facts.nodes.length > 0 ? new Set((workloadNodes(m, facts) ?? []).map((n) => n.name)) : undefined;
    const seenHere = new Set<string>();
    // kube-scheduler: pkg/scheduler/util GetHostPorts (containers, and init containers with restartPolicy Always: sidecars).
    const containers: Array<[Manifest, string]> = [
      ...(Array.isArray(pod.spec.initContainers) ? pod.spec.initContainers : []).map((c: Manifest, i: number): [Manifest, string] => [c, `initContainers[${i}]`])
        .filter(([c]: [Manifest, string]) => c?.restartPolicy === 'Always'),
      ...(Array.isArray(pod.spec.containers) ? pod.spec.containers : []).map((c: Manifest, i: number): [Manifest, string] => [c, `containers[${i}]`]),
    ];
    containers.forEach(([c, cf]) => (Array.isArray(c?.ports) ? c.ports : []).forEach((p: Manifest, pi: number) => {
      const port = p?.hostPort ?? (hostNetwork ? p?.containerPort : undefined);
      if (typeof port !== 'number' || port === 0) return;
      const protocol = String(p.protocol ?? 'TCP');
      const key = `${protocol}/${port}`;
      const hostIP = String(p.hostIP ?? '');
      if (seenHere.has(`${key}/${hostIP}`)) return; // within one pod: the API server's own check (api-server.ts podSpecs)
      seenHere.add(`${key}/${hostIP}`);
      const entry: HostPort = {
        path: o.constructPath, id: idOf(m), field: `${pod.field}.${cf}.ports[${pi}]`, protocol, hostIP, port, hostNetwork,
        manifest: m, nodes, nodeSelector: pod.spec.nodeSelector && typeof pod.spec.nodeSelector === 'object' ? pod.spec.nodeSelector : {},
      };
      const earlier = byPort.get(key) ?? [];
      for (const other of earlier) {
        if (!(ANY_IP.has(hostIP) || ANY_IP.has(other.hostIP) || hostIP === other.hostIP)) continue;
        const where = shareNodes(entry, other);
        if (!where) continue;
        const on = where.length > 0 ? ` on nodes ${where.join(', ')}` : ' (no nodes declared: both may land on any node)';
        problems.push(`${entry.path}: ${entry.id} ${entry.field} host port ${protocol} ${port}${hostNetwork ? ' (hostNetwork)' : ''} is also used by ${other.path} (${other.id} ${other.field}${other.hostNetwork ? ', hostNetwork' : ''})${on}; kube-scheduler's NodePorts filter leaves the second pod Pending there`);
        break;
      }
      byPort.set(key, [...earlier, entry]);
      // Replicas of one workload need a node each for the port.
      const { count: replicas, field: replicasField } = replicasOf(m);
      if (nodes && ['Deployment', 'StatefulSet', 'ReplicaSet'].includes(m.kind) && replicas > nodes.size) {
        problems.push(`${entry.path}: ${entry.id} ${replicasField} ${replicas} with ${entry.field} host port ${protocol} ${port}: only ${nodes.size} node(s) can run it (${[...nodes].join(', ') || 'none'}) and each holds one of its pods; kube-scheduler's NodePorts filter leaves ${replicas - nodes.size} Pending`);
      }
    }));
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Objects, namespaces, default StorageClass
// ---------------------------------------------------------------------------------------------

/** Kinds without a namespace: one object per name in the whole cluster. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace', 'PersistentVolume', 'StorageClass', 'ClusterIssuer', 'IngressClass', 'GatewayClass', 'CustomResourceDefinition',
  'ClusterRole', 'ClusterRoleBinding', 'PriorityClass', 'RuntimeClass', 'CSIDriver', 'VolumeSnapshotClass', 'APIService',
  'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'Node',
]);

const GITOPS_ENTRY = new Set(['argoproj.io/Application', 'kustomize.toolkit.fluxcd.io/Kustomization']);

/**
 * Objects written by more than one environment of a cluster: a cluster-scoped name (Namespace,
 * PersistentVolume, StorageClass, ClusterIssuer, IngressClass, GatewayClass, CRD, ClusterRole, …) or a
 * namespaced kind/namespace/name (one Argo CD Application or Flux Kustomization name per controller
 * namespace included). Repeats within one environment are that environment's own check.
 */
// API server: one object per resource, namespace and name (k8s.io/apiserver registry/generic/registry Store.Create answers
// AlreadyExists; an apply by the second writer silently overwrites the first's object).
export function clusterObjectNames(objects: RenderedObjects): string[] {
  const first = new Map<string, { path: string; env: string }>();
  const problems: string[] = [];
  for (const o of objects) {
    const m = o.manifest;
    if (typeof m.kind !== 'string' || typeof m.metadata?.name !== 'string') continue;
    const clusterScoped = CLUSTER_SCOPED_KINDS.has(m.kind);
    const ns = clusterScoped ? '' : String(m.metadata.namespace ?? '');
    const key = `${apiGroup(m.apiVersion)}/${m.kind}/${ns}/${m.metadata.name}`;
    const env = environmentOf(o.constructPath);
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, { path: o.constructPath, env });
      continue;
    }
    if (earlier.env === env) continue;
    const id = clusterScoped ? `${m.kind} ${m.metadata.name}` : idOf(m);
    const rule = clusterScoped
      ? `a cluster-scoped ${m.kind} is written once per cluster`
      : GITOPS_ENTRY.has(`${apiGroup(m.apiVersion)}/${m.kind}`)
        ? `one ${m.kind} name per controller namespace`
        : 'one object per kind, namespace and name in a cluster';
    problems.push(`${o.constructPath}: ${id} (environment ${show(env)}) is also written by ${earlier.path} (environment ${show(earlier.env)}); ${rule}, and the second apply overwrites the first: write it in one environment`);
  }
  return problems;
}

/**
 * A namespace belongs to the one environment that writes its Namespace: another environment's
 * namespaced objects in it are refused (namespaces no environment writes, such as metallb-system or
 * the GitOps controller's, are shared, their object names being unique by {@link clusterObjectNames}).
 */
// API server: one Namespace per name (see clusterObjectNames); ownership by environment is this project's rule, so that
// quotas, limits and Pod Security of a namespace come from one environment.
export function clusterNamespaceOwners(objects: RenderedObjects): string[] {
  const owner = new Map<string, { path: string; env: string }>();
  for (const o of objects) {
    if (o.manifest.kind === 'Namespace' && typeof o.manifest.metadata?.name === 'string' && !owner.has(o.manifest.metadata.name)) {
      owner.set(o.manifest.metadata.name, { path: o.constructPath, env: environmentOf(o.constructPath) });
    }
  }
  const reported = new Set<string>();
  const problems: string[] = [];
  for (const o of objects) {
    const m = o.manifest;
    const ns = m.metadata?.namespace;
    if (typeof ns !== 'string' || CLUSTER_SCOPED_KINDS.has(m.kind)) continue;
    const own = owner.get(ns);
    const env = environmentOf(o.constructPath);
    // The platform's namespaces (written under `platform:<cluster>`) are shared: pools and issuers go into them.
    if (!own || own.env === env || own.env.startsWith(PLATFORM_ROOT) || reported.has(`${ns}\u0000${env}`)) continue;
    reported.add(`${ns}\u0000${env}`);
    problems.push(`${o.constructPath}: ${idOf(m)} (environment ${show(env)}) is in namespace ${show(ns)}, which environment ${show(own.env)} owns (its Namespace is written by ${own.path}); a namespace belongs to one environment: write the object in ${show(own.env)} or in a namespace of ${show(env)}`);
  }
  return problems;
}

const DEFAULT_CLASS = ['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class'];

/** At most one StorageClass of the cluster is marked default. */
// PersistentVolumeClaim defaulting: pkg/volume/util/storageclass.go GetDefaultClass (with several defaults the newest wins,
// so a claim without storageClassName gets whichever class was created last).
export function clusterDefaultStorageClass(objects: RenderedObjects): string[] {
  let first: { path: string; name: string } | undefined;
  const problems: string[] = [];
  for (const o of objects) {
    const m = o.manifest;
    if (m.kind !== 'StorageClass' || typeof m.metadata?.name !== 'string') continue;
    const key = DEFAULT_CLASS.find((k) => m.metadata?.annotations?.[k] === 'true');
    if (!key) continue;
    if (!first) first = { path: o.constructPath, name: m.metadata.name };
    else if (first.name !== m.metadata.name) {
      problems.push(`${o.constructPath}: StorageClass ${m.metadata.name} metadata.annotations[${show(key)}] "true": StorageClass ${first.name} (${first.path}) is the cluster's default already; with two defaults a claim without storageClassName gets the newest one (GetDefaultClass), so which depends on apply order: mark one default`);
    }
  }
  return problems;
}
