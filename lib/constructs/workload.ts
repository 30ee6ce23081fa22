import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { ClaimMount, mountClaims } from './claims';
import { Environment } from '../cluster/environment';
import {
  checkAbsolutePath, checkDns1035Label, checkDnsLabel, checkImage, checkInt, checkOneOf, checkPort, checkString, fail, parseQuantity, Where,
} from '../checks/validation';
import {
  checkProbeTiming, checkResources, checkWorkloadDefaults, DEFAULT_RUN_AS_GROUP, DEFAULT_RUN_AS_USER, ProbeTiming, ResolvedWorkloadDefaults, ResourcesProps,
} from '../cluster/workload-defaults';
import { checkProps, SIDECAR } from '../checks/prop-shapes';
import type { Connection } from './network-policies';

/** Label keys every workload's pods carry; the selector uses only these, so it never depends on construct ids. */
export const NAME_LABEL = 'app.kubernetes.io/name';
/** See {@link NAME_LABEL}: the workload's name again, as its instance. */
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';

/** The stable labels (and selector) of a workload named `name`. */
export function selectorLabels(name: string): Record<string, string> {
  return { [INSTANCE_LABEL]: name, [NAME_LABEL]: name };
}

/** A readiness or liveness check: an HTTP GET path, a command, or (the default) a TCP connect. */
export interface ProbeProps extends ProbeTiming {
  /** HTTP path to GET on the container port. @default - TCP connect to the container port */
  readonly httpPath?: string;
  /** Command run in the container (exit 0 is healthy), for a container without a port. @default - TCP connect to the container port */
  readonly command?: string[];
}

/** What every container of a workload has, the main one and sidecars alike. */
export interface ContainerOptions {
  /** Pinned image: a tag other than `latest`, or a digest. */
  readonly image: string;
  /** Requests and limits. @default - the environment's `workloadDefaults.resources`, else 100m/128Mi requested, 500m/256Mi limit */
  readonly resources?: ResourcesProps;
  /** Readiness probe. @default - TCP connect to the container port (none for a sidecar without a port) */
  readonly readiness?: ProbeProps;
  /** Liveness probe. @default - TCP connect to the container port after 15 s (none for a sidecar without a port) */
  readonly liveness?: ProbeProps;
  /** Folders the process writes to, each mounted as an `emptyDir` (the root filesystem is read-only). @default ["/tmp"] */
  readonly writablePaths?: string[];
  /**
   * User id to run as (must not be 0); always written as a number, since the kubelet refuses `runAsNonRoot`
   * with a named image user. @default - the environment's `workloadDefaults.securityContext.runAsUser`, else 65532
   */
  readonly runAsUser?: number;
  /** Primary group id to run as. @default - the environment's `workloadDefaults.securityContext.runAsGroup`, else 65532 */
  readonly runAsGroup?: number;
  /** Arguments passed to the image's entrypoint. @default - the image's own */
  readonly args?: string[];
}

/** The main container of a workload, secure by default. */
export interface SecureContainerProps extends ContainerOptions {
  /** Port the container listens on (use an unprivileged port: the container runs as non-root). */
  readonly containerPort: number;
  /** PersistentVolumeClaims to mount (e.g. from NfsStorage). @default - none */
  readonly claims?: ClaimMount[];
  /**
   * Apps of the environment this app opens connections to, each admitted by a NetworkPolicy on the target's
   * container port (and, with `networkPolicy.denyEgress`, let out of this app's pods); a target or port that
   * does not exist is refused. For a target created later, call the construct's `connectTo`. @default - none
   */
  readonly connections?: Connection[];
  /** Container ports serving metrics, admitted from the environment's `networkPolicy.monitoringNamespace`. @default - none */
  readonly metricsPorts?: number[];
}

/**
 * A second container in a workload's pods (a log shipper, a proxy), secure like the main one. It shares
 * the pod's network and can share volumes: mount one on both with cdk8s-plus (`container.mount`).
 */
export interface SidecarProps extends ContainerOptions {
  /** Port the sidecar listens on; it is not added to the workload's Service. @default - none (then probes need `command`) */
  readonly containerPort?: number;
}

/** Where a container's checks report and how its volumes are named. */
interface ContainerPlace {
  /** The field its name is reported as. */
  readonly name: string;
  /** Prefix of every other field in messages, e.g. `sidecars.log.`. */
  readonly field: string;
  /** Prefix of its writable volumes' names (and construct ids). */
  readonly volumes: string;
}

const MAIN: ContainerPlace = { name: 'name', field: '', volumes: '' };

/** The workload defaults of the environment a construct is in (library defaults outside one). */
export function workloadDefaultsOf(scope: IConstruct): ResolvedWorkloadDefaults {
  return Environment.tryOf(scope)?.workloadDefaults ?? LIBRARY_DEFAULTS;
}

const LIBRARY_DEFAULTS = checkWorkloadDefaults('library', undefined);

/** The requests and limits a container gets: its props over the environment's defaults over the library's. */
export function containerResources(scope: IConstruct, props: Pick<ContainerOptions, 'resources'>, field = 'resources'): Required<ResourcesProps> {
  return checkResources(scope, field, props.resources ?? {}, workloadDefaultsOf(scope).resources);
}

