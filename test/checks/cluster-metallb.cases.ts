import { App } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Environment, MetalLbL2Pool } from '../../lib';
import { CLUSTER_CHECKS, runClusterChecks } from '../../lib/checks/cluster';
import {
  metallbClusterAllocation, metallbClusterPoolOverlaps, metallbClusterSharedAddresses, metallbGatewayAddresses, metallbL2Segment, poolEntriesWithout,
} from '../../lib/checks/metallb-cluster';
import { controlPlane, facts, node, obj, objectsOf, expectClusterRow, ClusterRow } from './cluster-fixtures';

const pool = (env: string, name: string, addresses: string[], spec: { autoAssign?: boolean; avoidBuggyIPs?: boolean } = {}) => obj(`${env}/pools/${name}/IPAddressPool`, {
  apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name, namespace: 'metallb-system' }, spec: { addresses, ...spec },
});

/** A LoadBalancer Service with MetalLB annotations. */
const lb = (env: string, name: string, annotations: Record<string, string> = {}, port = 80) => obj(`${env}/${name}/Service`, {
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: env, annotations },
  spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port, targetPort: 8080 }] },
});

const gateway = (env: string, name: string, spec: Record<string, unknown>) => obj(`${env}/${name}/Gateway`, {
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name, namespace: env },
  spec: { gatewayClassName: 'nginx', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }], ...spec },
});

const PIN = 'metallb.io/loadBalancerIPs';
const lan = facts({
  nodes: [controlPlane('cp1', { address: '192.168.10.5' }), node('w1', { address: '192.168.10.11' }), node('w2', { address: '192.168.10.12' })],
  nodeNetwork: { cidr: '192.168.10.0/24', gateway: '192.168.10.1', reserved: ['192.168.10.50', '192.168.10.60-192.168.10.69'] },
});


