import {
  checkDnsLabel, checkDnsSubdomain, checkHost, checkImage, checkInt, checkIp, checkIpRange, checkLabelKey,
  checkLabelValue, checkNodePort, checkOneOf, checkPort, checkQuantity, findOverlaps, parseQuantity, rangeSize,
  rangesOverlap, ValidationError,
} from '../lib';
import { checkRouteHost } from '../lib/checks/validation';
import { ChartTier, Cluster, FluxSync, HttpGateway } from '../lib';
import { clusterRefusal, testEnv } from './helpers';

const at = 'dev/web';

/** Runs `fn`, expects a ValidationError, and returns it. */
function refused(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('ValidationError', () => {
  test('names the construct path, the field, the bad value and what is allowed', () => {
    const e = refused(() => checkNodePort(at, 'nodePort', 3000));
    expect(e.message).toBe('dev/web: nodePort 3000 is outside 30000-32767');
    expect(e.path).toBe('dev/web');
    expect(e.field).toBe('nodePort');
    expect(e.value).toBe(3000);
  });
});

describe('numbers and ports', () => {
  test.each([1, 80, 65535])('port %p is accepted', (p) => expect(checkPort(at, 'port', p)).toBe(p));
  test.each([0, 65536, -1, 1.5, '80', NaN])('port %p is refused', (p) => {
    expect(refused(() => checkPort(at, 'port', p)).message).toMatch(/^dev\/web: port .* (is outside 1-65535|is not a whole number)/);
  });
  test.each([30000, 32767])('nodePort %p is accepted', (p) => expect(checkNodePort(at, 'nodePort', p)).toBe(p));
  test.each([29999, 32768])('nodePort %p is refused', (p) => {
    expect(refused(() => checkNodePort(at, 'nodePort', p)).message).toBe(`dev/web: nodePort ${p} is outside 30000-32767`);
  });
  test('a range check names its bounds', () => {
    expect(refused(() => checkInt(at, 'replicas', -1, 0, 1000)).message).toBe('dev/web: replicas -1 is outside 0-1000');
  });
  test('one-of lists what is allowed', () => {
    expect(checkOneOf(at, 'pathType', 'Prefix', ['Exact', 'Prefix'])).toBe('Prefix');
    expect(refused(() => checkOneOf(at, 'pathType', 'prefix', ['Exact', 'Prefix'])).message)
      .toBe('dev/web: pathType "prefix" is not one of "Exact", "Prefix"');
  });
});

describe('names and labels', () => {
  test.each(['web', 'a', 'web-1', 'a'.repeat(63)])('DNS label %p is accepted', (n) => expect(checkDnsLabel(at, 'name', n)).toBe(n));
  test.each(['Web', '-web', 'web-', 'web_1', 'a'.repeat(64), '', 'web.app'])('DNS label %p is refused', (n) => {
    expect(refused(() => checkDnsLabel(at, 'name', n)).message).toContain('is not a DNS-1123 label');
  });
  test('a shorter maximum can be asked for', () => {
    expect(refused(() => checkDnsLabel(at, 'name', 'a'.repeat(60), 52)).message).toContain('at most 52 characters');
  });
  test.each(['web.example.com', 'a-b.c'])('subdomain %p is accepted', (n) => expect(checkDnsSubdomain(at, 'host', n)).toBe(n));
  test.each(['Web.example.com', 'a..b', '.a', 'a'.repeat(254)])('subdomain %p is refused', (n) => {
    expect(refused(() => checkDnsSubdomain(at, 'host', n)).message).toContain('is not a DNS-1123 subdomain');
  });
  test.each(['app', 'app.kubernetes.io/name', 'example.com/A_b.c'])('label key %p is accepted', (k) => expect(checkLabelKey(at, 'labels', k)).toBe(k));
  test.each(['', '/app', 'Example.com/app', 'app/', '-app', 'a'.repeat(64)])('label key %p is refused', (k) => {
    expect(refused(() => checkLabelKey(at, 'labels', k)).message).toContain('is not a valid label key');
  });
  test.each(['', 'v1.2_3-x'])('label value %p is accepted', (v) => expect(checkLabelValue(at, 'labels', v)).toBe(v));
  test.each(['-x', 'x-', 'a b', 'a'.repeat(64)])('label value %p is refused', (v) => {
    expect(refused(() => checkLabelValue(at, 'labels', v)).message).toContain('is not a valid label value');
  });
});

describe('quantities', () => {
  test.each([
    ['500m', 0.5], ['1', 1], ['1.5', 1.5], ['128Mi', 128 * 2 ** 20], ['5Gi', 5 * 2 ** 30], ['1k', 1000], ['2M', 2e6],
    ['1e3', 1000], ['100Mi', 104857600], ['0', 0], ['.5', 0.5],
  ])('%p parses to %p', (q, v) => {
    expect(parseQuantity(q)).toBeCloseTo(v as number, 9);
    expect(checkQuantity(at, 'storage', q)).toBeCloseTo(v as number, 9);
  });
  test.each(['5Gb', '5 Gi', 'Gi', '', '1.2.3', '5gi', '-1Gi', '1Y', 5])('%p is refused', (q) => {
    expect(refused(() => checkQuantity(at, 'storage', q)).message).toMatch(/^dev\/web: storage .* is not a Kubernetes quantity \(expected e.g./);
  });
});

describe('images', () => {
  test.each([
    'nginx:1.27', 'nginxinc/nginx-unprivileged:1.27-alpine', 'registry.example.com:5000/team/app:v1.4.2',
    `app@sha256:${'a'.repeat(64)}`, `quay.io/x/y:1.0@sha256:${'b'.repeat(64)}`, `ghcr.io/x/latest@sha256:${'c'.repeat(64)}`,
  ])('%p is pinned', (i) => expect(checkImage(at, 'image', i)).toBe(i));
  test.each(['nginx', 'registry.example.com:5000/team/app'])('%p has no tag', (i) => {
    expect(refused(() => checkImage(at, 'image', i)).message).toBe(`dev/web: image "${i}" is not pinned: give a tag (not "latest") or a digest`);
  });
  test('latest is refused', () => {
    expect(refused(() => checkImage(at, 'image', 'nginx:latest')).message).toContain('uses the "latest" tag');
  });
  test.each(['Nginx:1', 'nginx:', ':1', 'nginx:1 ', 'a b:1'])('%p is malformed', (i) => {
    expect(refused(() => checkImage(at, 'image', i)).message).toContain('is not an image reference');
  });
});

describe('IP addresses, CIDRs and ranges', () => {
  test('a single address is a one-address range', () => {
    const r = checkIp(at, 'ip', '192.168.1.11');
    expect(r).toMatchObject({ family: 'ipv4', start: r.end });
    expect(rangeSize(r)).toBe(1n);
  });
  test('CIDRs and ranges give their first and last address', () => {
    expect(rangeSize(checkIpRange(at, 'addresses[0]', '192.168.1.0/24'))).toBe(256n);
    expect(rangeSize(checkIpRange(at, 'addresses[0]', '192.168.1.11-192.168.1.13'))).toBe(3n);
    expect(rangeSize(checkIpRange(at, 'addresses[0]', 'fd00::/120'))).toBe(256n);
    expect(rangeSize(checkIpRange(at, 'addresses[0]', 'fd00::1-fd00::a'))).toBe(10n);
  });
  test.each([
    ['192.168.1.300', 'is not an IP address'],
    ['192.168.1', 'is not an IP address'],
    ['0x7f.0.0.1', 'is not an IP address'],
    ['192.168.1.0/33', 'has a prefix length outside 0-32'],
    ['192.168.1.5/24', 'has host bits set'],
    ['192.168.1.13-192.168.1.11', 'starts after it ends'],
    ['192.168.1.1-fd00::1', 'mixes IPv4 and IPv6'],
    ['1.2.3.4-1.2.3.5-1.2.3.6', 'is not an IP address'],
    ['fe80::1%eth0', 'is not an IP address'],
  ])('%p is refused: %s', (value, reason) => {
    const e = refused(() => checkIpRange(at, 'addresses[0]', value));
    expect(e.message).toContain(`dev/web: addresses[0] "${value}" ${reason}`);
  });
  test('overlaps are found by sorting and name both ranges', () => {
    const a = checkIpRange(at, 'a', '192.168.1.0/30');
    const b = checkIpRange(at, 'b', '192.168.1.3-192.168.1.5');
    const c = checkIpRange(at, 'c', '192.168.1.6');
    const d = checkIpRange(at, 'd', 'fd00::/64');
    expect(rangesOverlap(a, b)).toBe(true);
    expect(rangesOverlap(b, c)).toBe(false);
    expect(findOverlaps([c, d, b, a])).toEqual([[a, b]]);
  });
  test.each(['192.168.1.10', 'nfs.lab.local', 'NFS-1.example.com', 'fd00::10'])('host %p is accepted', (h) => expect(checkHost(at, 'server', h)).toBe(h));
  test.each(['192.168.1.300', 'nfs_server', 'http://nfs', ''])('host %p is refused', (h) => {
    expect(refused(() => checkHost(at, 'server', h)).message).toContain('is neither an IP address nor a DNS name');
  });
});

describe('DNS-1123 subdomains as the API server checks names, DNS names as DNS resolves them', () => {

  test('an object name: parts of any length, 253 characters in all (apimachinery IsDNS1123Subdomain)', () => {
    expect(checkDnsSubdomain(at, 'name', `allow-${'a'.repeat(63)}`)).toBe(`allow-${'a'.repeat(63)}`);
    expect(checkDnsSubdomain(at, 'name', 'a'.repeat(253))).toBe('a'.repeat(253));
    expect(() => checkDnsSubdomain(at, 'name', 'a'.repeat(254))).toThrow('is not a DNS-1123 subdomain');
    expect(() => checkDnsSubdomain(at, 'name', 'a..b')).toThrow('is not a DNS-1123 subdomain');
  });

  test('a route host and a server name: each label at most 63 characters (RFC 1035), else it never resolves', () => {
    expect(checkRouteHost(at, 'host', `${'a'.repeat(63)}.example.com`)).toBe(`${'a'.repeat(63)}.example.com`);
    expect(() => checkRouteHost(at, 'host', `${'a'.repeat(64)}.example.com`)).toThrow('is not a host name');
    expect(() => checkHost(at, 'server', `${'a'.repeat(64)}.example.com`)).toThrow('is neither an IP address nor a DNS name');
  });
});

describe('a name that is also a label value has at most 63 characters (apimachinery IsValidLabelValue)', () => {
  const long = 'g'.repeat(64);
  test('a Gateway (NGINX Gateway Fabric labels its data plane with the name), a Flux sync, a node, a Flux cluster\'s GitOps name', () => {
    const { env } = testEnv();
    expect(() => new HttpGateway(env.addChart('gw', ChartTier.ROUTES), 'gw', { name: long, gatewayClassName: 'nginx' }))
      .toThrow(`has 64 characters; at most 63, because it is also the value of the label gateway.networking.k8s.io/gateway-name`);
    expect(() => new FluxSync(env.addChart('flux', ChartTier.CLUSTER, { namespaced: false }), 'sync', { name: long, repoUrl: 'https://git.example.com/k8s.git', path: 'dist/dev' }))
      .toThrow('because it is also the value of the label kustomize.toolkit.fluxcd.io/name');
    expect(clusterRefusal({ name: 'lab', nodes: [{ name: long, address: '192.168.1.10', role: 'control-plane' }] }).message)
      .toContain('because it is also the value of the label kubernetes.io/hostname');
    const flux = { controller: 'flux', repoUrl: 'https://git.example.com/k8s.git' } as const;
    expect(clusterRefusal({ name: 'lab', gitops: { ...flux, name: long } }).message).toContain('kustomize.toolkit.fluxcd.io/name');
    // 63 characters are a label value; Argo CD tracks by annotation (or truncates its label), so its Application may be longer.
    expect(() => new HttpGateway(env.addChart('gw2', ChartTier.ROUTES), 'gw2', { name: 'g'.repeat(63), gatewayClassName: 'nginx' })).not.toThrow();
    expect(new Cluster({ name: 'lab', gitops: { controller: 'argocd', repoUrl: 'https://git.example.com/k8s.git', name: long } }).gitops?.name).toBe(long);
  });
});
