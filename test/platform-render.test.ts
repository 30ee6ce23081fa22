import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import { clusters } from '../environments';
import { buildApp } from '../main';
import { Cluster, ClusterProps, findDestructiveChanges, PLATFORM_LAYERS, renderApp, RenderedFile, serialize, SynthError } from '../lib';
import { ChartTier } from '../lib/cluster/environment';
import { clusterPlatform, codeFingerprint, platformNeeds, sourceFingerprint } from '../lib/cluster/cluster-platform';
import { customResourceProblems, layerOrderProblems } from '../lib/cluster/custom-resources';
import { PlatformFileError, platformFile } from '../lib/cluster/platform-files';
import { readCache, readShared, renderCacheDir, SHARED_ENTRIES, writeCache } from '../lib/checks/cache';
import { podSecurityViolations } from '../lib/checks/cross-checks';
import { parseAllDocuments } from 'yaml';
import { eachShipped, tempDir, testEnv, withPackageVersion } from './helpers';

type Manifest = Record<string, any>;
const obj = (manifest: Manifest, constructPath = `dev/x/${manifest.kind}`) => ({ manifest, constructPath });
const managed = (props: Partial<ClusterProps> = {}) => new Cluster({ name: 'lab', kubernetesVersion: '1.34', platform: {}, ...props });

/** A temporary folder, removed after this file by test/setup-temp.ts. */
const temp = (prefix: string) => tempDir(prefix);

/** A render cache of its own with the real one's chart renders and validators (linked, or copied on another file system), and no platform. */
function renderCacheWithoutPlatforms(): string {
  const dir = temp('render-cache-');
  for (const name of fs.existsSync(renderCacheDir()) ? fs.readdirSync(renderCacheDir()) : []) {
    if (name.startsWith('platform-') || !name.endsWith('.json')) continue;
    try {
      fs.linkSync(path.join(renderCacheDir(), name), path.join(dir, name));
    } catch {
      fs.copyFileSync(path.join(renderCacheDir(), name), path.join(dir, name)); // another file system
    }
  }
  return dir;
}

/** Runs `fn` with the render cache in `dir` (ONPREM_RENDER_CACHE), then puts the variable back. */
function withRenderCache(dir: string, fn: () => void): void {
  const saved = process.env.ONPREM_RENDER_CACHE;
  process.env.ONPREM_RENDER_CACHE = dir;
  try {
    fn();
  } finally {
    if (saved === undefined) delete process.env.ONPREM_RENDER_CACHE;
    else process.env.ONPREM_RENDER_CACHE = saved;
  }
}

describe('pinned files are used only when their sha256 matches the lock', () => {
  afterEach(() => delete process.env.ONPREM_PLATFORM_DIR);

  test('a copy with another digest is refused, naming the file, its digest and what to do', () => {
    const dir = temp('platform-copy-');
    fs.mkdirSync(path.join(dir, 'gateway-api'));
    fs.writeFileSync(path.join(dir, 'gateway-api', 'gateway.networking.k8s.io_grpcroutes.yaml'), 'not the CRD');
    const read = () => platformFile('gatewayApi', 'gateway.networking.k8s.io_grpcroutes.yaml', [dir]);
    expect(read).toThrow(PlatformFileError);
    expect(read).toThrow(/no verified copy of gateway-api\/gateway\.networking\.k8s\.io_grpcroutes\.yaml .*refused: .*has sha256 [0-9a-f]{64}.*npm run platform:fetch/s);
  });

  test('a wrong copy first in the search path is skipped for the verified one', () => {
    const dir = temp('platform-copy-');
    fs.mkdirSync(path.join(dir, 'csi-driver-nfs'));
    fs.writeFileSync(path.join(dir, 'csi-driver-nfs', 'csi-driver-nfs-4.13.4.tgz'), 'tampered');
    process.env.ONPREM_PLATFORM_DIR = dir;
    expect(platformFile('csiDriverNfs', 'csi-driver-nfs-4.13.4.tgz').toString()).not.toBe('tampered');
  });
});

