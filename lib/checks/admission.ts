/**
 * The LimitRanger and ResourceQuota admission plugins, simulated at synth over the rendered objects of
 * one environment: what the API server would refuse when the objects (and the pods their controllers
 * create) arrive in a namespace that has a LimitRange or a ResourceQuota.
 *
 * Quantities are compared as integer milli-units (`bigint`), converted from `parseQuantity`; that is
 * exact for every quantity with at most three decimals of its base unit below about 9·10^15 milli-units
 * per operand, which covers CPU, memory and storage as written here.
 */
import { parseQuantity } from './validation';
import type { CheckContext, Manifest, RenderedObjects } from './index';

/** How many nodes a DaemonSet's pods run on: a number for every DaemonSet, or a function of the DaemonSet (undefined: unknown). */
export type EligibleNodes = number | ((daemonSet: Manifest) => number | undefined);

/** What the admission checks know besides the objects (the cluster's DaemonSet node counts among it). */
export type AdmissionContext = CheckContext;

type Resources = Map<string, bigint>;
interface Located { readonly manifest: Manifest; readonly path: string; readonly namespace: string }

const MILLI = 1000n;

// The same few quantities recur in every container: parse each text once.
const parsedMilli = new Map<string, bigint | undefined>();

/** A quantity (string or number) as integer milli-units; undefined when it is not a quantity. */
function milli(value: unknown): bigint | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') return undefined;
  if (parsedMilli.has(text)) return parsedMilli.get(text);
  const parsed = parseQuantity(text);
  const result = parsed === undefined || !Number.isFinite(parsed) ? undefined : BigInt(Math.round(parsed * 1000));
  if (parsedMilli.size < 10_000) parsedMilli.set(text, result);
  return result;
}

function resourceMap(list: unknown): Resources {
  const out: Resources = new Map();
  if (!list || typeof list !== 'object') return out;
  for (const [k, v] of Object.entries(list as Record<string, unknown>)) {
    const m = milli(v);
    if (m !== undefined) out.set(k, m);
  }
  return out;
}

const COUNT_RESOURCES = /^(pods|persistentvolumeclaims|services|secrets|configmaps|replicationcontrollers|resourcequotas|services\.loadbalancers|services\.nodeports)$|^count\/|\/persistentvolumeclaims$/;
const BINARY: Array<[string, bigint]> = [['Ei', 2n ** 60n], ['Pi', 2n ** 50n], ['Ti', 2n ** 40n], ['Gi', 2n ** 30n], ['Mi', 2n ** 20n], ['Ki', 2n ** 10n]];
const DECIMAL: Array<[string, bigint]> = [['E', 10n ** 18n], ['P', 10n ** 15n], ['T', 10n ** 12n], ['G', 10n ** 9n], ['M', 10n ** 6n], ['k', 10n ** 3n]];

/** Milli-units back to a short quantity of the resource: `1500m`, `2`, `6Gi`, `12`. */
export function formatQuantity(resource: string, m: bigint): string {
  if (m % MILLI !== 0n) return `${m}m`;
  const whole = m / MILLI;
  if (COUNT_RESOURCES.test(resource) || resource.endsWith('cpu') || resource === 'ratio' || whole === 0n) return String(whole);
  for (const [suffix, size] of [...BINARY, ...DECIMAL]) {
    if (whole >= size && whole % size === 0n) return `${whole / size}${suffix}`;
  }
  return String(whole);
}

const fmt = formatQuantity;
const named = (m: Manifest) => `${m.metadata?.namespace ?? ''}/${m.metadata?.name ?? ''}`;

// ---------------------------------------------------------------------------------------------
// Pods: where the pod template is, and its containers after defaulting
// ---------------------------------------------------------------------------------------------

const POD_TEMPLATE: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

function podSpecOf(m: Manifest): { spec: Manifest; field: string } | undefined {
  const steps = POD_TEMPLATE[m.kind];
  if (!steps) return undefined;
  let spec: any = m;
  for (const s of steps) spec = spec?.[s];
  return spec && typeof spec === 'object' ? { spec, field: steps.join('.') } : undefined;
}

/** Where a value of a container's resources came from, for the message: `set`, `from its limit`, or the LimitRange default that filled it. */
type Origin = string;
interface EffectiveContainer {
  readonly field: string;
  readonly name: string;
  readonly init: boolean;
  readonly sidecar: boolean;
  readonly requests: Resources;
  readonly limits: Resources;
  readonly origins: Map<string, Origin>;
}

