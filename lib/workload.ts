import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { ClaimMount, mountClaims } from './claims';
import {
  checkAbsolutePath, checkDnsLabel, checkImage, checkOneOf, checkPort, checkQuantity, checkString, fail, parseQuantity, Where,
} from './validation';

/** Label keys every workload's pods carry; the selector uses only these, so it never depends on construct ids. */
export const NAME_LABEL = 'app.kubernetes.io/name';
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';

/** The stable labels (and selector) of a workload named `name`. */
export function selectorLabels(name: string): Record<string, string> {
  return { [INSTANCE_LABEL]: name, [NAME_LABEL]: name };
}

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

/** A readiness or liveness check: an HTTP GET path, or a TCP connect. */
export interface ProbeProps {
  /** HTTP path to GET on the container port; when omitted, a TCP connect is used. @default - TCP connect */
  readonly httpPath?: string;
  /** Seconds before the first check. @default 5 */
  readonly initialDelaySeconds?: number;
  /** Seconds between checks. @default 10 */
  readonly periodSeconds?: number;
}

/** One container of a workload, secure by default. */
export interface SecureContainerProps {
  /** Pinned image: a tag other than `latest`, or a digest. */
  readonly image: string;
  /** Port the container listens on (use an unprivileged port: the container runs as non-root). */
  readonly containerPort: number;
  /** Requests and limits. @default - 100m/128Mi requested, 500m/256Mi limit */
  readonly resources?: ResourcesProps;
  /** Readiness probe. @default - TCP connect to the container port */
  readonly readiness?: ProbeProps;
  /** Liveness probe. @default - TCP connect to the container port, after 15 s */
  readonly liveness?: ProbeProps;
  /** Folders the process writes to, each mounted as an `emptyDir` (the root filesystem is read-only). @default ["/tmp"] */
  readonly writablePaths?: string[];
  /** User id to run as (must not be 0). @default - the image's own non-root user */
  readonly runAsUser?: number;
  /** Arguments passed to the image's entrypoint. @default - the image's own */
  readonly args?: string[];
  /** PersistentVolumeClaims to mount (e.g. from NfsStorage). @default - none */
  readonly claims?: ClaimMount[];
}

/** Requests and limits of a container whose props give none. */
export const DEFAULT_RESOURCES: Required<ResourcesProps> = { cpuRequest: '100m', memoryRequest: '128Mi', cpuLimit: '500m', memoryLimit: '256Mi' };

function checkResources(where: Where, r: ResourcesProps): Required<ResourcesProps> {
  const res = { ...DEFAULT_RESOURCES, ...r };
  for (const [request, limit] of [['cpuRequest', 'cpuLimit'], ['memoryRequest', 'memoryLimit']] as const) {
    const req = checkQuantity(where, `resources.${request}`, res[request]);
    const lim = checkQuantity(where, `resources.${limit}`, res[limit]);
    if (req > lim) fail(where, `resources.${request}`, res[request], `is more than resources.${limit} "${res[limit]}" (a request must fit within its limit)`);
  }
  return res;
}

function probe(where: Where, field: string, p: ProbeProps | undefined, port: number, delayDefault: number): kplus.Probe {
  const options = {
    port,
    initialDelaySeconds: Duration.seconds(p?.initialDelaySeconds ?? delayDefault),
    periodSeconds: Duration.seconds(p?.periodSeconds ?? 10),
  };
  if (p?.httpPath === undefined) return kplus.Probe.fromTcpSocket(options);
  const path = checkString(where, `${field}.httpPath`, p.httpPath);
  if (!path.startsWith('/')) fail(where, `${field}.httpPath`, path, 'must start with "/"');
  return kplus.Probe.fromHttpGet(path, options);
}

/**
 * Checks container props and turns them into cdk8s-plus container props that meet the Pod Security
 * "restricted" profile: non-root, read-only root filesystem, no privilege escalation, all capabilities
 * dropped, requests and limits, readiness and liveness probes; writable folders as emptyDirs; claims
 * mounted (a single-node claim only when `pods` is 1).
 */
export function secureContainer(scope: IConstruct, name: string, props: SecureContainerProps, pods: number | 'one per node' = 1): kplus.ContainerProps {
  const image = checkImage(scope, 'image', props.image);
  const port = checkPort(scope, 'containerPort', props.containerPort);
  const res = checkResources(scope, props.resources ?? {});
  if (props.runAsUser !== undefined && (!Number.isInteger(props.runAsUser) || props.runAsUser < 1)) {
    fail(scope, 'runAsUser', props.runAsUser, 'must be a non-root user id (1 or more)');
  }
  const writable = (props.writablePaths ?? ['/tmp']).map((p, i) => {
    return checkAbsolutePath(scope, `writablePaths[${i}]`, p);
  });
  const args = props.args?.map((a, i) => {
    if (typeof a !== 'string') fail(scope, `args[${i}]`, a, 'is not a string');
    return a;
  });
  return {
    name: checkDnsLabel(scope, 'name', name),
    image,
    args,
    portNumber: port,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    resources: {
      cpu: { request: kplus.Cpu.millis(Math.round(parseQuantity(res.cpuRequest)! * 1000)), limit: kplus.Cpu.millis(Math.round(parseQuantity(res.cpuLimit)! * 1000)) },
      memory: { request: Size.mebibytes(Math.ceil(parseQuantity(res.memoryRequest)! / 2 ** 20)), limit: Size.mebibytes(Math.ceil(parseQuantity(res.memoryLimit)! / 2 ** 20)) },
    },
    readiness: probe(scope, 'readiness', props.readiness, port, 5),
    liveness: probe(scope, 'liveness', props.liveness, port, 15),
    securityContext: {
      ensureNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      user: props.runAsUser,
    },
    volumeMounts: [
      ...writable.map((path, i) => ({ path, volume: kplus.Volume.fromEmptyDir(scope as any, `writable-${i}`, `writable-${i}`) })),
      ...mountClaims(scope, props.claims, pods),
    ],
  };
}

