import * as ipaddr from 'ipaddr.js';
import { IConstruct } from 'constructs';

/**
 * Where a bad value was found: a construct (its path is used) or a path string.
 */
export type Where = IConstruct | string;

function pathOf(where: Where): string {
  return typeof where === 'string' ? where : where.node.path;
}

/** Longest text of a value (or field) a message shows; a longer one is cut, and its length is said. */
const SHOW_MAX = 120;

/**
 * Renders a bad value the way a user typed it: strings quoted, everything else as JSON. A long value is
 * cut and its length said (`"aaaa…" (3145728 characters)`), so a message never echoes megabytes.
 */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    if (value.length <= SHOW_MAX) return JSON.stringify(value);
    return `${JSON.stringify(value.slice(0, SHOW_MAX)).slice(0, -1)}…" (${value.length} characters)`;
  }
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint' || typeof value === 'symbol') return cut(value.toString());
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    try {
      text = String(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
  }
  return cut(text);
}

/** Cuts a text longer than {@link SHOW_MAX}, saying how long it was. */
function cut(text: string): string {
  return text.length <= SHOW_MAX ? text : `${text.slice(0, SHOW_MAX)}… (${text.length} characters)`;
}

/**
 * The one error type of this project for bad input.
 *
 * Its message names the construct path, the field, the bad value and what is allowed:
 * `dev/web: nodePort 3000 is outside 30000-32767`.
 */
export class ValidationError extends Error {
  /** Construct path (or other location) of the bad value. */
  public readonly path: string;
  /** The field that holds the bad value, in the construct's own prop names. */
  public readonly field: string;
  /** The bad value as given. */
  public readonly value: unknown;
  /** What is wrong and what is allowed, as a phrase that follows the value. */
  public readonly reason: string;

  constructor(where: Where, field: string, value: unknown, reason: string) {
    const path = pathOf(where);
    super(`${cut(path)}: ${cut(field)} ${show(value)} ${reason}`);
    this.name = 'ValidationError';
    this.path = path;
    this.field = field;
    this.value = value;
    this.reason = reason;
  }
}

/** Throws a {@link ValidationError}. */
export function fail(where: Where, field: string, value: unknown, reason: string): never {
  throw new ValidationError(where, field, value, reason);
}

// ---------------------------------------------------------------------------------------------
// Plain values
// ---------------------------------------------------------------------------------------------

/** A string that is not empty. */
export function checkString(where: Where, field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) fail(where, field, value, 'is not a non-empty string');
  return value;
}

/** A whole number in `[min, max]`. */
export function checkInt(where: Where, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    fail(where, field, value, `is not a whole number (allowed: ${min}-${max})`);
  }
  if (value < min || value > max) fail(where, field, value, `is outside ${min}-${max}`);
  return value;
}

/** A boolean. */
export function checkBoolean(where: Where, field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(where, field, value, 'is not true or false');
  return value;
}

