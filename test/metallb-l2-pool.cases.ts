import { ApiObject, App, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Cluster, Environment, MetalLbL2Pool, MetalLbL2PoolProps, NodePortApp, renderApp, SynthError, ValidationError } from '../lib';
import { expectSchemaValid, manifests, only, testEnv } from './helpers';

/** The classic three-node lab: nodes .10 and .101-.103 reserved, pool .11-.13. */
function lab(extra: Partial<MetalLbL2PoolProps> = {}) {
  const { app, env } = testEnv({ reservedAddresses: ['192.168.1.1', '192.168.1.10', '192.168.1.101-192.168.1.103'] });
  const platform = env.addChart('metallb');
  const pool = new MetalLbL2Pool(platform, 'lab-pool', { name: 'lab-pool', addresses: ['192.168.1.11-192.168.1.13'], ...extra });
  const apps = env.addChart('web');
  return { app, env, pool, apps };
}

function lbService(scope: any, id: string) {
  return new kplus.Service(scope, id, {
    metadata: { name: id }, type: kplus.ServiceType.LOAD_BALANCER, ports: [{ port: 80, targetPort: 8080 }],
  });
}

describe('MetalLbL2Pool', () => {
  test('every address of an auto-assign pool pinned: refused with what to do (the auto-assign pool would be empty)', () => {
    const { app, pool, apps } = lab();
    ['192.168.1.11', '192.168.1.12', '192.168.1.13'].forEach((ip, i) => pool.assign(lbService(apps, `web${i}`), { ip }));
    expect(() => renderApp(app)).toThrow(/autoAssign true leaves no address to hand out automatically: every address is pinned \(192\.168\.1\.11\/32, 192\.168\.1\.12\/32, 192\.168\.1\.13\/32\); set autoAssign: false on this pool/);
  });

  test('the lab pool in one line: IPAddressPool and L2Advertisement in metallb-system, with stable names', () => {
    const { app, pool } = lab();
    expect(pool.size).toBe(3n);
    const all = manifests(app);
    const ipPool = only(all, 'IPAddressPool');
    expect(ipPool).toEqual({
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name: 'lab-pool', namespace: 'metallb-system' },
      spec: { addresses: ['192.168.1.11-192.168.1.13'], autoAssign: true, avoidBuggyIPs: false },
    });
    const adv = only(all, 'L2Advertisement');
    expect(adv.apiVersion).toBe('metallb.io/v1beta1');
    expect(adv.metadata).toEqual({ name: 'lab-pool', namespace: 'metallb-system' });
    expect(adv.spec).toEqual({ ipAddressPools: ['lab-pool'] });
    expectSchemaValid(all);
    expect([ipPool, adv]).toMatchSnapshot();
  });

  test('a LoadBalancer Service given 192.168.1.11 gets the current MetalLB annotations and Cluster traffic policy', () => {
    const { app, pool, apps } = lab();
    pool.assign(lbService(apps, 'web'), { ip: '192.168.1.11' });
    const svc = only(manifests(app), 'Service', 'web');
    expect(svc.metadata.namespace).toBe('dev');
    expect(svc.metadata.annotations).toEqual({ 'metallb.io/address-pool': 'lab-pool-pinned', 'metallb.io/loadBalancerIPs': '192.168.1.11' });
    expect(Object.keys(svc.metadata.annotations).some((k) => k.startsWith('metallb.universe.tf/'))).toBe(false);
    // MetalLB gives the lowest free address of an auto-assign pool to whichever Service asks first: the pinned
    // address leaves the auto-assign pool for an autoAssign: false one that the same advertisement announces.
    const all = manifests(app);
    expect(only(all, 'IPAddressPool', 'lab-pool').spec).toMatchObject({ addresses: ['192.168.1.12-192.168.1.13'], autoAssign: true });
    expect(only(all, 'IPAddressPool', 'lab-pool-pinned').spec).toMatchObject({ addresses: ['192.168.1.11/32'], autoAssign: false });
    expect(only(all, 'L2Advertisement', 'lab-pool').spec.ipAddressPools).toEqual(['lab-pool', 'lab-pool-pinned']);
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.externalTrafficPolicy).toBe('Cluster');
    expect(svc.spec.loadBalancerIP).toBeUndefined();
  });

  test('Local traffic policy is an explicit opt-in and reaches the YAML; sharing keys are written', () => {
    const { app, pool, apps } = lab();
    pool.assign(lbService(apps, 'a'), { ip: '192.168.1.12', sharingKey: 'dns', externalTrafficPolicy: 'Local' });
    // MetalLB shares one address only on different ports (internal/allocator checkSharing).
    const b = new kplus.Service(apps, 'b', { metadata: { name: 'b' }, type: kplus.ServiceType.LOAD_BALANCER, ports: [{ port: 443, targetPort: 8443 }] });
    pool.assign(b, { ip: '192.168.1.12', sharingKey: 'dns' });
    const all = manifests(app);
    expect(only(all, 'Service', 'a').spec.externalTrafficPolicy).toBe('Local');
    expect(only(all, 'Service', 'b').metadata.annotations['metallb.io/allow-shared-ip']).toBe('dns');
    expectSchemaValid(all);
  });

  test('every prop in MetalLB terms reaches the objects', () => {
    const { app } = lab({
      autoAssign: false,
      avoidBuggyIPs: true,
      serviceAllocation: { priority: 10, namespaces: ['dev'], serviceSelectors: [{ matchLabels: { exposed: 'yes' } }] },
      nodeSelectors: [{ matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }] }],
      interfaces: ['eth0'],
    });
    const all = manifests(app);
    expect(only(all, 'IPAddressPool').spec).toEqual({
      addresses: ['192.168.1.11-192.168.1.13'], autoAssign: false, avoidBuggyIPs: true,
      serviceAllocation: { priority: 10, namespaces: ['dev'], serviceSelectors: [{ matchLabels: { exposed: 'yes' } }] },
    });
    expect(only(all, 'L2Advertisement').spec).toEqual({
      ipAddressPools: ['lab-pool'], interfaces: ['eth0'],
      nodeSelectors: [{ matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }] }],
    });
    expectSchemaValid(all);
  });

  test('size counts usable addresses, honouring avoidBuggyIPs', () => {
    const { env } = testEnv();
    const c = env.addChart('metallb');
    expect(new MetalLbL2Pool(c, 'a', { name: 'a', addresses: ['10.0.0.0/24'] }).size).toBe(256n);
    expect(new MetalLbL2Pool(c, 'b', { name: 'b', addresses: ['10.0.2.0/23'], avoidBuggyIPs: true }).size).toBe(512n - 4n);
    expect(new MetalLbL2Pool(c, 'c', { name: 'c', addresses: ['10.0.4.250-10.0.5.5', 'fd00::/126'], avoidBuggyIPs: true }).size).toBe(12n - 2n + 4n);
  });

  test('names and namespaces do not depend on construct ids', () => {
    const objects = (id: string) => {
      const { env, app } = testEnv();
      new MetalLbL2Pool(env.addChart('metallb'), id, { name: 'pool-a', addresses: ['10.0.0.0/29'] });
      return manifests(app).filter((m) => m.apiVersion.startsWith('metallb')).map((m) => m.metadata);
    };
    expect(objects('x')).toEqual(objects('renamed'));
  });
});