describe('which components a cluster needs, from its objects', () => {
  const pool = obj({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'p', namespace: 'metallb-system' } });
  const lb = obj({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'dev' }, spec: { type: 'LoadBalancer' } });
  const hpa = obj({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'dev' } });
  const nfs = obj({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'n' }, provisioner: 'nfs.csi.k8s.io' });
  const inTree = obj({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'n' }, provisioner: 'kubernetes.io/no-provisioner' });
  const cert = obj({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'c', namespace: 'dev' } });
  const route = obj({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'dev' } });
  const ingress = obj({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'dev' } });
  test.each([
    ['a pool', [pool], ['metallb']],
    ['a LoadBalancer Service', [lb], ['metallb']],
    ['an HPA', [hpa], ['metricsServer']],
    ['an nfs.csi.k8s.io StorageClass', [nfs], ['csiDriverNfs']],
    ['an in-tree StorageClass', [inTree], []],
    ['a Certificate', [cert], ['certManager']],
    ['an HTTPRoute', [route], ['gatewayApi']],
    ['an Ingress', [ingress], ['ingressNginx']],
    ['nothing', [], []],
  ])('%s', (_n, objects, fields) => {
    expect([...platformNeeds(objects).keys()].sort()).toEqual([...fields].sort());
    for (const why of platformNeeds(objects).values()) expect(why).toMatch(/^dev\/x\//);
  });

  test('an HTTPRoute installs Gateway API, NGINX Gateway Fabric and MetalLB (the data plane\'s LoadBalancer Service)', () => {
    const p = clusterPlatform(managed(), [route]);
    expect(p.problems).toEqual([]);
    expect(p.installed).toEqual(['metallb', 'gatewayApi']);
    expect(p.files.map((f) => f.file)).toEqual(expect.arrayContaining(['lab/platform/crds/gateway-api.yaml', 'lab/platform/crds/nginx-gateway-fabric.yaml', 'lab/platform/controllers/nginx-gateway-fabric.yaml', 'lab/platform/controllers/metallb.yaml']));
    const kinds = p.files.flatMap((f) => f.objects.map((o) => `${o.manifest.kind}/${o.manifest.metadata.name}`));
    expect(kinds).toEqual(expect.arrayContaining(['GatewayClass/nginx', 'CustomResourceDefinition/httproutes.gateway.networking.k8s.io']));
  });

  test('an Ingress is refused unless ingress-nginx is chosen by name (it is retired); chosen, it warns', () => {
    expect(clusterPlatform(managed(), [ingress]).problems[0]).toContain('dev/x/Ingress (Ingress dev/i), an Ingress needs an ingress controller, and ingress-nginx is retired');
    const chosen = managed({ platform: { ingressNginx: true } });
    expect(clusterPlatform(chosen, [ingress]).problems).toEqual([]);
    expect(chosen.warnings.join('\n')).toContain('is retired');
  });

  test('false refuses what needs the component; "external" writes nothing and accepts its custom resources', () => {
    expect(clusterPlatform(managed({ platform: { metallb: false } }), [pool]).problems[0])
      .toContain('needs metallb, but the cluster sets platform.metallb to false: remove that line (the output then installs it), or set it to "external"');
    const external = managed({ platform: { metallb: 'external' } });
    const p = clusterPlatform(external, [pool]);
    expect(p.installed).toEqual([]);
    expect(p.files).toEqual([]);
    expect(external.externalApiGroups).toEqual(['metallb.io']);
    expect(customResourceProblems([pool], [pool], external.externalApiGroups)).toEqual([]);
  });

  test('a component the cluster\'s version does not support is refused, naming what needs it', () => {
    const old = new Cluster({ name: 'old', kubernetesVersion: '1.30', platform: {} });
    expect(clusterPlatform(old, [hpa]).problems[0]).toMatch(/platform\.metricsServer "3\.13\.1" \(metrics-server\) supports Kubernetes 1\.31\+.*this cluster is 1\.30.*\(needed by dev\/x\/HorizontalPodAutoscaler/);
  });

  test('a cluster without a platform field installs nothing and refuses nothing', () => {
    const p = clusterPlatform(new Cluster({ name: 'lab' }), [pool, ingress, cert]);
    expect(p).toEqual(expect.objectContaining({ files: [], installed: [], problems: [] }));
  });

  test('keeping a platform deletes the cached platforms of all but the three most recent other versions of the code, and nothing else', () => {
    // A cache of its own, so the platform is not cached yet.
    const dir = renderCacheWithoutPlatforms();
    withRenderCache(dir, () => {
      // Versions a (oldest) .. e (newest) of other code, each with one entry; a render entry that is not a platform.
      const others = ['a', 'b', 'c', 'd', 'e'].map((v, i) => {
        const name = `platform-${v.repeat(16)}-x.json`;
        fs.writeFileSync(path.join(dir, name), '[]');
        const t = new Date(Date.now() - (10 - i) * 60_000);
        fs.utimesSync(path.join(dir, name), t, t);
        return name;
      });
      fs.writeFileSync(path.join(dir, 'planted-render-0.json'), '[]');
      const own = `platform-${codeFingerprint().slice(0, 16)}-`;
      const p = clusterPlatform(managed({ platform: { metricsServer: true } }), []);
      expect(p.cached).toBe(false);
      p.remember();
      expect(others.map((n) => fs.existsSync(path.join(dir, n)))).toEqual([false, false, true, true, true]);
      expect(fs.existsSync(path.join(dir, 'planted-render-0.json'))).toBe(true);
      // The cluster's index, and one entry per file content.
      expect(fs.readdirSync(dir).filter((n) => n.startsWith(own))).toHaveLength(1 + p.files.length);
      expect(clusterPlatform(managed({ platform: { metricsServer: true } }), []).cached).toBe(true);
    });
  });

  test('clusters whose platform files are the same share one cache entry per content, read once; a missing content renders again', () => {
    const dir = renderCacheWithoutPlatforms();
    withRenderCache(dir, () => {
      const contents = () => fs.readdirSync(dir).filter((n) => n.includes('-content-')).sort();
      const a = clusterPlatform(managed({ name: 'a', platform: { metricsServer: true } }), []);
      a.remember();
      const written = contents();
      expect(written).toHaveLength(a.files.length);
      const b = clusterPlatform(managed({ name: 'b', platform: { metricsServer: true } }), []);
      expect(b.cached).toBe(false);
      expect(b.files.map((f) => f.text)).toEqual(a.files.map((f) => f.text));
      b.remember();
      expect(contents()).toEqual(written);
      const [ca, cb] = [managed({ name: 'a', platform: { metricsServer: true } }), managed({ name: 'b', platform: { metricsServer: true } })].map((c) => clusterPlatform(c, []));
      expect([ca.cached, cb.cached]).toEqual([true, true]);
      expect(ca.files[0].objects[0].manifest).toBe(cb.files[0].objects[0].manifest);
      // Each cluster keeps its own file names and construct paths.
      expect(ca.files.map((f) => [f.file, f.objects.map((o) => o.constructPath)])).toEqual(a.files.map((f) => [f.file, f.objects.map((o) => o.constructPath)]));
      expect(cb.files.map((f) => [f.file, f.objects.map((o) => o.constructPath)])).toEqual(b.files.map((f) => [f.file, f.objects.map((o) => o.constructPath)]));
      expect(cb.files.map((f) => f.objects.map((o) => o.manifest))).toEqual(JSON.parse(JSON.stringify(b.files.map((f) => f.objects.map((o) => o.manifest)))));
      for (const n of written) fs.rmSync(path.join(dir, n));
      expect(clusterPlatform(managed({ name: 'c', platform: { metricsServer: true } }), []).cached).toBe(false);
    });
  });

  test('a checked platform is cached under the packages its checks ran with too: with another version of one (@bufbuild/cel), it is checked again', () => {
    const dir = renderCacheWithoutPlatforms();
    withRenderCache(dir, () => {
      const props: ClusterProps = { name: 'pk', kubernetesVersion: '1.34', platform: { metricsServer: true } };
      const cachedWith = (celVersion: string | undefined) => {
        let cached: boolean | undefined;
        withPackageVersion('@bufbuild/cel', celVersion, () => {
          const fresh = require('../lib/cluster/cluster-platform') as typeof import('../lib/cluster/cluster-platform');
          const { Cluster: FreshCluster } = require('../lib/cluster/cluster') as typeof import('../lib/cluster/cluster');
          const p = fresh.clusterPlatform(new FreshCluster(props), []);
          cached = p.cached;
          p.remember();
        });
        return cached;
      };
      expect(cachedWith(undefined)).toBe(false);
      expect(cachedWith(undefined)).toBe(true);
      expect(cachedWith('99.0.0')).toBe(false);
    });
  });

  test('the code fingerprint that names the caches covers the code and the imports beside it (the CRD schemas the checks read), not declarations or docs', () => {
    const dir = temp('fingerprint-');
    const write = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    };
    write('lib/a.js', 'a');
    write('lib/a.d.ts', 'd');
    write('imports/crd-schemas.js', 'c');
    write('imports/schemas/x.json', '{"type":"object"}');
    write('imports/README.md', 'r');
    const root = path.join(dir, 'lib');
    const before = sourceFingerprint(root);
    const changed = (rel: string, text: string) => {
      const old = fs.readFileSync(path.join(dir, rel), 'utf8');
      write(rel, text);
      const now = sourceFingerprint(root);
      write(rel, old);
      return now !== before;
    };
    expect(changed('imports/schemas/x.json', '{"type":"string"}')).toBe(true);
    expect(changed('imports/crd-schemas.js', 'c2')).toBe(true);
    expect(changed('lib/a.js', 'b')).toBe(true);
    expect(changed('lib/a.d.ts', 'e')).toBe(false);
    expect(changed('imports/README.md', 's')).toBe(false);
    expect(sourceFingerprint(root)).toBe(before);
  });

  test('the cache is written in ASCII and reads back every character the same', () => {
    const dir = temp('ascii-cache-');
    withRenderCache(dir, () => {
      const value = { text: 'caf\u00e9 \u2013 \u201cquoted\u201d \ud83d\ude00 \u2028 \u007f \\u00e9 "\n', lone: '\ud800' };
      writeCache('ascii.json', value);
      const bytes = fs.readFileSync(path.join(dir, 'ascii.json'));
      expect(bytes.every((b) => b < 0x80)).toBe(true);
      expect(readCache('ascii.json')).toEqual(value);
      // An entry written in UTF-8 by another version is still read as UTF-8.
      fs.writeFileSync(path.join(dir, 'utf8.json'), JSON.stringify(value));
      expect(readCache('utf8.json')).toEqual(value);
    });
  });

  test('a shared cache entry is parsed once per process, deeply frozen, and at most SHARED_ENTRIES are kept', () => {
    const dir = temp('shared-cache-');
    withRenderCache(dir, () => {
      fs.writeFileSync(path.join(dir, 'entry-0.json'), JSON.stringify([{ objects: [{ manifest: { kind: 'A' } }] }]));
      const first = readShared<any[]>('entry-0.json')!;
      expect(readShared('entry-0.json')).toBe(first);
      expect(() => { first[0].objects[0].manifest.kind = 'B'; }).toThrow(TypeError);
      expect(readShared('missing.json')).toBeUndefined();
      for (let i = 1; i <= SHARED_ENTRIES; i++) {
        fs.writeFileSync(path.join(dir, `entry-${i}.json`), '[]');
        readShared(`entry-${i}.json`);
      }
      expect(readShared('entry-0.json')).not.toBe(first); // the oldest was dropped, and is read again
      expect(readShared('entry-0.json')).toEqual(first);
    });
  });

  test('the same platform a second time comes from the cache, already checked; other values are not', () => {
    const cluster = managed({ platform: { metricsServer: true } });
    const first = clusterPlatform(cluster, []);
    first.remember();
    const second = clusterPlatform(cluster, []);
    expect(second.cached).toBe(true);
    expect(second.files).toEqual(JSON.parse(JSON.stringify(first.files)));
    expect(clusterPlatform(managed({ platform: { metricsServer: { kubeletInsecureTls: true } } }), []).files
      .flatMap((f) => f.objects.map((o) => o.manifest)).find((m) => m.kind === 'Deployment')!.spec.template.spec.containers[0].args)
      .toContain('--kubelet-insecure-tls');
  });
});

