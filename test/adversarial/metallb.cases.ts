/**
 * Adversarial inputs MetalLB refuses or mishandles: pool entries its config parser (internal/config
 * ParseCIDR) refuses, addresses no layer-2 announcement can serve, selectors its config refuses, and
 * address shares its allocator (internal/allocator) refuses. Each row fails on the main branch before
 * these checks; the rows under "must pass" keep the rules from being over-broad.
 */
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AutoscaledApp, AutoscaledAppService, MetalLbL2Pool, MetalLbL2PoolProps, renderApp, SynthError, ValidationError } from '../../lib';
import { manifests, only, testEnv } from '../helpers';
import { expectRefused } from './refusals';

/** A lab environment (gateway .1 reserved) with a pool chart; `props` override the pool's. */
function pool(props: Partial<MetalLbL2PoolProps>, reservedAddresses = ['192.168.1.1']) {
  const { app, env } = testEnv({ reservedAddresses });
  const p = new MetalLbL2Pool(env.addChart('metallb'), 'p', { name: 'p', addresses: ['192.168.1.16/28'], ...props });
  return { app, env, pool: p };
}

describe('MetalLB pool entries (internal/config ParseCIDR, layer-2 announcement)', () => {
  test.each<[string, string, string]>([
    ['the IPv4 default route', '0.0.0.0/0', 'is a default route (every IPv4 address)'],
    ['the IPv6 default route', '::/0', 'is a default route (every IPv6 address)'],
    ['half the IPv4 space, with 0.0.0.0', '0.0.0.0/1', 'contains the unspecified address 0.0.0.0'],
    ['the unspecified address as a CIDR', '0.0.0.0/32', 'contains the unspecified address 0.0.0.0'],
    ['the unspecified address alone', '0.0.0.0', 'contains the unspecified address 0.0.0.0'],
    ['the loopback network', '127.0.0.0/8', 'contains loopback addresses (127.0.0.0/8)'],
    ['a loopback range', '127.0.0.1-127.0.0.5', 'contains loopback addresses (127.0.0.0/8)'],
    ['a range ending in loopback', '126.255.255.250-127.0.0.1', 'contains loopback addresses (127.0.0.0/8)'],
    ['the link-local network', '169.254.0.0/16', 'contains link-local addresses (169.254.0.0/16)'],
    ['one link-local address', '169.254.10.1', 'contains link-local addresses (169.254.0.0/16)'],
    ['all multicast', '224.0.0.0/4', 'contains multicast addresses (224.0.0.0/4)'],
    ['a multicast range', '239.1.1.1-239.1.1.9', 'contains multicast addresses (224.0.0.0/4)'],
    ['a block reaching into multicast', '192.0.0.0/2', 'contains multicast addresses (224.0.0.0/4)'],
    ['the broadcast address', '255.255.255.255/32', 'contains the broadcast address 255.255.255.255'],
    ['the IPv6 unspecified address', '::', 'contains the unspecified address ::'],
    ['the IPv6 loopback', '::1/128', 'contains the loopback address ::1'],
    ['IPv6 link-local', 'fe80::/64', 'contains link-local addresses (fe80::/10)'],
    ['an IPv6 link-local range', 'fe80::1-fe80::9', 'contains link-local addresses (fe80::/10)'],
    ['IPv6 all-nodes multicast', 'ff02::1', 'contains multicast addresses (ff00::/8)'],
    ['all IPv6 multicast', 'ff00::/8', 'contains multicast addresses (ff00::/8)'],
    ['an IPv4-mapped CIDR', '::ffff:192.168.1.0/124', 'is written in IPv4-mapped IPv6 form'],
    ['an IPv4-mapped address', '::ffff:192.168.1.20', 'is written in IPv4-mapped IPv6 form'],
    ['an IPv4-mapped range', '::ffff:192.168.1.20-::ffff:192.168.1.30', 'is written in IPv4-mapped IPv6 form'],
    ['a range with one mapped end', '192.168.1.20-::ffff:192.168.1.30', 'is written in IPv4-mapped IPv6 form'],
    ['a leading space', ' 192.168.1.16/28', 'has spaces around it'],
    ['a trailing space', '192.168.1.16/28 ', 'has spaces around it'],
    ['a trailing newline', '192.168.1.20-192.168.1.30\n', 'has spaces around it'],
  ])('%s (%j) is refused', (_what, entry, reason) => {
    expectRefused(() => pool({ addresses: ['10.10.0.0/29', entry] }), ValidationError, ['dev/metallb/p: addresses[1] ', JSON.stringify(entry), reason]);
  });

  test('a refused pool leaves nothing in the tree', () => {
    const { app, env } = testEnv();
    const chart = env.addChart('metallb');
    expect(() => new MetalLbL2Pool(chart, 'p', { name: 'p', addresses: ['0.0.0.0/0'] })).toThrow(ValidationError);
    expect(chart.node.tryFindChild('p')).toBeUndefined();
    expect(() => renderApp(app)).not.toThrow();
  });

  test.each<[string, string, string]>([
    ['IPv4', '192.168.1.20', '192.168.1.20/32'],
    ['IPv6', 'fd00::5', 'fd00::5/128'],
  ])('a single %s address is written as a one-address CIDR (MetalLB refuses a bare address)', (_family, entry, written) => {
    const { app } = pool({ addresses: [entry] });
    expect(only(manifests(app), 'IPAddressPool').spec.addresses).toEqual([written]);
  });

  test.each<[string, string]>([
    ['carrier-grade NAT space', '100.64.0.0/29'],
    ['a range with spaces inside (MetalLB trims each end)', '192.168.1.20 - 192.168.1.30'],
    ['an address just below loopback', '126.255.255.255/32'],
    ['the last unicast block before multicast', '223.255.255.0/24'],
    ['IPv6 unique-local', 'fd00::/120'],
  ])('must pass: %s (%j)', (_what, entry) => {
    const { app } = pool({ addresses: [entry] });
    expect(only(manifests(app), 'IPAddressPool').spec.addresses).toEqual([entry]);
  });
});

