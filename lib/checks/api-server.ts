/**
 * What the API server refuses that the JSON schema allows: object names by kind, label and annotation
 * syntax and size, port names and clashes, volume names and mount paths, and Namespace objects for the
 * cluster's own namespaces. Judged on the rendered objects, so aspects, subclasses and raw cdk8s-plus
 * or `k8s.Kube*` additions are checked like the constructs' own output.
 */
import {
  checkDns1035Label, checkDnsLabel, checkDnsSubdomain, checkLabelKey, checkLabelValue, checkPortName, refusal, show,
} from './validation';
import type { CheckContext, Manifest, RenderedObjects } from './index';

/** `Kind namespace/name` of a manifest, for messages. */
export function idOf(m: Manifest): string {
  const ns = m.metadata?.namespace;
  return `${m.kind} ${ns ? `${ns}/` : ''}${m.metadata?.name}`;
}

/** A pod template (or pod spec) of a manifest, with the field path that leads to it. */
export interface PodSpecAt {
  /** The pod spec. */
  readonly spec: Manifest;
  /** Its field path in the manifest, e.g. `spec.template.spec`. */
  readonly field: string;
  /** The template's metadata. @default undefined for a Pod, whose metadata is the object's */
  readonly metadata?: Manifest;
}

/** The pod spec a manifest carries, if any (workloads, Jobs, CronJobs, Pods, PodTemplates). */
export function podSpecOf(m: Manifest): PodSpecAt | undefined {
  switch (m.kind) {
    case 'Pod': return m.spec ? { spec: m.spec, field: 'spec' } : undefined;
    case 'CronJob': {
      const t = m.spec?.jobTemplate?.spec?.template;
      return t?.spec ? { spec: t.spec, field: 'spec.jobTemplate.spec.template.spec', metadata: t.metadata } : undefined;
    }
    case 'PodTemplate': return m.template?.spec ? { spec: m.template.spec, field: 'template.spec', metadata: m.template.metadata } : undefined;
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job': case 'ReplicationController': {
      const t = m.spec?.template;
      return t?.spec ? { spec: t.spec, field: 'spec.template.spec', metadata: t.metadata } : undefined;
    }
    default: return undefined;
  }
}

const list = (v: unknown): Manifest[] => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : []);

// ---------------------------------------------------------------------------------------------
// Names, labels and annotations
// ---------------------------------------------------------------------------------------------

// API server: pkg/apis/core/validation ValidateNamespaceName = NameIsDNSLabel; ValidateServiceName = NameIsDNS1035Label;
// pkg/apis/apps/validation ValidateStatefulSetName = NameIsDNSLabel (1.27+). Every other kind we write (ConfigMaps,
// Deployments, DaemonSets, PDBs, HPAs, claims, custom resources) is NameIsDNSSubdomain, except RBAC's path-segment names.
const LABEL_NAMED_KINDS = new Set(['Namespace', 'StatefulSet']);
const PATH_SEGMENT_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

/** Why the API server refuses an object name for a kind, or undefined. */
export function objectNameRefusal(kind: string, name: unknown): string | undefined {
  if (kind === 'Service') return refusal(() => checkDns1035Label('', '', name));
  if (LABEL_NAMED_KINDS.has(kind)) return refusal(() => checkDnsLabel('', '', name));
  // API server: apimachinery path.IsValidPathSegmentName (ValidateRBACName): not "." or "..", no "/" or "%".
  if (PATH_SEGMENT_KINDS.has(kind)) {
    return typeof name === 'string' && name !== '' && name !== '.' && name !== '..' && !/[/%]/.test(name)
      ? undefined : 'is not a path segment name (not empty, "." or "..", no "/" or "%")';
  }
  return refusal(() => checkDnsSubdomain('', '', name));
}

