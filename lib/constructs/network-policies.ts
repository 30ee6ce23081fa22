import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import {
  DeclaredConnection, Flow, FLOW_KINDS, GATEWAY_DATA_PLANE, gatewayDataPlanes, INGRESS_NGINX_CONTROLLER, KUBE_DNS, NAMESPACE_NAME_LABEL, NetworkFacts,
  NGF_CONTROL_PLANE, ngfDataPlane, requiredFlows, RouteController, Source, workloadsOf,
} from '../checks/network-policy';
import { checkBoolean, checkDnsLabel, checkLabels, checkPort, fail, Where } from '../checks/validation';
// A cycle (environment.ts creates the plan): ChartTier is only read when write() runs, long after both modules loaded.
import { ChartTier, Environment } from '../cluster/environment';

/** Pods of another namespace, by namespace and labels. */
export interface PeerPods {
  /** Their namespace. @default - see the prop that uses it */
  readonly namespace?: string;
  /** Labels they carry (`{}`: every pod of the namespace). @default - see the prop that uses it */
  readonly podLabels?: Record<string, string>;
}

/**
 * The environment's NetworkPolicies: each namespace with workloads denies all ingress by default, and
 * policies admit exactly the route controller to each route backend, anyone outside the cluster to
 * LoadBalancer and NodePort Services, the connections apps declare (`connections`) and scraping of the
 * ports apps mark (`metricsPorts`) from `monitoringNamespace`. Ports are the backend pods' container ports.
 */
export interface NetworkPolicyProps {
  /**
   * The ingress controller's pods, admitted to every Ingress backend.
   * @default - ingress-nginx chart 4.15.1 released as `ingress-nginx` in namespace `ingress-nginx`: pods labelled
   * app.kubernetes.io/name=ingress-nginx, app.kubernetes.io/instance=ingress-nginx, app.kubernetes.io/component=controller
   */
  readonly ingressController?: PeerPods;
  /**
   * The Gateway data-plane pods admitted to every HTTPRoute backend.
   * @default - NGINX Gateway Fabric 2.x: in the Gateway's namespace, pods labelled gateway.networking.k8s.io/gateway-name=<gateway>
   */
  readonly gatewayDataPlane?: PeerPods;
  /** Namespace whose pods may scrape the ports apps mark as `metricsPorts`. @default - none: metrics ports admit nothing */
  readonly monitoringNamespace?: string;
  /**
   * Deny egress too: pods may then only resolve names (kube-dns in kube-system, 53/UDP and TCP) and open the
   * connections their app declares. Off by default: anything else an app reaches (an external database, an
   * API, SMTP, NTP, a NodeLocal DNSCache on a link-local address) fails silently until it is declared, and
   * there is no declaration for destinations outside the cluster yet. @default false
   */
  readonly denyEgress?: boolean;
}

/** Traffic an app opens to another app of the same environment. */
export interface Connection {
  /** The app it connects to: an AutoscaledApp, NodePortApp, OrderedStatefulSet (a RedisStore is one), or NodeDaemon of the same environment. */
  readonly to: IConstruct;
  /** The port it connects to: one of the target's Service ports, or one of its container ports. @default - the target's container port */
  readonly port?: number;
}

/** What the network policies know of one app. */
interface NetworkApp {
  readonly construct: IConstruct;
  readonly pods: RouteController;
  readonly workload: kplus.Deployment | kplus.StatefulSet | kplus.DaemonSet;
  readonly service?: kplus.Service;
  readonly containerPort: number;
}

const sourceKey = (s: Source) => JSON.stringify(s);

/**
 * The environment's plan of NetworkPolicies: the apps that registered (each workload construct does), the
 * connections they declared and the ports they marked as metrics; written as NetworkPolicy objects to the
 * chart `network-policies` once the tree is complete ({@link NetworkPlan.write}, run by the synth).
 */
export class NetworkPlan {
  /** The ingress controller's pods. */
  public readonly ingressController: RouteController;
  /** Whether egress is denied too. */
  public readonly denyEgress: boolean;
  /** The namespace that scrapes metrics, if any. */
  public readonly monitoringNamespace?: string;
  private readonly gatewayDataPlane: PeerPods;
  private readonly apps = new Map<IConstruct, NetworkApp>();
  private readonly connections: DeclaredConnection[] = [];
  private readonly metrics: Array<{ by: string; pods: RouteController; ports: number[] }> = [];
  private chart?: Chart;
  private writtenText = '[]';