describe('MetalLB: IPv4-mapped forms compare as the IPv4 addresses they stand for', () => {
  test.each<[string, () => unknown, string[]]>([
    ['a reserved node address in mapped form', () => pool({ addresses: ['192.168.1.0/28'] }, ['::ffff:192.168.1.10']),
      ['dev/metallb/p: addresses[0] "192.168.1.0/28" contains reserved address(es) "::ffff:192.168.1.10"']],
    ['a mapped reserved range', () => pool({ addresses: ['192.168.1.16/28'] }, ['::ffff:192.168.1.20-::ffff:192.168.1.21']),
      ['dev/metallb/p: addresses[0] "192.168.1.16/28" contains reserved address(es)']],
    ['an excluded gateway address in mapped form', () => pool({ addresses: ['192.168.1.16/28'], excludedAddresses: ['::ffff:192.168.1.17'] }),
      ['dev/metallb/p: addresses[0] "192.168.1.16/28" contains reserved address(es) "::ffff:192.168.1.17"']],
    ['a Service address in mapped form', () => {
      const { env, pool: p } = pool({});
      const svc = new kplus.Service(env.addChart('web'), 'web', { metadata: { name: 'web' }, type: kplus.ServiceType.LOAD_BALANCER, ports: [{ port: 80 }] });
      p.assign(svc, { ip: '::ffff:192.168.1.20' });
    }, ['dev/web/web: ip "::ffff:192.168.1.20" is written in IPv4-mapped IPv6 form']],
  ])('%s is refused', (_what, run, parts) => {
    expectRefused(run, ValidationError, parts);
  });
});

