/**
 * NetworkPolicy, as the API server validates it and as a network plugin enforces it. The same module
 * says which flows an environment needs (route controller → backend, outside → LoadBalancer/NodePort
 * Service, declared app-to-app connections, scraping) so the policies are written from it
 * (lib/constructs/network-policies.ts) and the rendered policies are checked against it, by the plugin's rules.
 *
 * Semantics (https://kubernetes.io/docs/concepts/services-networking/network-policies/): a pod is isolated
 * for ingress when a NetworkPolicy of its namespace with "Ingress" in its policyTypes selects it; then a
 * connection is allowed only when some such policy has a rule whose `from` (empty: any source) holds a
 * peer matching the source and whose `ports` (empty: any port) hold the pod's port. Peers: `podSelector`
 * alone selects pods of the policy's namespace, `namespaceSelector` alone every pod of the namespaces it
 * selects, both together the pods it selects in those namespaces, `ipBlock` addresses (outside the cluster:
 * pod addresses are ephemeral, and plugins differ on whether ipBlock matches them). Policies add up.
 */

import { checkIpRange, IpRange, refusal } from './validation';
import { selectedBy, selecting, selects } from './api-server';
import type { RenderedObjects } from './index';

type Manifest = Record<string, any>;

/** The label the API server sets on every namespace to its name (kubernetes: pkg/registry/core/namespace/strategy.go, since 1.22). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/**
 * ingress-nginx chart 4.15.1, release `ingress-nginx` in namespace `ingress-nginx` (the platform README's
 * render command): controller pods carry `ingress-nginx.selectorLabels` (name, instance) plus
 * `app.kubernetes.io/component: controller` (templates/_helpers.tpl, templates/controller-deployment.yaml).
 */
export const INGRESS_NGINX_CONTROLLER: RouteController = {
  namespace: 'ingress-nginx',
  podLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/instance': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
};
/**
 * NGINX Gateway Fabric 2.x provisions each Gateway's nginx data plane in the Gateway's namespace and puts
 * `gateway.networking.k8s.io/gateway-name: <gateway>` among its pods' selector labels (v2.6.7
 * internal/controller/provisioner/objects.go buildLabelsAndAnnotations; a name over 63 characters becomes an annotation instead).
 */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
/** NGINX Gateway Fabric's data plane of Gateway `namespace/name` (see {@link GATEWAY_NAME_LABEL}). */
export const ngfDataPlane = (namespace: string, name: string): RouteController => ({ namespace, podLabels: { [GATEWAY_NAME_LABEL]: name } });
/**
 * NGINX Gateway Fabric 2.6.7's control plane (release in namespace `nginx-gateway`): pods labelled with the
 * chart name (templates/_helpers.tpl `nginx-gateway.selectorLabels`), serving the data planes' agents on
 * container port 8443 (templates/service.yaml `agent-grpc` 443 → 8443, templates/deployment.yaml).
 */
export const NGF_CONTROL_PLANE: RouteController & { readonly port: number } = {
  namespace: 'nginx-gateway', podLabels: { 'app.kubernetes.io/name': 'nginx-gateway-fabric' }, port: 8443,
};
/** CoreDNS as kubeadm deploys it: pods labelled `k8s-app: kube-dns` in kube-system (cmd/kubeadm/app/phases/addons/dns/manifests.go). */
export const KUBE_DNS: RouteController = { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } };

/** Pods of one namespace with some labels (all pods of the namespace when `podLabels` is empty). */
export interface RouteController {
  /** Their namespace. */
  readonly namespace: string;
  /** Labels they all carry. */
  readonly podLabels: Readonly<Record<string, string>>;
}

/** A connection an app declared: pods `from` (by selector) reach pods `to` on container port `port`. */
export interface DeclaredConnection {
  /** Construct path of the declaring app. */
  readonly by: string;
  /** The client pods. */
  readonly from: RouteController;
  /** The server pods. */
  readonly to: RouteController;
  /** The server's container port. */
  readonly port: number;
}