  constructor(where: Where, props: NetworkPolicyProps = {}) {
    const peer = (field: string, p: PeerPods | undefined, defaults: Partial<RouteController>): Partial<RouteController> => ({
      namespace: p?.namespace === undefined ? defaults.namespace : checkDnsLabel(where, `${field}.namespace`, p.namespace),
      podLabels: p?.podLabels === undefined ? defaults.podLabels : checkLabels(where, `${field}.podLabels`, p.podLabels),
    });
    this.ingressController = peer('networkPolicy.ingressController', props.ingressController, INGRESS_NGINX_CONTROLLER) as RouteController;
    this.gatewayDataPlane = peer('networkPolicy.gatewayDataPlane', props.gatewayDataPlane, {});
    this.monitoringNamespace = props.monitoringNamespace === undefined ? undefined : checkDnsLabel(where, 'networkPolicy.monitoringNamespace', props.monitoringNamespace);
    this.denyEgress = checkBoolean(where, 'networkPolicy.denyEgress', props.denyEgress ?? false);
  }

  /** What the policies are written from and checked against. */
  public get facts(): NetworkFacts {
    const gw = this.gatewayDataPlane;
    return {
      ingressController: this.ingressController,
      gatewayDataPlane: (namespace, name) => ({ namespace: gw.namespace ?? namespace, podLabels: gw.podLabels ?? ngfDataPlane(namespace, name).podLabels }),
      connections: [...this.connections],
      metrics: this.metrics.map((m) => ({ ...m })),
      monitoringNamespace: this.monitoringNamespace,
    };
  }

  /**
   * Registers an app (its pods, Service and main container port) so that others may connect to it, then
   * records its own `connections` and `metricsPorts`. Each workload construct calls it.
   */
  public register(app: IConstruct, pods: RouteController, workload: NetworkApp['workload'], service: kplus.Service | undefined, containerPort: number,
    props: { readonly connections?: Connection[]; readonly metricsPorts?: number[] }): void {
    const entry = { construct: app, pods, workload, service, containerPort };
    let ports: number[] = [];
    if (props.metricsPorts !== undefined) {
      if (!Array.isArray(props.metricsPorts)) fail(app, 'metricsPorts', props.metricsPorts, 'is not a list of container ports');
      const own = containerPorts(workload);
      ports = props.metricsPorts.map((p, i) => {
        const port = checkPort(app, `metricsPorts[${i}]`, p);
        if (!own.includes(port)) fail(app, `metricsPorts[${i}]`, port, `is not a container port of the app (${own.join(', ')})`);
        return port;
      });
    }
    if (props.connections !== undefined && !Array.isArray(props.connections)) fail(app, 'connections', props.connections, 'is not a list of { to, port }');
    // Resolved before anything is recorded: a refused app leaves nothing behind.
    const declared = (props.connections ?? []).map((c, i) => this.resolve(app, entry, c.to, c.port, `connections[${i}]`));
    this.apps.set(app, entry);
    if (ports.length > 0) this.metrics.push({ by: app.node.path, pods, ports });
    this.connections.push(...declared);
  }

  /**
   * Declares that `from` opens connections to `to` on `port` (a Service port of `to`, or one of its
   * container ports; default its container port). Both must be registered apps of this environment.
   * @param field how the declaration is named in messages
   */
  public connect(from: IConstruct, to: IConstruct, port: number | undefined, field = 'connectTo'): void {
    const client = this.apps.get(from) ?? fail(from, field, from.node.path, 'is not an app of this environment (create it in a chart of the environment)');
    this.connections.push(this.resolve(from, client, to, port, field));
  }

  private resolve(from: IConstruct, client: NetworkApp, to: IConstruct, port: number | undefined, field: string): DeclaredConnection {
    const server = (to === from ? client : this.apps.get(to)) ?? fail(from, `${field}.to`, typeof to === 'object' && to?.node ? to.node.path : to,
      `is not an app of this environment (${[...this.apps.values()].map((a) => a.construct.node.path).sort().join(', ') || 'none'})`);
    // Kubernetes docs, Network Policies: policies do not reliably apply to host-network pods, whose traffic
    // leaves from the node's address; no pod peer would match it, so the connection could not be admitted.
    if (client.workload.hostNetwork) {
      fail(from, `${field}.to`, server.construct.node.path, 'cannot be admitted by a NetworkPolicy: the app runs on the host network, so its connections come from the node\'s address, not from a pod');
    }
    const servicePorts = server.service?.ports ?? [];
    const own = containerPorts(server.workload);
    let target = server.containerPort;
    if (port !== undefined) {
      const asked = checkPort(from, `${field}.port`, port);
      const viaService = servicePorts.find((p) => p.port === asked);
      if (viaService) target = typeof viaService.targetPort === 'number' ? viaService.targetPort : asked;
      else if (own.includes(asked)) target = asked;
      else {
        fail(from, `${field}.port`, port, `is not a port of ${server.construct.node.path} (Service ports: ${servicePorts.map((p) => `${p.port} → ${p.targetPort ?? p.port}`).join(', ') || 'none'}; container ports: ${own.join(', ')})`);
      }
    }
    return { by: from.node.path, from: client.pods, to: server.pods, port: target };
  }