describe('MetalLbL2Pool refuses', () => {
  const refusals: Array<[string, Partial<MetalLbL2PoolProps>, string]> = [
    ['a malformed entry', { addresses: ['192.168.1.300'] }, 'dev/metallb/p: addresses[0] "192.168.1.300" is not an IP address, a CIDR'],
    ['a range whose start is after its end', { addresses: ['10.0.0.9-10.0.0.1'] }, 'dev/metallb/p: addresses[0] "10.0.0.9-10.0.0.1" starts after it ends'],
    ['a range mixing IPv4 and IPv6', { addresses: ['10.0.0.1-fd00::1'] }, 'dev/metallb/p: addresses[0] "10.0.0.1-fd00::1" mixes IPv4 and IPv6'],
    ['overlapping entries of one pool', { addresses: ['10.0.0.0/29', '10.0.0.4-10.0.0.20'] }, 'dev/metallb/p: addresses[1] "10.0.0.4-10.0.0.20" overlaps addresses[0] "10.0.0.0/29" of the same pool'],
    ['a reserved node address', { addresses: ['192.168.1.8-192.168.1.12'] }, 'dev/metallb/p: addresses[0] "192.168.1.8-192.168.1.12" contains reserved address(es) "192.168.1.10"'],
    ['an excluded gateway address', { addresses: ['10.0.0.0/28'], excludedAddresses: ['10.0.0.1'] }, 'dev/metallb/p: addresses[0] "10.0.0.0/28" contains reserved address(es) "10.0.0.1"'],
    ['no addresses', { addresses: [] }, 'dev/metallb/p: addresses [] must list at least one'],
    ['an invalid name', { name: 'Lab_Pool' }, 'dev/metallb/p: name "Lab_Pool" is not a DNS-1123 subdomain'],
    ['an invalid namespace', { namespace: 'MetalLB' }, 'dev/metallb/p: namespace "MetalLB" is not a DNS-1123 label'],
    ['a bad selector operator', { nodeSelectors: [{ matchExpressions: [{ key: 'a', operator: 'Is' as any }] }] }, 'nodeSelectors[0].matchExpressions[0].operator "Is" is not one of'],
    ['a priority below 0', { serviceAllocation: { priority: -1 } }, 'dev/metallb/p: serviceAllocation.priority -1 is outside 0-2147483647'],
    ['a pool with no usable address', { addresses: ['10.0.0.255'], avoidBuggyIPs: true }, 'leaves no usable address'],
  ];
  test.each(refusals)('%s', (_what, props, message) => {
    const { app, env } = testEnv({ reservedAddresses: ['192.168.1.10'] });
    const chart = env.addChart('metallb');
    const make = () => new MetalLbL2Pool(chart, 'p', { name: 'p', addresses: ['10.1.0.0/29'], ...props });
    expect(make).toThrow(ValidationError);
    expect(make).toThrow(message);
    // nothing was added to the tree: the app still renders only the environment's own objects
    expect(renderApp(app).flatMap((f) => f.objects).map((o) => o.manifest.kind)).toEqual(['Namespace', 'ResourceQuota', 'LimitRange']);
  });

  test('overlap between two pools of one cluster, even in different environments, naming both', () => {
    const app = new App();
    const cluster = new Cluster({ name: 'shared' });
    const dev = new Environment(app, 'dev', { name: 'dev', cluster });
    const prod = new Environment(app, 'prod', { name: 'prod', cluster });
    new MetalLbL2Pool(dev.addChart('metallb'), 'pool', { name: 'dev-pool', addresses: ['10.0.0.0/28'] });
    new MetalLbL2Pool(prod.addChart('metallb'), 'pool', { name: 'prod-pool', addresses: ['10.0.0.8-10.0.0.20'] });
    expect(() => renderApp(app)).toThrow(SynthError);
    expect(() => renderApp(app)).toThrow('prod/metallb/pool/IPAddressPool: IPAddressPool metallb-system/prod-pool spec.addresses[0] "10.0.0.8-10.0.0.20" overlaps "10.0.0.0/28" of IPAddressPool metallb-system/dev-pool (dev/metallb/pool/IPAddressPool); MetalLB refuses overlapping pools in one cluster');
  });

  test('different clusters may reuse a pool range, a pinned address and a nodePort', () => {
    const app = new App();
    const build = (name: string) => {
      const env = new Environment(app, name, { name, cluster: new Cluster({ name: `${name}-cluster` }) });
      const pool = new MetalLbL2Pool(env.addChart('metallb'), 'pool', { name: 'pool', addresses: ['10.0.0.0/28'] });
      new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080, nodePort: 30080 });
      pool.assign(lbService(env.addChart('lb'), 'lb'), { ip: '10.0.0.5' });
    };
    build('dev');
    build('prod');
    expect(() => renderApp(app)).not.toThrow();
  });

  test('two pools with the same name in one namespace', () => {
    const { app, env } = testEnv();
    const c = env.addChart('metallb');
    new MetalLbL2Pool(c, 'a', { name: 'pool', addresses: ['10.0.0.0/28'] });
    new MetalLbL2Pool(c, 'b', { name: 'pool', addresses: ['10.0.1.0/28'] });
    expect(() => renderApp(app)).toThrow('dev/metallb/b: name "pool" is already used by dev/metallb/a (name)');
  });

  test('a requested IP outside the pool, leaving the Service untouched', () => {
    const { app, pool, apps } = lab();
    expect(() => pool.assign(lbService(apps, 'web'), { ip: '192.168.1.14' }))
      .toThrow('dev/web/web: ip "192.168.1.14" is not an address pool "lab-pool" can hand out (192.168.1.11-192.168.1.13)');
    const svc = only(manifests(app), 'Service', 'web');
    expect(svc.metadata.annotations).toBeUndefined();
    expect(svc.spec.externalTrafficPolicy).toBeUndefined();
  });

  test('a .0/.255 address from a pool that avoids them', () => {
    const { env, app } = testEnv();
    const pool = new MetalLbL2Pool(env.addChart('metallb'), 'p', { name: 'p', addresses: ['10.0.0.0/24'], avoidBuggyIPs: true });
    expect(() => pool.assign(lbService(env.addChart('web'), 'web'), { ip: '10.0.0.255' })).toThrow('.0 and .255 are skipped');
    expect(app).toBeDefined();
  });

  test('the same IP for two Services without a shared key, naming both', () => {
    const { pool, apps } = lab();
    pool.assign(lbService(apps, 'a'), { ip: '192.168.1.11' });
    expect(() => pool.assign(lbService(apps, 'b'), { ip: '192.168.1.11' }))
      .toThrow('dev/web/b: ip "192.168.1.11" is already requested by dev/web/a; two Services share an address only with the same sharingKey');
    expect(() => pool.assign(lbService(apps, 'c'), { ip: '192.168.1.11', sharingKey: 'k' })).toThrow('is already requested by dev/web/a');
  });

  test('more requests than the pool has addresses', () => {
    const { app, pool, apps } = lab();
    pool.assign(lbService(apps, 'a'), { ip: '192.168.1.11' });
    pool.assign(lbService(apps, 'b'), { ip: '192.168.1.12' });
    pool.assign(lbService(apps, 'c'));
    pool.assign(lbService(apps, 'd'));
    expect(() => renderApp(app)).toThrow('dev/metallb/lab-pool: addresses ["192.168.1.11-192.168.1.13"] hold 3 usable address(es) but 4 are requested by dev/web/a, dev/web/b, dev/web/c, dev/web/d');
  });

  test('an automatic address from a pool with autoAssign: false', () => {
    const { pool, apps } = lab({ autoAssign: false });
    expect(() => pool.assign(lbService(apps, 'web'))).toThrow('dev/web/web: ip undefined is required: pool "lab-pool" has autoAssign: false');
    pool.assign(lbService(apps, 'fixed'), { ip: '192.168.1.13' });
  });

  test('a Service that is not of type LoadBalancer', () => {
    const { pool, apps } = lab();
    const svc = new kplus.Service(apps, 'web', { metadata: { name: 'web' }, ports: [{ port: 80 }] });
    expect(() => pool.assign(svc)).toThrow('dev/web/web: type "ClusterIP" must be "LoadBalancer" to get an address from MetalLB pool "lab-pool"');
  });

  test('a Service outside the namespaces the pool serves', () => {
    const { pool, apps } = lab({ serviceAllocation: { namespaces: ['prod'] } });
    expect(() => pool.assign(lbService(apps, 'web'))).toThrow('dev/web/web: namespace "dev" is not in serviceAllocation.namespaces of pool "lab-pool" (prod)');
  });

  test('an unknown traffic policy', () => {
    const { pool, apps } = lab();
    expect(() => pool.assign(lbService(apps, 'web'), { externalTrafficPolicy: 'local' as any })).toThrow('externalTrafficPolicy "local" is not one of "Cluster", "Local"');
  });
});

describe('MetalLB CRD schema check', () => {
  test('an IPAddressPool with a wrong type or an unknown field fails the schema check', () => {
    const { app, pool } = lab();
    pool.pool.addJsonPatch(JsonPatch.replace('/spec/autoAssign', 'yes'));
    expect(() => renderApp(app)).toThrow('IPAddressPool metallb-system/lab-pool: spec.autoAssign must be of type boolean');
    // The imported class's serializer drops fields it does not know, so write the object raw.
    const second = lab();
    new ApiObject(second.apps, 'raw', {
      apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: 'lab-pool', namespace: 'metallb-system' }, spec: { ipAddressPool: ['x'] },
    });
    expect(() => renderApp(second.app)).toThrow('L2Advertisement metallb-system/lab-pool: spec.ipAddressPool is not a field of metallb.io/v1beta1 L2Advertisement');
  });
});