/** What the policies of an environment are written from and checked against, beyond its objects. */
export interface NetworkFacts {
  /** The pods serving Ingresses. */
  readonly ingressController: RouteController;
  /** The data-plane pods of a Gateway (namespace and name). */
  readonly gatewayDataPlane: (gatewayNamespace: string, gatewayName: string) => RouteController;
  /** Declared connections. */
  readonly connections: readonly DeclaredConnection[];
  /** Pods that mark container ports as metrics, with those ports. */
  readonly metrics: ReadonlyArray<{ readonly by: string; readonly pods: RouteController; readonly ports: readonly number[] }>;
  /** The namespace whose pods scrape metrics. @default - none */
  readonly monitoringNamespace?: string;
}

/** Where traffic comes from: pods (namespace and labels; `podLabels` undefined: any pod) or an address outside the cluster. */
export type Source =
  | { readonly kind: 'pods'; readonly namespace: string; readonly podLabels?: Readonly<Record<string, string>> }
  | { readonly kind: 'outside' };

/** One flow the environment needs: `source` reaches the pods of `workload` on container port `port`. */
export interface Flow {
  /** The server workload. */
  readonly workload: Manifest;
  /** Its container port. */
  readonly port: number;
  /** Where the traffic comes from. */
  readonly source: Source;
  /** Why it is needed, for messages and the map. */
  readonly why: string;
  /** The construct path of the object that needs it. */
  readonly by: string;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/**
 * Every kind `workloadsOf`, `gatewayDataPlanes` and `requiredFlows` read: the flows of a set of objects are
 * those of its objects of these kinds (NetworkPlan renders only these before the synth renders them all).
 */
export const FLOW_KINDS: ReadonlySet<string> = new Set([...WORKLOAD_KINDS, 'Gateway', 'Service', 'Ingress', 'HTTPRoute']);
const list = (v: unknown): Manifest[] => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : []);
const podLabelsOf = (w: Manifest): Record<string, string> => w.spec?.template?.metadata?.labels ?? {};
const containersOf = (w: Manifest): Manifest[] => list(w.spec?.template?.spec?.containers);
const show = (labels: Readonly<Record<string, string>> | undefined) => JSON.stringify(labels ?? {});

/** The workloads of the objects (their kinds are in FLOW_KINDS). */
export function workloadsOf(objects: readonly Manifest[]): Manifest[] {
  return objects.filter((m) => WORKLOAD_KINDS.has(m.kind) && m.spec?.template);
}

/** The kind given to a Gateway's data plane, which its implementation creates (no object of ours). */
export const GATEWAY_DATA_PLANE = 'Gateway data plane';

/**
 * The data plane of each Gateway that runs beside it in its namespace (NGINX Gateway Fabric 2.x provisions
 * it there: an nginx Deployment listening on the listener ports, objects.go buildContainerPortsAndAnnotations),
 * as a workload-shaped stand-in so that policies can admit clients to it and the checks can see its pods.
 */
export function gatewayDataPlanes(objects: readonly Manifest[], facts: NetworkFacts): Manifest[] {
  return objects.filter((m) => m.kind === 'Gateway' && String(m.apiVersion).startsWith('gateway.networking.k8s.io/')).flatMap((gw) => {
    const dp = facts.gatewayDataPlane(gw.metadata?.namespace, gw.metadata?.name);
    if (dp.namespace !== gw.metadata?.namespace) return [];
    const ports = [...new Set(list(gw.spec?.listeners).map((l) => l.port).filter((p) => typeof p === 'number'))];
    return [{
      kind: GATEWAY_DATA_PLANE, metadata: { name: gw.metadata.name, namespace: dp.namespace },
      spec: { selector: { matchLabels: dp.podLabels }, template: { metadata: { labels: dp.podLabels }, spec: { containers: [{ name: 'nginx', ports: ports.map((containerPort) => ({ containerPort })) }] } } },
    }];
  });
}

