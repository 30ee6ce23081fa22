/**
 * What kube-scheduler (and the DaemonSet controller) would leave Pending on a cluster whose nodes are
 * declared: pods no node's labels admit, pods that tolerate no admitted node's taints, hard topology
 * spreads with more replicas than the nodes allow, and requests above every node's allocatable. Pure
 * functions of the rendered objects and the cluster's facts; without declared nodes they report nothing.
 */
import { show } from './validation';
import { EligibleNodes, formatQuantity, podRequestsAfterDefaulting, quantityMilli } from './admission';
import { idOf, podSpecOf, PodSpecAt, selects } from './api-server';
import type { ClusterFacts, NodeFacts, TaintFacts } from './cluster';
import type { Manifest, RenderedObjects } from './index';

const list = (v: unknown): Manifest[] => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : []);

/** A node's labels, with the `kubernetes.io/hostname` label the kubelet always sets (its name) when not declared. */
export function nodeLabels(node: NodeFacts): Record<string, string> {
  return { 'kubernetes.io/hostname': node.name, ...node.labels };
}

// kube-scheduler NodeAffinity: k8s.io/component-helpers/scheduling/corev1/nodeaffinity (NodeSelectorRequirementsAsSelector:
// In, NotIn, Exists, DoesNotExist, Gt, Lt on labels; matchFields only metadata.name with In/NotIn); an empty term matches nothing.
function termMatches(term: Manifest, node: NodeFacts): boolean {
  const labels = nodeLabels(node);
  const expressions = list(term.matchExpressions);
  const fields = list(term.matchFields);
  if (expressions.length === 0 && fields.length === 0) return false;
  const has = (k: string) => Object.prototype.hasOwnProperty.call(labels, k);
  const byLabel = expressions.every((e) => {
    const values: unknown[] = Array.isArray(e.values) ? e.values : [];
    const v = labels[e.key];
    switch (e.operator) {
      case 'In': return has(e.key) && values.includes(v);
      case 'NotIn': return !has(e.key) || !values.includes(v);
      case 'Exists': return has(e.key);
      case 'DoesNotExist': return !has(e.key);
      case 'Gt': case 'Lt': {
        const a = Number.parseInt(String(v), 10);
        const b = Number.parseInt(String(values[0]), 10);
        if (!has(e.key) || !/^-?\d+$/.test(String(v)) || Number.isNaN(b)) return false;
        return e.operator === 'Gt' ? a > b : a < b;
      }
      default: return false;
    }
  });
  const byField = fields.every((f) => {
    const values: unknown[] = Array.isArray(f.values) ? f.values : [];
    if (f.key !== 'metadata.name') return false;
    if (f.operator === 'In') return values.includes(node.name);
    if (f.operator === 'NotIn') return !values.includes(node.name);
    return false;
  });
  return byLabel && byField;
}

/**
 * Whether a pod spec's `nodeName`, `nodeSelector` and required node affinity admit a node
 * (kube-scheduler NodeName and NodeAffinity filters).
 */
export function admitsNode(spec: Manifest, node: NodeFacts): boolean {
  // kube-scheduler NodeName: pkg/scheduler/framework/plugins/nodename (a set nodeName binds to that node only).
  if (typeof spec.nodeName === 'string' && spec.nodeName !== '' && spec.nodeName !== node.name) return false;
  const labels = nodeLabels(node);
  // kube-scheduler NodeAffinity: pkg/scheduler/framework/plugins/nodeaffinity (nodeSelector: every label; required terms: any term).
  const selector = spec.nodeSelector && typeof spec.nodeSelector === 'object' ? spec.nodeSelector as Record<string, unknown> : {};
  if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && typeof required === 'object') return list(required.nodeSelectorTerms).some((t) => termMatches(t, node));
  return true;
}

// k8s.io/api/core/v1 Toleration.ToleratesTaint (effect, key with Exists/Equal, value).
function tolerates(toleration: Manifest, taint: TaintFacts): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  if (toleration.operator === 'Exists') return true;
  return (toleration.operator === undefined || toleration.operator === 'Equal') && (toleration.value ?? '') === (taint.value ?? '');
}