/** A LimitRange item after the API server's defaulting. */
interface LimitItem {
  readonly type: string;
  readonly index: number;
  readonly min: Resources;
  readonly max: Resources;
  readonly default: Resources;
  readonly defaultRequest: Resources;
  readonly maxLimitRequestRatio: Resources;
}
interface LimitRange { readonly located: Located; readonly items: readonly LimitItem[] }

// API server defaulting of a LimitRange: pkg/apis/core/v1/defaults.go SetDefaults_LimitRangeItem
// (Container items: default from max, defaultRequest from default, then from min).
function limitItems(lr: Manifest): LimitItem[] {
  const limits: any[] = Array.isArray(lr.spec?.limits) ? lr.spec.limits : [];
  return limits.map((l, index) => {
    const item = {
      type: String(l?.type ?? ''), index,
      min: resourceMap(l?.min), max: resourceMap(l?.max), default: resourceMap(l?.default),
      defaultRequest: resourceMap(l?.defaultRequest), maxLimitRequestRatio: resourceMap(l?.maxLimitRequestRatio),
    };
    if (item.type === 'Container') {
      for (const [k, v] of item.max) if (!item.default.has(k)) item.default.set(k, v);
      for (const [k, v] of item.default) if (!item.defaultRequest.has(k)) item.defaultRequest.set(k, v);
      for (const [k, v] of item.min) if (!item.defaultRequest.has(k)) item.defaultRequest.set(k, v);
    }
    return item;
  });
}

/**
 * The containers of a pod template as admission sees them: requests defaulted from the container's own
 * limits, then missing limits and requests filled from the namespace's LimitRanges.
 */
function effectiveContainers(pod: { spec: Manifest; field: string }, ranges: readonly LimitRange[]): EffectiveContainer[] {
  const out: EffectiveContainer[] = [];
  for (const [key, init] of [['initContainers', true], ['containers', false]] as const) {
    const list: any[] = Array.isArray(pod.spec[key]) ? pod.spec[key] : [];
    list.forEach((c, i) => {
      const requests = resourceMap(c?.resources?.requests);
      const limits = resourceMap(c?.resources?.limits);
      const origins = new Map<string, Origin>();
      for (const k of requests.keys()) origins.set(`requests.${k}`, 'set');
      for (const k of limits.keys()) origins.set(`limits.${k}`, 'set');
      // API server defaulting of a pod: pkg/apis/core/v1/defaults.go SetDefaults_Pod (a missing request takes the container's limit).
      for (const [k, v] of limits) {
        if (!requests.has(k)) { requests.set(k, v); origins.set(`requests.${k}`, 'from its limit'); }
      }
      // LimitRanger admission: plugin/pkg/admission/limitranger/admission.go PodMutateLimitFunc / mergeContainerResources.
      for (const lr of ranges) {
        for (const item of lr.items.filter((it) => it.type === 'Container')) {
          for (const [k, v] of item.default) {
            if (!limits.has(k)) { limits.set(k, v); origins.set(`limits.${k}`, `default of LimitRange ${named(lr.located.manifest)}`); }
          }
          for (const [k, v] of item.defaultRequest) {
            if (!requests.has(k)) { requests.set(k, v); origins.set(`requests.${k}`, `defaultRequest of LimitRange ${named(lr.located.manifest)}`); }
          }
        }
      }
      out.push({
        field: `${pod.field}.${key}[${i}]`, name: String(c?.name ?? i), init,
        sidecar: init && c?.restartPolicy === 'Always', requests, limits, origins,
      });
    });
  }
  return out;
}

const addTo = (to: Resources, from: Resources) => { for (const [k, v] of from) to.set(k, (to.get(k) ?? 0n) + v); };
const maxInto = (to: Resources, from: Resources) => { for (const [k, v] of from) if (!to.has(k) || v > to.get(k)!) to.set(k, v); };

// Pod requests/limits: component-helpers resource.PodRequests / PodLimits (used by the quota evaluator
// pkg/quota/v1/evaluator/core/pods.go PodUsageFunc, and mirrored by limitranger's podRequests): the sum of
// the containers and sidecars, at least the largest init container plus the sidecars started before it.
function podTotals(containers: readonly EffectiveContainer[], which: 'requests' | 'limits'): Resources {
  const total: Resources = new Map();
  for (const c of containers.filter((x) => !x.init)) addTo(total, c[which]);
  const sidecars: Resources = new Map();
  const initMax: Resources = new Map();
  for (const c of containers.filter((x) => x.init)) {
    if (c.sidecar) {
      addTo(total, c[which]);
      addTo(sidecars, c[which]);
      maxInto(initMax, sidecars);
    } else {
      const tmp: Resources = new Map(c[which]);
      addTo(tmp, sidecars);
      maxInto(initMax, tmp);
    }
  }
  maxInto(total, initMax);
  return total;
}

