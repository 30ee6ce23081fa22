import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { IpAddressPool } from '../../imports/metallb-ipaddresspool-metallb.io';
import { L2Advertisement } from '../../imports/metallb-l2advertisement-metallb.io';
import { poolEntryProblem } from '../checks/metallb';
import { poolEntriesWithout } from '../checks/metallb-cluster';
import { NODE_PORT_REASON_ANNOTATION } from '../checks/kube-proxy';
import { Environment } from '../cluster/environment';
import {
  checkBoolean, checkDnsLabel, checkDnsSubdomain, checkInt, checkIp, checkIpRange, checkLabelSelector, checkLabelValue, checkString,
  fail, findOverlaps, IpRange, rangeSize, rangesOverlap, ValidationError,
} from '../checks/validation';
import { checkExternalTrafficPolicy, checkNodePortReason, ExternalTrafficPolicy, setExternalTrafficPolicy } from './workload';
import { checkProps, METALLB_L2_POOL, uniqueId } from '../checks/prop-shapes';

/** The namespace MetalLB is installed in by its manifests and Helm chart. */
export const METALLB_NAMESPACE = 'metallb-system';

/** A label selector in MetalLB's (and Kubernetes') terms. */
export interface PoolLabelSelector {
  /** Labels that must all match. @default - none */
  readonly matchLabels?: Record<string, string>;
  /** Set-based requirements. @default - none */
  readonly matchExpressions?: Array<{
    /** Label key. */
    key: string;
    /** How the label's value is compared. */
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    /** Values for `In` and `NotIn`. @default - none */
    values?: string[];
  }>;
}

/** Which Services may take addresses from a pool (`IPAddressPool.spec.serviceAllocation`). */
export interface ServiceAllocationProps {
  /** Priority of this pool among pools that match a Service; lower numbers win. @default - no priority */
  readonly priority?: number;
  /** Only Services in these namespaces. @default - any namespace */
  readonly namespaces?: string[];
  /** Only Services in namespaces matching these selectors. @default - any namespace */
  readonly namespaceSelectors?: PoolLabelSelector[];
  /** Only Services matching these selectors. @default - any Service */
  readonly serviceSelectors?: PoolLabelSelector[];
}

/** A MetalLB layer-2 pool: the IPAddressPool and its L2Advertisement. */
export interface MetalLbL2PoolProps {
  /** Name of the IPAddressPool and of its L2Advertisement: explicit and stable (Services refer to it). */
  readonly name: string;
  /** Addresses: CIDRs (`192.168.1.240/28`), inclusive ranges (`192.168.1.11-192.168.1.13`) or single addresses (written as `/32` or `/128`, since MetalLB reads an entry without "-" as a CIDR), IPv4 or IPv6; unicast LAN addresses only. */
  readonly addresses: string[];
  /** Namespace MetalLB runs in. @default "metallb-system" */
  readonly namespace?: string;
  /** Whether Services that do not name a pool get addresses from this one. @default true */
  readonly autoAssign?: boolean;
  /** Never hand out IPv4 addresses ending in .0 or .255 (some clients mishandle them). @default false */
  readonly avoidBuggyIPs?: boolean;
  /** Restricts which Services get addresses from this pool. @default - any Service */
  readonly serviceAllocation?: ServiceAllocationProps;
  /** Only nodes matching these selectors announce the pool's addresses. @default - every node */
  readonly nodeSelectors?: PoolLabelSelector[];
  /** Only announce from these network interfaces. @default - every interface */
  readonly interfaces?: string[];
  /**
   * Addresses the pool must not contain: node, gateway and VIP addresses (an address in use answered
   * by MetalLB's ARP takes the node off the network). Added to the environment's `reservedAddresses`.
   * @default - only the environment's reserved addresses
   */
  readonly excludedAddresses?: string[];
}

