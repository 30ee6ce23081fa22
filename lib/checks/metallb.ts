/**
 * What MetalLB refuses or mishandles: pool entries its config parser refuses, addresses no layer-2
 * announcement can serve, and address shares its allocator refuses.
 */
import { checkIp, checkIpRange, checkLabelSelector, IpRange, show, ValidationError } from './validation';
import type { Manifest, RenderedObjects } from './index';

const V4 = (a: number, b: number, c: number, d: number) => BigInt(((a << 24) >>> 0) + (b << 16) + (c << 8) + d);
const MAX_V6 = (1n << 128n) - 1n;

/** Address blocks a MetalLB pool must not touch, by what they are. */
const SPECIAL: ReadonlyArray<{ family: 'ipv4' | 'ipv6'; start: bigint; end: bigint; what: string }> = [
  { family: 'ipv4', start: V4(0, 0, 0, 0), end: V4(0, 0, 0, 0), what: 'the unspecified address 0.0.0.0' },
  { family: 'ipv4', start: V4(127, 0, 0, 0), end: V4(127, 255, 255, 255), what: 'loopback addresses (127.0.0.0/8)' },
  { family: 'ipv4', start: V4(169, 254, 0, 0), end: V4(169, 254, 255, 255), what: 'link-local addresses (169.254.0.0/16)' },
  { family: 'ipv4', start: V4(224, 0, 0, 0), end: V4(239, 255, 255, 255), what: 'multicast addresses (224.0.0.0/4)' },
  { family: 'ipv4', start: V4(255, 255, 255, 255), end: V4(255, 255, 255, 255), what: 'the broadcast address 255.255.255.255' },
  { family: 'ipv6', start: 0n, end: 0n, what: 'the unspecified address ::' },
  { family: 'ipv6', start: 1n, end: 1n, what: 'the loopback address ::1' },
  { family: 'ipv6', start: 0xfe80n << 112n, end: (0xfebfn << 112n) | ((1n << 112n) - 1n), what: 'link-local addresses (fe80::/10)' },
  { family: 'ipv6', start: 0xff00n << 112n, end: MAX_V6, what: 'multicast addresses (ff00::/8)' },
];

/**
 * Why MetalLB cannot use one `IPAddressPool.spec.addresses` entry as written, or undefined when it can.
 * The reason follows the value in a message ("addresses[0] "10.0.0.5" is a single address …").
 */
export function poolEntryProblem(entry: unknown): string | undefined {
  let r: IpRange;
  try {
    r = checkIpRange('', '', entry);
  } catch (e) {
    if (e instanceof ValidationError) return e.reason;
    throw e;
  }
  const text = entry as string;
  // MetalLB: internal/config ParseCIDR parses an entry without "-" with net.ParseCIDR, which refuses a bare address (the whole pool is refused).
  if (!text.includes('/') && !text.includes('-')) {
    return `is a single address, which MetalLB parses as a CIDR (net.ParseCIDR) and refuses, invalidating the whole pool; write "${text}/${text.includes(':') ? 128 : 32}"`;
  }
  // MetalLB compares addresses as Go net.IP, where ::ffff:a.b.c.d is the IPv4 address a.b.c.d: the mapped form hides overlaps and families.
  if (r.mapped) return 'is written in IPv4-mapped IPv6 form (::ffff:a.b.c.d); write the IPv4 address, CIDR or range it stands for';
  const width = r.family === 'ipv4' ? 32n : 128n;
  if (r.start === 0n && r.end === (1n << width) - 1n) return `is a default route (every ${r.family === 'ipv4' ? 'IPv4' : 'IPv6'} address); a pool holds a few unused LAN addresses`;
  // API server: pkg/apis/core/validation ValidateNonSpecialIP (Service externalIPs, Endpoints) refuses these; ARP/NDP cannot announce multicast or broadcast.
  const hit = SPECIAL.find((s) => s.family === r.family && r.start <= s.end && s.start <= r.end);
  if (hit) return `contains ${hit.what}, which no layer-2 announcement can serve (Kubernetes refuses them as Service external IPs); a pool holds unused unicast LAN addresses`;
  return undefined;
}

/** The pool entries (`IPAddressPool.spec.addresses`) as written, each judged as MetalLB parses it. */
export function metallbPoolEntries(objects: RenderedObjects): string[] {
  return objects.filter((o) => isMetallb(o.manifest, 'IPAddressPool')).flatMap((o) => {
    const addresses = o.manifest.spec?.addresses;
    if (!Array.isArray(addresses)) return [];
    return addresses.flatMap((entry: unknown, i: number) => {
      const reason = poolEntryProblem(entry);
      return reason === undefined ? [] : [`${o.constructPath}: spec.addresses[${i}] ${show(entry)} ${reason}`];
    });
  });
}