/** The first NoSchedule/NoExecute taint of a node the tolerations do not tolerate, or undefined. */
// kube-scheduler TaintToleration: pkg/scheduler/framework/plugins/tainttoleration Filter (FindMatchingUntoleratedTaint, NoSchedule and NoExecute).
export function untoleratedTaint(tolerations: readonly Manifest[], node: NodeFacts): TaintFacts | undefined {
  return node.taints.find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerations.some((x) => tolerates(x, t)));
}

// DaemonSet controller: pkg/controller/daemon/util AddOrUpdateDaemonPodTolerations (what every DaemonSet pod tolerates besides its own).
const DAEMON_TOLERATIONS: readonly Manifest[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
const HOST_NETWORK_TOLERATION: Manifest = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };

/** A pod spec's tolerations, with those the DaemonSet controller adds when `daemonSet`. */
function tolerationsOf(spec: Manifest, daemonSet: boolean): Manifest[] {
  const own = list(spec.tolerations);
  if (!daemonSet) return own;
  return [...own, ...DAEMON_TOLERATIONS, ...(spec.hostNetwork === true ? [HOST_NETWORK_TOLERATION] : [])];
}

/**
 * The declared nodes a pod template can be scheduled on: those its `nodeName`, `nodeSelector` and
 * required node affinity admit and whose NoSchedule/NoExecute taints it tolerates (resources aside).
 * Pass a DaemonSet's template with `daemonSet: true` for the tolerations its controller adds.
 */
export function eligibleNodes(podTemplateSpec: { readonly spec?: Manifest }, facts: ClusterFacts, daemonSet = false): NodeFacts[] {
  const spec = podTemplateSpec.spec ?? {};
  const tolerations = tolerationsOf(spec, daemonSet);
  return facts.nodes.filter((n) => admitsNode(spec, n) && untoleratedTaint(tolerations, n) === undefined);
}

/** The declared nodes a workload's pods can run on (DaemonSets with their controller's tolerations); undefined without a pod template. */
export function workloadNodes(m: Manifest, facts: ClusterFacts): NodeFacts[] | undefined {
  const pod = podSpecOf(m);
  if (!pod || m.kind === 'PodTemplate') return undefined;
  return eligibleNodes({ spec: pod.spec }, facts, m.kind === 'DaemonSet');
}

/**
 * For the ResourceQuota admission check ({@link EligibleNodes}): how many nodes each DaemonSet runs on in
 * this cluster; unknown (undefined) when the cluster declares no nodes.
 */
export function daemonSetNodeCounts(facts: ClusterFacts): EligibleNodes {
  return (daemonSet) => (facts.nodes.length === 0 ? undefined : workloadNodes(daemonSet, facts)?.length);
}

/**
 * The most replicas a workload asks for at once, and the field that says so: `spec.replicas` (default 1),
 * or the `maxReplicas` of a HorizontalPodAutoscaler of its namespace that targets it, when higher.
 */
export function mostReplicas(objects: RenderedObjects): (workload: Manifest) => { readonly count: number; readonly field: string } {
  const hpaMax = new Map<string, { max: number; path: string }>();
  for (const o of objects) {
    const h = o.manifest;
    const ref = h.kind === 'HorizontalPodAutoscaler' ? h.spec?.scaleTargetRef : undefined;
    if (ref?.kind && ref?.name && typeof h.spec?.maxReplicas === 'number') {
      hpaMax.set(`${h.metadata?.namespace ?? ''}/${ref.kind}/${ref.name}`, { max: h.spec.maxReplicas, path: `HorizontalPodAutoscaler ${h.metadata?.name} spec.maxReplicas` });
    }
  }
  return (m) => {
    const replicas = typeof m.spec?.replicas === 'number' ? m.spec.replicas : 1;
    // An HPA scales its target up to maxReplicas (pkg/controller/podautoscaler).
    const hpa = hpaMax.get(`${m.metadata?.namespace ?? ''}/${m.kind}/${m.metadata?.name}`);
    return hpa && hpa.max > replicas ? { count: hpa.max, field: hpa.path } : { count: replicas, field: 'spec.replicas' };
  };
}

const nodeNames = (nodes: readonly NodeFacts[]) => nodes.map((n) => n.name).join(', ');
const taintText = (t: TaintFacts) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;

