/**
 * A cluster's platform (issue 21): which pinned components its objects need, each rendered from the
 * verified upstream chart (or CRD manifests) with values built from the cluster's definition, placed in
 * the layer it must be applied in: `crds`, then `controllers` (wait until ready), then `config`; the
 * environments (apps and routes) come after them.
 */
import { ApiObject, App, Chart, DependencyGraph } from 'cdk8s';
import { Construct } from 'constructs';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { CLUSTER_SCOPED_KINDS, PLATFORM_ROOT } from '../checks/cluster-unique';
import { ARGOCD_PROTECT, FLUX_PROTECT } from '../gitops/gitops';
import { apiGroup, objectId } from '../checks/schema';
import { checkPackagesIdentity, type RenderedObject } from '../checks';
import { ValidationError } from '../checks/validation';
import { stringifyYaml } from '../synth/yaml-writer';
import { pruneCache, readShared, renderCacheDir, writeCache } from '../checks/cache';
import { renderChart } from './chart-render';
import { ClusterIssuers } from './cluster-issuers';
import { Cluster, ClusterPlatformProps, KUBERNETES_VERSIONS } from './cluster';
import { checkPlatformCompatibility, PLATFORM_API_GROUPS, PLATFORM_FIELDS, PlatformField } from './platform';
import { platformFile, platformLock } from './platform-files';

/** The layers of a cluster's platform, in apply order. */
export type PlatformLayer = 'crds' | 'controllers' | 'config';
/** The layers in apply order. */
export const PLATFORM_LAYERS: readonly PlatformLayer[] = ['crds', 'controllers', 'config'];
/** Folder of the platform layers inside a cluster's folder: `dist/<cluster>/platform/<layer>/`. */
export const PLATFORM_FOLDER = 'platform';

/** The objects of one layer of one component, with their serialized text. */
export interface PlatformFile {
  /** The file's YAML, as written. */
  readonly text: string;
  /** Path relative to the output folder: `<cluster>/platform/<layer>/<component>.yaml`. */
  readonly file: string;
  /** Its layer. */
  readonly layer: PlatformLayer;
  /** The objects, in apply order. */
  readonly objects: readonly RenderedObject[];
}

/** A cluster's platform as rendered. */
export interface ClusterPlatform {
  /** The files, layer by layer. */
  readonly files: readonly PlatformFile[];
  /** The fields installed, in declaration order. */
  readonly installed: readonly PlatformField[];
  /** What refuses the cluster (a need nothing installs, a component that does not fit its version). */
  readonly problems: readonly string[];
  /** What the synth prints without refusing. */
  readonly warnings: readonly string[];
  /** The files come from the platform cache: they passed every platform check when they were written. */
  readonly cached: boolean;
  /** Keeps the files in the platform cache; the synth calls it once they passed every check. */
  readonly remember: () => void;
}

type Manifest = Record<string, any>;
const where = (o: RenderedObject) => `${o.constructPath} (${objectId(o.manifest)})`;


/** Why each platform field is needed by the cluster's objects: the first object that needs it. */
export function platformNeeds(objects: readonly RenderedObject[]): Map<PlatformField, string> {
  const needs = new Map<PlatformField, string>();
  const need = (f: PlatformField, why: string) => { if (!needs.has(f)) needs.set(f, why); };
  for (const o of objects) {
    const m = o.manifest as Manifest;
    const field = PLATFORM_API_GROUPS[apiGroup(m.apiVersion)];
    if (field) need(field, where(o));
    if (m.kind === 'Service' && m.spec?.type === 'LoadBalancer') need('metallb', `${where(o)}, a LoadBalancer Service`);
    if (m.kind === 'HorizontalPodAutoscaler') need('metricsServer', `${where(o)}, whose resource metrics metrics-server serves`);
    if (m.kind === 'StorageClass' && m.provisioner === 'nfs.csi.k8s.io') need('csiDriverNfs', `${where(o)}, provisioner nfs.csi.k8s.io`);
    if (m.kind === 'Ingress') need('ingressNginx', `${where(o)}, an Ingress`);
    const annotations = Object.keys(m.metadata?.annotations ?? {});
    if (annotations.some((k) => k === 'cert-manager.io/cluster-issuer' || k === 'cert-manager.io/issuer')) need('certManager', `${where(o)}, a cert-manager annotation`);
  }
  return needs;
}

/** A component to render: its chart (or manifests), release and values. */
interface Release {
  readonly field: PlatformField;
  readonly componentId: string;
  readonly release: string;
  readonly values?: Record<string, unknown>;
}