// ---------------------------------------------------------------------------------------------
// Objects by namespace
// ---------------------------------------------------------------------------------------------

/** The namespaced objects with their namespace; cluster-scoped ones (no `metadata.namespace`) belong to none. */
function locate(objects: RenderedObjects): Located[] {
  return objects
    .filter((o) => o.manifest && typeof o.manifest === 'object' && typeof o.manifest.metadata?.namespace === 'string')
    .map((o) => ({ manifest: o.manifest, path: o.constructPath, namespace: o.manifest.metadata.namespace }));
}

function limitRangesIn(all: readonly Located[], namespace: string): LimitRange[] {
  return all.filter((o) => o.manifest.kind === 'LimitRange' && o.namespace === namespace)
    .map((located) => ({ located, items: limitItems(located.manifest) }));
}

/** Every claim an object makes: its own spec, its volumeClaimTemplates, its pods' ephemeral volumes. */
interface Claim { readonly field: string; readonly storageClass?: string; readonly requests: Resources; readonly perPod: boolean; readonly template?: string }
function claimsOf(m: Manifest): Claim[] {
  const claims: Claim[] = [];
  const cls = (spec: any) => (typeof spec?.storageClassName === 'string' && spec.storageClassName !== '' ? spec.storageClassName : undefined);
  if (m.kind === 'PersistentVolumeClaim') {
    claims.push({ field: 'spec.resources.requests', storageClass: cls(m.spec), requests: resourceMap(m.spec?.resources?.requests), perPod: false });
  }
  if (m.kind === 'StatefulSet' && Array.isArray(m.spec?.volumeClaimTemplates)) {
    m.spec.volumeClaimTemplates.forEach((t: any, i: number) => claims.push({
      field: `spec.volumeClaimTemplates[${i}].spec.resources.requests`, storageClass: cls(t?.spec),
      requests: resourceMap(t?.spec?.resources?.requests), perPod: true, template: String(t?.metadata?.name ?? i),
    }));
  }
  const pod = podSpecOf(m);
  if (pod && Array.isArray(pod.spec.volumes)) {
    pod.spec.volumes.forEach((v: any, i: number) => {
      const t = v?.ephemeral?.volumeClaimTemplate;
      if (t) {
        claims.push({
          field: `${pod.field}.volumes[${i}].ephemeral.volumeClaimTemplate.spec.resources.requests`, storageClass: cls(t.spec),
          requests: resourceMap(t.spec?.resources?.requests), perPod: true, template: String(v?.name ?? i),
        });
      }
    });
  }
  return claims;
}

// ---------------------------------------------------------------------------------------------
// LimitRanger
// ---------------------------------------------------------------------------------------------

const where = (lr: LimitRange, item: LimitItem) => `LimitRange ${named(lr.located.manifest)} (spec.limits[${item.index}], type ${item.type})`;

/** One container's value against an item's min, max and ratio; one message per violation. */
function containerViolations(path: string, c: EffectiveContainer, lr: LimitRange, item: LimitItem): string[] {
  const problems: string[] = [];
  const label = `${c.field}${c.init ? (c.sidecar ? ' (sidecar' : ' (init container') : ' (container'} "${c.name}")`;
  const value = (kind: 'requests' | 'limits', k: string) => {
    const origin = c.origins.get(`${kind}.${k}`);
    const v = fmt(k, c[kind].get(k)!);
    return origin === 'set' ? v : `${v} (${origin})`;
  };
  // LimitRanger admission: plugin/pkg/admission/limitranger/admission.go minConstraint (Container and Pod items).
  for (const [k, min] of item.min) {
    if (!c.requests.has(k)) problems.push(`${path}: ${label}.resources.requests.${k} is not set; ${where(lr, item)} requires at least ${fmt(k, min)}`);
    else if (c.requests.get(k)! < min) problems.push(`${path}: ${label}.resources.requests.${k} ${value('requests', k)} is below the minimum ${fmt(k, min)} of ${where(lr, item)}`);
    if (c.limits.has(k) && c.limits.get(k)! < min) problems.push(`${path}: ${label}.resources.limits.${k} ${value('limits', k)} is below the minimum ${fmt(k, min)} of ${where(lr, item)}`);
  }
  // LimitRanger admission: plugin/pkg/admission/limitranger/admission.go maxConstraint.
  for (const [k, max] of item.max) {
    if (!c.limits.has(k)) problems.push(`${path}: ${label}.resources.limits.${k} is not set; ${where(lr, item)} requires a limit of at most ${fmt(k, max)}`);
    else if (c.limits.get(k)! > max) problems.push(`${path}: ${label}.resources.limits.${k} ${value('limits', k)} is above the maximum ${fmt(k, max)} of ${where(lr, item)}`);
    if (c.requests.has(k) && c.requests.get(k)! > max) problems.push(`${path}: ${label}.resources.requests.${k} ${value('requests', k)} is above the maximum ${fmt(k, max)} of ${where(lr, item)}`);
  }
  problems.push(...ratioViolations(`${path}: ${label}.resources`, c.requests, c.limits, lr, item));
  return problems;
}