/** The node fields a pod spec restricts nodes with, for messages. */
function placementFields(pod: PodSpecAt): string {
  const parts: string[] = [];
  if (pod.spec.nodeName) parts.push(`${pod.field}.nodeName ${show(pod.spec.nodeName)}`);
  if (pod.spec.nodeSelector && Object.keys(pod.spec.nodeSelector).length > 0) parts.push(`${pod.field}.nodeSelector ${show(pod.spec.nodeSelector)}`);
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) parts.push(`${pod.field}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution ${show(required)}`);
  return parts.join(' and ');
}

const REPLICATED = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);
const SCHEDULED_RESOURCES = ['cpu', 'memory'] as const;

/**
 * kube-scheduler's filters over the declared nodes, per workload: a placement (nodeName, nodeSelector,
 * required affinity) no node admits; tolerations that leave no admitted node (a DaemonSet then runs
 * nowhere); a hard topology spread that cannot place every replica; requests (after LimitRange defaults)
 * above the allocatable of every node it may run on (for a DaemonSet: of any such node).
 */
export function schedulingRules(objects: RenderedObjects, facts: ClusterFacts): string[] {
  if (facts.nodes.length === 0) return [];
  const requestsOf = podRequestsAfterDefaulting(objects);
  const replicasOf = mostReplicas(objects);
  const problems: string[] = [];
  for (const o of objects) {
    const m = o.manifest;
    const pod = podSpecOf(m);
    if (!pod || m.kind === 'PodTemplate') continue;
    const at = `${o.constructPath}: ${idOf(m)}`;
    const daemonSet = m.kind === 'DaemonSet';
    const admitted = facts.nodes.filter((n) => admitsNode(pod.spec, n));
    if (admitted.length === 0) {
      problems.push(`${at} ${placementFields(pod)} admits no node of cluster ${show(facts.name)} (nodes: ${facts.nodes.map((n) => `${n.name} ${show(nodeLabels(n))}`).join(', ')}); kube-scheduler's NodeAffinity/NodeName filters leave its pods Pending`);
      continue;
    }
    const tolerations = tolerationsOf(pod.spec, daemonSet);
    const eligible = admitted.filter((n) => untoleratedTaint(tolerations, n) === undefined);
    if (eligible.length === 0) {
      const taints = admitted.map((n) => `${n.name} ${taintText(untoleratedTaint(tolerations, n)!)}`).join(', ');
      problems.push(`${at} ${pod.field}.tolerations ${show(pod.spec.tolerations ?? [])} tolerate no taint of the nodes it may run on (${taints}); kube-scheduler's TaintToleration filter ${daemonSet ? 'lets the DaemonSet run on no node' : 'leaves its pods Pending'}: add a toleration or allow an untainted node`);
      continue;
    }
    problems.push(...resourceFit(at, pod, m, eligible, requestsOf(m)));
    if (REPLICATED.has(m.kind)) problems.push(...spreads(at, pod, replicasOf(m), facts.nodes, admitted, eligible, tolerations));
  }
  return problems;
}

// kube-scheduler NodeResourcesFit: pkg/scheduler/framework/plugins/noderesources/fit.go fitsRequest (pod requests + node's
// requested ≤ allocatable; here against an empty node, so a refusal is certain). Nodes without a declared allocatable fit.
function resourceFit(at: string, pod: PodSpecAt, m: Manifest, eligible: readonly NodeFacts[], requests: Map<string, bigint> | undefined): string[] {
  if (!requests) return [];
  const tooSmall = (n: NodeFacts): string[] => SCHEDULED_RESOURCES.flatMap((r) => {
    const have = quantityMilli(n.allocatable?.[r]);
    const want = requests.get(r);
    return have !== undefined && want !== undefined && want > have ? [`${n.name} ${r} ${formatQuantity(r, have)}`] : [];
  });
  const asked = SCHEDULED_RESOURCES.filter((r) => requests.has(r)).map((r) => `${r} ${formatQuantity(r, requests.get(r)!)}`).join(', ');
  const short = eligible.map((n) => ({ n, why: tooSmall(n) })).filter((x) => x.why.length > 0);
  if (m.kind === 'DaemonSet') {
    if (short.length === 0) return [];
    return [`${at} ${pod.field} requests ${asked} per pod (after LimitRange defaults), more than the allocatable of ${short.map((x) => x.why.join(', ')).join('; ')}; kube-scheduler's NodeResourcesFit leaves its pod on ${nodeNames(short.map((x) => x.n))} Pending`];
  }
  if (short.length < eligible.length) return [];
  return [`${at} ${pod.field} requests ${asked} per pod (after LimitRange defaults), more than the allocatable of every node it may run on (${short.map((x) => x.why.join(', ')).join('; ')}); kube-scheduler's NodeResourcesFit leaves its pods Pending`];
}