/** How a Service gets its address from a pool. */
export interface PoolAssignmentOptions {
  /** A fixed address from the pool (`metallb.io/loadBalancerIPs`). @default - MetalLB picks a free one */
  readonly ip?: string;
  /** Services with the same key may share one address (`metallb.io/allow-shared-ip`). @default - not shared */
  readonly sharingKey?: string;
  /**
   * `Cluster` spreads traffic to pods on every node. `Local` keeps the client's source IP, but in layer-2
   * mode only the one node announcing the address receives traffic, so only pods on that node serve it.
   * @default "Cluster"
   */
  readonly externalTrafficPolicy?: ExternalTrafficPolicy;
  /**
   * Also open a nodePort on every node for each port (`spec.allocateLoadBalancerNodePorts: true`), with the reason
   * (written as annotation `onprem.k8s/node-port-reason`). MetalLB does not need them: its speaker answers for the
   * address and kube-proxy forwards traffic for it to the pods. @default - no nodePorts (`allocateLoadBalancerNodePorts: false`)
   */
  readonly allocateNodePorts?: NodePortReason;
}

/** Why a Service opens nodePorts on every node (clear text beside any TLS route to it). */
export interface NodePortReason {
  /** The reason, for reviewers (e.g. "the lobby displays reach it on <node>:30080"). */
  readonly reason: string;
}

interface Assignment {
  readonly service: IConstruct;
  readonly ip?: IpRange;
  readonly sharingKey?: string;
}

const PATH_OF = (c: IConstruct) => c.node.path;

/** Every address request of one cluster of one app. */
interface AppPools {
  readonly assignments: Assignment[];
}
/** The address requests of each cluster, per app: different clusters may reuse addresses. */
const byApp = new WeakMap<IConstruct, Map<string, AppPools>>();

/**
 * A MetalLB layer-2 address pool (`IPAddressPool`) and the `L2Advertisement` that announces it, so that
 * `LoadBalancer` Services get external addresses on bare metal. Refuses malformed or overlapping
 * addresses, pools that contain reserved (node, gateway, VIP) addresses, and Services asking for
 * addresses the pool cannot give.
 */
export class MetalLbL2Pool extends Construct {
  /** The pool's name. */
  public readonly name: string;
  /** MetalLB's namespace. */
  public readonly namespace: string;
  /** The parsed address ranges. */
  public readonly ranges: readonly IpRange[];
  /** Whether the pool hands out addresses to Services that do not name it. */
  public readonly autoAssign: boolean;
  /** Whether .0 and .255 IPv4 addresses are skipped. */
  public readonly avoidBuggyIPs: boolean;
  /** Number of addresses the pool can hand out (honouring `avoidBuggyIPs`). */
  public readonly size: bigint;
  /** The IPAddressPool. */
  public readonly pool: IpAddressPool;
  /** The L2Advertisement. */
  public readonly advertisement: L2Advertisement;
  /**
   * Name of the `autoAssign: false` IPAddressPool that holds the addresses pinned from this pool: MetalLB gives
   * the lowest free address of an auto-assign pool to whichever Service asks first, so pinned addresses must
   * not be in it. Written once an address is pinned from an auto-assign pool.
   */
  public readonly pinnedName: string;

  private readonly allowedNamespaces?: readonly string[];
  private readonly written: readonly string[];
  private readonly pinnedEntries: Array<{ readonly start: bigint; readonly entry: string }> = [];
  private pinnedPool?: IpAddressPool;
  private readonly spec: { readonly avoidBuggyIPs: boolean; readonly serviceAllocation: any };
  private readonly assignments: Assignment[] = [];
  private readonly app: AppPools;

