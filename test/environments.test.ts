import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { environments } from '../environments';
import { appStack } from '../environments/app-stack';
import { prod } from '../environments/prod';
import { staging } from '../environments/staging';
import { buildApp } from '../main';
import { ArgoCdApplication, Environment, FluxSync, renderApp, serialize } from '../lib';
import { expectSchemaValid, only, testEnv } from './helpers';

const rendered = renderApp(buildApp());
const files = serialize(rendered);
/** The objects of an environment's folder (its GitOps objects live apart, in gitops/). */
const objectsOf = (env: string) => rendered.filter((f) => f.file.startsWith(`${env}/`)).flatMap((f) => f.objects.map((o) => o.manifest));

describe('the four environments', () => {
  test.each(['dev', 'staging', 'prod', 'lab'])('%s: namespace with Pod Security labels, quota, limits, cluster objects, MetalLB in its namespace, valid', (env) => {
    const all = objectsOf(env);
    expectSchemaValid(all);
    expect(only(all, 'Namespace', env).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(only(all, 'ResourceQuota').metadata.namespace).toBe(env);
    expect(only(all, 'LimitRange').metadata.namespace).toBe(env);
    expect(all.filter((m) => ['PersistentVolume', 'StorageClass', 'Namespace'].includes(m.kind)).every((m) => m.metadata.namespace === undefined)).toBe(true);
    for (const kind of ['IPAddressPool', 'L2Advertisement']) expect(only(all, kind).metadata.namespace).toBe('metallb-system');
    const workloads = all.filter((m) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(m.kind));
    expect(workloads.length).toBeGreaterThanOrEqual(4);
  });

  test('dev, staging and prod differ in values only: the same objects, other sizes, networks and hosts', () => {
    // Staging also writes its routes as Gateway API objects (it is migrating off ingress-nginx).
    const GATEWAY_API = ['Gateway', 'HTTPRoute'];
    const shape = (env: string) => objectsOf(env).filter((m) => !GATEWAY_API.includes(m.kind)).map((m) => `${m.kind}/${m.metadata.name.replace(env, '<env>')}`).sort();
    expect(shape('staging')).toEqual(shape('dev'));
    expect(shape('prod')).toEqual(shape('dev'));
    const pool = (env: string) => only(objectsOf(env), 'IPAddressPool').spec.addresses;
    expect([pool('dev'), pool('staging'), pool('prod')]).toEqual([['192.168.10.200-192.168.10.219'], ['192.168.20.200-192.168.20.219'], ['192.168.30.200-192.168.30.219']]);
    expect(only(objectsOf('prod'), 'Deployment', 'web').spec.replicas).toBe(6);
    expect(only(objectsOf('prod'), 'HorizontalPodAutoscaler', 'hello').spec.maxReplicas).toBe(20);
    expect(only(objectsOf('staging'), 'Ingress', 'apps').spec.rules[0].host).toBe('apps.staging.example.internal');
    expect(staging.statefulSets?.[0].volumeClaimTemplates?.[0].storage).toBe('10Gi');
  });

  test('adding an environment is one definition: its folder and GitOps files appear', () => {
    const qa = appStack({ ...(prod as any), name: 'qa', network: '192.168.40', host: 'apps.qa.example.internal', tlsSecret: 'apps-qa-tls', ...qaValues() });
    const out = serialize(renderApp(buildApp([...environments, qa])));
    expect([...out.keys()].filter((f) => f.startsWith('qa/') || f.startsWith('gitops/qa-'))).toEqual([
      'qa/00-cluster.yaml', 'qa/00-storage.yaml', 'qa/10-namespace.yaml', 'qa/20-metallb.yaml', 'qa/50-hello.yaml', 'qa/50-kv.yaml',
      'qa/50-node-exporter.yaml', 'qa/50-web.yaml', 'qa/60-ingress-apps.yaml', 'gitops/qa-argocd.yaml', 'gitops/qa-flux.yaml', 'qa/kustomization.yaml',
    ]);
  });
});

/** The values appStack needs beyond those copied from prod's definition. */
function qaValues() {
  return {
    quota: {}, containerLimits: {}, claimSize: { min: '10Mi', max: '200Gi' }, mediaCapacity: '10Gi',
    hello: { minReplicas: 1, maxReplicas: 2 }, webReplicas: 1, kv: { replicas: 1, storage: '1Gi' },
  };
}

describe('GitOps output', () => {
  test.each(['dev', 'staging', 'prod', 'lab'])('%s/kustomization.yaml lists exactly the folder\'s files, in apply order', (env) => {
    const listed = (parseAllDocuments(files.get(`${env}/kustomization.yaml`)!)[0].toJS() as any);
    expect(listed).toEqual({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: expect.any(Array) });
    const inFolder = [...files.keys()].filter((f) => f.startsWith(`${env}/`) && f !== `${env}/kustomization.yaml`).map((f) => f.slice(env.length + 1));
    expect(listed.resources).toEqual(inFolder);
    expect(listed.resources).toEqual([...listed.resources].sort());
    expect(listed.resources[0]).toBe('00-cluster.yaml');
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  (kubectl ? test : test.skip)('`kubectl kustomize dist/<env>` (what `kubectl apply -k` and the GitOps tools build) yields every object', () => {
    for (const env of ['dev', 'staging', 'prod', 'lab']) {
      const r = spawnSync('kubectl', ['kustomize', path.join(__dirname, '..', 'dist', env)], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      const built = parseAllDocuments(r.stdout).map((d) => d.toJS());
      expect(built.map((m: any) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`).sort())
        .toEqual(objectsOf(env).map((m) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`).sort());
    }
  });

  test.each(['dev', 'staging', 'prod', 'lab'])('%s: an Argo CD Application and a Flux GitRepository + Kustomization point at its folder', (env) => {
    const gitops = rendered.filter((f) => f.environment === env && f.file.startsWith('gitops/')).flatMap((f) => f.objects.map((o) => o.manifest));
    expectSchemaValid(gitops);
    const app = only(gitops, 'Application', env);
    expect(app.metadata.namespace).toBe('argocd');
    expect(app.metadata.finalizers).toBeUndefined(); // deleting the Application never deletes the environment
    expect(app.spec.source).toEqual({ repoURL: 'https://git.example.internal/platform/onprem-k8s.git', targetRevision: 'main', path: `dist/${env}` });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    const repo = only(gitops, 'GitRepository', env);
    expect(repo.metadata.namespace).toBe('flux-system');
    expect(repo.spec).toEqual({ url: 'https://git.example.internal/platform/onprem-k8s.git', ref: { branch: 'main' }, interval: '5m' });
    const ks = only(gitops, 'Kustomization', env);
    expect(ks.spec).toEqual(expect.objectContaining({ path: `./dist/${env}`, prune: true, sourceRef: { kind: 'GitRepository', name: env } }));
  });

  test('without gitops settings there are no GitOps objects and no pruning annotations', () => {
    const { app, env } = testEnv();
    env.addNamespace('extra');
    const out = renderApp(app);
    expect(out.map((f) => f.file)).toEqual(['dev/00-cluster.yaml', 'dev/10-namespace.yaml']);
    expect(out[0].objects.every((o) => o.manifest.metadata.annotations['argocd.argoproj.io/sync-options'] === undefined)).toBe(true);
  });

  test('each tool can be turned off, and its settings changed', () => {
    const { app, env } = testEnv({ gitops: { repoUrl: 'ssh://git@git.example.internal/platform/k8s.git', branch: 'release/1.2', argoCd: false, flux: { interval: '1m', secretName: 'repo-key' } } });
    expect(env.argoCd).toBeUndefined();
    const out = renderApp(app).flatMap((f) => f.objects.map((o) => o.manifest));
    expect(out.some((m) => m.kind === 'Application')).toBe(false);
    expect(only(out, 'GitRepository').spec).toEqual({ url: 'ssh://git@git.example.internal/platform/k8s.git', ref: { branch: 'release/1.2' }, interval: '5m', secretRef: { name: 'repo-key' } });
    expect(only(out, 'Kustomization').spec.interval).toBe('1m');
    expect(only(out, 'Namespace').metadata.annotations).toEqual(expect.objectContaining({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }));
    expect(only(out, 'Namespace').metadata.annotations['argocd.argoproj.io/sync-options']).toBeUndefined();
  });

  test.each<[string, object, string]>([
    ['a repository URL', { repoUrl: 'not a url' }, 'dev/argocd/sync: repoUrl "not a url" is not a Git repository URL (https://host/path, ssh://host/path or git@host:path)'],
    ['a branch', { branch: 'main..x' }, 'dev/argocd/sync: branch "main..x" is not a valid Git branch name'],
    ['a path', { path: '../dist/dev' }, 'dev/argocd/sync: path "../dist/dev" must be a relative, normalized path inside the repository (e.g. "dist/lab")'],
    ['a Flux repository URL in scp form', { repoUrl: 'git@git.example.internal:k8s.git', argoCd: false },
      'dev/flux/sync: repoUrl "git@git.example.internal:k8s.git" is not a Git repository URL (https://host/path, ssh://host/path; Flux does not take git@host:path, write ssh://git@host/path)'],
    ['a Flux interval', { argoCd: false, flux: { interval: '10 minutes' } }, 'dev/flux/sync: interval "10 minutes" is not a duration such as "30s", "5m" or "1h30m"'],
    ['an Argo CD namespace', { argoCd: { namespace: 'Argo CD' } }, 'dev/argocd/sync: namespace "Argo CD" is not a DNS-1123 label'],
  ])('%s that is bad is refused, naming the construct path', (_what, change, message) => {
    expect(() => testEnv({ gitops: { repoUrl: 'https://git.example.internal/k8s.git', ...change } })).toThrow(message);
  });

  test('no environment may be named like the GitOps folder', () => {
    expect(() => testEnv({ name: 'gitops' })).toThrow('gitops: name "gitops" is reserved for the GitOps folder dist/gitops/');
  });

  test('the constructs expose their objects', () => {
    const { env } = testEnv({ gitops: { repoUrl: 'https://git.example.internal/k8s.git' } });
    expect(env.argoCd).toBeInstanceOf(ArgoCdApplication);
    expect(env.flux).toBeInstanceOf(FluxSync);
    expect(env.flux!.kustomization.kind).toBe('Kustomization');
    expect(Environment.of(env.argoCd!.application)).toBe(env);
  });

  test('the committed dist/ holds all four environments and their GitOps files', () => {
    const dist = path.join(__dirname, '..', 'dist');
    expect(fs.readdirSync(dist).sort()).toEqual(['.onprem-k8s-output', 'dev', 'gitops', 'lab', 'prod', 'staging']);
    expect(fs.readdirSync(path.join(dist, 'gitops')).sort()).toEqual(
      ['dev', 'lab', 'prod', 'staging'].flatMap((e) => [`${e}-argocd.yaml`, `${e}-flux.yaml`]));
  });
});