/** One of a fixed list of strings. */
export function checkOneOf<T extends string>(where: Where, field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(where, field, value, `is not one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  }
  return value as T;
}

/** A TCP/UDP port, 1-65535. */
export function checkPort(where: Where, field: string, value: unknown): number {
  return checkInt(where, field, value, 1, 65535);
}

/**
 * A port that defaults to another prop's port (a Service port to the containerPort): the message names
 * the prop the bad value came from.
 */
export function checkPortOr(where: Where, field: string, value: unknown, defaultField: string, defaultValue: unknown): number {
  return value === undefined ? checkPort(where, defaultField, defaultValue) : checkPort(where, field, value);
}

/** The range Kubernetes allocates nodePorts from by default (`--service-node-port-range`). */
export const NODE_PORT_RANGE: {
  /** Lowest nodePort. */
  readonly min: 30000;
  /** Highest nodePort. */
  readonly max: 32767;
} = { min: 30000, max: 32767 };

/** A nodePort inside the default service node port range. */
export function checkNodePort(where: Where, field: string, value: unknown): number {
  return checkInt(where, field, value, NODE_PORT_RANGE.min, NODE_PORT_RANGE.max);
}

// ---------------------------------------------------------------------------------------------
// Kubernetes names and labels
// ---------------------------------------------------------------------------------------------

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * True for a DNS-1123 subdomain as the API server checks object names (k8s.io/apimachinery
 * pkg/util/validation IsDNS1123Subdomain): dot-separated parts of lower-case letters, digits and '-', each
 * starting and ending alphanumeric, at most 253 characters in all; no limit per part.
 */
function isDnsSubdomain(value: string): boolean {
  return value.length > 0 && value.length <= 253 && value.split('.').every((part) => DNS_LABEL.test(part));
}

/** True for a DNS name that can resolve: a DNS-1123 subdomain whose every label has at most 63 characters (RFC 1035 2.3.4). */
function isDnsName(value: string): boolean {
  return isDnsSubdomain(value) && value.split('.').every((part) => part.length <= 63);
}

/** An RFC 1123 label (Namespace, Service and most object names): at most `maxLength` (63) characters. */
export function checkDnsLabel(where: Where, field: string, value: unknown, maxLength = 63): string {
  if (typeof value !== 'string' || !DNS_LABEL.test(value) || value.length > maxLength) {
    fail(where, field, value,
      `is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most ${maxLength} characters)`);
  }
  return value;
}

/**
 * A DNS-1123 subdomain (ConfigMap, Secret, PersistentVolume, StorageClass, NetworkPolicy names; most object
 * names): at most 253 characters. A name that also becomes the value of a label (`labelKey`: a Gateway's in
 * `gateway.networking.k8s.io/gateway-name`, a node's in `kubernetes.io/hostname`) has at most 63, the limit of
 * a label value (apimachinery IsValidLabelValue).
 */
export function checkDnsSubdomain(where: Where, field: string, value: unknown, labelKey?: string): string {
  if (typeof value !== 'string' || !isDnsSubdomain(value)) {
    fail(where, field, value,
      "is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit, at most 253 characters)");
  }
  if (labelKey !== undefined && value.length > 63) {
    fail(where, field, value, `has ${value.length} characters; at most 63, because it is also the value of the label ${labelKey}`);
  }
  return value;
}

/** A label or annotation key: an optional DNS subdomain prefix and `/`, then a name of at most 63 characters. */
export function checkLabelKey(where: Where, field: string, value: unknown): string {
  const reason = "is not a valid label key ([prefix/]name: name of at most 63 letters, digits, '-', '_', '.', starting and ending alphanumeric; prefix a DNS-1123 subdomain)";
  if (typeof value !== 'string') fail(where, field, value, reason);
  const slash = value.lastIndexOf('/');
  const name = slash >= 0 ? value.slice(slash + 1) : value;
  const prefix = slash >= 0 ? value.slice(0, slash) : undefined;
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) fail(where, field, value, reason);
  if (prefix !== undefined) {
    if (!isDnsSubdomain(prefix)) fail(where, field, value, reason);
  }
  return value;
}

/** A label value: empty, or at most 63 letters, digits, '-', '_', '.', starting and ending alphanumeric. */
export function checkLabelValue(where: Where, field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
    fail(where, field, value,
      "is not a valid label value (at most 63 letters, digits, '-', '_', '.', starting and ending with a letter or digit)");
  }
  return value;
}

/** A map of labels: every key and value checked. */
export function checkLabels(where: Where, field: string, labels: Record<string, string> | undefined): Record<string, string> {
  for (const [key, value] of Object.entries(labels ?? {})) {
    checkLabelKey(where, `${field} key`, key);
    checkLabelValue(where, `${field}[${JSON.stringify(key)}]`, value);
  }
  return labels ?? {};
}

// ---------------------------------------------------------------------------------------------
// Quantities
// ---------------------------------------------------------------------------------------------

// apimachinery resource.Quantity suffixes: binary SI (powers of 2^10) and decimal SI (powers of 10).
const BINARY_SI = new Map<string, number>([['Ki', 10], ['Mi', 20], ['Gi', 30], ['Ti', 40], ['Pi', 50], ['Ei', 60]]);
const DECIMAL_SI = new Map<string, number>([['n', -9], ['u', -6], ['m', -3], ['', 0], ['k', 3], ['M', 6], ['G', 9], ['T', 12], ['P', 15], ['E', 18]]);
// API server: k8s.io/apimachinery pkg/api/resource ParseQuantity grammar: <sign>?<digits>[.<digits>]<suffix>, where the
// suffix is binary SI, decimal SI or an exponent e/E<signed integer> ("1.", ".5", "+1", "1e3", "1E-3" all parse).
const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;
/** Largest exponent taken (`1e1000`); Kubernetes keeps decimal quantities of any size, no real resource needs more. */
const MAX_EXPONENT = 1000;
/** Longest quantity string taken. */
const MAX_QUANTITY_LENGTH = 64;
/** apimachinery caps a binary-SI quantity silently at 2^63-1 ("8Ei" parses as 2^63-1). */
const MAX_BINARY = 2n ** 63n - 1n;

/** The exact value of a quantity, `num / den` base units (cores, bytes), with the suffix it was written with. */
export interface ExactQuantity {
  /** Numerator (negative for a negative quantity). */
  readonly num: bigint;
  /** Denominator, a positive power of ten. */
  readonly den: bigint;
  /** The suffix as written (`Mi`, `m`, `e3`, or empty). */
  readonly suffix: string;
  /** The number as written, without suffix. */
  readonly number: string;
}

/**
 * Parses a Kubernetes quantity exactly (apimachinery `resource.ParseQuantity` grammar: `500m`, `128Mi`,
 * `1.5Gi`, `1e3`, `+1`, `.5`), or returns undefined when the string is not one.
 */
export function parseExactQuantity(value: string): ExactQuantity | undefined {
  const m = QUANTITY.exec(value);
  if (!m) return undefined;
  const [, sign, int, frac = '', suffix = ''] = m;
  if (int === '' && frac === '') return undefined;
  let num = BigInt(`${int}${frac}` || '0') * (sign === '-' ? -1n : 1n);
  let den = 10n ** BigInt(frac.length);
  const binary = BINARY_SI.get(suffix);
  const exponent = binary !== undefined ? 0 : DECIMAL_SI.get(suffix) ?? Number(suffix.slice(1));
  if (Math.abs(exponent) > MAX_EXPONENT) return undefined;
  if (binary !== undefined) num *= 2n ** BigInt(binary);
  if (exponent > 0) num *= 10n ** BigInt(exponent);
  if (exponent < 0) den *= 10n ** BigInt(-exponent);
  return { num, den, suffix, number: `${sign}${int}${value.includes('.') ? '.' : ''}${frac}` };
}

/**
 * Parses a Kubernetes quantity (`500m`, `128Mi`, `1.5Gi`, `1e3`) into its value in base units
 * (cores, bytes), as a floating-point approximation. Returns undefined when the string is not a quantity.
 * Compare quantities with {@link compareQuantities}, which is exact.
 */
export function parseQuantity(value: string): number | undefined {
  const q = parseExactQuantity(value);
  return q === undefined ? undefined : Number(q.num) / Number(q.den);
}

/** Compares two quantities exactly: negative, zero or positive as `a` is less than, equal to or more than `b`. */
export function compareQuantities(a: ExactQuantity, b: ExactQuantity): number {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** Writes an exact value as a short decimal, for messages (`0.128`, `0.0004`). */
function decimal(q: ExactQuantity): string {
  const negative = q.num < 0n;
  const digits = (negative ? -q.num : q.num).toString();
  const places = q.den.toString().length - 1;
  const padded = digits.padStart(places + 1, '0');
  const text = places === 0 ? padded : `${padded.slice(0, -places)}.${padded.slice(-places)}`.replace(/\.?0+$/, '');
  return `${negative ? '-' : ''}${text}`;
}

/**
 * What a quantity measures, which decides what can be written exactly and what is surely a typo:
 * `cpu` (cores), `memory` (bytes a container may use), `bytes` (storage), or `any`.
 */
export type QuantityKind = 'cpu' | 'memory' | 'bytes' | 'any';

const ONE_MI = 2n ** 20n;

/**
 * A Kubernetes quantity, not negative, that the cluster keeps exactly as written; returns its exact
 * value. Refused: anything the API server would round (finer than 1n, binary SI above 2^63-1), CPU finer
 * than 1m (the kubelet rounds it up), a fraction of a byte, and memory below 1Mi (a unit typo:
 * `"128m"` is 0.128 bytes), each with the unit the user likely meant.
 */
export function checkExactQuantity(where: Where, field: string, value: unknown, kind: QuantityKind = 'any'): ExactQuantity {
  // No resource needs more digits; a megabyte of them would only cost time to parse.
  if (typeof value === 'string' && value.length > MAX_QUANTITY_LENGTH) fail(where, field, value, `is longer than ${MAX_QUANTITY_LENGTH} characters, more than any resource quantity needs`);
  const q = typeof value === 'string' ? parseExactQuantity(value) : undefined;
  if (q === undefined || q.num < 0n) {
    return fail(where, field, value, 'is not a Kubernetes quantity (expected e.g. "250m", "512Mi", "5Gi")');
  }
  const text = value as string;
  const units = kind === 'cpu' ? 'CPU' : 'bytes';
  // API server: apimachinery resource.ParseQuantity rounds a value finer than 1n up ("0.9n" becomes "1n").
  if ((q.num * 10n ** 9n) % q.den !== 0n) fail(where, field, value, `has precision finer than 1n (10^-9), which the API server rounds up; write it exactly`);
  // API server: apimachinery resource.ParseQuantity caps a binary-SI quantity at 2^63-1 without a word.
  if (BINARY_SI.has(q.suffix) && q.num > MAX_BINARY) fail(where, field, value, 'is more than 2^63-1, where the API server silently caps binary-SI quantities');
  // kubelet: pkg/kubelet/kuberuntime passes Quantity.MilliValue() (ceil to whole millicores) to pkg/kubelet/cm MilliCPUToShares/
  // MilliCPUToQuota; the API server keeps finer CPU (cpu is not an IsIntegerResourceName), so the rounding happens unseen.
  if (kind === 'cpu' && (q.num * 1000n) % q.den !== 0n) {
    fail(where, field, value, `is ${decimal(q)} CPU, finer than 1m (one millicore), which the kubelet rounds up; ${suggest(text, q, 'm')}`);
  }
  // API server: pkg/api/pod/warnings.go warns 'fractional byte value "…" is invalid, must be an integer' (memory, storage).
  if ((kind === 'memory' || kind === 'bytes') && q.num % q.den !== 0n) {
    fail(where, field, value, `is ${decimal(q)} ${units}, not a whole number of bytes (the API server calls a fractional byte value invalid); ${suggest(text, q, 'Mi')}`);
  }
  // Not a cluster rule but a unit typo the cluster would run with: no container starts in less than 1Mi of memory.
  if (kind === 'memory' && q.num > 0n && q.num < ONE_MI * q.den) {
    fail(where, field, value, `is ${decimal(q)} bytes, less than 1Mi, in which no container can run; ${suggest(text, q, 'Mi')}`);
  }
  return q;
}

/** The hint of a refused quantity: the same number with the unit the user likely meant (`"128m"` → `"128Mi"`, `"0.4m"` CPU → `"0.4"`). */
function suggest(text: string, q: ExactQuantity, unit: 'm' | 'Mi'): string {
  const guess = unit === 'm' && q.suffix === 'm' ? q.number : `${q.number}${unit}`;
  return guess === text || /^[eE]/.test(q.suffix) || parseExactQuantity(guess) === undefined ? `write a whole number of ${unit === 'm' ? 'millicores' : 'bytes, at least 1Mi'}` : `did you mean "${guess}"?`;
}

/** A Kubernetes quantity, not negative, written exactly (see {@link checkExactQuantity}); returns its value in base units. */
export function checkQuantity(where: Where, field: string, value: unknown, kind: QuantityKind = 'any'): number {
  const q = checkExactQuantity(where, field, value, kind);
  return Number(q.num) / Number(q.den);
}

/** A Kubernetes quantity greater than zero, written exactly (see {@link checkExactQuantity}); returns its exact value. */
export function checkPositiveQuantity(where: Where, field: string, value: unknown, kind: QuantityKind = 'any'): ExactQuantity {
  const q = checkExactQuantity(where, field, value, kind);
  if (q.num <= 0n) fail(where, field, value, 'must be greater than zero');
  return q;
}

// ---------------------------------------------------------------------------------------------
// Container images
// ---------------------------------------------------------------------------------------------

// The distribution/reference grammar: [host[:port]/]path[:tag][@digest].
const IMAGE_REF = /^(?:((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?)\/)?([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$/;

/** A pinned image reference: a tag other than `latest`, or a digest. */
export function checkImage(where: Where, field: string, value: unknown): string {
  const m = typeof value === 'string' ? IMAGE_REF.exec(value) : null;
  if (!m) fail(where, field, value, 'is not an image reference (expected e.g. "registry.example.com/team/app:1.4.2" or "app@sha256:…")');
  const [, , , tag, digest] = m;
  if (!tag && !digest) fail(where, field, value, 'is not pinned: give a tag (not "latest") or a digest');
  if (tag === 'latest' && !digest) fail(where, field, value, 'uses the "latest" tag: pin a version tag or a digest');
  return value as string;
}

// ---------------------------------------------------------------------------------------------
// IP addresses, CIDRs and ranges
// ---------------------------------------------------------------------------------------------

/** An inclusive range of IP addresses of one family, as numbers. */
export interface IpRange {
  /** 'ipv4' or 'ipv6'. */
  readonly family: 'ipv4' | 'ipv6';
  /** First address, inclusive. */
  readonly start: bigint;
  /** Last address, inclusive. */
  readonly end: bigint;
  /** The entry as the user wrote it. */
  readonly text: string;
  /**
   * True when the entry was written in IPv4-mapped IPv6 form (`::ffff:192.168.1.5`): it is compared as
   * the IPv4 addresses it stands for (`family` is 'ipv4'), as Go's net.IP does. @default false
   */
  readonly mapped?: boolean;
}

function ipToBigInt(addr: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  return addr.toByteArray().reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
}

// What ipaddr's isValidFourPartDecimal also requires (it tests it after isValid, whose parser throws for every
// host name): tested first, the answer is the same without an exception per name.
const FOUR_PART_DECIMAL = /^(0|[1-9]\d*)(\.(0|[1-9]\d*)){3}$/;

/** Parses one address strictly (dotted-quad IPv4 or IPv6 without zone), or returns undefined. */
function parseStrictIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (FOUR_PART_DECIMAL.test(text) && ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!text.includes('%') && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return undefined;
}

// ::ffff:0:0/96, the IPv4-mapped IPv6 addresses (RFC 4291 2.5.5.2).
const MAPPED_BASE = 0xffffn << 32n;
const MAPPED_END = MAPPED_BASE + 0xffffffffn;
const UNTRIMMED = 'has spaces around it: MetalLB (net.ParseCIDR) and Gateway API implementations (net.ParseIP) read it as written and refuse or ignore it; remove them';

/** A range as compared: IPv4-mapped IPv6 ranges become the IPv4 range they stand for (Go's net.IP treats them as one). */
function range(family: 'ipv4' | 'ipv6', start: bigint, end: bigint, text: string): IpRange {
  if (family === 'ipv6' && start >= MAPPED_BASE && end <= MAPPED_END) {
    return { family: 'ipv4', start: start - MAPPED_BASE, end: end - MAPPED_BASE, text, mapped: true };
  }
  return { family, start, end, text };
}

function untrimmed(where: Where, field: string, value: unknown): void {
  if (typeof value === 'string' && value !== value.trim()) fail(where, field, value, UNTRIMMED);
}

function singleAddress(where: Where, field: string, value: unknown, reason: string): IpRange {
  untrimmed(where, field, value);
  const addr = typeof value === 'string' ? parseStrictIp(value) : undefined;
  if (!addr) fail(where, field, value, reason);
  const n = ipToBigInt(addr);
  return range(addr.kind(), n, n, value as string);
}

/** A single IPv4 or IPv6 address, without spaces around it; returns it as a one-address range. */
export function checkIp(where: Where, field: string, value: unknown): IpRange {
  return singleAddress(where, field, value, 'is not an IPv4 (a.b.c.d) or IPv6 address');
}

/**
 * An address, a CIDR (`192.168.1.0/24`, no host bits set) or an inclusive range (`192.168.1.11-192.168.1.13`),
 * without spaces around it. IPv4-mapped IPv6 forms are returned as the IPv4 addresses they stand for.
 */
export function checkIpRange(where: Where, field: string, value: unknown): IpRange {
  const allowed = 'is not an IP address, a CIDR (e.g. "192.168.1.0/24") or an inclusive range (e.g. "192.168.1.11-192.168.1.13")';
  if (typeof value !== 'string') fail(where, field, value, allowed);
  untrimmed(where, field, value);
  const text = value;
  if (text.includes('/')) {
    const [ipText, bitsText, ...rest] = text.split('/');
    const addr = parseStrictIp(ipText);
    const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
    if (!addr || rest.length > 0) fail(where, field, value, allowed);
    const width = addr.kind() === 'ipv4' ? 32 : 128;
    if (!(bits >= 0 && bits <= width)) fail(where, field, value, `has a prefix length outside 0-${width}`);
    const hostBits = BigInt(width - bits);
    const base = ipToBigInt(addr);
    const start = (base >> hostBits) << hostBits;
    // MetalLB: internal/config ParseCIDR keeps only the network net.ParseCIDR returns, silently widening the entry.
    if (start !== base) fail(where, field, value, 'has host bits set (net.ParseCIDR would take the whole network; write the network address, e.g. "192.168.1.0/24", or one address as "/32")');
    return range(addr.kind(), start, start + (1n << hostBits) - 1n, value);
  }
  if (text.includes('-')) {
    const parts = text.split('-');
    if (parts.length !== 2) fail(where, field, value, allowed);
    const a = parseStrictIp(parts[0].trim());
    const b = parseStrictIp(parts[1].trim());
    if (!a || !b) fail(where, field, value, allowed);
    const ra = range(a.kind(), ipToBigInt(a), ipToBigInt(a), value);
    const rb = range(b.kind(), ipToBigInt(b), ipToBigInt(b), value);
    if (ra.family !== rb.family) fail(where, field, value, 'mixes IPv4 and IPv6 (both ends of a range must be of one family)');
    if (ra.start > rb.start) fail(where, field, value, 'starts after it ends (write the lower address first)');
    return { ...ra, end: rb.end, mapped: ra.mapped || rb.mapped ? true : undefined };
  }
  return singleAddress(where, field, value, allowed);
}

/** Number of addresses in a range. */
export function rangeSize(range: IpRange): bigint {
  return range.end - range.start + 1n;
}

/** True when two ranges share at least one address. */
export function rangesOverlap(a: IpRange, b: IpRange): boolean {
  return a.family === b.family && a.start <= b.end && b.start <= a.end;
}

/**
 * Finds the overlapping pairs in a list of ranges by sorting (n log n, not pairwise):
 * every range is compared with the furthest-reaching range seen before it.
 */
export function findOverlaps<T extends IpRange>(ranges: readonly T[]): Array<[T, T]> {
  const sorted = [...ranges].sort((x, y) => (x.family === y.family ? (x.start < y.start ? -1 : x.start > y.start ? 1 : 0) : x.family < y.family ? -1 : 1));
  const out: Array<[T, T]> = [];
  let reach: T | undefined;
  for (const r of sorted) {
    if (reach && reach.family === r.family && r.start <= reach.end) out.push([reach, r]);
    if (!reach || reach.family !== r.family || r.end > reach.end) reach = r;
  }
  return out;
}

/** A DNS name or an IP address (for servers such as an NFS server). */
export function checkHost(where: Where, field: string, value: unknown): string {
  if (typeof value === 'string' && parseStrictIp(value)) return value;
  if (typeof value === 'string' && !/^[\d.]+$/.test(value) && isDnsName(value.toLowerCase())) return value;
  return fail(where, field, value, 'is neither an IP address nor a DNS name');
}

/** An absolute path (a mount point inside a container). */
export function checkAbsolutePath(where: Where, field: string, value: unknown): string {
  const path = checkString(where, field, value);
  if (!path.startsWith('/')) fail(where, field, value, 'must be an absolute path');
  return path;
}

/** An absolute, normalized path on a node or server: starts with "/", no ".." segment, no trailing "/". */
export function checkNormalizedPath(where: Where, field: string, value: unknown, what = 'path'): string {
  const path = checkString(where, field, value);
  if (!path.startsWith('/') || path.split('/').includes('..') || path.includes('//') || (path.length > 1 && path.endsWith('/'))) {
    fail(where, field, value, `must be an absolute, normalized ${what} (starting with "/", no "..", no "//", no trailing "/")`);
  }
  return path;
}

/**
 * A host name as the Ingress and HTTPRoute APIs take it: a lower-case DNS-1123 subdomain, optionally a
 * wildcard `*.` as its whole first label; not an IP address, no port. Stricter than those APIs by one rule of
 * DNS itself: each label has at most 63 characters (RFC 1035), or the name never resolves and no ACME
 * server issues a certificate for it.
 */
export function checkRouteHost(where: Where, field: string, value: unknown): string {
  const reason = "is not a host name (a lower-case DNS name such as \"app.example.com\", optionally starting with \"*.\"; no IP address, port or other wildcard)";
  if (typeof value !== 'string') return fail(where, field, value, reason);
  const name = value.startsWith('*.') ? value.slice(2) : value;
  if (!isDnsName(name) || parseStrictIp(name) || /^[\d.]+$/.test(name)) fail(where, field, value, reason);
  return value;
}

/** Annotations: keys with label-key syntax, string values. */
export function checkAnnotations(where: Where, field: string, annotations: Record<string, string> | undefined): Record<string, string> {
  for (const [key, value] of Object.entries(annotations ?? {})) {
    checkLabelKey(where, `${field} key`, key);
    if (typeof value !== 'string') fail(where, `${field}[${JSON.stringify(key)}]`, value, 'is not a string (annotation values are strings)');
  }
  return annotations ?? {};
}

/**
 * A Git repository URL a GitOps controller can clone: `https://`, `http://`, `ssh://`, or scp-like
 * `git@host:path` where the controller takes it (Argo CD does, Flux does not).
 */
export function checkGitUrl(where: Where, field: string, value: unknown, allowScpLike = true): string {
  const url = checkString(where, field, value);
  const scpLike = allowScpLike && /^[\w.-]+@[\w.-]+:[\w./~-]+$/.test(url);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!scpLike && !(parsed && ['https:', 'http:', 'ssh:'].includes(parsed.protocol) && parsed.hostname)) {
    fail(where, field, value, `is not a Git repository URL (https://host/path, ssh://host/path${allowScpLike ? ' or git@host:path' : '; Flux does not take git@host:path, write ssh://git@host/path'})`);
  }
  return url;
}

