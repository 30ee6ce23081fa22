/**
 * MetalLB across one cluster: its config (every IPAddressPool of the cluster) refuses overlapping pools,
 * its layer-2 speaker can only serve addresses on the nodes' own segment, and its allocator hands the
 * lowest free address of an auto-assign pool to whichever Service asks first. Different clusters may
 * reuse ranges: each cluster is its own call.
 */
import * as ipaddr from 'ipaddr.js';
import { checkIp, checkIpRange, findOverlaps, IpRange, rangeSize, rangesOverlap, show, ValidationError } from './validation';
import { idOf } from './api-server';
import type { ClusterFacts } from './cluster';
import { environmentOf } from './cluster-unique';
import type { Manifest, RenderedObjects } from './index';
import { metallbSharedAddresses } from './metallb';

const isPool = (m: Manifest) => m.kind === 'IPAddressPool' && typeof m.apiVersion === 'string' && m.apiVersion.startsWith('metallb.io/');
const isGateway = (m: Manifest) => m.kind === 'Gateway' && typeof m.apiVersion === 'string' && m.apiVersion.startsWith('gateway.networking.k8s.io/');

/** A pool entry as MetalLB reads it, with its pool. */
interface Entry extends IpRange { readonly path: string; readonly pool: string; readonly index: number }
interface Pool {
  readonly path: string;
  readonly name: string;
  readonly autoAssign: boolean;
  readonly avoidBuggyIPs: boolean;
  readonly entries: readonly Entry[];
}

/** A range or undefined (malformed entries are reported per environment by metallbPoolEntries). */
function parse(value: unknown, single = false): IpRange | undefined {
  try {
    return single ? checkIp('', '', value) : checkIpRange('', '', value);
  } catch (e) {
    if (e instanceof ValidationError) return undefined;
    throw e;
  }
}

function poolsOf(objects: RenderedObjects): Pool[] {
  return objects.filter((o) => isPool(o.manifest)).map((o) => {
    const m = o.manifest;
    const name = `${m.metadata?.namespace ?? ''}/${m.metadata?.name ?? ''}`;
    const addresses: unknown[] = Array.isArray(m.spec?.addresses) ? m.spec.addresses : [];
    const entries = addresses.flatMap((a, index) => {
      const r = typeof a === 'string' && (a.includes('/') || a.includes('-')) ? parse(a) : undefined;
      return r ? [{ ...r, path: o.constructPath, pool: name, index }] : [];
    });
    return { path: o.constructPath, name, autoAssign: m.spec?.autoAssign !== false, avoidBuggyIPs: m.spec?.avoidBuggyIPs === true, entries };
  });
}

/** Every IPAddressPool entry of the cluster overlaps no other (of any pool, its own included). */
// MetalLB: internal/config/config.go poolsFor ("CIDR %q in pool %q overlaps with already defined CIDR %q": the whole config is refused).
export function metallbClusterPoolOverlaps(objects: RenderedObjects): string[] {
  const entries = poolsOf(objects).flatMap((p) => p.entries);
  return findOverlaps(entries).map(([a, b]) => `${b.path}: IPAddressPool ${b.pool} spec.addresses[${b.index}] ${show(b.text)} overlaps ${show(a.text)} of IPAddressPool ${a.pool} (${a.path}); MetalLB refuses overlapping pools in one cluster (its whole configuration)`);
}

/**
 * In layer-2 mode every pool lies inside the cluster's node network (not its network or broadcast
 * address) and holds no node address, the gateway or a reserved address.
 */