/** The container port a Service port reaches on a workload's pods (named targetPorts resolved by container port name), or undefined. */
export function targetPortOn(workload: Manifest, servicePort: Manifest): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  const named = containersOf(workload).flatMap((c) => list(c.ports)).find((p) => p.name === target);
  return named?.containerPort;
}

/** The container ports of a workload's pods. */
export function containerPortsOf(workload: Manifest): number[] {
  return containersOf(workload).flatMap((c) => list(c.ports)).map((p) => p.containerPort).filter((p): p is number => typeof p === 'number');
}

/** The flows the environment's objects and declarations need. */
export function requiredFlows(all: RenderedObjects, facts: NetworkFacts): Flow[] {
  // Only FLOW_KINDS count here, so a kind read below without being listed there would never count anywhere.
  const rendered = all.filter((o) => FLOW_KINDS.has(o.manifest.kind));
  const objects = rendered.map((o) => o.manifest);
  const planes = gatewayDataPlanes(objects, facts);
  const workloads = [...workloadsOf(objects), ...planes];
  const services = new Map(objects.filter((m) => m.kind === 'Service').map((s) => [`${s.metadata?.namespace}/${s.metadata?.name}`, s]));
  const podsOf = selectedBy(workloads, (w) => w.metadata?.namespace, podLabelsOf);
  const selected = (namespace: string, labels: Readonly<Record<string, string>>) => (Object.keys(labels).length === 0 ? [] : podsOf(namespace, { matchLabels: labels }));
  const flows: Flow[] = [];
  /** Flows to the pods behind Service port `port` (a number or a port name) of Service namespace/name. */
  const toService = (namespace: string, name: string, port: unknown, source: Source, why: string, by: string) => {
    const service = services.get(`${namespace}/${name}`);
    const ports = list(service?.spec?.ports).filter((p) => port === undefined || p.port === port || p.name === port);
    for (const w of selected(namespace, service?.spec?.selector ?? {})) {
      for (const p of ports) {
        const target = targetPortOn(w, p);
        if (target !== undefined) flows.push({ workload: w, port: target, source, why, by });
      }
    }
  };
  for (const { manifest: m, constructPath } of rendered) {
    if (m.kind === 'Ingress') {
      const ns = m.metadata?.namespace;
      const source: Source = { kind: 'pods', ...facts.ingressController };
      const backends = [m.spec?.defaultBackend, ...list(m.spec?.rules).flatMap((r) => list(r.http?.paths).map((p) => p.backend))];
      for (const b of backends) {
        if (b?.service?.name) toService(ns, b.service.name, b.service.port?.number ?? b.service.port?.name, source, `route backend of Ingress ${ns}/${m.metadata?.name}`, constructPath);
      }
    } else if (m.kind === 'HTTPRoute') {
      const ns = m.metadata?.namespace;
      for (const parent of list(m.spec?.parentRefs).filter((p) => (p.kind ?? 'Gateway') === 'Gateway')) {
        const source: Source = { kind: 'pods', ...facts.gatewayDataPlane(parent.namespace ?? ns, parent.name) };
        for (const b of list(m.spec?.rules).flatMap((r) => list(r.backendRefs))) {
          if ((b.kind ?? 'Service') !== 'Service' || (b.group ?? '') !== '') continue;
          toService(b.namespace ?? ns, b.name, b.port, source, `route backend of HTTPRoute ${ns}/${m.metadata?.name} on Gateway ${parent.namespace ?? ns}/${parent.name}`, constructPath);
        }
      }
    } else if (m.kind === 'Service' && (m.spec?.type === 'LoadBalancer' || m.spec?.type === 'NodePort')) {
      toService(m.metadata?.namespace, m.metadata?.name, undefined, { kind: 'outside' }, `${m.spec.type} Service ${m.metadata?.namespace}/${m.metadata?.name}`, constructPath);
    }
  }
  for (const plane of planes) {
    for (const port of containerPortsOf(plane)) {
      flows.push({ workload: plane, port, source: { kind: 'outside' }, why: `listener of Gateway ${plane.metadata.namespace}/${plane.metadata.name} (its data plane)`,
        by: rendered.find((o) => o.manifest.kind === 'Gateway' && o.manifest.metadata?.name === plane.metadata.name && o.manifest.metadata?.namespace === plane.metadata.namespace)?.constructPath ?? plane.metadata.name });
    }
  }
  for (const c of facts.connections) {
    for (const w of selected(c.to.namespace, c.to.podLabels)) {
      flows.push({ workload: w, port: c.port, source: { kind: 'pods', ...c.from }, why: `connection declared by ${c.by}`, by: c.by });
    }
  }
  if (facts.monitoringNamespace !== undefined) {
    for (const mark of facts.metrics) {
      for (const w of selected(mark.pods.namespace, mark.pods.podLabels)) {
        for (const port of mark.ports) flows.push({ workload: w, port, source: { kind: 'pods', namespace: facts.monitoringNamespace }, why: 'metrics scraped from the monitoring namespace', by: mark.by });
      }
    }
  }
  return flows;
}