/**
 * Gives a Deployment (or other workload) pods labelled and selected by `selectorLabels(name)` only, and
 * what the "restricted" profile requires beyond cdk8s-plus' defaults: a RuntimeDefault seccomp profile
 * and every capability dropped.
 */
export function hardenPods(workload: kplus.Deployment | kplus.StatefulSet | kplus.DaemonSet, name: string): void {
  for (const [key, value] of Object.entries(selectorLabels(name))) {
    workload.podMetadata.addLabel(key, value);
  }
  workload.select(kplus.LabelSelector.of({ labels: selectorLabels(name) }));
  // cdk8s-plus-27's pod security context has no seccompProfile; the field keeps its name in the typed serializer, so a patch survives.
  const api = ApiObject.of(workload);
  // cdk8s-plus labels every pod template with a hash of the construct path; nothing of ours selects on it,
  // and without it renaming a construct id changes nothing in the output.
  api.addJsonPatch(JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'));
  api.addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }));
  // Its Capability enum has no "ALL" (and prefixes names with CAP_): patch the Kubernetes form.
  workload.containers.forEach((_, i) => {
    api.addJsonPatch(JsonPatch.add(`/spec/template/spec/containers/${i}/securityContext/capabilities`, { drop: ['ALL'] }));
  });
}

/** How a Service's external traffic reaches pods: any node forwards (`Cluster`), or only nodes with a pod (`Local`). */
export type ExternalTrafficPolicy = 'Cluster' | 'Local';

/** Checks an `externalTrafficPolicy` prop; `Cluster` when omitted. */
export function checkExternalTrafficPolicy(where: Where, value: unknown): ExternalTrafficPolicy {
  return checkOneOf(where, 'externalTrafficPolicy', value ?? 'Cluster', ['Cluster', 'Local']);
}

/** Sets a Service's `spec.externalTrafficPolicy`. */
export function setExternalTrafficPolicy(service: kplus.Service, policy: ExternalTrafficPolicy): void {
  // cdk8s-plus-27's Service has no externalTrafficPolicy; the field keeps its name in the typed serializer, so a patch survives.
  ApiObject.of(service).addJsonPatch(JsonPatch.add('/spec/externalTrafficPolicy', policy));
}

/** A Service for the pods of workload `name`, selecting them by `selectorLabels(name)` only. */
export function stableService(scope: IConstruct, name: string, props: Omit<kplus.ServiceProps, 'selector' | 'metadata'>): kplus.Service {
  const service = new kplus.Service(scope as any, 'Service', { ...props, metadata: { name } });
  for (const [key, value] of Object.entries(selectorLabels(name))) service.selectLabel(key, value);
  return service;
}

/** Whether a spread across nodes is a hard rule (a pod stays Pending rather than doubling up) or a preference. */
export type SpreadRule = 'DoNotSchedule' | 'ScheduleAnyway';

/** Spreads the pods of workload `name` across nodes, at most one more on any node than on another. */
export function spreadAcrossNodes(workload: kplus.Deployment, name: string, rule: SpreadRule): void {
  // cdk8s-plus-27 only offers pod anti-affinity; topologySpreadConstraints keeps its name in the typed serializer, so a patch survives.
  ApiObject.of(workload).addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [{
    maxSkew: 1,
    topologyKey: 'kubernetes.io/hostname',
    whenUnsatisfiable: rule,
    // Nodes whose taints the pods do not tolerate (a control plane) are not counted: with the default
    // ("Ignore") a tainted node holding 0 pods makes a 4th pod on 3 workers break maxSkew and stay Pending.
    nodeTaintsPolicy: 'Honor',
    labelSelector: { matchLabels: selectorLabels(name) },
  }]));
}

/** A PodDisruptionBudget that lets a drain take one pod of workload `name` at a time. */
export function podDisruptionBudget(scope: IConstruct, name: string): k8s.KubePodDisruptionBudget {
  // cdk8s-plus-27 has no PodDisruptionBudget construct: the k8s L1 class is used.
  return new k8s.KubePodDisruptionBudget(scope as any, 'PodDisruptionBudget', {
    metadata: { name },
    spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selectorLabels(name) } },
  });
}
