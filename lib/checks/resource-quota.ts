/**
 * ResourceQuota admission: what a namespace's workloads and claims ask for at their configured scale must
 * fit its ResourceQuota, judged on the quantities as written. Beyond it, admission refuses the pods (or
 * claims) that tip it over: a ReplicaSet keeps failing to create them and only its events say why.
 */
import { ExactQuantity, parseExactQuantity } from '../validation';
import type { Manifest, RenderedObjects } from './index';

const ZERO: ExactQuantity = { num: 0n, den: 1n, suffix: '', number: '0' };
const MI = 2n ** 20n;

/** Exact sum of two quantities (denominators are powers of ten, so the larger one is a common one). */
function add(a: ExactQuantity, b: ExactQuantity): ExactQuantity {
  const den = a.den > b.den ? a.den : b.den;
  return { ...ZERO, num: a.num * (den / a.den) + b.num * (den / b.den), den };
}

function times(a: ExactQuantity, n: number): ExactQuantity {
  return { ...a, num: a.num * BigInt(n) };
}

function max(a: ExactQuantity, b: ExactQuantity): ExactQuantity {
  return a.num * b.den >= b.num * a.den ? a : b;
}

function exact(value: unknown): ExactQuantity {
  return (typeof value === 'string' ? parseExactQuantity(value) : typeof value === 'number' ? parseExactQuantity(String(value)) : undefined) ?? ZERO;
}

/** A total for a message: millicores for CPU, Mi (or bytes) for memory and storage, a count otherwise. */
function shown(resource: string, q: ExactQuantity): string {
  if (resource.endsWith('cpu')) return `${(q.num * 1000n) / q.den}m`;
  if (resource.endsWith('memory') || resource.endsWith('storage')) {
    const bytes = q.num / q.den;
    return bytes % MI === 0n ? `${bytes / MI}Mi` : `${bytes} bytes`;
  }
  return `${q.num / q.den}`;
}

/** The pods a workload runs at its configured scale: spec.replicas, its autoscaler's minReplicas, or 1. */
function replicasOf(m: Manifest, autoscaled: ReadonlyMap<string, number>): number {
  if (typeof m.spec?.replicas === 'number') return m.spec.replicas;
  return autoscaled.get(`${m.metadata?.namespace}\u0000${m.kind}\u0000${m.metadata?.name}`) ?? 1;
}

/** What one pod asks for, per quota resource: init containers count as their largest one (as the scheduler does). */
function podUsage(spec: Manifest): Map<string, ExactQuantity> {
  const usage = new Map<string, ExactQuantity>([['pods', { ...ZERO, num: 1n }]]);
  for (const group of ['requests', 'limits'] as const) {
    for (const resource of ['cpu', 'memory']) {
      const sum = ((spec.containers ?? []) as Manifest[]).reduce<ExactQuantity>((acc, c) => add(acc, exact(c.resources?.[group]?.[resource])), ZERO);
      const init = ((spec.initContainers ?? []) as Manifest[]).reduce<ExactQuantity>((acc, c) => max(acc, exact(c.resources?.[group]?.[resource])), ZERO);
      usage.set(`${group}.${resource}`, max(sum, init));
    }
  }
  usage.set('cpu', usage.get('requests.cpu')!);
  usage.set('memory', usage.get('requests.memory')!);
  return usage;
}

/**
 * Sums requests, limits, pods, claims and storage per namespace (workloads at their configured replicas,
 * claim templates once per replica) and compares each with the namespace's ResourceQuota `hard`.
 */
// Admission: kubernetes plugin/pkg/admission/resourcequota with the pod and PVC evaluators of pkg/quota/v1/evaluator/core.
export function resourceQuotaTotals(objects: RenderedObjects): string[] {
  const autoscaled = new Map<string, number>();
  for (const { manifest: m } of objects) {
    const ref = m.kind === 'HorizontalPodAutoscaler' ? m.spec?.scaleTargetRef : undefined;
    if (ref) autoscaled.set(`${m.metadata?.namespace}\u0000${ref.kind}\u0000${ref.name}`, m.spec?.minReplicas ?? 1);
  }
  const totals = new Map<string, Map<string, { total: ExactQuantity; by: string[] }>>();
  const count = (namespace: unknown, resource: string, q: ExactQuantity, by: string) => {
    const ns = totals.get(String(namespace)) ?? new Map();
    totals.set(String(namespace), ns);
    const entry = ns.get(resource) ?? { total: ZERO, by: [] };
    ns.set(resource, { total: add(entry.total, q), by: q.num === 0n ? entry.by : [...entry.by, by] });
  };
  for (const { manifest: m, constructPath } of objects) {
    const spec = m.spec?.template?.spec;
    if (spec && ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(m.kind)) {
      const replicas = replicasOf(m, autoscaled);
      for (const [resource, q] of podUsage(spec)) count(m.metadata?.namespace, resource, times(q, replicas), constructPath);
      for (const t of (m.spec?.volumeClaimTemplates ?? []) as Manifest[]) {
        count(m.metadata?.namespace, 'persistentvolumeclaims', times({ ...ZERO, num: 1n }, replicas), constructPath);
        count(m.metadata?.namespace, 'requests.storage', times(exact(t.spec?.resources?.requests?.storage), replicas), constructPath);
      }
    }
    if (m.kind === 'PersistentVolumeClaim') {
      count(m.metadata?.namespace, 'persistentvolumeclaims', { ...ZERO, num: 1n }, constructPath);
      count(m.metadata?.namespace, 'requests.storage', exact(m.spec?.resources?.requests?.storage), constructPath);
    }
  }
  const problems: string[] = [];
  for (const { manifest: m, constructPath } of objects) {
    if (m.kind !== 'ResourceQuota') continue;
    const used = totals.get(String(m.metadata?.namespace));
    for (const [resource, hardValue] of Object.entries((m.spec?.hard ?? {}) as Record<string, unknown>)) {
      const entry = used?.get(resource);
      const hard = parseExactQuantity(String(hardValue));
      if (!entry || !hard || entry.total.num * hard.den <= hard.num * entry.total.den) continue;
      problems.push(`${constructPath}: ResourceQuota ${m.metadata?.namespace}/${m.metadata?.name}: ${resource} of the namespace at its configured scale is ${shown(resource, entry.total)}, more than hard ${JSON.stringify(hardValue)}, so ResourceQuota admission would refuse what tips it over (from ${[...new Set(entry.by)].slice(0, 5).join(', ')}${new Set(entry.by).size > 5 ? ` and ${new Set(entry.by).size - 5} more` : ''})`);
    }
  }
  return problems;
}