  constructor(scope: Construct, id: string, props: MetalLbL2PoolProps) {
    super(scope, uniqueId(scope, id));
    // Refused input leaves nothing in the tree: remove the half-built construct before rethrowing.
    try {
      checkProps(this, props, METALLB_L2_POOL, new.target === MetalLbL2Pool);
      const env = Environment.of(this);
      this.name = checkDnsSubdomain(this, 'name', props.name);
      this.pinnedName = checkDnsSubdomain(this, 'name', `${this.name}-pinned`);
      this.namespace = checkDnsLabel(this, 'namespace', props.namespace ?? METALLB_NAMESPACE);
      this.autoAssign = checkBoolean(this, 'autoAssign', props.autoAssign ?? true);
      this.avoidBuggyIPs = checkBoolean(this, 'avoidBuggyIPs', props.avoidBuggyIPs ?? false);

      if (!Array.isArray(props.addresses) || props.addresses.length === 0) {
        fail(this, 'addresses', props.addresses, 'must list at least one CIDR, range or address');
      }
      // A single address is written as /32 (/128): MetalLB parses entries without "-" as CIDRs.
      const written = props.addresses.map((a, i) => {
        const r = checkIpRange(this, `addresses[${i}]`, a);
        const entry = a.includes('/') || a.includes('-') ? a : `${a}/${r.family === 'ipv4' && !r.mapped ? 32 : 128}`;
        const reason = poolEntryProblem(entry);
        if (reason !== undefined) fail(this, `addresses[${i}]`, a, reason);
        return entry;
      });
      this.ranges = written.map((a, i) => ({ ...checkIpRange(this, `addresses[${i}]`, a), text: props.addresses[i] }));
      for (const [a, b] of findOverlaps(this.ranges)) {
        fail(this, `addresses[${this.ranges.indexOf(b)}]`, b.text, `overlaps addresses[${this.ranges.indexOf(a)}] "${a.text}" of the same pool`);
      }
      const excluded = [
        ...env.reservedAddresses,
        ...(props.excludedAddresses ?? []).map((a, i) => checkIpRange(this, `excludedAddresses[${i}]`, a)),
      ];
      for (const range of this.ranges) {
        const hit = excluded.find((x) => rangesOverlap(range, x));
        if (hit) {
          fail(this, `addresses[${this.ranges.indexOf(range)}]`, range.text,
            `contains reserved address(es) "${hit.text}" (node, gateway or VIP addresses must stay out of MetalLB pools)`);
        }
      }
      this.size = this.ranges.reduce((n, r) => n + rangeSize(r) - (this.avoidBuggyIPs ? buggyCount(r) : 0n), 0n);
      if (this.size === 0n) fail(this, 'addresses', props.addresses, 'leaves no usable address (avoidBuggyIPs skips .0 and .255)');

      const allocation = props.serviceAllocation;
      if (allocation?.priority !== undefined) checkInt(this, 'serviceAllocation.priority', allocation.priority, 0, 2 ** 31 - 1);
      allocation?.namespaces?.forEach((n, i) => checkDnsLabel(this, `serviceAllocation.namespaces[${i}]`, n));
      this.allowedNamespaces = allocation?.namespaces;
      const selectors = (field: string, list: PoolLabelSelector[] | undefined) => list?.map((s, i) => checkSelector(this, `${field}[${i}]`, s));
      props.interfaces?.forEach((n, i) => checkString(this, `interfaces[${i}]`, n));

      const namespaceSelectors = selectors('serviceAllocation.namespaceSelectors', allocation?.namespaceSelectors);
      const serviceSelectors = selectors('serviceAllocation.serviceSelectors', allocation?.serviceSelectors);
      const nodeSelectors = selectors('nodeSelectors', props.nodeSelectors);

      this.written = written;
      this.spec = {
        avoidBuggyIPs: this.avoidBuggyIPs,
        serviceAllocation: allocation && {
          priority: allocation.priority,
          namespaces: allocation.namespaces,
          namespaceSelectors,
          serviceSelectors,
        },
      };
      this.pool = new IpAddressPool(this, 'IPAddressPool', {
        metadata: { name: this.name, namespace: this.namespace },
        spec: { addresses: written, autoAssign: this.autoAssign, ...this.spec },
      });
      this.advertisement = new L2Advertisement(this, 'L2Advertisement', {
        metadata: { name: this.name, namespace: this.namespace },
        spec: {
          ipAddressPools: [this.name],
          nodeSelectors,
          interfaces: props.interfaces,
        },
      });

      // Registered last: a refused pool must not leave a claim or an app-wide entry behind.
      env.uniques.claim('IPAddressPool name (one per namespace)', `${this.namespace}/${this.name}`, this, 'name', JSON.stringify(this.name));
      this.app = appPools(this, env.cluster.name);
      this.node.addValidation({ validate: () => [...this.checkDemand(), ...this.checkPinned()] });
    } catch (e) {
      scope.node.tryRemoveChild(id);
      throw e;
    }
  }

  /** True when the address is one this pool can hand out. */
  public contains(ip: IpRange): boolean {
    return this.ranges.some((r) => rangesOverlap(r, ip)) && !(this.avoidBuggyIPs && buggyCount(ip) > 0n);
  }

