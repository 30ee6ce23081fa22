import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import {
  Cluster, ClusterPlatformProps, ClusterProps, Environment, KUBERNETES_VERSIONS, PLATFORM_COMPONENTS, PLATFORM_FIELDS, synthesize, ValidationError,
} from '../lib';
import { ROOT, tempDir, clusterRefusal } from './helpers';

const LOCK = JSON.parse(fs.readFileSync(path.join(ROOT, 'platform.lock.json'), 'utf8'));
const SHARED = path.resolve(ROOT, '../shared/platform');
const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const lockEntries: Array<[string, string, string]> = LOCK.components.flatMap((c: any) => c.files.map((f: any) => [c.id, `${c.folder}/${f.name}`, f.sha256]));

const on = (kubernetesVersion: string, platform: ClusterPlatformProps): ClusterProps => ({ name: 'lab', kubernetesVersion, platform });

describe('platform.lock.json: every pinned component, its files and digests', () => {
  test('one entry per component folder of ../shared/platform, each with upstream, files, license, range, namespace and Pod Security', () => {
    expect(LOCK.components.map((c: any) => c.folder).sort()).toEqual(['cert-manager', 'csi-driver-nfs', 'gateway-api', 'ingress-nginx', 'metallb', 'metrics-server', 'nginx-gateway-fabric']);
    for (const c of LOCK.components) {
      expect(c.upstream).toEqual({ repository: expect.stringMatching(/^https:\/\/github\.com\//), tag: expect.any(String), commit: expect.stringMatching(/^[0-9a-f]{40}$/), path: expect.any(String), produced: expect.any(String) });
      expect(c.files.length).toBeGreaterThan(0);
      for (const f of c.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(c.license).toMatch(/^Apache-2\.0/);
      expect(c.kubernetes.source).toEqual(expect.any(String));
      expect(['privileged', 'baseline', 'restricted', null]).toContain(c.podSecurity);
    }
    expect(lockEntries.filter(([id]) => id === 'gatewayApi')).toHaveLength(9);
  });

  test('the compatibility data of the library is the lock file\'s', () => {
    expect(Object.keys(PLATFORM_COMPONENTS).sort()).toEqual(LOCK.components.map((c: any) => c.id).sort());
    for (const c of LOCK.components) {
      const ours = PLATFORM_COMPONENTS[c.id];
      expect({ version: ours.version, min: ours.min, max: ours.max, source: ours.source, retired: ours.retired })
        .toEqual({ version: c.version, min: c.kubernetes.min, max: c.kubernetes.max, source: c.kubernetes.source, retired: c.retired });
    }
  });

  const shared = fs.existsSync(SHARED) ? test.each(lockEntries) : test.skip.each(lockEntries);
  shared('%s: %s has the locked sha256 in ../shared/platform and its SOURCE.md', (_id, rel, digest) => {
    expect(sha256(path.join(SHARED, rel))).toBe(digest);
    expect(fs.readFileSync(path.join(SHARED, path.dirname(rel), 'SOURCE.md'), 'utf8')).toContain(digest);
  });

  test('no pinned file is committed in the repository', () => {
    const r = spawnSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' });
    const names = new Set(lockEntries.map(([, rel]) => path.basename(rel)));
    expect(r.stdout.split('\n').filter((f) => names.has(path.basename(f)))).toEqual([]);
  });
});

describe('ClusterProps.platform: bad fields are refused with a ValidationError naming the cluster, the field and the value', () => {
  test.each<[string, unknown, string]>([
    ['an unknown component', { traefik: true }, 'cluster lab: platform.traefik'],
    ['a string for a boolean', { metallb: 'true' }, 'cluster lab: platform.metallb "true" is not a boolean or "external"'],
    ['a number for a boolean', { certManager: 1 }, 'cluster lab: platform.certManager 1 is not a boolean or "external"'],
    ['an object for a boolean', { gatewayApi: { version: 'v1.5.1' } }, 'cluster lab: platform.gatewayApi'],
    ['a list instead of an object', ['metallb'], 'cluster lab: platform'],
  ])('%s', (_name, platform, message) => {
    const e = clusterRefusal({ name: 'lab', kubernetesVersion: '1.34', platform });
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.message).toContain(message);
  });
});

describe('compatibility: a chosen component outside its supported Kubernetes range is refused, naming the version that fits', () => {
  test.each<[string, ClusterPlatformProps, string, string]>([
    ['cert-manager below 1.33', { certManager: true }, '1.32',
      'cluster lab: platform.certManager "v1.21.1" (cert-manager) supports Kubernetes 1.33-1.36 (cert-manager.io supported releases (1.21: 1.33-1.36, tested 1.33-1.36)); this cluster is 1.32: use 1.33 or newer (the newest that fits: 1.36)'],
    ['cert-manager on 1.27', { certManager: true }, '1.27', 'this cluster is 1.27: use 1.33 or newer'],
    ['metrics-server 0.8 below 1.31', { metricsServer: true }, '1.30',
      'cluster lab: platform.metricsServer "3.13.1" (metrics-server) supports Kubernetes 1.31+ (metrics-server README "Compatibility Matrix" (0.8.x: 1.31+)); this cluster is 1.30: use 1.31 or newer (the newest that fits: 1.36)'],
    ['Gateway API CRDs below 1.31', { gatewayApi: true }, '1.30', 'cluster lab: platform.gatewayApi "v1.5.1" (Gateway API CRDs (standard channel)) supports Kubernetes 1.31+'],
    ['ingress-nginx below 1.31', { ingressNginx: true }, '1.30', 'cluster lab: platform.ingressNginx "4.15.1" (ingress-nginx (retired)) supports Kubernetes 1.31-1.35'],
    ['ingress-nginx above 1.35', { ingressNginx: true }, '1.36',
      'cluster lab: platform.ingressNginx "4.15.1" (ingress-nginx (retired)) supports Kubernetes 1.31-1.35 (ingress-nginx README "Supported Versions table" (v1.15.x E2E: 1.31-1.35; retired, no later release)); this cluster is 1.36: use 1.35 or older'],
    ['one bad component among good ones', { metallb: true, csiDriverNfs: true, certManager: true }, '1.31', 'platform.certManager "v1.21.1"'],
  ])('%s', (_name, platform, version, message) => {
    const e = clusterRefusal(on(version, platform));
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.message).toContain(message);
  });

  test('NGINX Gateway Fabric is checked with the Gateway API CRDs (its own range and source)', () => {
    const original = PLATFORM_COMPONENTS.nginxGatewayFabric;
    const narrowed = { ...original, min: '1.32' };
    (PLATFORM_COMPONENTS as Record<string, typeof original>).nginxGatewayFabric = narrowed;
    try {
      expect(clusterRefusal(on('1.31', { gatewayApi: true })).message)
        .toContain('platform.gatewayApi "2.6.7" (NGINX Gateway Fabric) supports Kubernetes 1.32+ (NGINX Gateway Fabric "Technical Specifications"');
    } finally {
      (PLATFORM_COMPONENTS as Record<string, typeof original>).nginxGatewayFabric = original;
    }
  });

  test.each<[ClusterPlatformProps, string]>([
    [{ certManager: true }, '1.33'],
    [{ certManager: true }, '1.36'],
    [{ metricsServer: true }, '1.31'],
    [{ gatewayApi: true }, '1.31'],
    [{ gatewayApi: true }, '1.36'],
    [{ ingressNginx: true }, '1.31'],
    [{ ingressNginx: true }, '1.35'],
    [{ metallb: true, csiDriverNfs: true }, '1.27'],
    [{ metallb: true, csiDriverNfs: true }, '1.36'],
    [{ certManager: false, ingressNginx: false }, '1.27'],
  ])('%j on %s is accepted', (platform, version) => {
    const cluster = new Cluster(on(version, platform));
    expect(cluster.platform).toEqual(Object.keys(PLATFORM_FIELDS).filter((f) => (platform as Record<string, boolean>)[f] === true));
  });

  test('every version this project supports fits MetalLB and csi-driver-nfs', () => {
    for (const v of KUBERNETES_VERSIONS) expect(() => new Cluster(on(v, { metallb: true, csiDriverNfs: true }))).not.toThrow();
  });
});

describe('ingress-nginx is retired: choosing it is a synth-time warning with the migration path', () => {
  const WARNING = 'cluster lab: platform.ingressNginx ingress-nginx (retired) 4.15.1 is retired: no releases or security fixes since March 2026';

  test('the cluster carries the warning; no other component warns', () => {
    const [warning] = new Cluster(on('1.34', { ingressNginx: true })).warnings;
    expect(warning).toContain(WARNING);
    expect(warning).toContain('`output: \'both\'`');
    expect(warning).toContain('platform.gatewayApi');
    expect(new Cluster(on('1.34', { metallb: true, metricsServer: true, certManager: true, csiDriverNfs: true, gatewayApi: true })).warnings).toEqual([]);
  });

  test('synthesize returns it in its summary warnings', () => {
    const app = () => {
      const a = new App();
      new Environment(a, 'dev', { name: 'dev', cluster: new Cluster(on('1.34', { ingressNginx: true })) });
      return a;
    };
    const summary = synthesize(app, { outdir: path.join(tempDir(), 'dist') });
    expect(summary.warnings).toEqual([expect.stringContaining(WARNING)]);
  });
});