describe('checks of custom resources and layers', () => {
  const crd = obj({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
    spec: { group: 'example.com', names: { kind: 'Widget' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true,
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } },
        'x-kubernetes-validations': [{ rule: 'self.size < 10', message: 'size must be below 10' }] } } } } }] } }, 'platform:lab/crds/x/CRD');
  const widget = (spec: object, apiVersion = 'example.com/v1') => obj({ apiVersion, kind: 'Widget', metadata: { name: 'w', namespace: 'dev' }, spec });
  test.each([
    ['no CRD in the output', [widget({ size: 1 })], 'no CustomResourceDefinition for Widget.example.com in this cluster\'s output'],
    ['a version the CRD does not serve', [crd, widget({ size: 1 }, 'example.com/v2')], 'apiVersion example.com/v2 is not served by the CRD widgets.example.com (served: example.com/v1)'],
    ['a field of the wrong type', [crd, widget({ size: 'big' })], 'spec.size'],
    ['a CEL rule of the CRD', [crd, widget({ size: 12 })], 'size must be below 10 (CEL rule of the CRD widgets.example.com: self.size < 10)'],
  ])('refused: %s', (_n, objects, message) => {
    expect(customResourceProblems(objects, objects, []).join('\n')).toContain(message);
  });
  test('accepted: a valid one, and one of a group declared external', () => {
    expect(customResourceProblems([crd, widget({ size: 3 })], [crd, widget({ size: 3 })], [])).toEqual([]);
    expect(customResourceProblems([widget({ size: 3 })], [], ['example.com'])).toEqual([]);
  });

  test('a custom resource in its CRD\'s layer, or before the webhook that admits it, is out of order; in the apps it is fine', () => {
    const hook = obj({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'h' },
      webhooks: [{ rules: [{ apiGroups: ['example.com'] }] }] });
    const w = widget({ size: 1 });
    expect(layerOrderProblems([{ layer: 'crds', objects: [crd, w] }], [])).toEqual([`${w.constructPath}: Widget dev/w is in layer crds, not after its CRD's layer crds`]);
    expect(layerOrderProblems([{ layer: 'crds', objects: [crd] }, { layer: 'controllers', objects: [hook, w] }], []))
      .toEqual([`${w.constructPath}: Widget dev/w is in layer controllers, not after the layer controllers whose admission webhook must be ready to admit it`]);
    expect(layerOrderProblems([{ layer: 'crds', objects: [crd] }, { layer: 'controllers', objects: [hook] }, { layer: 'config', objects: [w] }], [w])).toEqual([]);
  });
});