function probe(where: Where, field: string, p: ProbeProps | undefined, port: number | undefined, timing: ProbeTiming, delayDefault: number): kplus.Probe | undefined {
  if (p === undefined && port === undefined) return undefined;
  const own = checkProbeTiming(where, field, p);
  const options = {
    initialDelaySeconds: Duration.seconds(own.initialDelaySeconds ?? timing.initialDelaySeconds ?? delayDefault),
    periodSeconds: Duration.seconds(own.periodSeconds ?? timing.periodSeconds ?? 10),
  };
  if (p?.command !== undefined) {
    if (p.httpPath !== undefined) fail(where, `${field}.command`, p.command, 'cannot be combined with httpPath (one kind of check per probe)');
    if (!Array.isArray(p.command) || p.command.length === 0) fail(where, `${field}.command`, p.command, 'must be a non-empty list of strings');
    p.command.forEach((c, i) => checkString(where, `${field}.command[${i}]`, c));
    return kplus.Probe.fromCommand(p.command, options);
  }
  if (port === undefined) {
    return fail(where, `${field}.command`, undefined, 'is required: the container has no containerPort to connect to or GET from');
  }
  if (p?.httpPath === undefined) return kplus.Probe.fromTcpSocket({ ...options, port });
  const path = checkString(where, `${field}.httpPath`, p.httpPath);
  if (!path.startsWith('/')) fail(where, `${field}.httpPath`, path, 'must start with "/"');
  return kplus.Probe.fromHttpGet(path, { ...options, port });
}

/**
 * Checks container props and turns them into cdk8s-plus container props that meet the Pod Security
 * "restricted" profile: non-root, read-only root filesystem, no privilege escalation, all capabilities
 * dropped, requests and limits, readiness and liveness probes; writable folders as emptyDirs; claims
 * mounted (a single-node claim only when `pods` is 1). Gaps are filled from the environment's
 * `workloadDefaults`, then the library's.
 */
export function secureContainer(scope: IConstruct, name: string, props: SecureContainerProps, pods: number | 'one per node' = 1): kplus.ContainerProps {
  return container(scope, name, props, pods, MAIN);
}

function container(scope: IConstruct, name: string, props: ContainerOptions & { containerPort?: number; claims?: ClaimMount[] }, pods: number | 'one per node', at: ContainerPlace): kplus.ContainerProps {
  const f = (field: string) => `${at.field}${field}`;
  const defaults = workloadDefaultsOf(scope);
  const image = checkImage(scope, f('image'), props.image);
  const port = props.containerPort === undefined && at !== MAIN ? undefined : checkPort(scope, f('containerPort'), props.containerPort);
  const res = containerResources(scope, props, f('resources'));
  if (props.runAsUser !== undefined && (!Number.isInteger(props.runAsUser) || props.runAsUser < 1)) {
    fail(scope, f('runAsUser'), props.runAsUser, 'must be a non-root user id (1 or more)');
  }
  const runAsGroup = props.runAsGroup === undefined ? undefined : checkInt(scope, f('runAsGroup'), props.runAsGroup, 0, 2 ** 31 - 1);
  const writable = (props.writablePaths ?? ['/tmp']).map((p, i) => {
    return checkAbsolutePath(scope, f(`writablePaths[${i}]`), p);
  });
  const args = props.args?.map((a, i) => {
    if (typeof a !== 'string') fail(scope, f(`args[${i}]`), a, 'is not a string');
    return a;
  });
  return {
    name: checkDnsLabel(scope, at.name, name),
    image,
    args,
    portNumber: port,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    resources: placeholderResources(res),
    readiness: probe(scope, f('readiness'), props.readiness, port, defaults.readiness, 5),
    liveness: probe(scope, f('liveness'), props.liveness, port, defaults.liveness, 15),
    securityContext: {
      ensureNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      // Numeric ids on every container: the kubelet cannot check a named image user against runAsNonRoot.
      user: props.runAsUser ?? defaults.securityContext.runAsUser ?? DEFAULT_RUN_AS_USER,
      group: runAsGroup ?? defaults.securityContext.runAsGroup ?? DEFAULT_RUN_AS_GROUP,
      // cdk8s-plus-27's Capability enum has no ALL (the "restricted" profile requires it); the value passes through as written.
      capabilities: { drop: ['ALL' as kplus.Capability] },
    },
    volumeMounts: [
      ...writable.map((path, i) => {
        const volume = `${at.volumes}writable-${i}`;
        return { path, volume: kplus.Volume.fromEmptyDir(scope as any, volume, volume) };
      }),
      ...mountClaims(scope, props.claims, pods),
    ],
  };
}

/** The exact quantities of each container's resources, by the cdk8s-plus resources object the container keeps. */
const EXACT = new WeakMap<kplus.ContainerResources, Required<ResourcesProps>>();