  /**
   * Writes the policies into the chart `network-policies` of `env` from what its other charts render:
   * default deny in each namespace with workloads (ingress, and egress with `denyEgress`, then DNS allowed)
   * and one `allow-<workload>` policy per workload that needs traffic. Each call replaces what the last one wrote.
   */
  public write(env: Environment): void {
    // Computed again on each synth from what the tree holds then (a construct added after a first synth counts);
    // rewritten only when that changes them, so a second synth of the same tree adds no construct. Only the
    // kinds the flows come from are rendered here; the synth renders them again after the aspects only when
    // something may have changed them since (Environment.renderedEarly).
    const rendered = env.charts.filter((chart) => chart !== this.chart).flatMap((chart) => chart.node.findAll()
      .filter((c): c is ApiObject => c instanceof ApiObject && FLOW_KINDS.has(c.kind) && Chart.of(c) === chart)
      .map((o) => ({ manifest: env.renderEarly(o), constructPath: o.node.path })));
    const objects = rendered.map((o) => o.manifest);
    const facts = this.facts;
    const workloads = [...workloadsOf(objects), ...gatewayDataPlanes(objects, facts)];
    const namespaces = [...new Set(workloads.map((w) => w.metadata?.namespace as string))].sort();
    const wanted = new Map<string, { namespace: string; name: string; spec: Record<string, unknown> }>();
    const policy = (id: string, namespace: string, name: string, spec: Record<string, unknown>) => {
      // Two workloads of one kind, namespace and name are reported by the duplicate-object check: one policy is enough.
      if (!wanted.has(id)) wanted.set(id, { namespace, name, spec });
    };
    for (const ns of namespaces) {
      policy(`${ns}-default-deny`, ns, 'default-deny', { podSelector: {}, policyTypes: this.denyEgress ? ['Ingress', 'Egress'] : ['Ingress'] });
      if (this.denyEgress) {
        policy(`${ns}-allow-dns`, ns, 'allow-dns', {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [{ to: [peerOf({ kind: 'pods', ...KUBE_DNS }, ns)], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
        });
      }
    }
    const flows = requiredFlows(rendered, facts);
    const flowsTo = new Map<string, Flow[]>();
    for (const f of flows) {
      const key = workloadKey(f.workload);
      const same = flowsTo.get(key);
      if (same) same.push(f);
      else flowsTo.set(key, [f]);
    }
    for (const w of workloads) {
      const ns: string = w.metadata.namespace;
      const plane = w.kind === GATEWAY_DATA_PLANE;
      const ingress = rules(flowsTo.get(workloadKey(w)) ?? [], ns);
      const labels: Record<string, string> = w.spec?.template?.metadata?.labels ?? {};
      // With egress denied, a workload may open what it is the declared source of: its connections, and for a
      // Gateway's data plane the route backends it proxies to and (NGF) its control plane.
      const egress = !this.denyEgress ? [] : [
        ...flows.filter((f) => f.source.kind === 'pods' && f.source.namespace === ns && f.source.podLabels !== undefined
          && Object.entries(f.source.podLabels).every(([k, v]) => labels[k] === v))
          .map((f) => ({ to: [peerOf({ kind: 'pods', namespace: f.workload.metadata.namespace, podLabels: f.workload.spec?.selector?.matchLabels ?? {} }, ns)], ports: [{ protocol: 'TCP', port: f.port }] })),
        ...(plane && this.gatewayDataPlane.podLabels === undefined ? [{ to: [peerOf({ kind: 'pods', ...NGF_CONTROL_PLANE }, ns)], ports: [{ protocol: 'TCP', port: NGF_CONTROL_PLANE.port }] }] : []),
      ];
      if (ingress.length + egress.length === 0) continue;
      policy(`${ns}-${plane ? 'gateway' : w.kind}-${w.metadata.name}`, ns, plane ? `allow-gateway-${w.metadata.name}` : `allow-${w.metadata.name}`, {
        podSelector: { matchLabels: w.spec?.selector?.matchLabels ?? labels },
        policyTypes: [...(ingress.length > 0 ? ['Ingress'] : []), ...(egress.length > 0 ? ['Egress'] : [])],
        ...(ingress.length > 0 ? { ingress } : {}),
        ...(egress.length > 0 ? { egress: mergeEgress(egress) } : {}),
      });
    }
    const text = JSON.stringify([...wanted]);
    if (text === this.writtenText) return;
    this.writtenText = text;
    for (const c of [...this.chart?.node.children ?? []]) this.chart!.node.tryRemoveChild(c.node.id);
    if (wanted.size === 0) return;
    this.chart ??= env.addChart('network-policies', ChartTier.NAMESPACE);
    for (const [id, { namespace, name, spec }] of wanted) {
      // A copy: the spec holds parts of the rendered workloads, which the synth may hand to its caller as they are.
      new ApiObject(this.chart, id, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec: structuredClone(spec) });
    }
  }
}

/** What makes two manifests the same workload (kind, namespace, name): a Gateway's data plane is rebuilt on each look. */
function workloadKey(w: Record<string, any>): string {
  return JSON.stringify([w.kind, w.metadata?.namespace, w.metadata?.name]);
}

/** The container ports of a workload's containers. */
function containerPorts(workload: NetworkApp['workload']): number[] {
  return workload.containers.flatMap((c) => c.ports.map((p) => p.number));
}

/**
 * The peer that admits a source, seen from namespace `ns`: pods of the same namespace by podSelector
 * alone, pods of another by its name label and podSelector together (one peer: both must hold), a whole
 * namespace by its name label alone.
 */
function peerOf(source: Source, ns: string): Record<string, unknown> {
  if (source.kind === 'outside') throw new Error('an outside source has two peers');
  const namespaceSelector = { matchLabels: { [NAMESPACE_NAME_LABEL]: source.namespace } };
  const labels = source.podLabels ?? {};
  if (Object.keys(labels).length === 0) return { namespaceSelector };
  const podSelector = { matchLabels: { ...labels } };
  return source.namespace === ns ? { podSelector } : { namespaceSelector, podSelector };
}

/**
 * Ingress rules for a workload's flows: one rule per source, with the ports it needs in ascending order.
 * Outside sources are any IPv4 and IPv6 address: with externalTrafficPolicy Cluster the node that receives
 * the traffic SNATs it to its own address before forwarding to a pod on another node, so the client's
 * address never reaches the policy and cannot be narrowed (with Local it could be, but kube-proxy then
 * only answers on nodes that run a pod).
 */
function rules(flows: readonly Flow[], ns: string): Array<Record<string, unknown>> {
  const bySource = new Map<string, { source: Source; ports: Set<number> }>();
  for (const f of flows) {
    const key = sourceKey(f.source);
    const entry = bySource.get(key) ?? { source: f.source, ports: new Set<number>() };
    entry.ports.add(f.port);
    bySource.set(key, entry);
  }
  return [...bySource.values()].map(({ source, ports }) => ({
    from: source.kind === 'outside' ? [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }] : [peerOf(source, ns)],
    ports: [...ports].sort((a, b) => a - b).map((port) => ({ protocol: 'TCP', port })),
  }));
}