describe('MetalLB selectors (internal/config metav1.LabelSelectorAsSelector)', () => {
  const expr = (key: string, values?: string[]) => [{ matchExpressions: [{ key, operator: (values ? 'In' : 'Exists') as 'In', values }] }];
  test.each<[string, Partial<MetalLbL2PoolProps>, string[]]>([
    ['a node selector key with a space', { nodeSelectors: expr('node role') }, ['nodeSelectors[0].matchExpressions[0].key "node role" is not a valid label key']],
    ['a node selector key starting with "-"', { nodeSelectors: expr('-role') }, ['nodeSelectors[0].matchExpressions[0].key "-role" is not a valid label key']],
    ['a node selector key with two slashes', { nodeSelectors: expr('a/b/c') }, ['nodeSelectors[0].matchExpressions[0].key "a/b/c" is not a valid label key']],
    ['a node selector key with an upper-case prefix', { nodeSelectors: expr('Example.com/role') }, ['key "Example.com/role" is not a valid label key']],
    ['an empty node selector key', { nodeSelectors: expr('') }, ['nodeSelectors[0].matchExpressions[0].key "" is not a valid label key']],
    ['a node selector value with "!"', { nodeSelectors: expr('role', ['edge!']) }, ['nodeSelectors[0].matchExpressions[0].values[0] "edge!" is not a valid label value']],
    ['a node selector value starting with "-"', { nodeSelectors: expr('role', ['ok', '-edge']) }, ['nodeSelectors[0].matchExpressions[0].values[1] "-edge" is not a valid label value']],
    ['a node selector value of 64 characters', { nodeSelectors: expr('role', ['a'.repeat(64)]) }, ['values[0] "' + 'a'.repeat(64) + '" is not a valid label value']],
    ['a service selector key with a space', { serviceAllocation: { serviceSelectors: expr('app name') } }, ['serviceAllocation.serviceSelectors[0].matchExpressions[0].key "app name"']],
    ['a namespace selector value with a slash', { serviceAllocation: { namespaceSelectors: expr('team', ['a/b']) } }, ['serviceAllocation.namespaceSelectors[0].matchExpressions[0].values[0] "a/b" is not a valid label value']],
    ['a selector that is null', { nodeSelectors: [null as any] }, ['nodeSelectors[0] null is not an object (PoolLabelSelector)']],
    ['matchExpressions that is a string', { nodeSelectors: [{ matchExpressions: 'role=edge' as any }] }, ['nodeSelectors[0].matchExpressions "role=edge" is not a list']],
    ['a requirement that is null', { nodeSelectors: [{ matchExpressions: [null as any] }] }, ['nodeSelectors[0].matchExpressions[0] null is not an object (label selector requirement)']],
    ['values that are a string', { nodeSelectors: [{ matchExpressions: [{ key: 'role', operator: 'In', values: 'edge' as any }] }] }, ['nodeSelectors[0].matchExpressions[0].values "edge" is not a list']],
  ])('%s is refused', (_what, props, parts) => {
    expectRefused(() => pool(props), ValidationError, ['dev/metallb/p: ', ...parts]);
  });

  test('must pass: prefixed keys, dotted values and Exists', () => {
    expect(() => manifests(pool({
      nodeSelectors: [{ matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }, { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['rack-1.a', 'rack_2'] }] }],
    }).app)).not.toThrow();
  });
});