// ---------------------------------------------------------------------------------------------
// How a network plugin decides
// ---------------------------------------------------------------------------------------------

/** Addresses standing for "outside the cluster", one per family (documentation ranges, RFC 5737 and RFC 3849). */
const OUTSIDE = ['198.51.100.7', '2001:db8::7'].map((a) => checkIpRange('outside', 'address', a));

/** The labels of each namespace: those the first Namespace object of that name gives it, and always its name label. */
function namespaceLabels(objects: readonly Manifest[]): (name: string) => Record<string, string> {
  const first = new Map<unknown, Manifest>();
  for (const m of objects) if (m.kind === 'Namespace' && !first.has(m.metadata?.name)) first.set(m.metadata?.name, m);
  return (name) => ({ ...(first.get(name)?.metadata?.labels ?? {}), [NAMESPACE_NAME_LABEL]: name });
}

/** A CIDR as a range, or undefined when it is not one. */
function cidrOf(value: unknown): IpRange | undefined {
  if (typeof value !== 'string' || !value.includes('/') || refusal(() => checkIpRange('', '', value)) !== undefined) return undefined;
  return checkIpRange('', '', value);
}

const within = (inner: IpRange, outer: IpRange) => inner.family === outer.family && inner.start >= outer.start && inner.end <= outer.end;

function inCidr(peer: Manifest, address: IpRange): boolean {
  const cidr = cidrOf(peer.ipBlock?.cidr);
  if (!cidr || !within(address, cidr)) return false;
  const except: unknown[] = Array.isArray(peer.ipBlock.except) ? peer.ipBlock.except : [];
  return !except.some((e) => {
    const ex = cidrOf(e);
    return ex !== undefined && within(address, ex);
  });
}

/** Whether one peer of a rule in namespace `policyNamespace` matches a source (an outside address, or a pod). */
function peerMatches(labelsOf: (namespace: string) => Record<string, string>, policyNamespace: string, peer: Manifest, source: Source, address: IpRange | undefined): boolean {
  if (peer.ipBlock) return source.kind === 'outside' && address !== undefined && inCidr(peer, address);
  if (source.kind !== 'pods') return false;
  const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, labelsOf(source.namespace)) : source.namespace === policyNamespace;
  // A source "any pod of the namespace" matches only a peer that admits every pod of it.
  const podOk = peer.podSelector === undefined || (source.podLabels === undefined
    ? Object.keys(peer.podSelector.matchLabels ?? {}).length + list(peer.podSelector.matchExpressions).length === 0
    : selects(peer.podSelector, source.podLabels));
  return nsOk && podOk;
}