// MetalLB: internal/layer2 arp.go/ndp.go (the speaker answers ARP/NDP on the node's interfaces; only hosts on the node's
// segment ask it, so an address outside the node network is unreachable, and one in use answers twice).
export function metallbL2Segment(objects: RenderedObjects, facts: ClusterFacts): string[] {
  const network = facts.nodeNetwork;
  const cidr = network ? parse(network.cidr) : undefined;
  if (!network || !cidr) return [];
  const inUse: Array<{ range: IpRange; what: string }> = [
    ...facts.nodes.flatMap((n) => { const r = parse(n.address, true); return r ? [{ range: r, what: `node ${n.name} (${n.address})` }] : []; }),
    ...(network.gateway ? [parse(network.gateway, true)].filter((r): r is IpRange => !!r).map((range) => ({ range, what: `the gateway ${network.gateway}` })) : []),
    ...(network.reserved ?? []).flatMap((t) => { const r = parse(t); return r ? [{ range: r, what: `reserved ${t}` }] : []; }),
  ];
  // The network and broadcast addresses of an IPv4 node network wider than /31 belong to no host.
  if (cidr.family === 'ipv4' && rangeSize(cidr) > 2n) {
    inUse.push({ range: { ...cidr, end: cidr.start }, what: `the network address of ${network.cidr}` });
    inUse.push({ range: { ...cidr, start: cidr.end }, what: `the broadcast address of ${network.cidr}` });
  }
  const problems: string[] = [];
  for (const pool of poolsOf(objects)) {
    for (const e of pool.entries) {
      const at = `${e.path}: IPAddressPool ${e.pool} spec.addresses[${e.index}] ${show(e.text)}`;
      if (e.family !== cidr.family || e.start < cidr.start || e.end > cidr.end) {
        problems.push(`${at} is not inside the node network ${network.cidr} of cluster ${show(facts.name)}; MetalLB in layer-2 mode answers ARP/NDP only on the nodes' segment, so nothing outside it reaches the address`);
        continue;
      }
      const hits = inUse.filter((u) => rangesOverlap(e, u.range)).map((u) => u.what);
      if (hits.length > 0) problems.push(`${at} contains ${hits.join(', ')}; MetalLB would answer ARP for an address in use and take it off the network: leave it out of the pool`);
    }
  }
  return problems;
}

/** An address asked for by a Service or a Gateway. */
interface Pin { readonly path: string; readonly id: string; readonly field: string; readonly ip: IpRange; readonly text: string }

const IPS_KEYS = ['metallb.io/loadBalancerIPs', 'metallb.universe.tf/loadBalancerIPs'];
const POOL_KEYS = ['metallb.io/address-pool', 'metallb.universe.tf/address-pool'];
const SHARE_KEYS = ['metallb.io/allow-shared-ip', 'metallb.universe.tf/allow-shared-ip'];
const annotation = (annotations: Manifest | undefined, keys: readonly string[]): string | undefined => {
  const k = keys.find((x) => typeof annotations?.[x] === 'string');
  return k ? annotations![k] : undefined;
};

/** What asks MetalLB for an address: LoadBalancer Services, and Gateways (their implementation's Service). */
interface Asker { readonly path: string; readonly id: string; readonly gateway: boolean; readonly pins: readonly Pin[]; readonly pool?: string; readonly sharingKey?: string }

function askers(objects: RenderedObjects): Asker[] {
  const out: Asker[] = [];
  for (const o of objects) {
    const m = o.manifest;
    const pins: Pin[] = [];
    const add = (field: string, text: unknown) => {
      const ip = typeof text === 'string' ? parse(text.trim(), true) : undefined;
      if (ip) pins.push({ path: o.constructPath, id: idOf(m), field, ip, text: String(text).trim() });
    };
    let annotations: Manifest | undefined;
    let field = 'metadata.annotations';
    // MetalLB's controller skips Services of another load-balancer implementation (spec.loadBalancerClass).
    if (m.kind === 'Service' && m.spec?.type === 'LoadBalancer' && m.spec?.loadBalancerClass === undefined) {
      annotations = m.metadata?.annotations;
    } else if (isGateway(m)) {
      annotations = m.spec?.infrastructure?.annotations;
      field = 'spec.infrastructure.annotations';
      (Array.isArray(m.spec?.addresses) ? m.spec.addresses : []).forEach((a: Manifest, i: number) => {
        if ((a?.type ?? 'IPAddress') === 'IPAddress') add(`spec.addresses[${i}].value`, a?.value);
      });
    } else continue;
    const ips = annotation(annotations, IPS_KEYS);
    if (ips) ips.split(',').forEach((t, i) => add(`${field}["metallb.io/loadBalancerIPs"][${i}]`, t));
    const pool = annotation(annotations, POOL_KEYS);
    out.push({ path: o.constructPath, id: idOf(m), gateway: isGateway(m), pins, pool, sharingKey: annotation(annotations, SHARE_KEYS) });
  }
  return out;
}