const rows: ClusterRow[] = [
  // pools of one cluster: MetalLB's config
  {
    name: 'pools of two environments overlap',
    objects: [pool('dev', 'dev-lan', ['192.168.10.200-192.168.10.210']), pool('staging', 'staging-lan', ['192.168.10.208/29'])],
    facts: lan,
    expected: ['staging/pools/staging-lan/IPAddressPool: IPAddressPool metallb-system/staging-lan spec.addresses[0] "192.168.10.208/29" overlaps "192.168.10.200-192.168.10.210" of IPAddressPool metallb-system/dev-lan (dev/pools/dev-lan/IPAddressPool)'],
  },
  {
    name: 'passes: adjacent ranges in one cluster',
    objects: [pool('dev', 'dev-lan', ['192.168.10.200-192.168.10.207']), pool('staging', 'staging-lan', ['192.168.10.208/29'])],
    facts: lan,
  },

  // layer 2: the node network
  {
    name: 'a pool outside the node network',
    objects: [pool('dev', 'dev-lan', ['192.168.20.200-192.168.20.210'])],
    facts: lan,
    expected: ['dev/pools/dev-lan/IPAddressPool: IPAddressPool metallb-system/dev-lan spec.addresses[0] "192.168.20.200-192.168.20.210" is not inside the node network 192.168.10.0/24 of cluster "nonprod"'],
  },
  {
    name: 'a pool reaching past the node network',
    objects: [pool('dev', 'wide', ['192.168.10.128/26', '192.168.11.0/30'])],
    facts: lan,
    expected: ['IPAddressPool metallb-system/wide spec.addresses[1] "192.168.11.0/30" is not inside the node network'],
  },
  {
    name: 'a pool containing the gateway',
    objects: [pool('dev', 'dev-lan', ['192.168.10.0/28'])],
    facts: lan,
    expected: ['dev/pools/dev-lan/IPAddressPool: IPAddressPool metallb-system/dev-lan spec.addresses[0] "192.168.10.0/28" contains node cp1 (192.168.10.5), node w1 (192.168.10.11), node w2 (192.168.10.12), the gateway 192.168.10.1, the network address of 192.168.10.0/24'],
  },
  {
    name: 'a pool containing a node',
    objects: [pool('dev', 'dev-lan', ['192.168.10.12/32'])],
    facts: lan,
    expected: ['spec.addresses[0] "192.168.10.12/32" contains node w2 (192.168.10.12)'],
  },
  {
    name: 'a pool containing a reserved range',
    objects: [pool('dev', 'dev-lan', ['192.168.10.69-192.168.10.80'])],
    facts: lan,
    expected: ['contains reserved 192.168.10.60-192.168.10.69'],
  },
  {
    name: 'a pool holding the broadcast address',
    objects: [pool('dev', 'dev-lan', ['192.168.10.250-192.168.10.255'])],
    facts: lan,
    expected: ['contains the broadcast address of 192.168.10.0/24'],
  },
  {
    name: 'passes: any unicast pool without a declared node network',
    objects: [pool('dev', 'dev-lan', ['10.0.0.0/8'])],
  },
  {
    name: 'passes: a pool right next to the reserved range and below the broadcast address',
    objects: [pool('dev', 'dev-lan', ['192.168.10.70-192.168.10.254'])],
    facts: lan,
  },

  // allocation: pinned addresses and automatic demand
  {
    name: 'a Service pins an address of an auto-assign pool',
    objects: [pool('dev', 'dev-lan', ['192.168.10.200-192.168.10.210']), lb('dev', 'web', { [PIN]: '192.168.10.200' })],
    facts: lan,
    expected: ['dev/web/Service: Service dev/web metadata.annotations["metallb.io/loadBalancerIPs"][0] "192.168.10.200" is inside IPAddressPool metallb-system/dev-lan (dev/pools/dev-lan/IPAddressPool), which has autoAssign true', 'a separate IPAddressPool with autoAssign: false'],
  },
  {
    name: 'a Gateway pins an address of an auto-assign pool (spec.infrastructure)',
    objects: [pool('dev', 'dev-lan', ['192.168.10.200-192.168.10.210']), gateway('dev', 'edge', { infrastructure: { annotations: { [PIN]: '192.168.10.201' } } })],
    facts: lan,
    expected: ['dev/edge/Gateway: Gateway dev/edge spec.infrastructure.annotations["metallb.io/loadBalancerIPs"][0] "192.168.10.201" is inside IPAddressPool metallb-system/dev-lan'],
  },
  {
    name: 'a Gateway pins an address of an auto-assign pool (spec.addresses)',
    objects: [pool('dev', 'dev-lan', ['192.168.10.200-192.168.10.210']), gateway('dev', 'edge', { addresses: [{ type: 'IPAddress', value: '192.168.10.202' }] })],
    facts: lan,
    expected: ['Gateway dev/edge spec.addresses[0].value "192.168.10.202" is inside IPAddressPool metallb-system/dev-lan'],
  },
  {
    name: 'passes: pinned addresses in their own autoAssign: false pool, automatic ones elsewhere',
    objects: [
      pool('dev', 'dev-pinned', ['192.168.10.200/32', '192.168.10.201/32'], { autoAssign: false }),
      pool('dev', 'dev-auto', ['192.168.10.202-192.168.10.203']),
      lb('dev', 'web', { [PIN]: '192.168.10.200' }),
      gateway('dev', 'edge', { infrastructure: { annotations: { [PIN]: '192.168.10.201' } } }),
      lb('dev', 'a'), lb('dev', 'b'),
    ],
    facts: lan,
  },
  {
    name: 'automatic demand exceeds the free addresses of the auto-assign pools',
    objects: [
      pool('dev', 'dev-auto', ['192.168.10.200-192.168.10.201']),
      lb('dev', 'a'), lb('staging', 'b'), lb('staging', 'c', {}, 81),
    ],
    facts: lan,
    expected: ['dev/a/Service: Service dev/a and 2 other(s) ask MetalLB for 3 automatic address(es), but the auto-assign pools (metallb-system/dev-auto) have 2 free', 'staging/c/Service'],
  },
  {
    name: 'avoidBuggyIPs leaves too few addresses',
    objects: [pool('dev', 'dev-auto', ['10.0.1.0/32', '10.0.1.255/32'], { avoidBuggyIPs: true }), lb('dev', 'a')],
    expected: ['dev/a/Service: Service dev/a and 0 other(s) ask MetalLB for 1 automatic address(es), but the auto-assign pools (metallb-system/dev-auto) have 0 free'],
  },
  {
    name: 'Services naming a pool ask more than it holds',
    objects: [
      pool('dev', 'fixed', ['192.168.10.200/32'], { autoAssign: false }),
      lb('dev', 'a', { 'metallb.io/address-pool': 'fixed' }), lb('dev', 'b', { 'metallb.io/address-pool': 'fixed' }),
    ],
    facts: lan,
    expected: ['dev/pools/fixed/IPAddressPool: IPAddressPool metallb-system/fixed has 1 free address(es)', 'but 2 are asked of it by dev/a/Service (Service dev/a), dev/b/Service (Service dev/b)'],
  },
  {
    name: 'passes: exactly enough automatic addresses (one shared by a sharing key)',
    objects: [
      pool('dev', 'dev-auto', ['192.168.10.200-192.168.10.201']),
      lb('dev', 'a'),
      lb('staging', 'b', { 'metallb.io/allow-shared-ip': 'k' }), lb('staging', 'c', { 'metallb.io/allow-shared-ip': 'k' }, 81),
    ],
    facts: lan,
  },

  // pinned addresses shared across environments (metallbSharedAddresses over the cluster)
  {
    name: 'two environments pin one address without a sharing key',
    objects: [
      pool('prod', 'pinned', ['192.168.10.220/32'], { autoAssign: false }),
      lb('dev', 'web', { [PIN]: '192.168.10.220' }), lb('staging', 'web', { [PIN]: '192.168.10.220' }),
    ],
    facts: lan,
    expected: ['staging/web/Service: metadata.annotations["metallb.io/loadBalancerIPs"] "192.168.10.220" is also asked for by dev/web/Service'],
  },
  {
    name: 'a Gateway and a Service of two environments pin one address',
    objects: [
      pool('prod', 'pinned', ['192.168.10.220/32'], { autoAssign: false }),
      lb('dev', 'web', { [PIN]: '192.168.10.220' }),
      gateway('staging', 'edge', { infrastructure: { annotations: { [PIN]: '192.168.10.220' } } }),
    ],
    facts: lan,
    expected: ['staging/edge/Gateway: Gateway staging/edge spec.infrastructure.annotations["metallb.io/loadBalancerIPs"][0] "192.168.10.220" is also pinned by dev/web/Service (Service dev/web metadata.annotations["metallb.io/loadBalancerIPs"][0])'],
  },
  {
    name: 'passes: a Gateway and a Service sharing one address with one key',
    objects: [
      pool('prod', 'pinned', ['192.168.10.220/32'], { autoAssign: false }),
      lb('dev', 'web', { [PIN]: '192.168.10.220', 'metallb.io/allow-shared-ip': 'edge' }, 8443),
      gateway('staging', 'edge', { infrastructure: { annotations: { [PIN]: '192.168.10.220', 'metallb.io/allow-shared-ip': 'edge' } } }),
    ],
    facts: lan,
  },
  {
    name: 'passes: a Service of another load-balancer implementation asks MetalLB for nothing',
    objects: [pool('dev', 'dev-auto', ['192.168.10.200/32']), lb('dev', 'a'), obj('dev/b/Service', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'b', namespace: 'dev' },
      spec: { type: 'LoadBalancer', loadBalancerClass: 'example.com/other', selector: { app: 'b' }, ports: [{ port: 80 }] },
    })],
    facts: lan,
  },
];