function portMatches(rulePort: Manifest, workload: Manifest, port: number): boolean {
  if ((rulePort.protocol ?? 'TCP') !== 'TCP') return false;
  if (rulePort.port === undefined) return true;
  if (typeof rulePort.port === 'string') {
    return containersOf(workload).flatMap((c) => list(c.ports)).some((p) => p.name === rulePort.port && p.containerPort === port && (p.protocol ?? 'TCP') === 'TCP');
  }
  return port >= rulePort.port && port <= (rulePort.endPort ?? rulePort.port);
}

/** Whether a policy applies to a direction: its policyTypes, or by default Ingress always and Egress when it has egress rules. */
export function policyTypesOf(policy: Manifest): string[] {
  const types = policy.spec?.policyTypes;
  if (Array.isArray(types)) return types;
  return ['Ingress', ...(policy.spec?.egress !== undefined ? ['Egress'] : [])];
}

/**
 * Whether the NetworkPolicies among `objects` let `source` open a TCP connection to the pods of `workload`
 * on container port `port` (ingress side: what the target's namespace decides). Outside sources must be
 * admitted for both an IPv4 and an IPv6 address.
 */
export function admitted(objects: readonly Manifest[], workload: Manifest, port: number, source: Source): boolean {
  return admission(objects)(workload, port, source);
}

/**
 * {@link admitted} for many questions about the same objects: their policies and namespaces are indexed
 * once, and each answer is the same as `admitted(objects, workload, port, source)`.
 */
export function admission(objects: readonly Manifest[]): (workload: Manifest, port: number, source: Source) => boolean {
  const policiesOf = selecting(objects.filter((m) => m.kind === 'NetworkPolicy' && policyTypesOf(m).includes('Ingress')),
    (m) => m.metadata?.namespace, (m) => m.spec?.podSelector ?? {});
  const labelsOf = namespaceLabels(objects);
  return (workload, port, source) => {
    const namespace = workload.metadata?.namespace;
    const policies = policiesOf(namespace, podLabelsOf(workload));
    if (policies.length === 0) return true;
    const addresses: Array<IpRange | undefined> = source.kind === 'outside' ? OUTSIDE : [undefined];
    return addresses.every((address) => policies.some((p) => list(p.spec?.ingress).some((rule) =>
      (rule.from === undefined || list(rule.from).length === 0 || list(rule.from).some((peer) => peerMatches(labelsOf, namespace, peer, source, address)))
      && (rule.ports === undefined || list(rule.ports).length === 0 || list(rule.ports).some((rp) => portMatches(rp, workload, port))))));
  };
}

/** How a source reads in a message. */
export function sourceText(source: Source): string {
  if (source.kind === 'outside') return 'outside the cluster';
  return source.podLabels === undefined ? `any pod of namespace ${source.namespace}` : `pods ${show(source.podLabels)} of namespace ${source.namespace}`;
}

// ---------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const POLICY_TYPES = ['Ingress', 'Egress'];
const PORT_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;