/** Whether the cluster declares nodes but no worker: then the speaker must run on the control plane. */
function onlyControlPlane(cluster: Cluster): boolean {
  return cluster.nodes.length > 0 && cluster.nodes.every((n) => n.taints.some((t) => t.key === 'node-role.kubernetes.io/control-plane'));
}

/** Argo CD's sync-wave annotation: the one Application of a cluster applies the layers wave by wave, each healthy first. */
export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
/** The wave of each layer; the environments are wave 0. */
export const LAYER_WAVES: Readonly<Record<PlatformLayer, string>> = { crds: '-3', controllers: '-2', config: '-1' };
const HELM_HOOK_ANNOTATIONS = ['helm.sh/hook', 'helm.sh/hook-weight', 'helm.sh/hook-delete-policy'];

/**
 * A rendered object as a plain object of its layer: its wave; Helm's hook annotations dropped (nothing here
 * installs with Helm, and Argo CD would turn them into PreSync/PostSync hooks outside the layer order, a
 * PostSync hook never running while a later wave fails); a Job keeps its record (no `ttlSecondsAfterFinished`:
 * a Job deleted after it ran is NotFound for `kubectl wait` and Flux health checks, and re-created by every
 * Flux reconcile) and may be re-created by Flux when its immutable template changes.
 */
function plainObject(m: Manifest, layer: PlatformLayer): Manifest {
  const annotations = Object.fromEntries(Object.entries(m.metadata.annotations ?? {}).filter(([k]) => !HELM_HOOK_ANNOTATIONS.includes(k)));
  annotations[SYNC_WAVE] = LAYER_WAVES[layer];
  if (m.kind === 'Job') annotations['kustomize.toolkit.fluxcd.io/force'] = 'enabled';
  const out: Manifest = { ...m, metadata: { ...m.metadata, annotations } };
  if (m.kind === 'Job' && m.spec) {
    const { ttlSecondsAfterFinished: _ttl, ...spec } = m.spec;
    out.spec = spec;
  }
  return out;
}

const CERT_MANAGER_USER = { runAsUser: 1000, runAsGroup: 1000 };

/** The releases of a field, with values built from the cluster's definition. */
function releasesOf(field: PlatformField, cluster: Cluster): Release[] {
  const choice = cluster.platformChoices[field];
  const options = typeof choice === 'object' ? choice : {};
  switch (field) {
    case 'metallb':
      // L2 mode only: no FRR (BGP) containers; the speaker runs where workloads run.
      return [{ field, componentId: 'metallb', release: 'metallb', values: {
        frrk8s: { enabled: false },
        // The chart tolerates the control-plane taints by default (speaker.tolerateMaster); only a cluster without workers needs that.
        speaker: { frr: { enabled: false }, tolerateMaster: cluster.nodes.length === 0 || onlyControlPlane(cluster) },
        // The chart runs the controller as nobody (65534) without a group; the group written too (our kubelet check's policy).
        controller: { securityContext: { runAsGroup: 65534 } },
      } }];
    case 'metricsServer':
      return [{ field, componentId: 'metricsServer', release: 'metrics-server', values: {
        // The chart runs it as 1000 without a group; the group written too (our kubelet check's policy).
        securityContext: { runAsGroup: 1000 },
        args: (options as NonNullable<Extract<ClusterPlatformProps['metricsServer'], object>>).kubeletInsecureTls === true ? ['--kubelet-insecure-tls'] : [],
      } }];
    case 'certManager':
      // The CRDs are part of the release (crds.enabled); startupapicheck is a Helm install hook with nothing to wait for here.
      // Its images declare `USER 1000` (cert-manager hack/containers/Containerfile.*); the chart only sets runAsNonRoot,
      // so the numeric user and group are written for the kubelet to verify (verifyRunAsNonRoot).
      return [{ field, componentId: 'certManager', release: 'cert-manager', values: {
        crds: { enabled: true, keep: true }, startupapicheck: { enabled: false },
        securityContext: CERT_MANAGER_USER, webhook: { securityContext: CERT_MANAGER_USER }, cainjector: { securityContext: CERT_MANAGER_USER },
      } }];
    case 'csiDriverNfs':
      return [{ field, componentId: 'csiDriverNfs', release: 'csi-driver-nfs', values: {} }];
    case 'gatewayApi':
      return [
        { field, componentId: 'gatewayApi', release: 'gateway-api' },
        { field, componentId: 'nginxGatewayFabric', release: 'nginx-gateway-fabric', values: {} },
      ];
    case 'ingressNginx': {
      const ports = (options as NonNullable<Extract<ClusterPlatformProps['ingressNginx'], object>>).nodePorts;
      return [{ field, componentId: 'ingressNginx', release: 'ingress-nginx', values: {
        controller: {
          service: ports ? { type: 'NodePort', nodePorts: { http: ports.http, https: ports.https } } : { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false },
        },
      } }];
    }
  }
}

