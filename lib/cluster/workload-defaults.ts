import { checkAnnotations, checkExactQuantity, checkInt, checkLabels, compareQuantities, fail, Where } from '../checks/validation';

/** CPU and memory requests and limits of a container. */
export interface ResourcesProps {
  /** CPU request. @default "100m" */
  readonly cpuRequest?: string;
  /** Memory request. @default "128Mi" */
  readonly memoryRequest?: string;
  /** CPU limit. @default "500m" */
  readonly cpuLimit?: string;
  /** Memory limit. @default "256Mi" */
  readonly memoryLimit?: string;
}

/** When a probe starts and how often it runs. */
export interface ProbeTiming {
  /** Seconds before the first check. @default - 5 for readiness, 15 for liveness */
  readonly initialDelaySeconds?: number;
  /** Seconds between checks. @default 10 */
  readonly periodSeconds?: number;
}

/** User and group ids every pod of the environment runs with (its pod-level `securityContext`). */
export interface PodSecurityDefaults {
  /** User id of every container that sets none (must not be 0). @default 65532 ({@link DEFAULT_RUN_AS_USER}) */
  readonly runAsUser?: number;
  /** Primary group id of every container that sets none. @default 65532 ({@link DEFAULT_RUN_AS_GROUP}) */
  readonly runAsGroup?: number;
  /** Group that owns mounted volumes (and is added to every container's groups). @default - none */
  readonly fsGroup?: number;
}

/**
 * What every workload of an environment gets unless its own props say otherwise: set once on the
 * Environment (`workloadDefaults`) instead of on each construct. A construct's prop always wins over an
 * environment default, which wins over the library default; a field left out keeps the next one down.
 */
export interface WorkloadDefaults {
  /** Requests and limits, field by field. @default - 100m/128Mi requested, 500m/256Mi limit */
  readonly resources?: ResourcesProps;
  /** Readiness probe timing. @default - 5 s before the first check, then every 10 s */
  readonly readiness?: ProbeTiming;
  /** Liveness probe timing. @default - 15 s before the first check, then every 10 s */
  readonly liveness?: ProbeTiming;
  /** Pod-level user and group ids. @default - none at pod level; each container runs as 65532:65532 unless its props say otherwise */
  readonly securityContext?: PodSecurityDefaults;
  /**
   * Labels added to every object the environment writes and to every pod template; never to selectors.
   * A label an object already has keeps its value. @default - none
   */
  readonly labels?: Record<string, string>;
  /** Annotations added to every object the environment writes and to every pod template; an object's own value wins. @default - none */
  readonly annotations?: Record<string, string>;
}

/**
 * User id of a non-root container whose props and environment give none. The kubelet cannot verify that a
 * named image user (`USER nobody`) is not root and refuses to start such a container under `runAsNonRoot`
 * (kubernetes pkg/kubelet/kuberuntime/security_context_others.go verifyRunAsNonRoot), so every container we
 * write runs as a number. 65532 is the "nonroot" user of distroless images: above 10000 (outside host and
 * image system ranges) and not root in any image. Set the image's own id where it owns files it needs
 * (environments/images.ts records the shipped images').
 */
export const DEFAULT_RUN_AS_USER = 65532;
/** Primary group id of a non-root container whose props and environment give none (see {@link DEFAULT_RUN_AS_USER}). */
export const DEFAULT_RUN_AS_GROUP = 65532;

/** Requests and limits of a container whose props (and environment) give none. */
export const DEFAULT_RESOURCES: Required<ResourcesProps> = { cpuRequest: '100m', memoryRequest: '128Mi', cpuLimit: '500m', memoryLimit: '256Mi' };

/** Label keys the constructs set themselves (selectors, Pod Security); an environment default may not take them. */
const RESERVED_LABELS = /^(app\.kubernetes\.io\/(name|instance)|pod-security\.kubernetes\.io\/.*)$/;
/** Annotation prefixes the constructs and GitOps protections own. */
const RESERVED_ANNOTATIONS = /^(onprem\.k8s\/|argocd\.argoproj\.io\/|kustomize\.toolkit\.fluxcd\.io\/|metallb\.(universe\.tf|io)\/|cert-manager\.io\/|nginx\.ingress\.kubernetes\.io\/)/;