// API server: pkg/apis/networking/validation/validation.go ValidateNetworkPolicySpec, ValidateNetworkPolicyPort,
// ValidateNetworkPolicyPeer, ValidateIPBlock.
function apiProblems(policy: Manifest): string[] {
  const out: string[] = [];
  const spec = policy.spec ?? {};
  const types = spec.policyTypes;
  if (Array.isArray(types)) {
    if (types.length > 2) out.push(`spec.policyTypes ${JSON.stringify(types)} has more than 2 entries`);
    types.forEach((t: unknown, i: number) => {
      if (!POLICY_TYPES.includes(t as string)) out.push(`spec.policyTypes[${i}] ${JSON.stringify(t)} is not "Ingress" or "Egress"`);
      if (types.indexOf(t) !== i) out.push(`spec.policyTypes[${i}] ${JSON.stringify(t)} is listed twice`);
    });
  }
  for (const [dir, peersField] of [['ingress', 'from'], ['egress', 'to']] as const) {
    list(spec[dir]).forEach((rule, i) => {
      list(rule.ports).forEach((p, j) => {
        const at = `spec.${dir}[${i}].ports[${j}]`;
        if (p.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) out.push(`${at}.protocol ${JSON.stringify(p.protocol)} is not TCP, UDP or SCTP`);
        if (typeof p.port === 'number' && !(Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535)) out.push(`${at}.port ${p.port} is not 1-65535`);
        if (typeof p.port === 'string' && !PORT_NAME.test(p.port)) out.push(`${at}.port "${p.port}" is not a port name (IANA_SVC_NAME)`);
        if (p.endPort !== undefined) {
          if (typeof p.port !== 'number') out.push(`${at}.endPort may only be given with a numeric port`);
          else if (!(Number.isInteger(p.endPort) && p.endPort >= p.port && p.endPort <= 65535)) out.push(`${at}.endPort ${p.endPort} is not between port ${p.port} and 65535`);
        }
      });
      list(rule[peersField]).forEach((peer, j) => {
        const at = `spec.${dir}[${i}].${peersField}[${j}]`;
        const kinds = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((k) => peer[k] !== undefined);
        if (kinds.length === 0) out.push(`${at} must specify a peer (podSelector, namespaceSelector or ipBlock)`);
        else if (peer.ipBlock !== undefined && kinds.length > 1) out.push(`${at} may not combine ipBlock with ${kinds.filter((k) => k !== 'ipBlock').join(' and ')}`);
        if (peer.ipBlock !== undefined) {
          const cidr = cidrOf(peer.ipBlock.cidr);
          if (!cidr) out.push(`${at}.ipBlock.cidr ${JSON.stringify(peer.ipBlock.cidr)} is not a CIDR`);
          const except: unknown[] = Array.isArray(peer.ipBlock.except) ? peer.ipBlock.except : [];
          except.forEach((e, k) => {
            const ex = cidrOf(e);
            if (!ex) out.push(`${at}.ipBlock.except[${k}] ${JSON.stringify(e)} is not a CIDR`);
            else if (cidr && (!within(ex, cidr) || (ex.start === cidr.start && ex.end === cidr.end))) out.push(`${at}.ipBlock.except[${k}] ${e} must be a strict subset of cidr ${cidr.text}`);
          });
        }
      });
    });
  }
  return out;
}

/**
 * NetworkPolicies of one environment: valid for the API server; each selects some pod of its namespace
 * (one selecting none protects and admits nothing: a typo in its selector); namespaces are selected by a
 * label some namespace carries (`kubernetes.io/metadata.name`, which the API server sets, or one written
 * here); and, by the plugin's rules, every flow the environment needs is admitted (route backends from
 * their controller, LoadBalancer/NodePort Services from outside, declared connections on a container
 * port of their target, scraping). See also {@link unreachableServices}.
 */