/** What `release` writes: its chart rendered, or its pinned manifests parsed. */
function manifestsOf(r: Release, cluster: Cluster): { manifests: Manifest[]; namespace?: string } {
  const c = platformLock().get(r.componentId)!;
  if (!c.files[0].name.endsWith('.tgz')) {
    const manifests = c.files.flatMap((f) => parseAllDocuments(Buffer.from(platformFile(r.componentId, f.name)).toString('utf8'))
      .map((d) => d.toJS() as Manifest | null).filter((d): d is Manifest => d !== null && typeof d === 'object'));
    return { manifests };
  }
  const namespace = c.namespace!;
  const manifests = renderChart({ componentId: r.componentId, chart: c.files[0].name, release: r.release, namespace, values: r.values ?? {}, kubernetesVersion: cluster.kubernetesVersion });
  return { manifests, namespace };
}

/** Why a namespace needs a level above restricted, from the component's SOURCE.md. */
const PRIVILEGED_REASONS: Readonly<Record<string, string>> = {
  metallb: "MetalLB's speaker runs with hostNetwork and the NET_RAW capability to answer ARP/NDP for service addresses (MetalLB installation docs: label the namespace privileged)",
};

/**
 * Renders the cluster's platform: every component its definition chooses or its objects need, minus the
 * external ones; nothing when the cluster does not manage its platform. Refusals (a need nothing installs, a version that does not fit) are returned, not thrown.
 */
export function clusterPlatform(cluster: Cluster, objects: readonly RenderedObject[]): ClusterPlatform {
  if (!cluster.managesPlatform) return { files: [], installed: [], problems: [], warnings: [], cached: true, remember: () => undefined };
  const needs = platformNeeds(objects);
  const problems: string[] = [];
  const warnings: string[] = [];
  const installed: PlatformField[] = [];
  const fields = Object.keys(PLATFORM_FIELDS) as PlatformField[];
  const decide = (field: PlatformField, why: string | undefined) => {
    const choice = cluster.platformChoices[field];
    if (choice === 'external' || installed.includes(field)) return;
    if (choice === true || typeof choice === 'object') {
      installed.push(field);
      return;
    }
    if (why === undefined) return;
    if (choice === false) {
      problems.push(`cluster ${cluster.name}: ${why} needs ${field}, but the cluster sets platform.${field} to false: remove that line (the output then installs it), or set it to "external" when someone else installs it`);
    } else if (field === 'ingressNginx') {
      problems.push(`cluster ${cluster.name}: ${why} needs an ingress controller, and ingress-nginx is retired (no security fixes since March 2026): write HTTPRoutes instead (routeOutput "httproute": the output installs Gateway API and NGINX Gateway Fabric), or choose platform.ingressNginx explicitly as a legacy component, or "external"`);
    } else {
      try {
        checkPlatformCompatibility(`cluster ${cluster.name}`, cluster.name, cluster.kubernetesVersion, [field], KUBERNETES_VERSIONS);
        installed.push(field);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        problems.push(`${e.message} (needed by ${why})`);
      }
    }
  };
  const issuers = cluster.issuers.filter((i) => !i.external);
  if (issuers.length > 0 && !needs.has('certManager')) needs.set('certManager', `cluster ${cluster.name}: issuers ${issuers.map((i) => i.name).join(', ')}`);
  for (const f of fields) decide(f, needs.get(f));
  // What the installed components need in turn: their LoadBalancer Services take MetalLB addresses.
  if (installed.includes('gatewayApi')) decide('metallb', "NGINX Gateway Fabric's data-plane LoadBalancer Service");
  const ingress = cluster.platformChoices.ingressNginx as ClusterPlatformProps['ingressNginx'];
  if (installed.includes('ingressNginx') && !(typeof ingress === 'object' && ingress.nodePorts)) decide('metallb', "ingress-nginx's LoadBalancer Service");
  installed.sort((a, b) => fields.indexOf(a) - fields.indexOf(b));

  const releases = installed.flatMap((f) => releasesOf(f, cluster));
  // Named after the code that checked it: a platform cached by other code is never read again; old versions' entries are pruned.
  const code = codeFingerprint().slice(0, 16);
  const name = `platform-${code}-${platformKey(cluster, releases)}.json`;
  const cached = readCachedPlatform(code, name);
  if (cached) return { files: cached, installed, problems, warnings, cached: true, remember: () => undefined };
  const files = buildPlatform(cluster, releases, installed.includes('certManager') || cluster.platformChoices.certManager === 'external');
  const remember = () => {
    pruneCache('platform-', code);
    const index: CachedPlatformFile[] = files.map((f) => {
      const content: PlatformContent = { text: f.text, manifests: f.objects.map((o) => o.manifest) };
      const sha = crypto.createHash('sha256').update(JSON.stringify(content)).digest('hex');
      // The contents first, then the index that names them: a reader finds all of them or no index.
      if (!fs.existsSync(path.join(renderCacheDir(), contentEntry(code, sha)))) writeCache(contentEntry(code, sha), content);
      return { file: f.file, layer: f.layer, content: sha, paths: f.objects.map((o) => o.constructPath) };
    });
    writeCache(name, index);
  };
  return { files, installed, problems, warnings, cached: false, remember };
}