// LimitRanger admission: plugin/pkg/admission/limitranger/admission.go limitRequestRatioConstraint.
function ratioViolations(prefix: string, requests: Resources, limits: Resources, lr: LimitRange, item: LimitItem): string[] {
  const problems: string[] = [];
  for (const [k, ratio] of item.maxLimitRequestRatio) {
    const req = requests.get(k) ?? 0n;
    const lim = limits.get(k) ?? 0n;
    if (req === 0n || lim === 0n) {
      problems.push(`${prefix}: ${k} needs a request and a limit above zero; ${where(lr, item)} sets maxLimitRequestRatio ${fmt('ratio', ratio)}`);
    } else if (lim * MILLI > req * ratio) {
      const shown = (Number(lim) / Number(req)).toFixed(2).replace(/\.?0+$/, '');
      problems.push(`${prefix}: limits.${k} ${fmt(k, lim)} / requests.${k} ${fmt(k, req)} = ${shown} is above the maxLimitRequestRatio ${fmt('ratio', ratio)} of ${where(lr, item)}`);
    }
  }
  return problems;
}

// API server validation of a LimitRange: pkg/apis/core/validation/validation.go ValidateLimitRange (after defaulting).
function limitRangeObjectViolations(lr: LimitRange): string[] {
  const problems: string[] = [];
  const at = (item: LimitItem, field: string) => `${lr.located.path}: LimitRange ${named(lr.located.manifest)} spec.limits[${item.index}].${field}`;
  for (const item of lr.items) {
    if (item.type === 'Pod' && (item.default.size > 0 || item.defaultRequest.size > 0)) {
      problems.push(`${at(item, item.default.size > 0 ? 'default' : 'defaultRequest')} may not be set when type is Pod`);
    }
    if (item.type === 'PersistentVolumeClaim' && !item.min.has('storage') && !item.max.has('storage')) {
      problems.push(`${at(item, 'min')}: a PersistentVolumeClaim item needs a min or max storage, and has neither`);
    }
    const keys = new Set([...item.min.keys(), ...item.max.keys(), ...item.default.keys(), ...item.defaultRequest.keys(), ...item.maxLimitRequestRatio.keys()]);
    for (const k of keys) {
      const [min, max, def, req, ratio] = [item.min.get(k), item.max.get(k), item.default.get(k), item.defaultRequest.get(k), item.maxLimitRequestRatio.get(k)];
      const pairs: Array<[bigint | undefined, bigint | undefined, string, string]> = [
        [min, max, `min.${k}`, 'max'],
        [min, req, `min.${k}`, 'defaultRequest'],
        [req, max, `defaultRequest.${k}`, 'max'],
        [req, def, `defaultRequest.${k}`, 'default (the default limit)'],
        [min, def, `min.${k}`, 'default'],
        [def, max, `default.${k}`, 'max'],
      ];
      for (const [small, large, field, other] of pairs) {
        if (small !== undefined && large !== undefined && small > large) {
          problems.push(`${at(item, field)} ${fmt(k, small)} is greater than its ${other} ${fmt(k, large)}; the API server refuses the LimitRange`);
        }
      }
      if (ratio !== undefined && ratio < MILLI) problems.push(`${at(item, `maxLimitRequestRatio.${k}`)} ${fmt('ratio', ratio)} is less than 1`);
      if (ratio !== undefined && min !== undefined && max !== undefined && min > 0n && ratio * min > max * MILLI) {
        problems.push(`${at(item, `maxLimitRequestRatio.${k}`)} ${fmt('ratio', ratio)} is greater than max/min = ${fmt(k, max)}/${fmt(k, min)}`);
      }
    }
  }
  return problems;
}

/**
 * LimitRanger admission, simulated: every LimitRange is valid (default request ≤ default limit ≤ max,
 * min ≤ each), every container, init container and sidecar of every pod template after defaulting (a
 * request from its own limit, else the LimitRange's defaultRequest; a limit from the LimitRange's default)
 * is within the min, max and maxLimitRequestRatio of the Container items, every pod within the Pod items,
 * and every claim (PersistentVolumeClaims, StatefulSet volumeClaimTemplates, ephemeral volumes) within the
 * PersistentVolumeClaim items of its namespace.
 */