// API server: k8s.io/apimachinery ValidateAnnotations, TotalAnnotationSizeLimitB = 256 * (1 << 10) (keys and values, in bytes).
/** Most bytes of annotation keys and values an object may carry. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Problems of one metadata block: label keys and values, annotation keys and total size. */
function metadataProblems(at: string, field: string, metadata: Manifest | undefined): string[] {
  const out: string[] = [];
  const labels = metadata?.labels;
  if (labels && typeof labels === 'object') {
    for (const [key, value] of Object.entries(labels)) {
      // API server: apimachinery ValidateLabels (IsQualifiedName keys, IsValidLabelValue values).
      const keyProblem = refusal(() => checkLabelKey('', '', key));
      if (keyProblem) out.push(`${at}: ${field}.labels key ${show(key)} ${keyProblem}`);
      const valueProblem = refusal(() => checkLabelValue('', '', value));
      if (valueProblem) out.push(`${at}: ${field}.labels[${JSON.stringify(key)}] ${show(value)} ${valueProblem}`);
    }
  }
  const annotations = metadata?.annotations;
  if (annotations && typeof annotations === 'object') {
    let size = 0;
    for (const [key, value] of Object.entries(annotations)) {
      // API server: apimachinery ValidateAnnotations (IsQualifiedName of the lower-cased key).
      const keyProblem = refusal(() => checkLabelKey('', '', key.toLowerCase()));
      if (keyProblem) out.push(`${at}: ${field}.annotations key ${show(key)} ${keyProblem}`);
      size += Buffer.byteLength(key) + Buffer.byteLength(typeof value === 'string' ? value : String(value));
    }
    if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
      out.push(`${at}: ${field}.annotations total ${size} bytes is more than the API server's limit of ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes (256 KiB, keys and values together)`);
    }
  }
  return out;
}

/**
 * Object names by kind (Services DNS-1035 labels, Namespaces and StatefulSets DNS-1123 labels, the rest
 * DNS-1123 subdomains), `metadata.namespace`, and the labels and annotations of every object, pod template
 * and claim template.
 */