/** A platform file's text and objects, kept once per distinct content: clusters of the same components and values share it. */
interface PlatformContent {
  readonly text: string;
  readonly manifests: readonly RenderedObject['manifest'][];
}

/** A platform file as its cluster's cache entry names it: its place, the sha256 of its content, its objects' construct paths. */
interface CachedPlatformFile {
  readonly file: string;
  readonly layer: PlatformLayer;
  readonly content: string;
  readonly paths: readonly string[];
}

const contentEntry = (code: string, sha: string) => `platform-${code}-content-${sha}.json`;

/**
 * A cluster's checked platform from the render cache, or undefined when its entry (or a content it names) is not
 * there: each distinct file content is read and parsed once per process (deeply frozen), however many
 * clusters write it, e.g. the same version's CRDs.
 */
function readCachedPlatform(code: string, name: string): PlatformFile[] | undefined {
  const index = readShared<CachedPlatformFile[]>(name);
  if (!Array.isArray(index)) return undefined;
  const files: PlatformFile[] = [];
  for (const f of index) {
    const content = readShared<PlatformContent>(contentEntry(code, f.content));
    if (!content || content.manifests.length !== f.paths.length) return undefined;
    const objects = content.manifests.map((manifest, i) => Object.freeze({ manifest, constructPath: f.paths[i] }));
    files.push(Object.freeze({ text: content.text, file: f.file, layer: f.layer, objects: Object.freeze(objects) }));
  }
  return files;
}

/**
 * The cache key of a cluster's platform: its name and version, every release (chart digest, name,
 * values), the fingerprint of this library's code, which builds and checks the platform, and the packages the
 * checks run ({@link checkPackagesIdentity}): a cached platform is one that passed every check of the same code
 * and packages.
 */
function platformKey(cluster: Cluster, releases: readonly Release[]): string {
  const input = JSON.stringify({
    code: codeFingerprint(), packages: checkPackagesIdentity(), cluster: cluster.name, version: cluster.kubernetesVersion, issuers: cluster.issuers,
    releases: releases.map((r) => ({ ...r, files: platformLock().get(r.componentId)!.files.map((f) => f.sha256) })),
  });
  return crypto.createHash('sha256').update(input).digest('hex');
}

let fingerprint: string | undefined;

/** sha256 of this library's own code and imports ({@link sourceFingerprint} of its root folder) and of the lock. */
export function codeFingerprint(): string {
  fingerprint ??= crypto.createHash('sha256').update(sourceFingerprint(path.dirname(__dirname))).update(JSON.stringify([...platformLock().values()])).digest('hex');
  return fingerprint;
}

/**
 * sha256 of the code under `root` (every .js/.ts file but declarations) and of the `imports` folder beside it
 * (the generated CRD bindings and the schemas the checks read: .js/.ts/.json), names and contents, in a stable order.
 */
export function sourceFingerprint(root: string): string {
  const hash = crypto.createHash('sha256');
  const walk = (dir: string, files: RegExp) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) walk(file, files);
      else if (files.test(e.name) && !e.name.endsWith('.d.ts')) hash.update(e.name).update(fs.readFileSync(file));
    }
  };
  walk(root, /\.(js|ts)$/);
  hash.update('\0imports\0');
  walk(path.join(path.dirname(root), 'imports'), /\.(js|ts|json)$/);
  return hash.digest('hex');
}