describe('MetalLB objects written by other means are judged as written (rendered checks)', () => {
  function raw(kind: 'IPAddressPool' | 'L2Advertisement', spec: Record<string, unknown>) {
    const { app, env } = testEnv();
    new ApiObject(env.addChart('metallb'), 'raw', { apiVersion: 'metallb.io/v1beta1', kind, metadata: { name: 'raw', namespace: 'metallb-system' }, spec });
    return app;
  }
  test.each<[string, () => unknown, string[]]>([
    ['a bare address in a raw IPAddressPool', () => raw('IPAddressPool', { addresses: ['10.0.0.5'] }),
      ['dev/metallb/raw: spec.addresses[0] "10.0.0.5" is a single address, which MetalLB parses as a CIDR', 'write "10.0.0.5/32"']],
    ['a bare IPv6 address in a raw IPAddressPool', () => raw('IPAddressPool', { addresses: ['fd00::5'] }), ['dev/metallb/raw: spec.addresses[0] "fd00::5" is a single address', 'write "fd00::5/128"']],
    ['a default route in a raw IPAddressPool', () => raw('IPAddressPool', { addresses: ['10.0.0.0/29', '0.0.0.0/0'] }), ['dev/metallb/raw: spec.addresses[1] "0.0.0.0/0" is a default route']],
    ['host bits in a raw IPAddressPool', () => raw('IPAddressPool', { addresses: ['10.0.0.5/24'] }), ['dev/metallb/raw: spec.addresses[0] "10.0.0.5/24" has host bits set']],
    ['a malformed entry in a raw IPAddressPool', () => raw('IPAddressPool', { addresses: ['10.0.0.0/33'] }), ['dev/metallb/raw: spec.addresses[0] "10.0.0.0/33" has a prefix length outside 0-32']],
    ['a bad pool selector key in a raw L2Advertisement', () => raw('L2Advertisement', { ipAddressPoolSelectors: [{ matchLabels: { 'bad key': 'x' } }] }),
      ['dev/metallb/raw: spec.ipAddressPoolSelectors[0].matchLabels key "bad key" is not a valid label key']],
    ['an In without values in a raw L2Advertisement', () => raw('L2Advertisement', { nodeSelectors: [{ matchExpressions: [{ key: 'role', operator: 'In', values: [] }] }] }),
      ['dev/metallb/raw: spec.nodeSelectors[0].matchExpressions[0].values [] must list at least one value with operator In']],
    ['a bad service selector value in a raw IPAddressPool', () => raw('IPAddressPool', { addresses: ['10.0.0.0/29'], serviceAllocation: { serviceSelectors: [{ matchLabels: { app: 'web app' } }] } }),
      ['dev/metallb/raw: spec.serviceAllocation.serviceSelectors[0].matchLabels["app"] "web app" is not a valid label value']],
  ])('%s is refused', (_what, build, parts) => {
    expectRefused(() => renderApp(build() as any), SynthError, parts);
  });
});

