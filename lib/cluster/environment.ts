import { ApiObject, Chart, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { Cluster } from './cluster';
import { GITOPS_OUTPUT_FOLDER } from '../gitops/cluster-gitops';
import { APPS_FOLDER } from '../gitops/cluster-gitops';
import { PLATFORM_FOLDER } from './cluster-platform';
import { ARGOCD_PROTECT, FLUX_PROTECT, STATEFUL_KINDS } from '../gitops/gitops';
import { systemNamespaceRefusal } from '../checks/api-server';
import { UNIQUE, UniqueClaims } from './unique-claims';
import { checkWorkloadDefaults, ResolvedWorkloadDefaults, WorkloadDefaults } from './workload-defaults';
import {
  checkDnsLabel, checkDnsSubdomain, checkExactQuantity, checkInt, checkIpRange, checkLabels, checkNodePort, checkOneOf, compareQuantities, fail, IpRange,
  QuantityKind, Where,
} from '../checks/validation';
import { CHART_OPTIONS, checkProps, ENVIRONMENT, LABELS, uniqueId } from '../checks/prop-shapes';
import { NetworkPlan, NetworkPolicyProps } from '../constructs/network-policies';

/** Pod Security Standards levels, least to most permissive. */
export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';
const LEVELS: readonly PodSecurityLevel[] = ['restricted', 'baseline', 'privileged'];

/** The Pod Security Standards version a namespace pins for a cluster: the cluster's own minor (`v1.34`). */
export function podSecurityVersion(cluster: Cluster): string {
  return `v${cluster.kubernetesVersion}`;
}

/** Where a chart's file sorts in `dist/<cluster>/<env>/`: cluster-scoped objects first, then what lives in them. */
export enum ChartTier {
  /** Namespaces, StorageClasses, PersistentVolumes: no `metadata.namespace`. */
  CLUSTER = '00',
  /** The environment namespace's ResourceQuota and LimitRange. */
  NAMESPACE = '10',
  /** Platform configuration in other namespaces (MetalLB pools). */
  PLATFORM = '20',
  /** Workloads, their Services and claims. */
  APPS = '50',
  /** Ingresses and routes, after the Services they point at. */
  ROUTES = '60',
}

/** The total a namespace may request, limit and store (a ResourceQuota's `hard`). */
export interface QuotaProps {
  /** Sum of CPU requests. @default "8" */
  readonly requestsCpu?: string;
  /** Sum of memory requests. @default "16Gi" */
  readonly requestsMemory?: string;
  /** Sum of CPU limits. @default "16" */
  readonly limitsCpu?: string;
  /** Sum of memory limits. @default "32Gi" */
  readonly limitsMemory?: string;
  /** Number of pods. @default 100 */
  readonly pods?: number;
  /** Number of PersistentVolumeClaims. @default 20 */
  readonly persistentVolumeClaims?: number;
  /** Sum of storage requested by claims. @default "200Gi" */
  readonly requestsStorage?: string;
}

/** Per-container defaults and bounds (a LimitRange item of type Container). */
export interface ContainerLimitsProps {
  /** CPU request given to containers that set none. @default "100m" */
  readonly defaultRequestCpu?: string;
  /** Memory request given to containers that set none. @default "128Mi" */
  readonly defaultRequestMemory?: string;
  /** CPU limit given to containers that set none. @default "500m" */
  readonly defaultLimitCpu?: string;
  /** Memory limit given to containers that set none. @default "512Mi" */
  readonly defaultLimitMemory?: string;
  /** Largest CPU limit a container may set. @default "4" */
  readonly maxCpu?: string;
  /** Largest memory limit a container may set. @default "8Gi" */
  readonly maxMemory?: string;
}

/** Bounds on the size of each PersistentVolumeClaim (a LimitRange item of type PersistentVolumeClaim). */
export interface ClaimSizeProps {
  /** Smallest storage request allowed. @default "10Mi" */
  readonly min?: string;
  /** Largest storage request allowed. @default "50Gi" */
  readonly max?: string;
}

/** Everything an environment needs to exist before any app is added to it. */
export interface EnvironmentProps {
  /** Name of the environment: a DNS-1123 label, also its folder under `dist/<cluster>/`; unique in the app. */
  readonly name: string;
  /**
   * The cluster it runs on; several environments may share one. Its GitOps controller applies it, its
   * node and gateway addresses stay out of MetalLB pools, its reserved nodePorts out of Services.
   * @default - a cluster of its own, named after the environment (see {@link Cluster.implicit})
   */
  readonly cluster?: Cluster;
  /** Namespace its workloads run in; a stable, explicit name (not `default`, `kube-*` or a platform namespace such as `metallb-system`). @default - the environment name */
  readonly namespace?: string;
  /** Labels added to the namespace (not to selectors). @default - none beyond the Pod Security labels */
  readonly namespaceLabels?: Record<string, string>;
  /** The namespace's ResourceQuota. @default - the defaults of {@link QuotaProps} */
  readonly quota?: QuotaProps;
  /** Per-container request/limit defaults and maxima. @default - the defaults of {@link ContainerLimitsProps} */
  readonly containerLimits?: ContainerLimitsProps;
  /** Per-claim size bounds. @default - the defaults of {@link ClaimSizeProps} */
  readonly claimSize?: ClaimSizeProps;
  /**
   * Addresses in use on the network beyond the cluster's node, gateway and reserved ones (e.g. this
   * environment's VIPs): no MetalLB pool of this environment may contain them. Addresses, CIDRs or inclusive ranges. @default - none
   */
  readonly reservedAddresses?: string[];
  /**
   * nodePorts taken by Services this environment does not write, beyond the cluster's `reservedNodePorts`:
   * no app of this environment may use them. @default - none
   */
  readonly reservedNodePorts?: number[];
  /**
   * StorageClasses the cluster has that this app does not write (e.g. a provisioner the operators
   * installed): claims may name them. Any other class a claim names must be written by the environment. @default - none
   */
  readonly externalStorageClasses?: string[];
  /** What the environment's IngressRoutes write unless they say otherwise. @default "Ingress" */
  readonly routeOutput?: RouteOutput;
  /**
   * Defaults for every workload of the environment, in one place: requests and limits, probe timing,
   * pod user/group ids, labels and annotations. A construct's own props still win. @default - the library defaults
   */
  readonly workloadDefaults?: WorkloadDefaults;
  /**
   * NetworkPolicies: every namespace with workloads denies ingress by default; route controllers, outside
   * clients of LoadBalancer/NodePort Services, declared connections and scraping are admitted (see
   * {@link NetworkPolicyProps}). @default - the defaults of {@link NetworkPolicyProps}
   */
  readonly networkPolicy?: NetworkPolicyProps;
}

/**
 * Something that visits every construct of an environment once the tree is complete, just before it is
 * rendered (like an AWS CDK Aspect): the place for an organisation-wide rule or change, e.g. a label on
 * every object or a toleration on every pod. Each aspect visits each construct once.
 */
export interface IAspect {
  /** Called once for each construct of the environment, parents before children. */
  visit(node: IConstruct): void;
}

/** How a chart of an environment places its objects. */
export interface ChartOptions {
  /** Whether the chart's objects are namespaced (false for PersistentVolumes, StorageClasses, Namespaces). @default true */
  readonly namespaced?: boolean;
  /** Namespace stamped on the chart's objects. @default - the environment's namespace */
  readonly namespace?: string;
}

/** What IngressRoutes write: an Ingress for ingress-nginx, Gateway API HTTPRoutes, or both while migrating. */
export type RouteOutput = 'Ingress' | 'HTTPRoute' | 'both';
/** Every value `routeOutput` takes. */
export const ROUTE_OUTPUTS: readonly RouteOutput[] = ['Ingress', 'HTTPRoute', 'both'];

/** Folder under the output for the GitOps controllers' own objects; no cluster or environment may take this name. */
export const GITOPS_FOLDER = GITOPS_OUTPUT_FOLDER;
/** The GitOps tools, each cluster's objects written to `gitops/<cluster>-<tool>.yaml`. */
export const GITOPS_TOOLS = ['argocd', 'flux'] as const;

interface PodSecurityRequest {
  readonly namespace: string;
  readonly level: PodSecurityLevel;
  readonly by: string;
  readonly reason: string;
}

/**
 * One environment (dev, staging, prod, lab): its namespace with Pod Security "restricted" labels, a
 * ResourceQuota and a LimitRange, and the charts its apps go in, on one {@link Cluster}. It writes to
 * `dist/<cluster>/<name>/`, and it is
 * where environment-wide checks (unique nodePorts, addresses, routes) are collected and reported.
 */
export class Environment extends Construct {
  /** The Environment a construct belongs to; throws if it is outside one. */
  public static of(scope: IConstruct): Environment {
    return Environment.tryOf(scope)
      ?? fail(scope, 'scope', scope.node.path, 'is not inside an Environment (create constructs in a chart of an Environment)');
  }

  /** The Environment a construct belongs to, or undefined outside one. */
  public static tryOf(scope: IConstruct): Environment | undefined {
    for (let s: IConstruct | undefined = scope; s; s = s.node.scope) {
      if (s instanceof Environment) return s;
    }
    return undefined;
  }

  /** Environment name (folder under `dist/<cluster>/`). */
  public readonly envName: string;
  /** The cluster it runs on. */
  public readonly cluster: Cluster;
  /** Namespace of the environment's workloads. */
  public readonly namespace: string;
  /** Chart for cluster-scoped objects (no `metadata.namespace`). */
  public readonly clusterChart: Chart;
  /** Chart holding the namespace's ResourceQuota and LimitRange. */
  public readonly namespaceChart: Chart;
  /** The environment's Namespace. */
  public readonly namespaceObject: kplus.Namespace;
  /** The ResourceQuota of the namespace. */
  public readonly resourceQuota: k8s.KubeResourceQuota;
  /** The LimitRange of the namespace. */
  public readonly limitRange: k8s.KubeLimitRange;
  /** Addresses no MetalLB pool may contain (nodes, gateway, VIPs). */
  public readonly reservedAddresses: readonly IpRange[];
  /** Keys that must be unique across the environment (nodePorts, routes, addresses). */
  public readonly uniques = new UniqueClaims();
  /** StorageClasses claims may name without the environment writing them. */
  public readonly externalStorageClasses: readonly string[];
  /** What IngressRoutes write by default. */
  public readonly routeOutput: RouteOutput;
  /** What every workload of the environment gets unless its props say otherwise (checked, gaps filled). */
  public readonly workloadDefaults: ResolvedWorkloadDefaults;
  /** The environment's NetworkPolicies: apps register, declare connections and metrics ports; written at synth. */
  public readonly network: NetworkPlan;

  private readonly tiers = new Map<Chart, ChartTier>();
  private readonly podSecurity: PodSecurityRequest[] = [];
  private readonly namespaces = new Map<string, kplus.Namespace>();
  private readonly checks: Array<() => string[]> = [];
  private readonly gatewayList: IConstruct[] = [];
  private readonly aspects: Array<{ readonly aspect: IAspect; readonly visited: WeakSet<IConstruct> }> = [];
  /** Objects rendered before the aspects ran (the NetworkPlan's flows): {@link renderedEarly}. */
  private readonly early = new WeakMap<ApiObject, Record<string, any>>();

  constructor(scope: Construct, id: string, props: EnvironmentProps) {
    super(scope, uniqueId(scope, id));
    // Refused input leaves nothing in the tree: remove the half-built construct before rethrowing.
    try {
      checkProps(this, props, ENVIRONMENT, new.target === Environment);
      this.envName = checkDnsLabel(this, 'name', props.name);
      if (this.envName === GITOPS_FOLDER) fail(this, 'name', props.name, `is reserved for the GitOps folder dist/${GITOPS_FOLDER}/`);
      if (this.envName === PLATFORM_FOLDER || this.envName === APPS_FOLDER) {
        fail(this, 'name', props.name, `is reserved for a cluster's ${this.envName === APPS_FOLDER ? 'environments list' : 'platform folder'} dist/<cluster>/${this.envName}/`);
      }
      if (props.cluster !== undefined && !(props.cluster instanceof Cluster)) {
        fail(this, 'cluster', props.cluster, 'is not a Cluster (create it with new Cluster({ name, ... }))');
      }
      this.cluster = props.cluster ?? Cluster.implicit(this.envName);
      this.namespace = checkDnsLabel(this, 'namespace', props.namespace ?? props.name);
      const systemProblem = systemNamespaceRefusal(this.namespace);
      if (systemProblem) {
        fail(this, props.namespace === undefined ? 'name' : 'namespace', this.namespace,
          `${systemProblem}${props.namespace === undefined ? ' (the namespace defaults to the environment name; set namespace)' : ''}`);
      }
      this.reservedAddresses = [
        ...this.cluster.usedAddresses,
        ...(props.reservedAddresses ?? []).map((a, i) => checkIpRange(this, `reservedAddresses[${i}]`, a)),
      ];
      this.workloadDefaults = checkWorkloadDefaults(this, props.workloadDefaults);
      this.network = new NetworkPlan(this, props.networkPolicy);
      const labels = checkLabels(this, 'namespaceLabels', props.namespaceLabels);
      for (const key of Object.keys(labels)) {
        if (key.startsWith('pod-security.kubernetes.io/')) {
          fail(this, 'namespaceLabels key', key, 'is set by the Environment from what its workloads need (use requirePodSecurity)');
        }
      }

      this.cluster.reservedNodePorts.forEach((p, i) =>
        this.uniques.claim(UNIQUE.nodePort, String(p), this, `cluster ${this.cluster.name} reservedNodePorts[${i}]`));
      (props.reservedNodePorts ?? []).forEach((p, i) =>
        this.uniques.claim(UNIQUE.nodePort, String(checkNodePort(this, `reservedNodePorts[${i}]`, p)), this, `reservedNodePorts[${i}]`));

      this.clusterChart = this.addChart('cluster', ChartTier.CLUSTER, { namespaced: false });
      this.namespaceChart = this.addChart('namespace', ChartTier.NAMESPACE);

      this.namespaceObject = this.addNamespace(this.namespace, labels);

      // cdk8s-plus-27 has no ResourceQuota or LimitRange construct: the k8s L1 classes are used.
      this.resourceQuota = new k8s.KubeResourceQuota(this.namespaceChart, 'ResourceQuota', {
        metadata: { name: `${this.namespace}-quota` },
        spec: { hard: quotaHard(this, props.quota ?? {}) },
      });
      this.limitRange = new k8s.KubeLimitRange(this.namespaceChart, 'LimitRange', {
        metadata: { name: `${this.namespace}-limits` },
        spec: { limits: limitItems(this, props.containerLimits ?? {}, props.claimSize ?? {}) },
      });

      this.routeOutput = checkOneOf(this, 'routeOutput', props.routeOutput ?? 'Ingress', ROUTE_OUTPUTS);
      this.externalStorageClasses = (props.externalStorageClasses ?? []).map((c, i) => checkDnsSubdomain(this, `externalStorageClasses[${i}]`, c));

      this.addAspect({ visit: (node) => this.stampMetadata(node) });
      this.node.addValidation({ validate: () => [...this.uniques.problems(), ...this.checks.flatMap((c) => c())] });
    } catch (e) {
      scope.node.tryRemoveChild(id);
      throw e;
    }
  }

  /**
   * Adds a chart to this environment. Namespaced charts stamp the environment namespace on their objects.
   * @param id chart id, also its file name `dist/<env>/<tier>-<id>.yaml`
   * @param tier where the file sorts
   */
  public addChart(id: string, tier: ChartTier = ChartTier.APPS, options: ChartOptions = {}): Chart {
    checkDnsLabel(`${this.node.path}/${id}`, 'chart id', id);
    checkProps(`${this.node.path}/${id}`, options, CHART_OPTIONS);
    const namespaced = options.namespaced ?? true;
    const chart = new Chart(this, uniqueId(this, id), {
      namespace: namespaced ? (options.namespace ?? this.namespace) : undefined,
      disableResourceNameHashes: true,
    });
    this.tiers.set(chart, tier);
    return chart;
  }

  /** Adds an aspect: it visits every construct of the environment once the tree is complete (see {@link IAspect}). */
  public addAspect(aspect: IAspect): void {
    if (typeof aspect !== 'object' || aspect === null || typeof aspect.visit !== 'function') {
      fail(this, 'aspect', aspect, 'is not an aspect (an object with a visit(node) method)');
    }
    this.aspects.push({ aspect, visited: new WeakSet() });
  }

  /**
   * Writes the NetworkPolicies ({@link NetworkPlan.write}), then runs the aspects over the environment's
   * constructs (parents first, in tree order). Run by the synth
   * once the tree is complete; a construct an aspect has already visited is not visited again, and
   * constructs an aspect adds are visited too.
   */
  public applyAspects(): void {
    // The NetworkPolicies follow what the complete tree renders; written first, so the aspects visit them too.
    this.network.write(this);
    for (let pass = 1, visitedSome = true; visitedSome; pass++) {
      visitedSome = false;
      // An aspect that adds a construct on every visit would run forever: on the last pass allowed, find who still adds.
      const last = pass === MAX_ASPECT_PASSES;
      const adding = new Set<string>();
      for (const node of this.node.findAll()) {
        for (const [i, { aspect, visited }] of this.aspects.entries()) {
          if (visited.has(node)) continue;
          visited.add(node);
          visitedSome = true;
          const before = last ? this.node.findAll().length : 0;
          aspect.visit(node);
          if (last && this.node.findAll().length > before) adding.add(aspectName(aspect, i));
        }
      }
      if (adding.size > 0) {
        fail(this, 'aspects', [...adding].join(', '), `still added constructs after ${MAX_ASPECT_PASSES} passes over the tree; an aspect must not add a construct on every visit (check what it adds before adding)`);
      }
    }
  }

  /** The built-in aspect: `workloadDefaults` labels and annotations on every object and pod template, where absent. */
  private stampMetadata(node: IConstruct): void {
    const { labels, annotations } = this.workloadDefaults;
    if (Object.keys(labels).length + Object.keys(annotations).length === 0) return;
    const targets = [
      ...(node instanceof ApiObject ? [node.metadata] : []),
      ...(node instanceof kplus.Workload ? [node.podMetadata] : []),
    ];
    for (const metadata of targets) {
      const own = metadata.toJson();
      for (const [key, value] of Object.entries(labels)) if (own.labels?.[key] === undefined) metadata.addLabel(key, value);
      for (const [key, value] of Object.entries(annotations)) if (own.annotations?.[key] === undefined) metadata.addAnnotation(key, value);
    }
  }

  /**
   * `object.toJson()`, kept for the synth ({@link renderedEarly}): the NetworkPlan renders the kinds flows come
   * from before the aspects run, and the synth renders every object after them.
   */
  public renderEarly(object: ApiObject): Record<string, any> {
    const manifest = object.toJson();
    this.early.set(object, manifest);
    return manifest;
  }

  /**
   * What `object` rendered to before the aspects ran ({@link renderEarly}), given once and then forgotten, so
   * that an app kept after its synth does not hold it; undefined for an object not rendered early, or stateful
   * ({@link protectStatefulObjects} marks those after the aspects). Whether it still holds is the synth's to judge:
   * it does when no environment of the app has aspects that may change objects ({@link aspectsMayChangeObjects}),
   * since an environment's aspects visit only its own constructs but may change anything.
   */
  public renderedEarly(object: ApiObject): Record<string, any> | undefined {
    const manifest = this.early.get(object);
    this.early.delete(object);
    return manifest;
  }

  /** Whether the aspects may change objects: one was added besides the built-in one, or there are workload defaults to stamp. */
  public get aspectsMayChangeObjects(): boolean {
    const { labels, annotations } = this.workloadDefaults;
    return this.aspects.length > 1 || Object.keys(labels).length + Object.keys(annotations).length > 0;
  }

  /** Records a Gateway of this environment (HttpGateway calls it); with exactly one, routes use it by default. */
  public registerGateway(gateway: IConstruct): void {
    this.gatewayList.push(gateway);
  }

  /** The Gateways of this environment. */
  public get gateways(): readonly IConstruct[] {
    return [...this.gatewayList];
  }

  /** Output file of a chart, relative to the output folder: `<cluster>/<env>/<tier>-<id>.yaml`. */
  public fileOf(chart: Chart): string {
    return `${this.folder}/${this.tierOf(chart)}-${chart.node.id}.yaml`;
  }

  /** The environment's folder, relative to the output folder: `<cluster>/<env>`. */
  public get folder(): string {
    return `${this.cluster.name}/${this.envName}`;
  }

  /**
   * Marks the environment's stateful objects (Namespaces, PersistentVolumes, claims, StatefulSets,
   * StorageClasses) so that the cluster's GitOps controller never prunes or deletes them. Run by the synth
   * once the tree is complete; running it again changes nothing.
   */
  public protectStatefulObjects(): void {
    // Both controllers' marks, whichever applies the cluster now: an object once applied by the other tool keeps
    // its protection (an apply without the mark would strip it, and that tool's garbage collection would then delete it).
    const marks = [ARGOCD_PROTECT, FLUX_PROTECT];
    for (const chart of this.charts) {
      for (const c of chart.node.findAll()) {
        if (!(c instanceof ApiObject) || !STATEFUL_KINDS.has(c.kind)) continue;
        for (const m of marks) c.metadata.addAnnotation(m.key, m.value);
        this.early.delete(c);
      }
    }
  }

  /** The tier of a chart of this environment. */
  public tierOf(chart: Chart): ChartTier {
    const tier = this.tiers.get(chart);
    if (tier === undefined) return fail(chart, 'chart', chart.node.id, `was not added with ${this.node.path}.addChart()`);
    return tier;
  }

  /** Charts of this environment in output order: by tier, then id. */
  public get charts(): Chart[] {
    const key = (c: Chart) => this.tierOf(c);
    return [...this.tiers.keys()].sort((a, b) =>
      key(a).localeCompare(key(b)) || (a.node.id < b.node.id ? -1 : a.node.id > b.node.id ? 1 : 0));
  }

  /**
   * Adds another namespace to the environment (for node agents that need host access, so the apps'
   * namespace stays "restricted"), with the same Pod Security labels; it has no ResourceQuota or
   * LimitRange. Adding an existing namespace returns it. Kubernetes' own namespaces (`default`, `kube-*`)
   * and the platform's (`metallb-system`, `cert-manager`, …) are refused: writing them would relabel their pods.
   */
  public addNamespace(name: string, labels: Record<string, string> = {}): kplus.Namespace {
    const existing = this.namespaces.get(name);
    if (existing) return existing;
    checkDnsLabel(this, 'namespace', name);
    const systemProblem = systemNamespaceRefusal(name);
    if (systemProblem) fail(this, 'namespace', name, systemProblem);
    checkProps(this, labels, LABELS, true, 'labels');
    const level = Lazy.any({ produce: () => this.podSecurityLevelOf(name) });
    const version = podSecurityVersion(this.cluster);
    const ns = new kplus.Namespace(this.clusterChart, name === this.namespace ? 'Namespace' : `Namespace-${name}`, {
      metadata: {
        name,
        labels: {
          ...labels,
          'pod-security.kubernetes.io/enforce': level as unknown as string,
          'pod-security.kubernetes.io/enforce-version': version,
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': version,
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': version,
        },
      },
    });
    ns.metadata.addAnnotation('onprem.k8s/pod-security-reason', Lazy.any({ produce: () => this.podSecurityReason(name) }) as unknown as string);
    this.namespaces.set(name, ns);
    return ns;
  }

  /** Names of the environment's namespaces, the main one first. */
  public get namespaceNames(): string[] {
    return [...this.namespaces.keys()];
  }

  /**
   * Records that a workload needs a less strict Pod Security level than "restricted" (host network,
   * hostPath, extra capabilities). The `enforce` label of the workload's namespace (its chart's) follows
   * the most permissive request, and its `onprem.k8s/pod-security-reason` annotation says who asked and
   * why, so the label stays honest. A namespace the environment does not manage is refused.
   */
  public requirePodSecurity(level: PodSecurityLevel, by: IConstruct, reason: string): void {
    const namespace = Chart.of(by).namespace ?? this.namespace;
    if (!this.namespaces.has(namespace)) {
      fail(by, 'namespace', namespace, `is not a namespace of environment ${this.envName} (${this.namespaceNames.join(', ')}), so its Pod Security labels cannot follow what the workload needs; add it with addNamespace()`);
    }
    this.podSecurity.push({ namespace, level, by: by.node.path, reason });
  }

  /** The Pod Security level the main namespace enforces: the most permissive one any of its workloads needs. */
  public get podSecurityLevel(): PodSecurityLevel {
    return this.podSecurityLevelOf(this.namespace);
  }

  /** The Pod Security level a namespace of the environment enforces. */
  public podSecurityLevelOf(namespace: string): PodSecurityLevel {
    return this.podSecurity.filter((r) => r.namespace === namespace).reduce<PodSecurityLevel>(
      (acc, r) => (LEVELS.indexOf(r.level) > LEVELS.indexOf(acc) ? r.level : acc), 'restricted');
  }

  /** Adds an environment-wide rule, run once the tree is complete; it returns one message per problem. */
  public addCheck(check: () => string[]): void {
    if (typeof check !== 'function') fail(this, 'check', check, 'is not a function returning a list of messages');
    this.checks.push(check);
  }

  private podSecurityReason(namespace: string): string {
    const needed = this.podSecurity.filter((r) => r.namespace === namespace && r.level !== 'restricted');
    if (needed.length === 0) return 'restricted: no workload asked for host access';
    return needed.map((r) => `${r.level}: ${r.by} (${r.reason})`).sort().join('; ');
  }
}

/** How many times the aspects may pass over constructs they added before the synth gives up. */
const MAX_ASPECT_PASSES = 10;

/** How a message names an aspect: its class name, else its place in the list. */
function aspectName(aspect: IAspect, index: number): string {
  const name = (aspect as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object' ? `${name} (aspect #${index})` : `aspect #${index}`;
}

const QUOTA_DEFAULTS: Required<QuotaProps> = {
  requestsCpu: '8', requestsMemory: '16Gi', limitsCpu: '16', limitsMemory: '32Gi',
  pods: 100, persistentVolumeClaims: 20, requestsStorage: '200Gi',
};

function quotaHard(where: Where, quota: QuotaProps): Record<string, k8s.Quantity> {
  const q = { ...QUOTA_DEFAULTS, ...quota };
  const quantities: Array<[string, string, string, QuantityKind]> = [
    ['requests.cpu', 'quota.requestsCpu', q.requestsCpu, 'cpu'],
    ['requests.memory', 'quota.requestsMemory', q.requestsMemory, 'memory'],
    ['limits.cpu', 'quota.limitsCpu', q.limitsCpu, 'cpu'],
    ['limits.memory', 'quota.limitsMemory', q.limitsMemory, 'memory'],
    ['requests.storage', 'quota.requestsStorage', q.requestsStorage, 'bytes'],
  ];
  const hard: Record<string, k8s.Quantity> = {};
  for (const [key, field, value, kind] of quantities) {
    checkExactQuantity(where, field, value, kind);
    hard[key] = k8s.Quantity.fromString(value);
  }
  hard.pods = k8s.Quantity.fromString(String(checkInt(where, 'quota.pods', q.pods, 0, 1_000_000)));
  hard.persistentvolumeclaims = k8s.Quantity.fromString(String(
    checkInt(where, 'quota.persistentVolumeClaims', q.persistentVolumeClaims, 0, 1_000_000)));
  checkOrdered(where, 'quota.requestsCpu', q.requestsCpu, 'quota.limitsCpu', q.limitsCpu, 'cpu');
  checkOrdered(where, 'quota.requestsMemory', q.requestsMemory, 'quota.limitsMemory', q.limitsMemory, 'memory');
  return hard;
}

const CONTAINER_DEFAULTS: Required<ContainerLimitsProps> = {
  defaultRequestCpu: '100m', defaultRequestMemory: '128Mi',
  defaultLimitCpu: '500m', defaultLimitMemory: '512Mi',
  maxCpu: '4', maxMemory: '8Gi',
};
const CLAIM_DEFAULTS: Required<ClaimSizeProps> = { min: '10Mi', max: '50Gi' };

/** Checks that `small <= large` for two quantity props, naming the first. */
function checkOrdered(where: Where, smallField: string, small: string, largeField: string, large: string, kind: QuantityKind): void {
  if (compareQuantities(checkExactQuantity(where, smallField, small, kind), checkExactQuantity(where, largeField, large, kind)) > 0) {
    fail(where, smallField, small, `is more than ${largeField} "${large}" (it must not exceed it)`);
  }
}

function limitItems(where: Where, c: ContainerLimitsProps, s: ClaimSizeProps): k8s.LimitRangeItem[] {
  const l = { ...CONTAINER_DEFAULTS, ...c };
  const claim = { ...CLAIM_DEFAULTS, ...s };
  checkOrdered(where, 'containerLimits.defaultRequestCpu', l.defaultRequestCpu, 'containerLimits.defaultLimitCpu', l.defaultLimitCpu, 'cpu');
  checkOrdered(where, 'containerLimits.defaultRequestMemory', l.defaultRequestMemory, 'containerLimits.defaultLimitMemory', l.defaultLimitMemory, 'memory');
  checkOrdered(where, 'containerLimits.defaultLimitCpu', l.defaultLimitCpu, 'containerLimits.maxCpu', l.maxCpu, 'cpu');
  checkOrdered(where, 'containerLimits.defaultLimitMemory', l.defaultLimitMemory, 'containerLimits.maxMemory', l.maxMemory, 'memory');
  checkOrdered(where, 'claimSize.min', claim.min, 'claimSize.max', claim.max, 'bytes');
  const q = (v: string) => k8s.Quantity.fromString(v);
  return [
    {
      type: 'Container',
      defaultRequest: { cpu: q(l.defaultRequestCpu), memory: q(l.defaultRequestMemory) },
      default: { cpu: q(l.defaultLimitCpu), memory: q(l.defaultLimitMemory) },
      max: { cpu: q(l.maxCpu), memory: q(l.maxMemory) },
    },
    { type: 'PersistentVolumeClaim', min: { storage: q(claim.min) }, max: { storage: q(claim.max) } },
  ];
}