/** Addresses a pool hands out: its size less .0/.255 with avoidBuggyIPs. */
function usable(pool: Pool): bigint {
  return pool.entries.reduce((n, e) => n + rangeSize(e) - (pool.avoidBuggyIPs ? buggy(e) : 0n), 0n);
}

// MetalLB: internal/allocator ipConfusesBuggyFirmwares (IPv4 addresses ending in .0 or .255 skipped with avoidBuggyIPs).
function buggy(r: IpRange): bigint {
  if (r.family !== 'ipv4') return 0n;
  const upTo = (n: bigint, rem: bigint) => (n - rem >= 0n ? (n - rem) / 256n + 1n : 0n);
  return upTo(r.end, 0n) - upTo(r.start - 1n, 0n) + upTo(r.end, 255n) - upTo(r.start - 1n, 255n);
}

const inPool = (pool: Pool, ip: IpRange) => pool.entries.some((e) => rangesOverlap(e, ip)) && !(pool.avoidBuggyIPs && buggy(ip) > 0n);

/**
 * An address pinned to a Service or Gateway lies in no auto-assign pool (MetalLB would give it to the
 * first Service that asks for any address), and the automatic demand (LoadBalancer Services and
 * Gateways without a pinned address, one per sharing key) fits the free addresses of the pools it
 * draws from: the named pool, or every auto-assign pool, less the pinned addresses.
 */
// MetalLB: internal/allocator/allocator.go Allocate (auto-assign pools, then getIPFromCIDR: the first free address of the
// range goes to whichever Service is allocated first) and AllocateFromPool (the pool a Service names).
export function metallbClusterAllocation(objects: RenderedObjects): string[] {
  const pools = poolsOf(objects);
  const all = askers(objects);
  const problems: string[] = [];
  const pinnedIn = new Map<Pool, Set<string>>();
  for (const pin of all.flatMap((a) => a.pins)) {
    for (const pool of pools.filter((p) => inPool(p, pin.ip))) {
      pinnedIn.set(pool, (pinnedIn.get(pool) ?? new Set()).add(`${pin.ip.family}/${pin.ip.start}`));
      if (!pool.autoAssign) continue;
      problems.push(`${pin.path}: ${pin.id} ${pin.field} ${show(pin.text)} is inside IPAddressPool ${pool.name} (${pool.path}), which has autoAssign true: MetalLB gives the lowest free address of an auto-assign pool to whichever LoadBalancer Service asks first, so another Service can take it; put pinned addresses in a separate IPAddressPool with autoAssign: false and leave them out of the auto-assign pool`);
    }
  }
  const free = (p: Pool) => usable(p) - BigInt(pinnedIn.get(p)?.size ?? 0);
  const automatic = all.filter((a) => a.pins.length === 0);
  const demandOf = (list: readonly Asker[]) => {
    const keys = new Set(list.filter((a) => a.sharingKey).map((a) => a.sharingKey));
    return BigInt(keys.size + list.filter((a) => !a.sharingKey).length);
  };
  const byName = new Map(pools.map((p) => [p.name.split('/')[1], p]));
  let usedOfAuto = 0n;
  for (const [name, pool] of byName) {
    const naming = automatic.filter((a) => a.pool === name);
    if (naming.length === 0) continue;
    const want = demandOf(naming);
    if (want > free(pool)) {
      problems.push(`${pool.path}: IPAddressPool ${pool.name} has ${free(pool)} free address(es) (after pinned ones${pool.avoidBuggyIPs ? ' and .0/.255' : ''}) but ${want} are asked of it by ${naming.map((a) => `${a.path} (${a.id})`).join(', ')}; MetalLB leaves the rest without an address (<pending>)`);
    }
    if (pool.autoAssign) usedOfAuto += want < free(pool) ? want : free(pool);
  }
  const rest = automatic.filter((a) => a.pool === undefined);
  const autoPools = pools.filter((p) => p.autoAssign);
  const supply = autoPools.reduce((n, p) => n + free(p), 0n) - usedOfAuto;
  const want = demandOf(rest);
  // Without any pool in the cluster's objects the pools are not ours to judge.
  if (want > supply && pools.length > 0) {
    const first = rest[0];
    problems.push(`${first.path}: ${first.id} and ${rest.length - 1} other(s) ask MetalLB for ${want} automatic address(es), but the auto-assign pools (${autoPools.map((p) => p.name).join(', ') || 'none'}) have ${supply < 0n ? 0n : supply} free after pinned ones; MetalLB leaves the rest without an address (<pending>): ${rest.map((a) => a.path).join(', ')}`);
  }
  return problems;
}