describe('the destructive-change guard covers CRDs', () => {
  test('a CRD removed from a cluster\'s platform is destructive: every custom resource of its kind would be deleted', () => {
    const crd = 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ipaddresspools.metallb.io\nspec:\n  group: metallb.io\n';
    const changes = findDestructiveChanges(new Map([['lab/platform/crds/metallb.yaml', crd]]), new Map([['lab/platform/crds/metallb.yaml', '']]));
    expect(changes).toEqual([expect.objectContaining({ folder: 'lab/platform/crds', change: 'is removed', danger: expect.stringContaining('deletes every custom resource of its kind') })]);
  });
});

describe('synth: a cluster with a platform', () => {
  test('an environment may not be named like the platform folder', () => {
    expect(() => testEnv({ name: 'platform' })).toThrow('platform: name "platform" is reserved for a cluster\'s platform folder dist/<cluster>/platform/');
  });

  test('a custom resource without its component is refused at synth, naming it and what to do', () => {
    const { app, env } = testEnv({ cluster: managed({ platform: { metallb: false } }) });
    new ApiObject(env.addChart('x', ChartTier.ROUTES), 'pool', { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'p', namespace: 'metallb-system' }, spec: { addresses: ['192.168.1.240/28'] } });
    expect(() => renderApp(app)).toThrow(SynthError);
    expect(() => renderApp(app)).toThrow(/needs metallb, but the cluster sets platform\.metallb to false[\s\S]*no CustomResourceDefinition for IPAddressPool\.metallb\.io/);
  });
});