/**
 * Renders the releases into the layer charts of a throwaway App, and the cluster's issuers into the config
 * layer when cert-manager serves them; returns each component's layer files.
 */
function buildPlatform(cluster: Cluster, releases: readonly Release[], certManager: boolean): PlatformFile[] {
  const app = new App();
  const root = new Construct(app, `${PLATFORM_ROOT}${cluster.name}`);
  const charts = new Map(PLATFORM_LAYERS.map((l) => [l, new Chart(root, l, { disableResourceNameHashes: true })]));
  const version = `v${cluster.kubernetesVersion}`;
  const scopes = new Map<string, Construct>();
  const scope = (layer: PlatformLayer, id: string) => {
    const key = `${layer}/${id}`;
    let s = scopes.get(key);
    if (!s) scopes.set(key, s = new Construct(charts.get(layer)!, id));
    return s;
  };
  {
    for (const r of releases) {
      const lock = platformLock().get(r.componentId)!;
      const { manifests, namespace } = manifestsOf(r, cluster);
      const clusterScopedCrds = new Set(manifests.filter((m) => m.kind === 'CustomResourceDefinition' && m.spec?.scope === 'Cluster').map((m) => m.spec.names.kind));
      if (namespace && !['kube-system', 'default'].includes(namespace)) {
        const level = lock.podSecurity ?? 'restricted';
        const reason = PRIVILEGED_REASONS[r.componentId];
        new ApiObject(scope('controllers', lock.folder), 'Namespace', {
          apiVersion: 'v1', kind: 'Namespace',
          metadata: {
            name: namespace,
            labels: Object.fromEntries(['enforce', 'audit', 'warn'].flatMap((mode) => [
              [`pod-security.kubernetes.io/${mode}`, level], [`pod-security.kubernetes.io/${mode}-version`, version]])),
            annotations: {
              [ARGOCD_PROTECT.key]: ARGOCD_PROTECT.value, [FLUX_PROTECT.key]: FLUX_PROTECT.value, [SYNC_WAVE]: LAYER_WAVES.controllers,
              ...(reason ? { 'onprem.k8s/pod-security-reason': reason } : {}),
            },
          },
        });
      }
      const ids = new Set<string>();
      for (const m of manifests) {
        const layer: PlatformLayer = m.kind === 'CustomResourceDefinition' ? 'crds' : 'controllers';
        const meta = { ...(m.metadata ?? {}) };
        // Helm leaves the namespace to `helm install -n`; kubectl, Argo CD and Flux would use `default`.
        if (namespace && meta.namespace === undefined && !CLUSTER_SCOPED_KINDS.has(m.kind) && !clusterScopedCrds.has(m.kind)) {
          meta.namespace = namespace;
        }
        if (m.kind === 'CustomResourceDefinition') {
          // Deleting a CRD deletes every custom resource of its kind: never pruned by a GitOps controller.
          meta.annotations = { ...(meta.annotations ?? {}), [ARGOCD_PROTECT.key]: ARGOCD_PROTECT.value, [FLUX_PROTECT.key]: FLUX_PROTECT.value };
        }
        const manifest = plainObject({ ...m, metadata: meta }, layer);
        let id = `${m.kind}-${meta.namespace ? `${meta.namespace}-` : ''}${meta.name}`;
        for (let n = 2; ids.has(id); n++) id = `${m.kind}-${meta.name}-${n}`;
        ids.add(id);
        new ApiObject(scope(layer, lock.folder), id, manifest as never);
      }
    }
  }
  if (certManager && cluster.issuers.some((i) => !i.external)) {
    const issuers = new ClusterIssuers(scope('config', 'cert-manager'), 'issuers', { issuers: [...cluster.issuers] });
    for (const c of issuers.node.findAll()) if (c instanceof ApiObject) c.metadata.addAnnotation(SYNC_WAVE, LAYER_WAVES.config);
  }
  const files: PlatformFile[] = [];
  for (const [layer, chart] of charts) {
    for (const component of chart.node.children) {
      const objects = new DependencyGraph(component.node).topology()
        .filter((c): c is ApiObject => c instanceof ApiObject)
        .map((o) => ({ manifest: o.toJson(), constructPath: o.node.path }));
      if (objects.length > 0) {
        files.push({ file: `${cluster.name}/${PLATFORM_FOLDER}/${layer}/${component.node.id}.yaml`, layer, objects, text: stringifyYaml(...objects.map((o) => o.manifest)) });
      }
    }
  }
  return files;
}
