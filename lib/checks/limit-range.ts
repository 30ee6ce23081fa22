/**
 * LimitRange admission: every container and claim of a namespace must fit the bounds of the namespace's
 * LimitRange, judged on the quantities as written (the API server compares them exactly, never as our
 * props were before rendering). A pod outside them is refused by admission, so its workload never runs.
 */
import { compareQuantities, ExactQuantity, parseExactQuantity, show } from '../validation';
import type { Manifest, RenderedObjects } from './index';

interface Bound {
  readonly where: string;
  readonly min: Record<string, string>;
  readonly max: Record<string, string>;
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/** The bounds of each LimitRange item type, by namespace. */
function boundsOf(objects: RenderedObjects): Map<string, Bound[]> {
  const out = new Map<string, Bound[]>();
  for (const { manifest: m } of objects) {
    if (m.kind !== 'LimitRange') continue;
    for (const item of (m.spec?.limits ?? []) as Manifest[]) {
      const key = `${m.metadata?.namespace}\u0000${item.type}`;
      const list = out.get(key) ?? [];
      list.push({ where: `LimitRange ${m.metadata?.namespace}/${m.metadata?.name}`, min: item.min ?? {}, max: item.max ?? {} });
      out.set(key, list);
    }
  }
  return out;
}

function exact(value: unknown): ExactQuantity | undefined {
  return typeof value === 'string' ? parseExactQuantity(value) : undefined;
}

/** One message per request or limit outside a bound: `field value` is more than max / less than min. */
function outside(bounds: readonly Bound[], what: string, fields: ReadonlyArray<[string, Record<string, unknown> | undefined]>): string[] {
  const problems: string[] = [];
  for (const b of bounds) {
    for (const [field, list] of fields) {
      for (const [resource, value] of Object.entries(list ?? {})) {
        const q = exact(value);
        const max = exact(b.max[resource]);
        const min = exact(b.min[resource]);
        if (q && max && compareQuantities(q, max) > 0) {
          problems.push(`${what}: ${field}.${resource} ${show(value)} is more than the max ${show(b.max[resource])} of ${b.where}, so LimitRange admission would refuse it`);
        }
        if (q && min && compareQuantities(q, min) < 0) {
          problems.push(`${what}: ${field}.${resource} ${show(value)} is less than the min ${show(b.min[resource])} of ${b.where}, so LimitRange admission would refuse it`);
        }
      }
    }
  }
  return problems;
}

/**
 * Containers and claims (claim templates too) against the min/max of their namespace's LimitRange.
 */
// Admission: kubernetes plugin/pkg/admission/limitranger (minConstraint/maxConstraint on each container's requests and limits, PVC requests.storage).
export function limitRangeBounds(objects: RenderedObjects): string[] {
  const bounds = boundsOf(objects);
  const of = (ns: unknown, type: string) => bounds.get(`${ns}\u0000${type}`) ?? [];
  const problems: string[] = [];
  for (const o of objects) {
    const m = o.manifest;
    const id = `${m.kind} ${m.metadata?.namespace}/${m.metadata?.name}`;
    if (WORKLOADS.has(m.kind)) {
      const spec = m.spec?.template?.spec ?? {};
      for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])] as Manifest[]) {
        problems.push(...outside(of(m.metadata?.namespace, 'Container'), `${o.constructPath}: ${id} container "${c.name}"`,
          [['resources.requests', c.resources?.requests], ['resources.limits', c.resources?.limits]]));
      }
      for (const t of (m.spec?.volumeClaimTemplates ?? []) as Manifest[]) {
        problems.push(...outside(of(m.metadata?.namespace, 'PersistentVolumeClaim'), `${o.constructPath}: ${id} volumeClaimTemplate "${t.metadata?.name}"`,
          [['resources.requests', t.spec?.resources?.requests]]));
      }
    }
    if (m.kind === 'PersistentVolumeClaim') {
      problems.push(...outside(of(m.metadata?.namespace, 'PersistentVolumeClaim'), `${o.constructPath}: ${id}`, [['resources.requests', m.spec?.resources?.requests]]));
    }
  }
  return problems;
}