describe('the shipped clusters (whatever clusters the data holds)', () => {
  const rendered = renderApp(buildApp());
  const ofCluster = (name: string, pick: (f: RenderedFile) => boolean = () => true) => rendered.filter((f) => f.cluster === name && pick(f)).flatMap((f) => f.objects);
  const managedClusters = clusters.filter((c) => c.platform !== undefined).map((c) => c.name);

  eachShipped(managedClusters)('%s: every custom resource has its CRD in the cluster\'s output, in an earlier layer', (name) => {
    const applied = ofCluster(name, (f) => f.environment !== '' || f.layer !== undefined);
    expect(customResourceProblems(applied, applied, [])).toEqual([]);
    const layers = PLATFORM_LAYERS.map((layer) => ({ layer, objects: ofCluster(name, (f) => f.layer === layer) }));
    expect(layerOrderProblems(layers, ofCluster(name, (f) => f.environment !== ''))).toEqual([]);
  });

  eachShipped(managedClusters)('%s: what the apps use is installed by the same output', (name) => {
    const apps = ofCluster(name, (f) => f.environment !== '').map((o) => o.manifest);
    const platform = ofCluster(name, (f) => f.layer !== undefined).map((o) => o.manifest);
    const has = (kind: string, pick: (m: Manifest) => boolean = () => true) => platform.some((m) => m.kind === kind && pick(m));
    for (const m of apps) {
      if (m.kind === 'StorageClass' && m.provisioner === 'nfs.csi.k8s.io') expect(has('CSIDriver', (d) => d.metadata.name === 'nfs.csi.k8s.io')).toBe(true);
      if (m.kind === 'Service' && m.spec?.type === 'LoadBalancer') expect(has('Deployment', (d) => d.metadata.name === 'metallb-controller')).toBe(true);
      if (m.kind === 'HorizontalPodAutoscaler') expect(has('APIService', (a) => a.metadata.name === 'v1beta1.metrics.k8s.io')).toBe(true);
      if (m.kind === 'Ingress') expect(has('IngressClass', (c) => c.metadata.name === (m.spec.ingressClassName ?? 'nginx'))).toBe(true);
      if (m.kind === 'Gateway') expect(has('GatewayClass', (c) => c.metadata.name === m.spec.gatewayClassName)).toBe(true);
      if (m.kind === 'Certificate' && m.spec.issuerRef.kind !== 'Issuer') expect(has('ClusterIssuer', (c) => c.metadata.name === m.spec.issuerRef.name)).toBe(true);
    }
  });

  eachShipped(managedClusters)('%s: the platform meets the Pod Security level of its namespaces, which say so honestly', (name) => {
    const platform = ofCluster(name, (f) => f.layer !== undefined);
    expect(podSecurityViolations(platform)).toEqual([]);
    for (const { manifest: ns } of platform.filter((o) => o.manifest.kind === 'Namespace')) {
      const level = ns.metadata.labels['pod-security.kubernetes.io/enforce'];
      expect(ns.metadata.labels['pod-security.kubernetes.io/enforce-version']).toBe(`v${new Cluster(clusters.find((c) => c.name === name)!).kubernetesVersion}`);
      if (level !== 'restricted') expect(ns.metadata.annotations['onprem.k8s/pod-security-reason']).toMatch(/.{40,}/);
      expect(ns.metadata.annotations['kustomize.toolkit.fluxcd.io/prune']).toBe('disabled');
    }
    for (const { manifest: m } of platform.filter((o) => o.manifest.kind === 'CustomResourceDefinition')) {
      expect(m.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
    }
  });

  eachShipped(managedClusters)('%s: the cluster kustomization says the kubectl order, layer by layer, waiting between them', (name) => {
    const text = serialize(rendered).get(`${name}/kustomization.yaml`)!;
    const commands = text.split('\n').filter((l) => l.startsWith('# kubectl'));
    const applies = commands.filter((c) => c.includes('kubectl apply'));
    const layers = PLATFORM_LAYERS.filter((l) => rendered.some((f) => f.cluster === name && f.layer === l));
    expect(applies).toEqual([...layers.map((l) => `# kubectl apply --server-side -k platform/${l}`), '# kubectl apply --server-side -k apps']);
    expect(commands.indexOf('# kubectl kustomize platform/crds | kubectl wait --for=condition=Established --timeout=2m -f -')).toBe(1);
    // The whole cluster for Argo CD: the layers, then the environments; the environments alone for Flux and kubectl's last step.
    const resources = (file: string) => (parseAllDocuments(serialize(rendered).get(file)!)[0].toJS() as any).resources;
    const envs = [...new Set(rendered.filter((f) => f.cluster === name && f.environment !== '').map((f) => f.environment))];
    expect(resources(`${name}/kustomization.yaml`)).toEqual([...layers.map((l) => `platform/${l}`), ...envs]);
    expect(resources(`${name}/apps/kustomization.yaml`)).toEqual(envs.map((e) => `../${e}`));
    // Jobs keep their record and carry no Helm hook (kubectl wait and Flux health checks see them; Argo CD orders them by wave).
    for (const { manifest: m } of ofCluster(name, (f) => f.layer !== undefined)) {
      if (m.kind === 'Job') expect(m.spec.ttlSecondsAfterFinished).toBeUndefined();
      expect(Object.keys(m.metadata.annotations ?? {}).filter((k) => k.startsWith('helm.sh/hook'))).toEqual([]);
    }
    const controllers = ofCluster(name, (f) => f.layer === 'controllers').map((o) => o.manifest).filter((m) => m.kind === 'Deployment');
    for (const d of controllers) expect(commands).toContain(`# kubectl -n ${d.metadata.namespace} rollout status deployment/${d.metadata.name} --timeout=5m`);
  });
});