export function namesAndMetadata(objects: RenderedObjects): string[] {
  const out: string[] = [];
  for (const { manifest: m, constructPath } of objects) {
    const at = `${constructPath}: ${idOf(m)}`;
    const name = m.metadata?.name;
    const nameProblem = objectNameRefusal(m.kind, name);
    if (nameProblem) out.push(`${at}: metadata.name ${show(name)} ${nameProblem} (the API server's rule for a ${m.kind})`);
    const ns = m.metadata?.namespace;
    if (ns !== undefined) {
      const nsProblem = refusal(() => checkDnsLabel('', '', ns));
      if (nsProblem) out.push(`${at}: metadata.namespace ${show(ns)} ${nsProblem}`);
    }
    out.push(...metadataProblems(at, 'metadata', m.metadata));
    const pod = podSpecOf(m);
    if (pod?.metadata) out.push(...metadataProblems(at, pod.field.replace(/\.spec$/, '.metadata'), pod.metadata));
    list(m.spec?.volumeClaimTemplates).forEach((t, i) => out.push(...metadataProblems(at, `spec.volumeClaimTemplates[${i}].metadata`, t.metadata)));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// System namespaces
// ---------------------------------------------------------------------------------------------

/** Namespaces Kubernetes itself keeps (the NamespaceLifecycle admission plugin refuses to delete them). */
export const SYSTEM_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
/** Namespaces the platform components this library targets are installed in. */
export const PLATFORM_NAMESPACES: readonly string[] = ['metallb-system', 'cert-manager', 'ingress-nginx', 'nginx-gateway', 'flux-system', 'argocd'];

/**
 * Why an environment may not write a namespace as its own (its Namespace object, Pod Security labels,
 * quota and limits), or undefined: a system or platform namespace would be relabelled (Pod Security
 * "restricted" on kube-system refuses its pods) and, with GitOps pruning, taken over.
 */
export function systemNamespaceRefusal(name: string): string | undefined {
  // API server: plugin/pkg/admission/namespace/lifecycle immortalNamespaces (default, kube-system, kube-public, kube-node-lease).
  if (SYSTEM_NAMESPACES.includes(name)) return 'is a namespace of Kubernetes itself: writing its Namespace would relabel it (Pod Security of the system pods) and put it under this environment; use a namespace of your own';
  // Kubernetes docs (Namespaces): the "kube-" prefix is reserved for Kubernetes system namespaces.
  if (name.startsWith('kube-')) return 'starts with "kube-", which Kubernetes reserves for its system namespaces; use a namespace of your own';
  if (PLATFORM_NAMESPACES.includes(name)) return `is the namespace of a platform component (${PLATFORM_NAMESPACES.join(', ')}): writing its Namespace would relabel that component's pods and take it over; use a namespace of your own (platform configuration such as MetalLB pools may still be written into it)`;
  return undefined;
}

/** No Namespace object of a system or platform namespace (whatever wrote it: a construct, an aspect, a raw object). */
export function systemNamespaceObjects(objects: RenderedObjects, context?: CheckContext): string[] {
  return objects.filter(({ manifest: m }) => m.kind === 'Namespace' && typeof m.metadata?.name === 'string')
    // The cluster's platform writes its components' own namespaces.
    .filter(({ manifest: m }) => !(context?.platform && PLATFORM_NAMESPACES.includes(m.metadata.name)))
    .flatMap(({ manifest: m, constructPath }) => {
      const reason = systemNamespaceRefusal(m.metadata.name);
      return reason ? [`${constructPath}: ${idOf(m)}: metadata.name ${show(m.metadata.name)} ${reason}`] : [];
    });
}

// ---------------------------------------------------------------------------------------------
// Pods: ports, volumes and mounts
// ---------------------------------------------------------------------------------------------

/**
 * The pod-level rules of pkg/apis/core/validation ValidatePodSpec: container names (DNS labels, unique
 * across init and regular containers), volume names (DNS labels, unique),
 * per container unique port names (IANA_SVC_NAME) and mountPaths, mounts of existing volumes, and host
 * ports unique across the pod's containers (with hostNetwork every containerPort is a host port).
 * For a StatefulSet the claim templates count as volumes (its controller adds them to each pod).
 */
export function podSpecs(objects: RenderedObjects): string[] {
  const out: string[] = [];
  for (const { manifest: m, constructPath } of objects) {
    const pod = podSpecOf(m);
    if (!pod) continue;
    const at = `${constructPath}: ${idOf(m)}`;
    const f = pod.field;
    const spec = pod.spec;

    // API server: ValidateVolumes (volume name IsDNS1123Label; field.Duplicate on a repeated name).
    const volumes = new Set<string>();
    list(spec.volumes).forEach((v, i) => {
      const problem = refusal(() => checkDnsLabel('', '', v.name));
      if (problem) out.push(`${at}: ${f}.volumes[${i}].name ${show(v.name)} ${problem}`);
      else if (volumes.has(v.name)) out.push(`${at}: ${f}.volumes[${i}].name ${show(v.name)} is a duplicate volume name in the pod (each volume needs its own name)`);
      volumes.add(v.name);
    });
    if (m.kind === 'StatefulSet') for (const t of list(m.spec?.volumeClaimTemplates)) if (typeof t.metadata?.name === 'string') volumes.add(t.metadata.name);

    // API server: AccumulateUniqueHostPorts ("<protocol>/<hostIP>/<hostPort>" unique across initContainers and containers);
    // with hostNetwork, SetDefaults_PodSpec sets hostPort = containerPort (pkg/apis/core/v1 defaults.go).
    const hostPorts = new Map<string, string>();
    const groups: Array<[string, Manifest[]]> = [['initContainers', list(spec.initContainers)], ['containers', list(spec.containers)]];
    // API server: validateInitContainers / validateContainers (name IsDNS1123Label, unique across init and regular containers).
    const containerNames = new Set<string>();
    for (const [group, containers] of groups) {
      containers.forEach((c, ci) => {
        const cf = `${f}.${group}[${ci}]`;
        const nameProblem = refusal(() => checkDnsLabel('', '', c.name));
        if (nameProblem) out.push(`${at}: ${cf}.name ${show(c.name)} ${nameProblem}`);
        else if (containerNames.has(c.name)) out.push(`${at}: ${cf}.name ${show(c.name)} is already the name of another container of the pod (init containers included)`);
        containerNames.add(c.name);
        // API server: validateContainerPorts (name IsValidPortName, field.Duplicate on a repeated name within the container).
        const portNames = new Set<string>();
        list(c.ports).forEach((p, pi) => {
          const pf = `${cf}.ports[${pi}]`;
          if (p.name !== undefined) {
            const problem = refusal(() => checkPortName('', '', p.name));
            if (problem) out.push(`${at}: ${pf}.name ${show(p.name)} ${problem}`);
            else if (portNames.has(p.name)) out.push(`${at}: ${pf}.name ${show(p.name)} is already the name of another port of container "${c.name}" (port names are unique per container)`);
            portNames.add(p.name);
          }
          // API server: validateHostNetwork ("must match `hostPort` when `hostNetwork` is true").
          if (spec.hostNetwork === true && p.hostPort !== undefined && p.hostPort !== p.containerPort) {
            out.push(`${at}: ${pf}.hostPort ${show(p.hostPort)} must equal containerPort ${p.containerPort} with hostNetwork: true`);
          }
          const hostPort = p.hostPort ?? (spec.hostNetwork === true ? p.containerPort : undefined);
          if (hostPort === undefined || hostPort === 0) return;
          const key = `${p.protocol ?? 'TCP'}/${p.hostIP ?? ''}/${hostPort}`;
          const first = hostPorts.get(key);
          const shown = `${spec.hostNetwork === true && p.hostPort === undefined ? 'containerPort (a host port with hostNetwork)' : 'hostPort'}`;
          if (first) out.push(`${at}: ${pf}.${p.hostPort === undefined ? 'containerPort' : 'hostPort'} ${hostPort} is a ${shown} ${p.protocol ?? 'TCP'} already taken in the pod by ${first} (host ports are unique per pod)`);
          else hostPorts.set(key, `${cf}.ports[${pi}] (container "${c.name}")`);
        });
        // API server: ValidateVolumeMounts (the volume must exist: field.NotFound; mountPath "must be unique" per container).
        const paths = new Set<string>();
        list(c.volumeMounts).forEach((vm, vi) => {
          const vf = `${cf}.volumeMounts[${vi}]`;
          if (!volumes.has(vm.name)) out.push(`${at}: ${vf}.name ${show(vm.name)} is not a volume of the pod (${[...volumes].join(', ') || 'none'})`);
          if (paths.has(vm.mountPath)) out.push(`${at}: ${vf}.mountPath ${show(vm.mountPath)} is already a mountPath of container "${c.name}" (mountPaths are unique per container)`);
          paths.add(vm.mountPath);
        });
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Services
// ---------------------------------------------------------------------------------------------

/**
 * The port rules of pkg/apis/core/validation ValidateService: port names are DNS-1123 labels, required
 * when there is more than one port, and unique; each (port, protocol) pair at most once; a named
 * targetPort is an IANA_SVC_NAME.
 */
export function servicePorts(objects: RenderedObjects): string[] {
  const out: string[] = [];
  for (const { manifest: m, constructPath } of objects) {
    if (m.kind !== 'Service') continue;
    const at = `${constructPath}: ${idOf(m)}`;
    const ports = list(m.spec?.ports);
    const names = new Set<string>();
    const pairs = new Map<string, number>();
    ports.forEach((p, i) => {
      const pf = `spec.ports[${i}]`;
      // API server: validateServicePort (requireName when len(ports) > 1; name ValidateDNS1123Label; field.Duplicate).
      if (p.name === undefined || p.name === '') {
        if (ports.length > 1) out.push(`${at}: ${pf}.name ${show(p.name)} is required: a Service with more than one port names each of them`);
      } else {
        const problem = refusal(() => checkDnsLabel('', '', p.name));
        if (problem) out.push(`${at}: ${pf}.name ${show(p.name)} ${problem}`);
        else if (names.has(p.name)) out.push(`${at}: ${pf}.name ${show(p.name)} is already the name of another port of the Service (port names are unique)`);
        names.add(p.name);
      }
      // API server: ValidateService "Check for duplicate Ports, considering (protocol,port) pairs".
      const key = `${p.port}/${p.protocol ?? 'TCP'}`;
      if (pairs.has(key)) out.push(`${at}: ${pf}.port ${show(p.port)} ${p.protocol ?? 'TCP'} is already spec.ports[${pairs.get(key)}] (each port and protocol at most once)`);
      else pairs.set(key, i);
      // API server: ValidatePortNumOrName (a string targetPort IsValidPortName).
      if (typeof p.targetPort === 'string') {
        const problem = refusal(() => checkPortName('', '', p.targetPort));
        if (problem) out.push(`${at}: ${pf}.targetPort ${show(p.targetPort)} ${problem}`);
      }
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Workload selectors
// ---------------------------------------------------------------------------------------------

/** Whether a label selector (matchLabels and matchExpressions) selects a set of labels. */
export function selects(selector: Manifest, labels: Record<string, unknown>): boolean {
  const has = (k: string) => Object.prototype.hasOwnProperty.call(labels, k);
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => has(k) && labels[k] === v);
  return byLabels && list(selector.matchExpressions).every((e) => {
    const values: unknown[] = Array.isArray(e.values) ? e.values : [];
    switch (e.operator) {
      case 'In': return has(e.key) && values.includes(labels[e.key]);
      case 'NotIn': return !has(e.key) || !values.includes(labels[e.key]);
      case 'Exists': return has(e.key);
      case 'DoesNotExist': return !has(e.key);
      default: return false;
    }
  });
}

/**
 * The first matchLabels entry of a selector whose value is a string, which every set of labels it selects
 * must hold: the key an index can look selectors and labels up by. Undefined when there is none.
 */
function indexKey(selector: Manifest): string | undefined {
  const first = Object.entries(selector?.matchLabels ?? {})[0];
  return first && typeof first[1] === 'string' ? `${first[0]}\u0000${first[1]}` : undefined;
}

/**
 * Items with labels (e.g. workloads by their pod labels), indexed by namespace and label: answers which of
 * them a selector selects in a namespace, the same items in the same order as filtering them all with
 * {@link selects}, without looking at every one.
 * @param items the items, in the order the answers keep
 * @param namespaceOf an item's namespace
 * @param labelsOf an item's labels
 */
export function selectedBy<T>(items: readonly T[], namespaceOf: (item: T) => unknown, labelsOf: (item: T) => Record<string, unknown>): (namespace: unknown, selector: Manifest) => T[] {
  const all = new Map<unknown, T[]>();
  const byLabel = new Map<unknown, Map<string, T[]>>();
  for (const item of items) {
    const ns = namespaceOf(item);
    const inNs = all.get(ns);
    if (inNs) inNs.push(item);
    else all.set(ns, [item]);
    const labels = byLabel.get(ns) ?? new Map<string, T[]>();
    byLabel.set(ns, labels);
    for (const [k, v] of Object.entries(labelsOf(item))) {
      if (typeof v !== 'string') continue;
      const key = `${k}\u0000${v}`;
      const same = labels.get(key);
      // Two labels of one item give the same key only when a key holds the separator: the item is listed once.
      if (!same) labels.set(key, [item]);
      else if (same[same.length - 1] !== item) same.push(item);
    }
  }
  return (namespace, selector) => {
    const key = indexKey(selector);
    const candidates = (key === undefined ? all.get(namespace) : byLabel.get(namespace)?.get(key)) ?? [];
    return candidates.filter((item) => selects(selector, labelsOf(item)));
  };
}

/**
 * Items with a label selector (e.g. NetworkPolicies by their podSelector), indexed by namespace and the
 * label their selector requires: answers which of them select a set of labels in a namespace, the same
 * items in the same order as filtering them all with {@link selects}, without looking at every one.
 * @param items the items, in the order the answers keep
 * @param namespaceOf an item's namespace
 * @param selectorOf an item's label selector
 */
export function selecting<T>(items: readonly T[], namespaceOf: (item: T) => unknown, selectorOf: (item: T) => Manifest): (namespace: unknown, labels: Record<string, unknown>) => T[] {
  // Per namespace: the items whose selector can be looked up by a label, and the others (with their position, to keep the order).
  const byLabel = new Map<unknown, Map<string, Array<[number, T]>>>();
  const others = new Map<unknown, Array<[number, T]>>();
  items.forEach((item, i) => {
    const ns = namespaceOf(item);
    const key = indexKey(selectorOf(item));
    if (key === undefined) {
      const list = others.get(ns) ?? [];
      list.push([i, item]);
      others.set(ns, list);
      return;
    }
    const labels = byLabel.get(ns) ?? new Map<string, Array<[number, T]>>();
    byLabel.set(ns, labels);
    const same = labels.get(key);
    if (same) same.push([i, item]);
    else labels.set(key, [[i, item]]);
  });
  return (namespace, labels) => {
    const index = byLabel.get(namespace);
    const candidates = [...others.get(namespace) ?? []];
    if (index) {
      const keys = new Set(Object.entries(labels).filter(([, v]) => typeof v === 'string').map(([k, v]) => `${k}\u0000${v}`));
      for (const key of keys) candidates.push(...index.get(key) ?? []);
    }
    // Each item sits in one list only, so sorting by position is enough to give the items' order back.
    return candidates.sort((a, b) => a[0] - b[0]).map(([, item]) => item).filter((item) => selects(selectorOf(item), labels));
  };
}

// API server: pkg/apis/apps/validation ValidateDeploymentSpec, ValidateStatefulSetSpec, ValidateDaemonSetSpec,
// ValidateReplicaSetSpec: "empty selector is invalid", and "`selector` does not match template `labels`".
const SELECTED_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

/** A workload's selector is not empty and selects its own pod template (an aspect or patch that relabels pods breaks it). */
export function workloadSelectors(objects: RenderedObjects): string[] {
  const out: string[] = [];
  for (const { manifest: m, constructPath } of objects) {
    if (!SELECTED_KINDS.has(m.kind)) continue;
    const at = `${constructPath}: ${idOf(m)}`;
    const selector = m.spec?.selector ?? {};
    const labels = m.spec?.template?.metadata?.labels ?? {};
    if (Object.keys(selector.matchLabels ?? {}).length + list(selector.matchExpressions).length === 0) {
      out.push(`${at}: spec.selector ${show(selector)} is empty, which the API server refuses for a ${m.kind}`);
    } else if (!selects(selector, labels)) {
      out.push(`${at}: spec.selector ${show(selector)} does not select the pod template's labels ${show(labels)}, which the API server refuses`);
    }
  }
  return out;
}