/** A Git branch name (git check-ref-format): no spaces, "..", "~^:?*[\\", leading "-" or "/", trailing "/" or ".lock". */
export function checkGitBranch(where: Where, field: string, value: unknown): string {
  const branch = checkString(where, field, value);
  if (branch === '' || /[\s~^:?*[\\]|\.\.|@\{|\/\/|^[-/.]|[/.]$|\.lock$/.test(branch) || branch === '@') {
    fail(where, field, value, 'is not a valid Git branch name');
  }
  return branch;
}

/** A relative, normalized path inside a repository: no leading "/", no "." or ".." segment, no trailing "/". */
export function checkRepoPath(where: Where, field: string, value: unknown): string {
  const path = checkString(where, field, value);
  if (path === '' || path.startsWith('/') || path.endsWith('/') || path.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    fail(where, field, value, 'must be a relative, normalized path inside the repository (e.g. "dist/lab")');
  }
  return path;
}

/** A Go duration as Flux takes it: e.g. "30s", "5m", "1h30m". */
export function checkDuration(where: Where, field: string, value: unknown): string {
  const d = checkString(where, field, value);
  if (!/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/.test(d)) fail(where, field, value, 'is not a duration such as "30s", "5m" or "1h30m"');
  return d;
}

/** A Kubernetes label selector as written in a manifest (`matchLabels`, `matchExpressions`). */
export interface LabelSelectorShape {
  /** Labels that must all match. @default - none */
  readonly matchLabels?: Record<string, string>;
  /** Set-based requirements. @default - none */
  readonly matchExpressions?: ReadonlyArray<{
    /** Label key. */
    readonly key: string;
    /** `In`, `NotIn`, `Exists` or `DoesNotExist`. */
    readonly operator: string;
    /** Values for `In` and `NotIn`. @default - none */
    readonly values?: readonly string[];
  }>;
}

/**
 * A label selector every consumer can turn into a selector: keys and values of label syntax, `In`/`NotIn`
 * with at least one value, `Exists`/`DoesNotExist` with none.
 */
// API server and controllers: apimachinery metav1.LabelSelectorAsSelector → labels.NewRequirement (MetalLB internal/config, Gateway implementations)
export function checkLabelSelector(where: Where, field: string, selector: unknown): LabelSelectorShape {
  if (typeof selector !== 'object' || selector === null || Array.isArray(selector)) fail(where, field, selector, 'is not a label selector (an object with matchLabels and/or matchExpressions)');
  const s = selector as LabelSelectorShape;
  if (s.matchLabels !== undefined && (typeof s.matchLabels !== 'object' || s.matchLabels === null || Array.isArray(s.matchLabels))) {
    fail(where, `${field}.matchLabels`, s.matchLabels, 'is not a map of label keys to values');
  }
  checkLabels(where, `${field}.matchLabels`, s.matchLabels);
  if (s.matchExpressions !== undefined && !Array.isArray(s.matchExpressions)) fail(where, `${field}.matchExpressions`, s.matchExpressions, 'is not a list');
  (s.matchExpressions ?? []).forEach((e, i) => {
    const at = `${field}.matchExpressions[${i}]`;
    if (typeof e !== 'object' || e === null) fail(where, at, e, 'is not a requirement ({key, operator, values})');
    checkLabelKey(where, `${at}.key`, e.key);
    checkOneOf(where, `${at}.operator`, e.operator, ['In', 'NotIn', 'Exists', 'DoesNotExist']);
    const needsValues = e.operator === 'In' || e.operator === 'NotIn';
    if (e.values !== undefined && !Array.isArray(e.values)) fail(where, `${at}.values`, e.values, 'is not a list of label values');
    if (needsValues && !e.values?.length) fail(where, `${at}.values`, e.values, `must list at least one value with operator ${e.operator} (an empty set selects nothing and is refused)`);
    if (!needsValues && e.values?.length) fail(where, `${at}.values`, e.values, `must be empty with operator ${e.operator}`);
    (e.values as readonly unknown[] | undefined)?.forEach((v: unknown, j: number) => checkLabelValue(where, `${at}.values[${j}]`, v));
  });
  return s;
}

// ---------------------------------------------------------------------------------------------
// API server name rules (issue 19)
// ---------------------------------------------------------------------------------------------

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

// API server: k8s.io/apimachinery validation.IsDNS1035Label (Service names, via ValidateServiceName = NameIsDNS1035Label)
/** An RFC 1035 label (Service names): lower-case letters, digits and '-', starting with a letter, at most 63 characters. */
export function checkDns1035Label(where: Where, field: string, value: unknown): string {
  if (typeof value !== 'string' || !DNS_1035_LABEL.test(value) || value.length > 63) {
    fail(where, field, value,
      "is not a DNS-1035 label (lower-case letters, digits and '-', starting with a letter and ending with a letter or digit, at most 63 characters), as Service names must be");
  }
  return value;
}

// API server: k8s.io/apimachinery validation.IsConfigMapKey (Secret data keys, via pkg/apis/core/validation ValidateSecret)
/** A Secret or ConfigMap data key: at most 253 of letters, digits, '-', '_' and '.', not "." and not starting with "..". */
export function checkDataKey(where: Where, field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length > 253 || !/^[-._a-zA-Z0-9]+$/.test(value) || value === '.' || value.startsWith('..')) {
    fail(where, field, value, "is not a Secret data key (at most 253 of letters, digits, '-', '_' and '.', not \".\" and not starting with \"..\")");
  }
  return value;
}

// API server: k8s.io/apimachinery validation.IsValidPortName (IANA_SVC_NAME: container port names, named targetPorts)
/** A port name (IANA_SVC_NAME): at most 15 of a-z, 0-9 and '-', at least one letter, no leading, trailing or doubled '-'. */
export function checkPortName(where: Where, field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length > 15 || !/^[-a-z0-9]+$/.test(value) || !/[a-z]/.test(value)
    || value.includes('--') || value.startsWith('-') || value.endsWith('-')) {
    fail(where, field, value,
      "is not a port name (IANA_SVC_NAME: at most 15 of a-z, 0-9 and '-', at least one letter, no '-' at either end, no '--')");
  }
  return value;
}

/** The reason a checker of this module refuses a value, or undefined when it accepts it (for checks that collect messages). */
export function refusal(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (e) {
    if (e instanceof ValidationError) return e.reason;
    throw e;
  }
}