export function limitRangerAdmission(objects: RenderedObjects, _context: CheckContext): string[] {
  const all = locate(objects);
  const problems: string[] = [];
  const namespaces = [...new Set(all.filter((o) => o.manifest.kind === 'LimitRange').map((o) => o.namespace))];
  for (const ns of namespaces) {
    const ranges = limitRangesIn(all, ns);
    for (const lr of ranges) problems.push(...limitRangeObjectViolations(lr));
    for (const o of all.filter((x) => x.namespace === ns)) {
      const pod = podSpecOf(o.manifest);
      if (pod) {
        const containers = effectiveContainers(pod, ranges);
        for (const lr of ranges) {
          for (const item of lr.items) {
            if (item.type === 'Container') for (const c of containers) problems.push(...containerViolations(o.path, c, lr, item));
            if (item.type === 'Pod') problems.push(...podViolations(o.path, pod.field, containers, lr, item));
          }
        }
      }
      for (const claim of claimsOf(o.manifest)) {
        for (const lr of ranges) {
          for (const item of lr.items.filter((it) => it.type === 'PersistentVolumeClaim')) {
            problems.push(...claimViolations(o.path, claim, lr, item));
          }
        }
      }
    }
  }
  return problems;
}

// LimitRanger admission: plugin/pkg/admission/limitranger/admission.go PodValidateLimitFunc (Pod items, on podRequests/podLimits).
function podViolations(path: string, field: string, containers: readonly EffectiveContainer[], lr: LimitRange, item: LimitItem): string[] {
  const requests = podTotals(containers, 'requests');
  const limits = podTotals(containers, 'limits');
  const problems: string[] = [];
  const label = `${path}: ${field} (the pod: its containers summed, at least its largest init container)`;
  for (const [k, min] of item.min) {
    if (!requests.has(k)) problems.push(`${label} requests no ${k}; ${where(lr, item)} requires at least ${fmt(k, min)}`);
    else if (requests.get(k)! < min) problems.push(`${label} requests ${k} ${fmt(k, requests.get(k)!)}, below the minimum ${fmt(k, min)} of ${where(lr, item)}`);
    if (limits.has(k) && limits.get(k)! < min) problems.push(`${label} limits ${k} to ${fmt(k, limits.get(k)!)}, below the minimum ${fmt(k, min)} of ${where(lr, item)}`);
  }
  for (const [k, max] of item.max) {
    if (!limits.has(k)) problems.push(`${label} has no ${k} limit; ${where(lr, item)} requires one of at most ${fmt(k, max)}`);
    else if (limits.get(k)! > max) problems.push(`${label} limits ${k} to ${fmt(k, limits.get(k)!)}, above the maximum ${fmt(k, max)} of ${where(lr, item)}`);
    if (requests.has(k) && requests.get(k)! > max) problems.push(`${label} requests ${k} ${fmt(k, requests.get(k)!)}, above the maximum ${fmt(k, max)} of ${where(lr, item)}`);
  }
  problems.push(...ratioViolations(label, requests, limits, lr, item));
  return problems;
}