export function networkPolicies(rendered: RenderedObjects, facts: NetworkFacts): string[] {
  const objects = rendered.map((o) => o.manifest);
  const workloads = [...workloadsOf(objects), ...gatewayDataPlanes(objects, facts)];
  const namespaces = objects.filter((m) => m.kind === 'Namespace');
  const podsOf = selectedBy(workloads, (w) => w.metadata?.namespace, podLabelsOf);
  const out: string[] = [];
  for (const { manifest: p, constructPath } of rendered) {
    if (p.kind !== 'NetworkPolicy') continue;
    const at = `${constructPath}: NetworkPolicy ${p.metadata?.namespace}/${p.metadata?.name}`;
    out.push(...apiProblems(p).map((m) => `${at}: ${m}, which the API server refuses`));
    // network plugin: a policy selects pods of its own namespace only (NetworkPolicy docs, "podSelector").
    if (podsOf(p.metadata?.namespace, p.spec?.podSelector ?? {}).length === 0) {
      out.push(`${at}: spec.podSelector ${JSON.stringify(p.spec?.podSelector ?? {})} selects no pod of any workload in namespace ${p.metadata?.namespace}, so it protects and admits nothing`);
    }
    for (const [dir, field] of [['ingress', 'from'], ['egress', 'to']] as const) {
      list(p.spec?.[dir]).forEach((rule, i) => list(rule[field]).forEach((peer, j) => {
        const sel = peer.namespaceSelector;
        if (!sel) return;
        const keys = [...Object.keys(sel.matchLabels ?? {}), ...list(sel.matchExpressions).map((e) => e.key)];
        if (keys.length === 0 || keys.every((k) => k === NAMESPACE_NAME_LABEL)) return;
        if (!namespaces.some((n) => selects(sel, { ...(n.metadata?.labels ?? {}), [NAMESPACE_NAME_LABEL]: n.metadata?.name }))) {
          out.push(`${at}: spec.${dir}[${i}].${field}[${j}].namespaceSelector ${JSON.stringify(sel)} selects namespaces by labels no namespace of this environment carries; select a namespace by its name label ${NAMESPACE_NAME_LABEL}, which the API server sets on every namespace`);
        }
      }));
    }
  }
  const flows = requiredFlows(rendered, facts);
  const isAdmitted = admission(objects);
  for (const f of flows) {
    const target = `${f.workload.kind} ${f.workload.metadata?.namespace}/${f.workload.metadata?.name}`;
    if (f.why.startsWith('connection') || f.why.startsWith('metrics')) {
      if (!containerPortsOf(f.workload).includes(f.port)) {
        out.push(`${f.by}: ${f.why} reaches ${target} on port ${f.port}, which is not a container port of its pods (${containerPortsOf(f.workload).join(', ') || 'none'})`);
        continue;
      }
    }
    if (!isAdmitted(f.workload, f.port, f.source)) {
      out.push(`${f.by}: ${f.why} needs ${sourceText(f.source)} to reach ${target} on port ${f.port}, but no NetworkPolicy of namespace ${f.workload.metadata?.namespace} admits it`);
    }
  }
  return out;
}

/**
 * Services whose pods are isolated for ingress and admitted on the Service's target port from nowhere:
 * reachable by nothing (network plugin: a pod selected by an Ingress policy receives only what some rule
 * admits). Not a synth refusal, since an app whose clients are not declared yet is a normal step while
 * building an environment: the map draws them red, and the shipped-data tests require none.
 */
export function unreachableServices(rendered: RenderedObjects): string[] {
  const objects = rendered.map((o) => o.manifest);
  const workloads = workloadsOf(objects);
  const out: string[] = [];
  for (const { manifest: s, constructPath } of rendered) {
    if (s.kind !== 'Service' || !s.spec?.selector || Object.keys(s.spec.selector).length === 0) continue;
    const ns = s.metadata?.namespace;
    for (const w of workloads.filter((x) => x.metadata?.namespace === ns && selects({ matchLabels: s.spec.selector }, podLabelsOf(x)))) {
      const isolated = objects.some((m) => m.kind === 'NetworkPolicy' && m.metadata?.namespace === ns && policyTypesOf(m).includes('Ingress') && selects(m.spec?.podSelector ?? {}, podLabelsOf(w)));
      if (!isolated) continue;
      for (const port of list(s.spec.ports)) {
        const target = targetPortOn(w, port);
        if (target === undefined) continue;
        const anyRule = objects.some((m) => m.kind === 'NetworkPolicy' && m.metadata?.namespace === ns && policyTypesOf(m).includes('Ingress')
          && selects(m.spec?.podSelector ?? {}, podLabelsOf(w)) && list(m.spec?.ingress).some((r) => list(r.ports).length === 0 || list(r.ports).some((rp) => portMatches(rp, w, target))));
        if (!anyRule) {
          out.push(`${constructPath}: Service ${ns}/${s.metadata?.name} port ${port.port} reaches ${w.kind} ${ns}/${w.metadata?.name} on port ${target}, but no NetworkPolicy admits anything there: it is reachable by nothing (declare the apps that connect to it, or expose it)`);
        }
      }
    }
  }
  return out;
}