/** Every label selector of IPAddressPools and L2Advertisements, as written. */
// MetalLB: internal/config (metav1.LabelSelectorAsSelector of serviceAllocation, nodeSelectors, ipAddressPoolSelectors): one bad selector refuses the config
export function metallbSelectors(objects: RenderedObjects): string[] {
  const fields = (m: Manifest): Array<[string, unknown[]]> => (m.kind === 'IPAddressPool'
    ? [['spec.serviceAllocation.namespaceSelectors', m.spec?.serviceAllocation?.namespaceSelectors], ['spec.serviceAllocation.serviceSelectors', m.spec?.serviceAllocation?.serviceSelectors]]
    : [['spec.ipAddressPoolSelectors', m.spec?.ipAddressPoolSelectors], ['spec.nodeSelectors', m.spec?.nodeSelectors]]);
  return objects.filter((o) => isMetallb(o.manifest, 'IPAddressPool') || isMetallb(o.manifest, 'L2Advertisement')).flatMap((o) =>
    fields(o.manifest).flatMap(([field, list]) => (Array.isArray(list) ? list : []).flatMap((selector, i) => {
      try {
        checkLabelSelector(o.constructPath, `${field}[${i}]`, selector);
        return [];
      } catch (e) {
        if (e instanceof ValidationError) return [e.message];
        throw e;
      }
    })));
}

interface Share {
  readonly path: string;
  readonly ip: string;
  readonly sharingKey?: string;
  readonly backendKey: string;
  readonly ports: readonly string[];
}

/**
 * LoadBalancer Services that ask for one address (`metallb.io/loadBalancerIPs`): MetalLB gives it to
 * all of them only when each allows sharing with the same `metallb.io/allow-shared-ip` key, their
 * ports (protocol and port) differ, and with `externalTrafficPolicy: Local` they select the same pods.
 */
// MetalLB: internal/allocator checkSharing / sharingOK (keys, ports) and k8salloc.BackendKey (Local policy: same selector)
export function metallbSharedAddresses(objects: RenderedObjects): string[] {
  const byIp = new Map<string, Share[]>();
  const messages: string[] = [];
  for (const o of objects) {
    const m = o.manifest;
    if (m.kind !== 'Service' || m.spec?.type !== 'LoadBalancer') continue;
    const annotations = m.metadata?.annotations ?? {};
    const requested = annotations['metallb.io/loadBalancerIPs'] ?? annotations['metallb.universe.tf/loadBalancerIPs'];
    if (typeof requested !== 'string') continue;
    const local = m.spec.externalTrafficPolicy === 'Local';
    const selector = m.spec.selector ?? {};
    for (const [i, text] of requested.split(',').entries()) {
      let ip: IpRange;
      try {
        ip = checkIp(o.constructPath, `metadata.annotations["metallb.io/loadBalancerIPs"][${i}]`, text);
      } catch (e) {
        if (e instanceof ValidationError) messages.push(e.message);
        continue;
      }
      const share: Share = {
        path: o.constructPath,
        ip: text,
        sharingKey: annotations['metallb.io/allow-shared-ip'] ?? annotations['metallb.universe.tf/allow-shared-ip'],
        backendKey: local ? Object.keys(selector).sort().map((k) => `${k}=${selector[k]}`).join(',') : '',
        ports: (m.spec.ports ?? []).map((p: Manifest) => `${p.protocol ?? 'TCP'}/${p.port}`),
      };
      const key = `${ip.family}/${ip.start}`;
      const earlier = byIp.get(key) ?? [];
      for (const other of earlier) {
        const problem = shareProblem(other, share);
        if (problem) messages.push(`${share.path}: metadata.annotations["metallb.io/loadBalancerIPs"] ${show(text)} is also asked for by ${other.path}, ${problem}`);
      }
      byIp.set(key, [...earlier, share]);
    }
  }
  return messages;
}

function shareProblem(existing: Share, added: Share): string | undefined {
  if (existing.sharingKey === undefined || added.sharingKey === undefined) {
    return `but ${existing.sharingKey === undefined ? existing.path : 'this Service'} does not allow sharing: give both the same metallb.io/allow-shared-ip key (sharingKey)`;
  }
  if (existing.sharingKey !== added.sharingKey) {
    return `but their allow-shared-ip keys differ (${show(added.sharingKey)}, ${show(existing.sharingKey)}); MetalLB shares an address only between Services with one key`;
  }
  if (existing.backendKey !== added.backendKey) {
    return 'but with externalTrafficPolicy Local on either, MetalLB shares an address only between Services that are both Local and select the same pods (one node answers for the address); use Cluster or one selector';
  }
  const clash = added.ports.filter((p) => existing.ports.includes(p));
  if (clash.length > 0) return `and both use port ${clash.join(', ')}; Services sharing an address need different ports (or protocols)`;
  return undefined;
}

function isMetallb(m: Manifest, kind: string): boolean {
  return m.kind === kind && typeof m.apiVersion === 'string' && m.apiVersion.startsWith('metallb.io/');
}