/**
 * Addresses pinned by Services of different environments follow MetalLB's sharing rules across the
 * cluster ({@link metallbSharedAddresses}, which also runs per environment: only clashes between
 * environments are reported here).
 */
// MetalLB: internal/allocator checkSharing / sharingOK (via metallbSharedAddresses).
export function metallbClusterSharedAddresses(objects: RenderedObjects): string[] {
  const byEnv = new Map<string, Array<RenderedObjects[number]>>();
  for (const o of objects) {
    const env = environmentOf(o.constructPath);
    if (!byEnv.has(env)) byEnv.set(env, []);
    byEnv.get(env)!.push(o);
  }
  const withinOne = new Set([...byEnv.values()].flatMap((list) => metallbSharedAddresses(list)));
  return metallbSharedAddresses(objects).filter((m) => !withinOne.has(m));
}

/**
 * An address pinned to a Gateway (its implementation's LoadBalancer Service carries it) is pinned by
 * nothing else in the cluster, unless both allow sharing with one `metallb.io/allow-shared-ip` key.
 * (Services among themselves: {@link metallbClusterSharedAddresses}.)
 */
// MetalLB: internal/allocator Assign/checkSharing ("can't change sharing key": an address held without the same sharing key is refused).
export function metallbGatewayAddresses(objects: RenderedObjects): string[] {
  const all = askers(objects);
  const problems: string[] = [];
  const seen: Array<{ asker: Asker; pin: Pin }> = [];
  for (const asker of all) {
    for (const pin of asker.pins) {
      const clash = seen.find((s) => s.asker !== asker && (s.asker.gateway || asker.gateway)
        && s.pin.ip.family === pin.ip.family && s.pin.ip.start === pin.ip.start
        && (asker.sharingKey === undefined || asker.sharingKey !== s.asker.sharingKey));
      if (clash) {
        problems.push(`${pin.path}: ${pin.id} ${pin.field} ${show(pin.text)} is also pinned by ${clash.pin.path} (${clash.pin.id} ${clash.pin.field}); MetalLB gives an address to one of them unless both allow sharing with the same metallb.io/allow-shared-ip key`);
      }
      seen.push({ asker, pin });
    }
  }
  return problems;
}

/** An address of a family as text (IPv6 in RFC 5952 form). */
function addressText(family: 'ipv4' | 'ipv6', n: bigint): string {
  const width = family === 'ipv4' ? 4 : 16;
  const bytes = Array.from({ length: width }, (_, i) => Number((n >> BigInt(8 * (width - 1 - i))) & 0xffn));
  const addr = ipaddr.fromByteArray(bytes);
  return addr.kind() === 'ipv6' ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
}

/**
 * Pool entries (CIDRs or ranges as MetalLB reads them) less some addresses: what an auto-assign pool may
 * hold when `excluded` are pinned to Services and go to a separate `autoAssign: false` pool. Each piece is
 * written as MetalLB parses it (`a-b`, or `a/32` / `a/128` for one address); entries it cannot parse are
 * returned unchanged. For the pool construct (`lib/constructs/metallb-l2-pool.ts`) to write the split pools for its users.
 */
export function poolEntriesWithout(entries: readonly string[], excluded: readonly string[]): string[] {
  const cut = excluded.map((e) => parse(e)).filter((r): r is IpRange => !!r)
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return entries.flatMap((entry) => {
    const r = parse(entry);
    if (!r) return [entry];
    const pieces: Array<[bigint, bigint]> = [];
    let from = r.start;
    for (const x of cut.filter((c) => c.family === r.family && c.start <= r.end && r.start <= c.end)) {
      if (x.start > from) pieces.push([from, x.start - 1n]);
      if (x.end + 1n > from) from = x.end + 1n;
    }
    if (from <= r.end) pieces.push([from, r.end]);
    if (pieces.length === 1 && pieces[0][0] === r.start && pieces[0][1] === r.end) return [entry];
    return pieces.map(([a, b]) => (a === b
      ? `${addressText(r.family, a)}/${r.family === 'ipv4' ? 32 : 128}`
      : `${addressText(r.family, a)}-${addressText(r.family, b)}`));
  });
}
