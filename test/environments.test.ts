import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { clusters, EnvironmentDefinition, environments } from '../environments';
import { IMAGES } from '../environments/images';
import { buildApp } from '../main';
import { Cluster, PLATFORM_LAYERS, renderApp, serialize } from '../lib';
import { synthesizeApp } from '../lib/testing';
import { eachShipped, expectSchemaValid, only, testEnv } from './helpers';

const result = synthesizeApp(buildApp());
const rendered = result.files;
const files = serialize(rendered);
/** The folder of each shipped environment, `<cluster>/<env>`, from the data. */
const folderOf = (env: string) => `${environments.find((e) => e.name === env)!.cluster}/${env}`;
const envNames = environments.map((e) => e.name);
const definitionOf = (env: string) => environments.find((e) => e.name === env)!;
/** The objects of an environment's folder (GitOps objects live apart, in gitops/). */
const objectsOf = (env: string) => result.findObjects({ environment: env }).map((o) => o.manifest);

describe('the shipped environments', () => {
  test.each(envNames)('%s: namespace with Pod Security labels, quota, limits, cluster objects, MetalLB in its namespace, valid', (env) => {
    const all = objectsOf(env);
    const ns = definitionOf(env).namespace ?? env;
    expectSchemaValid(all);
    expect(only(all, 'Namespace', ns).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(only(all, 'ResourceQuota').metadata.namespace).toBe(ns);
    expect(only(all, 'LimitRange').metadata.namespace).toBe(ns);
    expect(all.filter((m) => ['PersistentVolume', 'StorageClass', 'Namespace'].includes(m.kind)).every((m) => m.metadata.namespace === undefined)).toBe(true);
    // Each declared pool is an IPAddressPool and an L2Advertisement (the pool's own objects are checked in shipped-environments.test.ts).
    const metallb = all.filter((m) => ['IPAddressPool', 'L2Advertisement'].includes(m.kind));
    expect(metallb.length).toBeGreaterThanOrEqual(2 * (definitionOf(env).addressPools ?? []).length);
    expect(metallb.every((m) => m.metadata.namespace === 'metallb-system')).toBe(true);
    // An address pinned to a Service or Gateway sits in an autoAssign: false pool, never in an auto-assign one.
    const pinned = all.flatMap((m) => (m.metadata.annotations?.['metallb.io/loadBalancerIPs'] ?? m.spec?.infrastructure?.annotations?.['metallb.io/loadBalancerIPs'] ?? '').split(',')).filter(Boolean);
    const autoPools = all.filter((m) => m.kind === 'IPAddressPool' && m.spec.autoAssign !== false);
    for (const ip of pinned) expect(autoPools.flatMap((p) => p.spec.addresses).join(' ')).not.toContain(ip);
  });

  // No claim that dev, staging and prod hold the same objects: an app added to one environment only (docs/recipes.md)
  // is a change a user makes on purpose. What each environment writes is checked against its own definition
  // (shipped-environments.test.ts) and recorded in its snapshot.

  test('environments sharing a cluster do not collide: nodePorts, node agents, namespaces, cluster-scoped names, pools', () => {
    for (const cluster of clusters) {
      const objects = rendered.filter((f) => f.cluster === cluster.name && f.environment !== '').flatMap((f) => f.objects.map((o) => o.manifest));
      const nodePorts = objects.filter((m) => m.kind === 'Service').flatMap((m) => (m.spec.ports ?? []).map((p: any) => p.nodePort)).filter((p) => p !== undefined);
      expect(new Set(nodePorts).size).toBe(nodePorts.length);
      const hostNetwork = objects.filter((m) => m.kind === 'DaemonSet' && m.spec.template.spec.hostNetwork);
      expect(hostNetwork.length).toBeLessThanOrEqual(1);
      const clusterScoped = objects.filter((m) => m.metadata.namespace === undefined).map((m) => `${m.kind}/${m.metadata.name}`);
      expect(new Set(clusterScoped).size).toBe(clusterScoped.length);
    }
  });

  test('every Certificate (and cert-manager annotation) in every cluster\'s output names an issuer that cluster declares', () => {
    let certificates = 0;
    for (const props of clusters) {
      const declared = new Cluster(props).issuers.map((i) => i.name);
      const objects = rendered.filter((f) => f.cluster === props.name).flatMap((f) => f.objects.map((o) => o.manifest));
      const issuersIn = (ns: string) => objects.filter((m) => m.kind === 'Issuer' && m.metadata.namespace === ns).map((m) => m.metadata.name);
      for (const m of objects) {
        const a = m.metadata.annotations ?? {};
        const ref = m.kind === 'Certificate' ? { name: m.spec.issuerRef.name, kind: m.spec.issuerRef.kind ?? 'Issuer' }
          : a['cert-manager.io/cluster-issuer'] ? { name: a['cert-manager.io/cluster-issuer'], kind: 'ClusterIssuer' }
            : a['cert-manager.io/issuer'] ? { name: a['cert-manager.io/issuer'], kind: 'Issuer' } : undefined;
        if (!ref) continue;
        certificates += 1;
        // A ClusterIssuer is declared by the cluster or written in its output (a self-signed CA's bootstrap issuer).
        const clusterIssuers = [...declared, ...objects.filter((o) => o.kind === 'ClusterIssuer').map((o) => o.metadata.name)];
        const known = ref.kind === 'ClusterIssuer' ? clusterIssuers : issuersIn(m.metadata.namespace);
        expect({ cluster: props.name, object: `${m.kind} ${m.metadata.namespace}/${m.metadata.name}`, issuer: ref.name, known: known.includes(ref.name) })
          .toEqual({ cluster: props.name, object: `${m.kind} ${m.metadata.namespace}/${m.metadata.name}`, issuer: ref.name, known: true });
      }
    }
    // Every TLS entry with a cert-manager issuer in the definitions is one of them.
    const declared = environments.flatMap((e) => (e.ingressRoutes ?? []).flatMap((r) => r.tls ?? [])).filter((t) => t.certManager).length;
    expect(certificates).toBeGreaterThanOrEqual(declared);
  });

  test('adding an environment is one definition naming its cluster: its folder appears in the cluster folder and its kustomization', () => {
    // Fixtures of its own (a cluster and two definitions): the shipped ones may hold any names.
    const cluster = { name: 'site', kubernetesVersion: '1.34' };
    const env = (name: string): EnvironmentDefinition => ({ name, cluster: 'site' });
    const out = serialize(renderApp(buildApp([env('one'), env('two')], [cluster])));
    expect([...out.keys()].filter((f) => f.startsWith('site/two/'))).toEqual(['site/two/00-cluster.yaml', 'site/two/10-namespace.yaml', 'site/two/kustomization.yaml']);
    expect((parseAllDocuments(out.get('site/kustomization.yaml')!)[0].toJS() as any).resources).toEqual(['one', 'two']);
  });
});

/**
 * The path at which each backend Service of an environment serves content: the `servesAt` fact of the image
 * its pods run (environments/images.ts, read from the image's upstream files), found through the Service's selector.
 */
function servesAt(all: Array<Record<string, any>>, service: string): string | undefined {
  const svc = all.find((m) => m.kind === 'Service' && m.metadata.name === service);
  const workload = all.find((m) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(m.kind)
    && Object.entries(svc?.spec.selector ?? { none: '' }).every(([k, v]) => m.spec.template.metadata.labels?.[k] === v));
  const image = workload?.spec.template.spec.containers[0].image;
  return IMAGES.find((f) => f.image === image)?.servesAt;
}

/** Every route of an environment as written: `url -> service`, with the path the backend receives for the route's own path. */
function routesOf(all: Array<Record<string, any>>): Array<{ route: string; service: string; backendPath: string }> {
  const ingress = all.filter((m) => m.kind === 'Ingress').flatMap((ing) => ing.spec.rules.flatMap((rule: any) => rule.http.paths.map((p: any) => {
    // ingress-nginx: rewrite "(?i)<path>" <rewrite-target> break; on the request for the route's own prefix.
    const target = ing.metadata.annotations?.['nginx.ingress.kubernetes.io/rewrite-target'];
    const strip = /^(\/.*)\(\/\|\$\)\(\.\*\)$/.exec(p.path);
    const prefix = strip ? strip[1].replace(/\[\.\]/g, '.') : p.path;
    const backendPath = target === undefined ? prefix : prefix.replace(new RegExp(`^${p.path}`, 'i'), target);
    return { route: `Ingress ${ing.metadata.name} ${rule.host}${prefix}`, service: p.backend.service.name, backendPath };
  })));
  const http = all.filter((m) => m.kind === 'HTTPRoute').flatMap((r) => r.spec.rules.filter((rule: any) => rule.backendRefs).flatMap((rule: any) => {
    const rewrite = (rule.filters ?? []).find((f: any) => f.type === 'URLRewrite')?.urlRewrite?.path;
    const prefix = rule.matches[0].path.value;
    const backendPath = rewrite?.type === 'ReplacePrefixMatch' ? rewrite.replacePrefixMatch : prefix;
    return rule.backendRefs.map((b: any) => ({ route: `HTTPRoute ${r.metadata.name} ${r.spec.hostnames[0]}${prefix}`, service: b.name, backendPath }));
  }));
  return [...ingress, ...http];
}

describe('the shipped routes reach content', () => {
  test.each(environments.map((e) => [e.name, e] as const))('%s: every route path other than "/" states whether the backend sees its prefix', (_name, def) => {
    const unstated = (def.ingressRoutes ?? []).flatMap((r) => (r.rewriteTarget !== undefined ? [] : r.hosts.flatMap((h) => h.paths
      .filter((p) => (p.path ?? '/') !== '/' && p.prefix === undefined).map((p) => `${r.name} ${h.host}${p.path}`))));
    expect(unstated).toEqual([]);
  });

  test.each(envNames)('%s: every route reaches its backend at a path the backend serves', (env) => {
    const all = objectsOf(env);
    const routes = routesOf(all);
    // Each path of the definition is written (as an Ingress, an HTTPRoute or both).
    expect(routes.length).toBeGreaterThanOrEqual((definitionOf(env).ingressRoutes ?? []).flatMap((r) => r.hosts.flatMap((h) => h.paths)).length);
    for (const r of routes) expect({ route: r.route, backendPath: r.backendPath }).toEqual({ route: r.route, backendPath: servesAt(all, r.service) });
  });

  test.each(envNames)('%s: no Service behind a TLS route is also reachable on node ports without a stated reason; LoadBalancers open no node ports unless asked', (env) => {
    const all = objectsOf(env);
    const backends = new Set(routesOf(all).map((r) => r.service));
    for (const svc of all.filter((m) => m.kind === 'Service' && backends.has(m.metadata.name))) {
      const nodePorts = svc.spec.type === 'NodePort' || (svc.spec.type === 'LoadBalancer' && svc.spec.allocateLoadBalancerNodePorts !== false);
      if (nodePorts) expect(`${svc.metadata.name}: ${svc.metadata.annotations?.['onprem.k8s/node-port-reason'] ?? 'no reason'}`).not.toMatch(/no reason$/);
    }
    for (const lb of all.filter((m) => m.kind === 'Service' && m.spec.type === 'LoadBalancer')) expect(lb.spec.allocateLoadBalancerNodePorts).toBe(false);
  });
});

describe('GitOps output', () => {
  test.each(envNames)('<cluster>/%s/kustomization.yaml lists exactly the folder\'s files, in apply order', (env) => {
    const folder = folderOf(env);
    const listed = (parseAllDocuments(files.get(`${folder}/kustomization.yaml`)!)[0].toJS() as any);
    expect(listed).toEqual({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: expect.any(Array) });
    const inFolder = [...files.keys()].filter((f) => f.startsWith(`${folder}/`) && f !== `${folder}/kustomization.yaml`).map((f) => f.slice(folder.length + 1));
    expect(listed.resources).toEqual(inFolder);
    expect(listed.resources).toEqual([...listed.resources].sort());
    expect(listed.resources[0]).toBe('00-cluster.yaml');
  });

  test.each(clusters.map((c) => c.name))('%s/kustomization.yaml lists the cluster\'s platform layers, then its environment folders in the data\'s order', (cluster) => {
    const listed = (parseAllDocuments(files.get(`${cluster}/kustomization.yaml`)!)[0].toJS() as any);
    const layers = PLATFORM_LAYERS.filter((l) => rendered.some((f) => f.cluster === cluster && f.layer === l)).map((l) => `platform/${l}`);
    expect(listed.resources).toEqual([...layers, ...environments.filter((e) => e.cluster === cluster).map((e) => e.name)]);
  });

  // `kubectl kustomize dist/<cluster>` (a real kubectl) is in npm run test:e2e (test/e2e/kustomize.test.ts).

  eachShipped(clusters.filter((c) => c.gitops && c.gitops.controller !== 'none').map((c) => [c.name, c.gitops!.controller] as [string, string]))(
    '%s: one controller (%s) applying the platform layers in order, then the environments', (cluster, controller) => {
      const gitops = rendered.filter((f) => f.cluster === cluster && f.environment === '' && !f.layer);
      expect(gitops.map((f) => f.file)).toEqual([`gitops/${cluster}-${controller}.yaml`]);
      const objects = gitops.flatMap((f) => f.objects.map((o) => o.manifest));
      expectSchemaValid(objects);
      const layers = PLATFORM_LAYERS.filter((l) => rendered.some((f) => f.cluster === cluster && f.layer === l));
      if (controller === 'argocd') {
        // One Application for the whole cluster: the platform's objects carry the sync waves of their layers.
        const app = only(objects, 'Application', cluster);
        expect(objects).toHaveLength(1);
        expect(app.metadata.namespace).toBe('argocd');
        expect(app.metadata.finalizers).toBeUndefined(); // deleting the Application never deletes the cluster's objects
        const { repoUrl, branch } = clusters.find((c) => c.name === cluster)!.gitops!;
        expect(app.spec.source).toEqual({ repoURL: repoUrl, targetRevision: branch ?? 'main', path: `dist/${cluster}` });
        expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
        expect(app.spec.syncPolicy.retry).toEqual({ limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } }); // a refused sync is tried again
        expect(app.spec.syncPolicy.syncOptions.includes('ServerSideApply=true')).toBe(layers.length > 0);
        expect(app.spec.syncPolicy.syncOptions.includes('SkipDryRunOnMissingResource=true')).toBe(layers.length > 0);
        const waves = layers.map((l) => [...new Set(rendered.filter((f) => f.cluster === cluster && f.layer === l).flatMap((f) => f.objects.map((o) => o.manifest.metadata.annotations?.['argocd.argoproj.io/sync-wave'])))]);
        expect(waves).toEqual(layers.map((l) => [{ crds: '-3', controllers: '-2', config: '-1' }[l]]));
      } else {
        const steps = [...layers.map((l) => ({ name: `${cluster}-platform-${l}`, path: `dist/${cluster}/platform/${l}` })), { name: cluster, path: layers.length > 0 ? `dist/${cluster}/apps` : `dist/${cluster}` }];
        expect(objects.filter((m) => m.kind === 'GitRepository')).toHaveLength(1);
        const { repoUrl, branch } = clusters.find((c) => c.name === cluster)!.gitops!;
        expect(only(objects, 'GitRepository', cluster).spec).toEqual({ url: repoUrl, ref: { branch: branch ?? 'main' }, interval: '5m' });
        steps.forEach((step, i) => {
          const k = only(objects, 'Kustomization', step.name);
          expect(k.spec).toEqual(expect.objectContaining({ path: `./${step.path}`, prune: true, sourceRef: { kind: 'GitRepository', name: cluster } }));
          expect(k.spec.dependsOn).toEqual(i === 0 ? undefined : [{ name: steps[i - 1].name }]);
          expect(k.spec.wait).toBe(i < layers.length ? true : undefined);
        });
      }
      // Stateful objects carry both controllers' protection, whichever applies the cluster: an object once applied
      // by the other tool keeps it (an apply without it would strip it, and that tool's garbage collection would delete it).
      const namespaces = rendered.filter((f) => f.cluster === cluster).flatMap((f) => f.objects.map((o) => o.manifest)).filter((m) => m.kind === 'Namespace');
      expect(namespaces.every((m) => m.metadata.annotations['argocd.argoproj.io/sync-options'] === 'Prune=false,Delete=false'
        && m.metadata.annotations['kustomize.toolkit.fluxcd.io/prune'] === 'disabled')).toBe(true);
    });

  test('without a GitOps controller there are no GitOps objects, and stateful objects are still protected for any controller pointed at the folder', () => {
    const { app, env } = testEnv();
    env.addNamespace('extra');
    const out = renderApp(app);
    expect(out.map((f) => f.file)).toEqual(['dev/dev/00-cluster.yaml', 'dev/dev/10-namespace.yaml']);
    expect(out[0].objects.every((o) => o.manifest.metadata.annotations['argocd.argoproj.io/sync-options'] === 'Prune=false,Delete=false')).toBe(true);
  });

  test('a Flux cluster: its settings reach the objects', () => {
    const cluster = new Cluster({ name: 'edge', gitops: { controller: 'flux', repoUrl: 'ssh://git@git.example.internal/platform/k8s.git', branch: 'release/1.2', namespace: 'gitops' } });
    const { app } = testEnv({ cluster });
    const out = renderApp(app).flatMap((f) => f.objects.map((o) => o.manifest));
    expect(out.some((m) => m.kind === 'Application')).toBe(false);
    expect(only(out, 'GitRepository').spec).toEqual({ url: 'ssh://git@git.example.internal/platform/k8s.git', ref: { branch: 'release/1.2' }, interval: '5m' });
    expect(only(out, 'GitRepository').metadata.namespace).toBe('gitops');
    expect(only(out, 'Kustomization').spec.path).toBe('./dist/edge');
    expect(only(out, 'Namespace').metadata.annotations).toEqual(expect.objectContaining({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }));
  });

  test('no environment may be named like the GitOps folder', () => {
    expect(() => testEnv({ name: 'gitops' })).toThrow('gitops: name "gitops" is reserved for the GitOps folder dist/gitops/');
  });

  test('the committed dist/ holds every cluster of the data, its environments and its GitOps file', () => {
    const dist = path.join(__dirname, '..', 'dist');
    expect(fs.readdirSync(dist).sort()).toEqual(['.onprem-k8s-output', 'gitops', ...clusters.map((c) => c.name)].sort());
    for (const c of clusters) {
      const platform = rendered.some((f) => f.cluster === c.name && f.layer) ? ['apps', 'platform'] : [];
      expect(fs.readdirSync(path.join(dist, c.name)).sort()).toEqual(['kustomization.yaml', ...platform, ...environments.filter((e) => e.cluster === c.name).map((e) => e.name)].sort());
    }
    expect(fs.readdirSync(path.join(dist, 'gitops')).sort()).toEqual(clusters.filter((c) => c.gitops).map((c) => `${c.name}-${c.gitops!.controller}.yaml`).sort());
  });
});