/**
 * Hard spreads (`whenUnsatisfiable: DoNotSchedule`) that cannot place every replica: the domains the
 * spread counts (nodes with the topology label that pass `nodeAffinityPolicy`, default Honor, and
 * `nodeTaintsPolicy`, default Ignore) include one where the pods cannot run, or fewer than `minDomains`;
 * then the global minimum stays 0 and each domain the pods can reach holds at most `maxSkew` of them.
 */
// kube-scheduler PodTopologySpread: pkg/scheduler/framework/plugins/podtopologyspread/filtering.go Filter
// ('existing matching num' + 'self-match' - 'global minimum' <= maxSkew; minMatchNum is 0 below minDomains).
function spreads(at: string, pod: PodSpecAt, asked: { count: number; field: string }, all: readonly NodeFacts[], admitted: readonly NodeFacts[], eligible: readonly NodeFacts[], tolerations: readonly Manifest[]): string[] {
  const replicas = asked.count;
  const podLabels = pod.metadata?.labels ?? {};
  const problems: string[] = [];
  list(pod.spec.topologySpreadConstraints).forEach((c, i) => {
    if (c.whenUnsatisfiable !== 'DoNotSchedule' || typeof c.topologyKey !== 'string') return;
    if (!c.labelSelector || !selects(c.labelSelector, podLabels)) return;
    const maxSkew = typeof c.maxSkew === 'number' ? c.maxSkew : 1;
    const key: string = c.topologyKey;
    const valueOf = (n: NodeFacts) => nodeLabels(n)[key];
    const honorAffinity = (c.nodeAffinityPolicy ?? 'Honor') === 'Honor';
    const honorTaints = c.nodeTaintsPolicy === 'Honor';
    const field = `${pod.field}.topologySpreadConstraints[${i}]`;
    const reachable = eligible.filter((n) => valueOf(n) !== undefined);
    const reachableDomains = new Set(reachable.map(valueOf));
    if (reachableDomains.size === 0) {
      problems.push(`${at} ${field} topologyKey ${show(key)}: no node it may run on (${nodeNames(eligible)}) has that label; kube-scheduler's PodTopologySpread leaves its pods Pending`);
      return;
    }
    // PodTopologySpread matchNodeInclusionPolicies: the nodes whose pods (and domains) the spread counts.
    const domainNodes = (honorAffinity ? admitted : all).filter((n) => valueOf(n) !== undefined
      && (!honorTaints || untoleratedTaint(tolerations, n) === undefined));
    const domains = new Set(domainNodes.map(valueOf));
    const unreachable = domainNodes.filter((n) => !reachableDomains.has(valueOf(n)));
    const minDomains = typeof c.minDomains === 'number' ? c.minDomains : 1;
    const capped = unreachable.length > 0 || domains.size < minDomains;
    const most = maxSkew * reachableDomains.size;
    if (!capped || replicas <= most) return;
    const why = unreachable.length > 0
      ? `the spread also counts ${unreachable.map((n) => `${n.name}${untoleratedTaint(tolerations, n) ? ` (taint ${taintText(untoleratedTaint(tolerations, n)!)}, nodeTaintsPolicy ${c.nodeTaintsPolicy ?? 'Ignore'})` : ` (not admitted, nodeAffinityPolicy ${c.nodeAffinityPolicy})`}`).join(', ')}, where its pods cannot run, so the global minimum stays 0`
      : `fewer domains (${domains.size}) than minDomains ${minDomains} keep the global minimum at 0`;
    problems.push(`${at} ${asked.field} ${replicas} with ${field} (maxSkew ${maxSkew}, topologyKey ${show(key)}, DoNotSchedule) can place at most ${most}: its pods may run on ${nodeNames(reachable)}, and ${why}; kube-scheduler's PodTopologySpread leaves ${replicas - most} Pending (set nodeTaintsPolicy: Honor, raise maxSkew, or lower replicas)`);
  });
  return problems;
}