  /**
   * Gives a `LoadBalancer` Service its address from this pool: writes the `metallb.io/address-pool`
   * annotation, and `metallb.io/loadBalancerIPs` / `metallb.io/allow-shared-ip` when asked, and sets
   * `spec.externalTrafficPolicy`.
   */
  public assign(service: kplus.Service, options: PoolAssignmentOptions = {}): void {
    const at = service.node.path;
    if (service.type !== kplus.ServiceType.LOAD_BALANCER) {
      fail(at, 'type', service.type, `must be "LoadBalancer" to get an address from MetalLB pool "${this.name}"`);
    }
    const policy = checkExternalTrafficPolicy(at, options.externalTrafficPolicy);
    const nodePorts = options.allocateNodePorts === undefined ? undefined : checkNodePortReason(at, 'allocateNodePorts', options.allocateNodePorts);
    this.reserve(service, ApiObject.of(service).metadata.namespace, options);
    for (const [key, value] of Object.entries(this.annotations(options))) service.metadata.addAnnotation(key, value);
    setExternalTrafficPolicy(service, policy);
    // MetalLB: website/content/concepts/layer2.md (traffic for the address goes to the announcing node, kube-proxy spreads it): no nodePort is used.
    // The field keeps its name in cdk8s-plus' typed serializer, so a patch survives.
    ApiObject.of(service).addJsonPatch(JsonPatch.add('/spec/allocateLoadBalancerNodePorts', nodePorts !== undefined));
    if (nodePorts !== undefined) service.metadata.addAnnotation(NODE_PORT_REASON_ANNOTATION, nodePorts);
  }

  /**
   * Records that `owner` (a Service, or a Gateway whose implementation makes the Service) in `namespace`
   * takes an address from this pool: the address is checked against the pool, the pool's namespaces and
   * every other request of the app, and counts towards the pool's size.
   */
  public reserve(owner: IConstruct, namespace: string | undefined, options: Omit<PoolAssignmentOptions, 'externalTrafficPolicy' | 'allocateNodePorts'> = {}): void {
    const at = owner.node.path;
    const ip = options.ip === undefined ? undefined : checkIp(at, 'ip', options.ip);
    if (ip?.mapped) fail(at, 'ip', options.ip, 'is written in IPv4-mapped IPv6 form (::ffff:a.b.c.d); write the IPv4 address it stands for');
    if (ip && !this.contains(ip)) {
      fail(at, 'ip', options.ip, `is not an address pool "${this.name}" can hand out (${this.ranges.map((r) => r.text).join(', ')}${this.avoidBuggyIPs ? '; .0 and .255 are skipped' : ''})`);
    }
    if (!ip && !this.autoAssign) {
      fail(at, 'ip', undefined, `is required: pool "${this.name}" has autoAssign: false, so it only hands out addresses that are asked for`);
    }
    if (options.sharingKey !== undefined) checkLabelValue(at, 'sharingKey', checkString(at, 'sharingKey', options.sharingKey));
    if (this.allowedNamespaces && (!namespace || !this.allowedNamespaces.includes(namespace))) {
      fail(at, 'namespace', namespace, `is not in serviceAllocation.namespaces of pool "${this.name}" (${this.allowedNamespaces.join(', ')}), so MetalLB would never give it an address`);
    }
    for (const other of this.app.assignments) {
      if (ip && other.ip && other.ip.start === ip.start && other.ip.family === ip.family
        && (options.sharingKey === undefined || options.sharingKey !== other.sharingKey)) {
        fail(at, 'ip', options.ip, `is already requested by ${PATH_OF(other.service)}; two Services share an address only with the same sharingKey`);
      }
    }
    if (ip && this.autoAssign) this.pin(ip, options.ip!.trim());
    const assignment = { service: owner, ip, sharingKey: options.sharingKey };
    this.assignments.push(assignment);
    this.app.assignments.push(assignment);
  }

  /** The MetalLB annotations of a Service that takes its address from this pool. */
  public annotations(options: Omit<PoolAssignmentOptions, 'externalTrafficPolicy' | 'allocateNodePorts'> = {}): Record<string, string> {
    return {
      'metallb.io/address-pool': options.ip && this.autoAssign ? this.pinnedName : this.name,
      ...(options.ip ? { 'metallb.io/loadBalancerIPs': options.ip.trim() } : {}),
      ...(options.sharingKey ? { 'metallb.io/allow-shared-ip': options.sharingKey } : {}),
    };
  }