// LimitRanger admission: plugin/pkg/admission/limitranger/admission.go PersistentVolumeClaimValidateLimitFunc (min: minConstraint, max: maxRequestConstraint).
function claimViolations(path: string, claim: Claim, lr: LimitRange, item: LimitItem): string[] {
  const problems: string[] = [];
  for (const [k, min] of item.min) {
    const v = claim.requests.get(k);
    if (v === undefined) problems.push(`${path}: ${claim.field}.${k} is not set; ${where(lr, item)} requires at least ${fmt(k, min)}`);
    else if (v < min) problems.push(`${path}: ${claim.field}.${k} ${fmt(k, v)} is below the minimum ${fmt(k, min)} of ${where(lr, item)}`);
  }
  for (const [k, max] of item.max) {
    const v = claim.requests.get(k);
    if (v === undefined) problems.push(`${path}: ${claim.field}.${k} is not set; ${where(lr, item)} requires at most ${fmt(k, max)}`);
    else if (v > max) problems.push(`${path}: ${claim.field}.${k} ${fmt(k, v)} is above the maximum ${fmt(k, max)} of ${where(lr, item)}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// ResourceQuota
// ---------------------------------------------------------------------------------------------

/** What one object adds to a quota's usage at worst. */
interface Contribution {
  readonly name: string;
  /** Worst-case amount, milli-units. */
  readonly amount: bigint;
  /** How many pods or claims, when more than one of them adds it. */
  readonly count?: number;
  /** Why that many, e.g. `HPA max 6 + surge 2`. */
  readonly why?: string;
  /** What each one adds, milli-units. */
  readonly each?: bigint;
}

/** `intstr.GetScaledValueFromIntOrPercent`: an integer, or a percentage of `total` rounded up (surge) or down. */
function scaled(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const text = String(value);
  if (!text.endsWith('%')) return Number.parseInt(text, 10) || 0;
  const v = (Number.parseInt(text.slice(0, -1), 10) || 0) * total / 100;
  return roundUp ? Math.ceil(v) : Math.floor(v);
}

const intOr = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d);

/** The most pods a workload can have at once, and why; undefined when it cannot be known (a DaemonSet without node counts). */
function maxPods(m: Manifest, hpaMax: number | undefined, context: AdmissionContext): { pods: number; why: string } | undefined {
  const desired = (): { n: number; why: string } => {
    const replicas = intOr(m.spec?.replicas, 1);
    // An HPA scales the target between its bounds (k8s.io/kubernetes pkg/controller/podautoscaler); until it acts, spec.replicas stands.
    if (hpaMax !== undefined && hpaMax >= replicas) return { n: hpaMax, why: `HPA max ${hpaMax}` };
    return { n: replicas, why: `${replicas} replica${replicas === 1 ? '' : 's'}` };
  };
  switch (m.kind) {
    case 'Pod': return { pods: 1, why: 'one pod' };
    case 'Deployment': {
      const d = desired();
      // Deployment controller: pkg/controller/deployment/util ResolveFenceposts (maxSurge rounded up; apps/v1 default 25%).
      const surge = m.spec?.strategy?.type === 'Recreate' ? 0 : scaled(m.spec?.strategy?.rollingUpdate?.maxSurge ?? '25%', d.n, true);
      return { pods: d.n + surge, why: surge > 0 ? `${d.why} + surge ${surge}` : d.why };
    }
    case 'StatefulSet': case 'ReplicaSet': case 'ReplicationController': {
      const d = desired();
      return { pods: d.n, why: d.why };
    }
    case 'DaemonSet': {
      const known = typeof context.eligibleNodes === 'function' ? context.eligibleNodes(m) : context.eligibleNodes;
      if (known === undefined) return undefined;
      // DaemonSet controller: pkg/controller/daemon/util SurgeCount (maxSurge rounded up, apps/v1 default 0).
      const surge = m.spec?.updateStrategy?.type === 'OnDelete' ? 0 : scaled(m.spec?.updateStrategy?.rollingUpdate?.maxSurge ?? 0, known, true);
      return { pods: known + surge, why: surge > 0 ? `${known} nodes + surge ${surge}` : `${known} nodes` };
    }
    case 'Job': case 'CronJob': {
      const spec = m.kind === 'Job' ? m.spec : m.spec?.jobTemplate?.spec;
      // Job controller: pkg/controller/job active pods at most parallelism (default 1), and no more than completions.
      const parallelism = intOr(spec?.parallelism, 1);
      const pods = Math.min(parallelism, intOr(spec?.completions, parallelism));
      return { pods, why: `parallelism ${pods}` };
    }
    default: return undefined;
  }
}

// ResourceQuota evaluator: pkg/quota/v1/evaluator/core/pods.go podComputeUsageHelper (what one pod is charged).
function podUsage(requests: Resources, limits: Resources): Resources {
  const usage: Resources = new Map([['pods', MILLI], ['count/pods', MILLI]]);
  for (const [k, v] of requests) {
    if (['cpu', 'memory', 'ephemeral-storage'].includes(k) || k.startsWith('hugepages-')) usage.set(k, v);
    usage.set(`requests.${k}`, v);
  }
  for (const [k, v] of limits) if (['cpu', 'memory', 'ephemeral-storage'].includes(k)) usage.set(`limits.${k}`, v);
  return usage;
}

// ResourceQuota evaluator: pkg/quota/v1/evaluator/core/persistent_volume_claims.go PersistentVolumeClaimUsageFunc.
function claimUsage(claim: Claim): Resources {
  const usage: Resources = new Map([['persistentvolumeclaims', MILLI], ['count/persistentvolumeclaims', MILLI]]);
  const storage = claim.requests.get('storage');
  if (storage !== undefined) usage.set('requests.storage', storage);
  if (claim.storageClass) {
    const prefix = `${claim.storageClass}.storageclass.storage.k8s.io/`;
    usage.set(`${prefix}persistentvolumeclaims`, MILLI);
    if (storage !== undefined) usage.set(`${prefix}requests.storage`, storage);
  }
  return usage;
}

// ResourceQuota evaluator: pkg/quota/v1/evaluator/core/services.go ServiceUsageFunc.
function serviceUsage(svc: Manifest): Resources {
  const usage: Resources = new Map([['services', MILLI]]);
  const ports: any[] = Array.isArray(svc.spec?.ports) ? svc.spec.ports : [];
  if (svc.spec?.type === 'NodePort') usage.set('services.nodeports', BigInt(ports.length) * MILLI);
  if (svc.spec?.type === 'LoadBalancer') {
    usage.set('services.loadbalancers', MILLI);
    const n = svc.spec?.allocateLoadBalancerNodePorts === false ? ports.filter((p) => p?.nodePort).length : ports.length;
    usage.set('services.nodeports', BigInt(n) * MILLI);
  }
  return usage;
}

// Object count quota `count/<resource>.<group>`: apiserver pkg/quota/v1/generic ObjectCountQuotaResourceNameFor,
// the resource named as apimachinery meta.UnsafeGuessKindToResource names it.
function objectCountName(m: Manifest): string {
  const kind = String(m.kind ?? '').toLowerCase();
  const plural = kind.endsWith('s') ? `${kind}es` : kind.endsWith('y') ? `${kind.slice(0, -1)}ies` : `${kind}s`;
  const api = String(m.apiVersion ?? '');
  const group = api.includes('/') ? api.split('/')[0] : '';
  return group ? `count/${plural}.${group}` : `count/${plural}`;
}
const LEGACY_COUNTS: Record<string, string> = { Secret: 'secrets', ConfigMap: 'configmaps', ReplicationController: 'replicationcontrollers', ResourceQuota: 'resourcequotas' };

// ResourceQuota evaluator: pkg/quota/v1/evaluator/core/pods.go Constraints (enforcePodContainerConstraints): with cpu
// or memory quota'd, every container must request (or limit) it after LimitRanger defaulting.
const CONSTRAINED: Record<string, [string, 'requests' | 'limits']> = {
  cpu: ['cpu', 'requests'], 'requests.cpu': ['cpu', 'requests'], memory: ['memory', 'requests'], 'requests.memory': ['memory', 'requests'],
  'limits.cpu': ['cpu', 'limits'], 'limits.memory': ['memory', 'limits'],
};

function describe(resource: string, c: Contribution): string {
  if (c.count === undefined || c.each === undefined || c.count === 1) return `${c.name} ${fmt(resource, c.amount)}`;
  const unit = c.why ? `${c.count} (${c.why})` : String(c.count);
  if (c.each === MILLI && COUNT_RESOURCES.test(resource)) return `${c.name} ${fmt(resource, c.amount)}${c.why ? ` (${c.why})` : ''}`;
  return `${c.name} ${fmt(resource, c.amount)} = ${unit} × ${fmt(resource, c.each)}`;
}

/**
 * ResourceQuota admission, simulated for the worst case: for each ResourceQuota (without scopes) of a
 * namespace, the sum over its workloads of their most pods at once (HPA maxReplicas for the workload it
 * targets, Deployment replicas plus rollout surge, StatefulSet/ReplicaSet replicas, DaemonSet eligible
 * nodes plus surge, Job parallelism) times each pod's charge after LimitRange defaulting, plus every claim
 * (volumeClaimTemplates and ephemeral volumes once per pod), Service and counted object, must stay within
 * `hard` (equal passes). Also: with cpu or memory quota'd, every container must request/limit it.
 * DaemonSets whose eligible nodes are unknown ({@link AdmissionContext.eligibleNodes}) add nothing, so every
 * refusal is certain, and the message names them.
 */
export function resourceQuotaAdmission(objects: RenderedObjects, context: AdmissionContext): string[] {
  const all = locate(objects);
  const problems: string[] = [];
  for (const quota of all.filter((o) => o.manifest.kind === 'ResourceQuota')) {
    const spec = quota.manifest.spec ?? {};
    // Scoped quotas (Terminating, BestEffort, PriorityClass, ...) charge only some pods: not simulated.
    if ((Array.isArray(spec.scopes) && spec.scopes.length > 0) || spec.scopeSelector) continue;
    const hard = resourceMap(spec.hard);
    if (hard.size === 0) continue;
    const ns = quota.namespace;
    const inNs = all.filter((o) => o.namespace === ns);
    const ranges = limitRangesIn(all, ns);
    const quotaName = `ResourceQuota ${named(quota.manifest)}`;
    const hpaMax = new Map<string, number>();
    for (const h of inNs.filter((o) => o.manifest.kind === 'HorizontalPodAutoscaler')) {
      const ref = h.manifest.spec?.scaleTargetRef;
      if (ref?.kind && ref?.name && typeof h.manifest.spec?.maxReplicas === 'number') hpaMax.set(`${ref.kind}/${ref.name}`, h.manifest.spec.maxReplicas);
    }

    const contributions = new Map<string, Contribution[]>();
    const uncounted = new Map<string, string[]>();
    const notCounted = (usage: Resources, what: string) => {
      for (const k of usage.keys()) if (hard.has(k)) uncounted.set(k, [...(uncounted.get(k) ?? []), what]);
    };
    const add = (usage: Resources, name: string, count?: number, why?: string) => {
      for (const [k, each] of usage) {
        if (!hard.has(k)) continue;
        const amount = count === undefined ? each : each * BigInt(count);
        const list = contributions.get(k) ?? [];
        list.push(count === undefined ? { name, amount } : { name, amount, count, why, each });
        contributions.set(k, list);
      }
    };
    const required = [...hard.keys()].filter((k) => k in CONSTRAINED);

    for (const o of inNs) {
      const m = o.manifest;
      const name = String(m.metadata?.name ?? o.path);
      const pod = podSpecOf(m);
      const worst = pod ? maxPods(m, hpaMax.get(`${m.kind}/${m.metadata?.name}`), context) : undefined;
      if (pod) {
        const containers = effectiveContainers(pod, ranges);
        for (const key of required) {
          const [res, kind] = CONSTRAINED[key];
          for (const c of containers.filter((x) => !x[kind].has(res))) {
            problems.push(`${o.path}: ${c.field} ("${c.name}").resources.${kind}.${res} is not set and no LimitRange default fills it; ${quotaName} tracks ${key}, so ResourceQuota admission refuses the pod`);
          }
        }
        const usage = podUsage(podTotals(containers, 'requests'), podTotals(containers, 'limits'));
        if (worst) add(usage, name, worst.pods, worst.why);
        else notCounted(usage, `${m.kind} ${name}`);
      }
      for (const claim of claimsOf(m)) {
        const label = claim.perPod ? `${name} (claim template ${claim.template})` : name;
        if (!claim.perPod) add(claimUsage(claim), label);
        else if (worst) add(claimUsage(claim), label, worst.pods, worst.why);
        else notCounted(claimUsage(claim), `${m.kind} ${name}`);
      }
      if (m.kind === 'Service') add(serviceUsage(m), name);
      if (LEGACY_COUNTS[m.kind]) add(new Map([[LEGACY_COUNTS[m.kind], MILLI]]), name);
      const countName = objectCountName(m);
      if (countName !== 'count/pods' && countName !== 'count/persistentvolumeclaims') add(new Map([[countName, MILLI]]), `${m.kind} ${name}`);
    }

    for (const [k, limit] of hard) {
      const list = contributions.get(k) ?? [];
      const total = list.reduce((s, c) => s + c.amount, 0n);
      // ResourceQuota admission: apiserver pkg/admission/plugin/resourcequota/controller.go checkRequest (refused when usage > hard).
      if (total <= limit) continue;
      list.sort((a, b) => (a.amount !== b.amount ? (a.amount > b.amount ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const top = list.slice(0, 3).map((c) => describe(k, c));
      if (list.length > 3) top.push(`${list.length - 3} more`);
      const missing = uncounted.get(k);
      const note = missing ? `; not counted (eligible nodes unknown): ${missing.join(', ')}` : '';
      problems.push(`${quota.path}: ${quotaName}: ${k} worst case ${fmt(k, total)} (${top.join(', ')}) exceeds the quota ${fmt(k, limit)}${note}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// For the scheduler's checks (lib/checks/scheduling.ts)
// ---------------------------------------------------------------------------------------------

/** A quantity (string or number) as integer milli-units, or undefined when it is not a quantity. */
export const quantityMilli = milli;

/**
 * The requests of one pod of a workload as kube-scheduler's NodeResourcesFit sees them: after the API
 * server's defaulting and the LimitRange defaults of the workload's namespace (containers and sidecars
 * summed, at least the largest init container), in milli-units by resource. Returns a function that
 * answers per workload (undefined: no pod template); the namespaces' LimitRanges are found once.
 */
export function podRequestsAfterDefaulting(objects: RenderedObjects): (workload: Manifest) => Map<string, bigint> | undefined {
  const all = locate(objects);
  const ranges = new Map<string, LimitRange[]>();
  return (workload) => {
    const pod = podSpecOf(workload);
    if (!pod) return undefined;
    const ns = workload.metadata?.namespace;
    let inNs: LimitRange[] = [];
    if (typeof ns === 'string') {
      if (!ranges.has(ns)) ranges.set(ns, limitRangesIn(all, ns));
      inNs = ranges.get(ns)!;
    }
    return podTotals(effectiveContainers(pod, inNs), 'requests');
  };
}