/** Checks requests and limits (each a quantity, each request within its limit), filling gaps from `base`. */
export function checkResources(where: Where, field: string, r: ResourcesProps, base: Required<ResourcesProps> = DEFAULT_RESOURCES): Required<ResourcesProps> {
  const res = { ...base, ...r };
  for (const [request, limit, kind] of [['cpuRequest', 'cpuLimit', 'cpu'], ['memoryRequest', 'memoryLimit', 'memory']] as const) {
    const req = checkExactQuantity(where, `${field}.${request}`, res[request], kind);
    const lim = checkExactQuantity(where, `${field}.${limit}`, res[limit], kind);
    // API server: pkg/apis/core/validation ValidateResourceRequirements ("must be less than or equal to <resource> limit"),
    // judged on the exact quantities, which are what the manifest carries.
    if (compareQuantities(req, lim) > 0) fail(where, `${field}.${request}`, res[request], `is more than ${field}.${limit} "${res[limit]}" (a request must fit within its limit)`);
  }
  return res;
}

/** Checks probe timing: whole seconds, a delay from 0 and a period from 1. */
export function checkProbeTiming(where: Where, field: string, t: ProbeTiming | undefined): ProbeTiming {
  return {
    initialDelaySeconds: t?.initialDelaySeconds === undefined ? undefined : checkInt(where, `${field}.initialDelaySeconds`, t.initialDelaySeconds, 0, 3600),
    periodSeconds: t?.periodSeconds === undefined ? undefined : checkInt(where, `${field}.periodSeconds`, t.periodSeconds, 1, 3600),
  };
}

/** Workload defaults after checking, every gap filled with the library default. */
export interface ResolvedWorkloadDefaults {
  /** Requests and limits. */
  readonly resources: Required<ResourcesProps>;
  /** Readiness probe timing. */
  readonly readiness: ProbeTiming;
  /** Liveness probe timing. */
  readonly liveness: ProbeTiming;
  /** Pod-level user and group ids. */
  readonly securityContext: PodSecurityDefaults;
  /** Labels for every object and pod template. */
  readonly labels: Readonly<Record<string, string>>;
  /** Annotations for every object and pod template. */
  readonly annotations: Readonly<Record<string, string>>;
}

/** Checks an environment's workload defaults; the result is what constructs read. */
export function checkWorkloadDefaults(where: Where, d: WorkloadDefaults | undefined): ResolvedWorkloadDefaults {
  const field = 'workloadDefaults';
  const sc = d?.securityContext ?? {};
  const id = (name: keyof PodSecurityDefaults, min: number) =>
    (sc[name] === undefined ? undefined : checkInt(where, `${field}.securityContext.${name}`, sc[name], min, 2 ** 31 - 1));
  const labels = checkLabels(where, `${field}.labels`, d?.labels);
  const annotations = checkAnnotations(where, `${field}.annotations`, d?.annotations);
  for (const key of Object.keys(labels)) {
    if (RESERVED_LABELS.test(key)) fail(where, `${field}.labels key`, key, 'is set by the constructs themselves (selectors and Pod Security labels)');
  }
  for (const key of Object.keys(annotations)) {
    if (RESERVED_ANNOTATIONS.test(key)) fail(where, `${field}.annotations key`, key, 'belongs to a construct option (Pod Security reason, GitOps protection, MetalLB, cert-manager, nginx); set it through that option');
  }
  return {
    resources: checkResources(where, `${field}.resources`, d?.resources ?? {}),
    readiness: checkProbeTiming(where, `${field}.readiness`, d?.readiness),
    liveness: checkProbeTiming(where, `${field}.liveness`, d?.liveness),
    // runAsUser 0 is root, which the "restricted" profile refuses; groups may be 0.
    securityContext: { runAsUser: id('runAsUser', 1), runAsGroup: id('runAsGroup', 0), fsGroup: id('fsGroup', 0) },
    labels,
    annotations,
  };
}