/** Egress rules with the same destination merged, ports ascending. */
function mergeEgress(egress: Array<{ to: Array<Record<string, unknown>>; ports: Array<{ protocol: string; port: number }> }>): Array<Record<string, unknown>> {
  const byTo = new Map<string, { to: unknown; ports: Set<number> }>();
  for (const e of egress) {
    const key = JSON.stringify(e.to);
    const entry = byTo.get(key) ?? { to: e.to, ports: new Set<number>() };
    for (const p of e.ports) entry.ports.add(p.port);
    byTo.set(key, entry);
  }
  return [...byTo.values()].map(({ to, ports }) => ({ to, ports: [...ports].sort((a, b) => a - b).map((port) => ({ protocol: 'TCP', port })) }));
}

/**
 * Registers a workload construct with its environment's {@link NetworkPlan} (pods selected by
 * `podLabels` in its chart's namespace) and records its `connections` and `metricsPorts`. Outside an
 * environment there are no policies, and those props are refused.
 */
export function registerNetworkApp(app: IConstruct, podLabels: Record<string, string>, workload: NetworkApp['workload'], service: kplus.Service | undefined,
  containerPort: number, props: { readonly connections?: Connection[]; readonly metricsPorts?: number[] }): void {
  const env = Environment.tryOf(app);
  if (!env) {
    if (props.connections !== undefined) fail(app, 'connections', props.connections, 'needs the app to be in an Environment (its NetworkPolicies admit them)');
    if (props.metricsPorts !== undefined) fail(app, 'metricsPorts', props.metricsPorts, 'needs the app to be in an Environment (its NetworkPolicies admit scraping)');
    return;
  }
  env.network.register(app, { namespace: Chart.of(app).namespace ?? env.namespace, podLabels }, workload, service, containerPort, props);
}

/** Declares that app `from` opens connections to app `to` of the same environment (see {@link NetworkPlan.connect}). */
export function connectApps(from: IConstruct, to: IConstruct, port?: number, field?: string): void {
  Environment.of(from).network.connect(from, to, port, field);
}