describe('MetalLB address sharing (internal/allocator checkSharing, sharingOK; k8salloc.BackendKey)', () => {
  const IMAGE = 'registry.example.com/api:2.3.1';
  /** Two autoscaled apps `a` and `b` with LoadBalancer Services from one pool. */
  function two(a: Omit<AutoscaledAppService, 'pool'>, b: Omit<AutoscaledAppService, 'pool'>) {
    const { app, env, pool: p } = pool({});
    const make = (name: string, service: Omit<AutoscaledAppService, 'pool'>) => new AutoscaledApp(env.addChart(name), name, {
      name, image: IMAGE, containerPort: 8080, maxReplicas: 3, cpuUtilization: 70, service: { pool: p, ...service },
    });
    make('a', a);
    make('b', b);
    return app;
  }
  /** A LoadBalancer Service written with MetalLB annotations by hand (no pool.assign). */
  function rawServices(...annotations: Array<Record<string, string>>) {
    const { app, env } = testEnv();
    const chart = env.addChart('web');
    annotations.forEach((a, i) => new kplus.Service(chart, `s${i}`, {
      metadata: { name: `s${i}`, annotations: a }, type: kplus.ServiceType.LOAD_BALANCER, ports: [{ name: 'web', port: 80 + i }, { name: 'dns', port: 53, protocol: kplus.Protocol.UDP }],
    }));
    return app;
  }

  test.each<[string, () => unknown, string[]]>([
    ['the same port with one sharing key', () => two({ ip: '192.168.1.20', sharingKey: 'web', port: 80 }, { ip: '192.168.1.20', sharingKey: 'web', port: 80 }),
      ['dev/b/', 'metadata.annotations["metallb.io/loadBalancerIPs"] "192.168.1.20" is also asked for by dev/a/', 'both use port TCP/80']],
    ['Local on one of two sharing Services', () => two({ ip: '192.168.1.20', sharingKey: 'web', port: 80, externalTrafficPolicy: 'Local' }, { ip: '192.168.1.20', sharingKey: 'web', port: 81 }),
      ['"192.168.1.20" is also asked for by dev/a/', 'with externalTrafficPolicy Local on either']],
    ['Local on both, selecting different pods', () => two({ ip: '192.168.1.20', sharingKey: 'web', port: 80, externalTrafficPolicy: 'Local' }, { ip: '192.168.1.20', sharingKey: 'web', port: 81, externalTrafficPolicy: 'Local' }),
      ['"192.168.1.20" is also asked for by dev/a/', 'select the same pods']],
    ['hand-written Services on one address without sharing keys', () => rawServices({ 'metallb.io/loadBalancerIPs': '10.0.0.5' }, { 'metallb.io/loadBalancerIPs': '10.0.0.5' }),
      ['dev/web/s1/Resource: metadata.annotations["metallb.io/loadBalancerIPs"] "10.0.0.5" is also asked for by dev/web/s0/Resource, but dev/web/s0/Resource does not allow sharing']],
    ['hand-written Services, only the second with a key', () => rawServices({ 'metallb.io/loadBalancerIPs': '10.0.0.5' }, { 'metallb.io/loadBalancerIPs': '10.0.0.5', 'metallb.io/allow-shared-ip': 'k' }),
      ['dev/web/s1/Resource: ', 'does not allow sharing']],
    ['hand-written Services with different keys', () => rawServices({ 'metallb.io/loadBalancerIPs': '10.0.0.5', 'metallb.io/allow-shared-ip': 'a' }, { 'metallb.io/loadBalancerIPs': '10.0.0.5', 'metallb.io/allow-shared-ip': 'b' }),
      ['dev/web/s1/Resource: ', 'their allow-shared-ip keys differ ("b", "a")']],
    ['hand-written Services sharing UDP 53 under one key', () => rawServices({ 'metallb.io/loadBalancerIPs': '10.0.0.5', 'metallb.io/allow-shared-ip': 'k' }, { 'metallb.io/loadBalancerIPs': '10.0.0.5', 'metallb.io/allow-shared-ip': 'k' }),
      ['dev/web/s1/Resource: ', 'both use port UDP/53']],
    ['the deprecated metallb.universe.tf annotations', () => rawServices({ 'metallb.universe.tf/loadBalancerIPs': '10.0.0.5' }, { 'metallb.universe.tf/loadBalancerIPs': '10.0.0.5' }),
      ['dev/web/s1/Resource: ', '"10.0.0.5" is also asked for by dev/web/s0/Resource']],
    ['a dual-stack list whose second address clashes', () => rawServices({ 'metallb.io/loadBalancerIPs': '10.0.0.5,fd00::5' }, { 'metallb.io/loadBalancerIPs': 'fd00::5' }),
      ['dev/web/s1/Resource: metadata.annotations["metallb.io/loadBalancerIPs"] "fd00::5" is also asked for by dev/web/s0/Resource']],
    ['a mapped form of a taken address', () => rawServices({ 'metallb.io/loadBalancerIPs': '10.0.0.5' }, { 'metallb.io/loadBalancerIPs': '::ffff:10.0.0.5' }),
      ['dev/web/s1/Resource: metadata.annotations["metallb.io/loadBalancerIPs"] "::ffff:10.0.0.5" is also asked for by dev/web/s0/Resource']],
    ['an address with a space after the comma', () => rawServices({ 'metallb.io/loadBalancerIPs': '10.0.0.5, fd00::5' }),
      ['dev/web/s0/Resource: metadata.annotations["metallb.io/loadBalancerIPs"][1] " fd00::5" has spaces around it']],
    ['an address that is not one', () => rawServices({ 'metallb.io/loadBalancerIPs': '10.0.0.500' }),
      ['dev/web/s0/Resource: metadata.annotations["metallb.io/loadBalancerIPs"][0] "10.0.0.500" is not an IPv4 (a.b.c.d) or IPv6 address']],
  ])('%s is refused', (_what, build, parts) => {
    expectRefused(() => renderApp(build() as any), SynthError, parts);
  });

  test.each<[string, () => unknown]>([
    ['one key, different ports, Cluster', () => two({ ip: '192.168.1.20', sharingKey: 'web', port: 80 }, { ip: '192.168.1.20', sharingKey: 'web', port: 443 })],
    ['one address each', () => two({ ip: '192.168.1.20', port: 80, externalTrafficPolicy: 'Local' }, { ip: '192.168.1.21', port: 80 })],
    ['TCP and UDP on one port under one key', () => rawServices({ 'metallb.io/loadBalancerIPs': '10.0.0.5', 'metallb.io/allow-shared-ip': 'k' })],
  ])('must pass: %s', (_what, build) => {
    expect(() => renderApp(build() as any)).not.toThrow();
  });
});