  /**
   * Moves a pinned address out of this auto-assign pool into its `autoAssign: false` companion pool (written on
   * the first pin, advertised by the same L2Advertisement).
   */
  // MetalLB: internal/allocator Allocate takes the lowest free address of an auto-assign pool for a Service that pins none.
  private pin(ip: IpRange, address: string): void {
    if (!this.pinnedEntries.some((p) => p.start === ip.start)) {
      this.pinnedEntries.push({ start: ip.start, entry: `${address}/${ip.family === 'ipv4' ? 32 : 128}` });
      this.pinnedEntries.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    }
    const entries = this.pinnedEntries.map((p) => p.entry);
    if (!this.pinnedPool) {
      this.pinnedPool = new IpAddressPool(this, 'PinnedIPAddressPool', {
        metadata: { name: this.pinnedName, namespace: this.namespace },
        spec: { addresses: entries, autoAssign: false, ...this.spec },
      });
      this.advertisement.addJsonPatch(JsonPatch.replace('/spec/ipAddressPools', [this.name, this.pinnedName]));
    } else {
      this.pinnedPool.addJsonPatch(JsonPatch.replace('/spec/addresses', entries));
    }
    this.pool.addJsonPatch(JsonPatch.replace('/spec/addresses', poolEntriesWithout(this.written, entries)));
  }

  /** An auto-assign pool whose every address is pinned would be written empty: say what to do instead. */
  private checkPinned(): string[] {
    if (this.pinnedEntries.length === 0 || poolEntriesWithout(this.written, this.pinnedEntries.map((p) => p.entry)).length > 0) return [];
    return [new ValidationError(this, 'autoAssign', true,
      `leaves no address to hand out automatically: every address is pinned (${this.pinnedEntries.map((p) => p.entry).join(', ')}); set autoAssign: false on this pool`).message];
  }

  /** Distinct addresses the assigned Services need: each fixed address once, each automatic one (per sharing key) once. */
  private checkDemand(): string[] {
    const fixed = new Set(this.assignments.filter((a) => a.ip).map((a) => a.ip!.start));
    const automatic = this.assignments.filter((a) => !a.ip);
    const autoKeys = new Set(automatic.filter((a) => a.sharingKey).map((a) => a.sharingKey));
    const demand = BigInt(fixed.size + autoKeys.size + automatic.filter((a) => !a.sharingKey).length);
    if (demand <= this.size) return [];
    return [new ValidationError(this, 'addresses', this.ranges.map((r) => r.text),
      `hold ${this.size} usable address(es) but ${demand} are requested by ${this.assignments.map((a) => PATH_OF(a.service)).join(', ')}`).message];
  }
}

/** Number of IPv4 addresses in a range that end in .0 or .255. */
function buggyCount(r: IpRange): bigint {
  if (r.family !== 'ipv4') return 0n;
  // Addresses n in [start, end] with n % 256 === rem.
  const count = (rem: bigint) => floorDiv(r.end - rem, 256n) - floorDiv(r.start - 1n - rem, 256n);
  return count(0n) + count(255n);
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

function checkSelector(where: IConstruct, field: string, s: PoolLabelSelector): PoolLabelSelector {
  checkLabelSelector(where, field, s);
  if (!s.matchLabels && !s.matchExpressions) fail(where, field, s, 'selects nothing: give matchLabels or matchExpressions');
  return s;
}

/**
 * The pools of the cluster `scope`'s environment runs on (within its app), for the address requests of the
 * whole cluster. Whether pools of one cluster overlap is the per-cluster check's (lib/checks/metallb-cluster.ts).
 */
function appPools(scope: IConstruct, cluster: string): AppPools {
  const root = scope.node.root;
  const clusters = byApp.get(root) ?? new Map<string, AppPools>();
  byApp.set(root, clusters);
  let registry = clusters.get(cluster);
  if (!registry) {
    registry = { assignments: [] };
    clusters.set(cluster, registry);
  }
  return registry;
}