/**
 * cdk8s-plus resources for checked quantities. cdk8s-plus writes CPU as whole millicores and memory as
 * whole mebibytes, which rounds ("128M" would become "123Mi"): these approximate values only hold the
 * place, and {@link writeExactResources} writes the quantities exactly as given.
 */
function placeholderResources(res: Required<ResourcesProps>): kplus.ContainerResources {
  const mi = (q: string) => Size.mebibytes(Math.ceil(parseQuantity(q)! / 2 ** 20));
  const m = (q: string) => kplus.Cpu.millis(Math.ceil(parseQuantity(q)! * 1000));
  const resources = { cpu: { request: m(res.cpuRequest), limit: m(res.cpuLimit) }, memory: { request: mi(res.memoryRequest), limit: mi(res.memoryLimit) } };
  EXACT.set(resources, res);
  return resources;
}

/**
 * Writes a container's requests and limits exactly as its props give them (the checks judged these
 * strings), replacing what cdk8s-plus rounded. A patch runs before the typed serializer, so it carries
 * `k8s.Quantity` objects, the serializer's own shape.
 */
function writeExactResources(workload: PodWorkload, container: kplus.Container): void {
  const res = EXACT.get(container.resources!);
  if (!res) return;
  const q = (v: string) => k8s.Quantity.fromString(v);
  ApiObject.of(workload).addJsonPatch(JsonPatch.replace(`/spec/template/spec/containers/${workload.containers.indexOf(container)}/resources`, {
    limits: { cpu: q(res.cpuLimit), memory: q(res.memoryLimit) },
    requests: { cpu: q(res.cpuRequest), memory: q(res.memoryRequest) },
  }));
}

/** A workload whose pod template a sidecar can join. */
export type PodWorkload = kplus.Deployment | kplus.StatefulSet | kplus.DaemonSet;

/**
 * Adds a sidecar to a workload's pods, secure like its main container and with the same environment
 * defaults. Its props are checked like the main container's; messages name `sidecars.<name>.<field>`.
 */
export function addSidecar(owner: IConstruct, workload: PodWorkload, name: string, props: SidecarProps): kplus.Container {
  const field = `sidecars.${name}`;
  checkProps(owner, props, SIDECAR, true, field);
  if (workload.containers.some((c) => c.name === name)) fail(owner, field, name, `is already a container of ${workload.node.path} (${workload.containers.map((c) => c.name).join(', ')})`);
  const added = workload.addContainer(container(owner, name, props, 1, { name: field, field: `${field}.`, volumes: `${name}-` }));
  writeExactResources(workload, added);
  return added;
}

/** The pod-level security context of a workload: the environment's user and group ids, non-root enforced. */
export function podSecurityContext(scope: IConstruct): kplus.PodSecurityContextProps {
  const sc = workloadDefaultsOf(scope).securityContext;
  return { ensureNonRoot: true, user: sc.runAsUser, group: sc.runAsGroup, fsGroup: sc.fsGroup };
}

/**
 * Gives a Deployment (or other workload) pods labelled and selected by `selectorLabels(name)` only, its
 * containers' requests and limits written exactly as given (not as cdk8s-plus rounds them), and
 * what the "restricted" profile requires beyond cdk8s-plus' defaults: a RuntimeDefault seccomp profile
 * (each container drops every capability itself, see {@link secureContainer}).
 */
export function hardenPods(workload: PodWorkload, name: string): void {
  for (const c of workload.containers) writeExactResources(workload, c);
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

/** Checks a `{ reason }` opt-in for nodePorts and returns the reason (non-empty, one line: it becomes an annotation value). */
export function checkNodePortReason(where: Where, field: string, value: { readonly reason: string } | undefined): string {
  const reason = value?.reason;
  if (typeof reason !== 'string' || reason.trim() === '' || /[\r\n]/.test(reason)) {
    return fail(where, `${field}.reason`, reason, 'must say, in one non-empty line, why the Service is reachable in clear text on a port of every node');
  }
  return reason.trim();
}

/** A Service for the pods of workload `name` (a DNS-1035 label, as Service names are), selecting them by `selectorLabels(name)` only. */
export function stableService(scope: IConstruct, name: string, props: Omit<kplus.ServiceProps, 'selector' | 'metadata'>): kplus.Service {
  checkDns1035Label(scope, 'name', name);
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

/**
 * A PodDisruptionBudget that lets a drain take one pod of workload `name` at a time, and any pod that is
 * running but not ready at any time (`unhealthyPodEvictionPolicy: AlwaysAllow`).
 */
export function podDisruptionBudget(scope: IConstruct, name: string): k8s.KubePodDisruptionBudget {
  // cdk8s-plus-27 has no PodDisruptionBudget construct: the k8s L1 class is used.
  return new k8s.KubePodDisruptionBudget(scope as any, 'PodDisruptionBudget', {
    metadata: { name },
    spec: {
      maxUnavailable: k8s.IntOrString.fromNumber(1),
      selector: { matchLabels: selectorLabels(name) },
      // A pod that is Running but not Ready (crash-looping) may always be evicted, so it never blocks a node
      // drain. kube-apiserver pkg/registry/core/pod/storage/eviction.go; field beta and on in 1.27, GA in 1.31.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}