describe('MetalLB per cluster (pool overlaps, layer-2 segment, allocation)', () => {
  test.each(rows)('$name', ({ objects, facts: f, expected }) => expectClusterRow(objects, f ?? facts(), expected));

  test('the rules are registered in CLUSTER_CHECKS', () => {
    for (const check of [metallbClusterPoolOverlaps, metallbL2Segment, metallbClusterAllocation, metallbClusterSharedAddresses, metallbGatewayAddresses]) {
      expect(CLUSTER_CHECKS).toContain(check);
    }
  });

  test('different clusters may reuse a range: each is its own call', () => {
    const prod = facts({ ...lan, name: 'prod' });
    expect(runClusterChecks([pool('dev', 'lan', ['192.168.10.200/29']), lb('dev', 'a')], lan)).toEqual([]);
    expect(runClusterChecks([pool('prod', 'lan', ['192.168.10.200/29']), lb('prod', 'a')], prod)).toEqual([]);
  });

  test('a clash inside one environment is left to its own check (reported once)', () => {
    const objects = [pool('dev', 'pinned', ['192.168.10.220/32'], { autoAssign: false }), lb('dev', 'web', { [PIN]: '192.168.10.220' }), lb('dev', 'api', { [PIN]: '192.168.10.220' })];
    expect(metallbClusterSharedAddresses(objects)).toEqual([]);
  });

  test('rendered: a MetalLbL2Pool (autoAssign by default) with a Service pinned to one of its addresses writes it into its autoAssign: false companion, which passes', () => {
    const app = new App();
    const env = new Environment(app, 'dev', { name: 'dev' });
    const p = new MetalLbL2Pool(env.addChart('pools'), 'lan', { name: 'dev-lan', addresses: ['192.168.10.200-192.168.10.210'] });
    const service = new kplus.Service(env.addChart('web'), 'web', { type: kplus.ServiceType.LOAD_BALANCER, ports: [{ port: 80, targetPort: 8080 }] });
    p.assign(service, { ip: '192.168.10.205' });
    const objects = objectsOf(app);
    expect(runClusterChecks(objects, lan)).toEqual([]);
    const pools = objects.filter((o) => o.manifest.kind === 'IPAddressPool').map((o) => [o.manifest.metadata.name, o.manifest.spec.addresses, o.manifest.spec.autoAssign]);
    expect(pools).toEqual([
      ['dev-lan', ['192.168.10.200-192.168.10.204', '192.168.10.206-192.168.10.210'], true],
      ['dev-lan-pinned', ['192.168.10.205/32'], false],
    ]);
    // The same objects with the split undone (the pinned address back in the auto-assign pool) are refused.
    const unsplit = objects.filter((o) => o.manifest.metadata.name !== 'dev-lan-pinned').map((o) => (o.manifest.kind === 'IPAddressPool'
      ? { ...o, manifest: { ...o.manifest, spec: { ...o.manifest.spec, addresses: ['192.168.10.200-192.168.10.210'] } } } : o));
    expect(runClusterChecks(unsplit, lan)).toEqual([
      expect.stringMatching(/^dev\/web\/web\/Resource: Service dev\/[\w-]+ metadata\.annotations\["metallb\.io\/loadBalancerIPs"\]\[0\] "192\.168\.10\.205" is inside IPAddressPool metallb-system\/dev-lan \(dev\/pools\/lan\/IPAddressPool\), which has autoAssign true/),
    ]);
  });

  test.each([
    { entries: ['192.168.10.200-192.168.10.210'], excluded: ['192.168.10.200'], want: ['192.168.10.201-192.168.10.210'] },
    { entries: ['192.168.10.200-192.168.10.210'], excluded: ['192.168.10.205', '192.168.10.210'], want: ['192.168.10.200-192.168.10.204', '192.168.10.206-192.168.10.209'] },
    { entries: ['192.168.10.240/28'], excluded: ['192.168.10.241'], want: ['192.168.10.240/32', '192.168.10.242-192.168.10.255'] },
    { entries: ['192.168.10.240/28', 'fd00::/126'], excluded: ['fd00::1'], want: ['192.168.10.240/28', 'fd00::/128', 'fd00::2-fd00::3'] },
    { entries: ['192.168.10.200/32'], excluded: ['192.168.10.200'], want: [] },
  ])('poolEntriesWithout($entries, $excluded) = $want (the auto-assign part of a split pool)', ({ entries, excluded, want }) => {
    const auto = poolEntriesWithout(entries, excluded);
    expect(auto).toEqual(want);
    // What it writes is what the per-cluster check then accepts: the pinned addresses in an autoAssign: false pool.
    const objects = [
      ...(auto.length > 0 ? [pool('dev', 'auto', auto)] : []),
      pool('dev', 'pinned', excluded.map((a) => `${a}/${a.includes(':') ? 128 : 32}`), { autoAssign: false }),
      ...excluded.map((a, i) => lb('dev', `s${i}`, { [PIN]: a })),
    ];
    expect(runClusterChecks(objects, facts())).toEqual([]);
  });
});

