import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart, DependencyGraph } from 'cdk8s';
import { RenderedObject, runRenderedChecks } from '../checks';
import { daemonSetNodeCounts } from '../checks/scheduling';
import { runClusterChecks } from '../checks/cluster';
import { Cluster } from '../cluster/cluster';
import { APPS_FOLDER, clusterGitOpsObjects } from '../gitops/cluster-gitops';
import { ClusterPlatform, clusterPlatform, PLATFORM_FOLDER, PLATFORM_LAYERS, PlatformLayer } from '../cluster/cluster-platform';
import { crdsOf, customResourceProblems, layerOrderProblems } from '../cluster/custom-resources';
import { autoscalersWithoutTarget, claimsWithoutStorage, duplicateObjects, podSecurityViolations, servicesWithoutPods } from '../checks/cross-checks';
import { DestructiveChange, findDestructiveChanges, guardReport } from './destroy-guard';
import { environmentMap } from './env-map';
import { Environment, GITOPS_FOLDER } from '../cluster/environment';
import {
  checkOwnership, checkReportPath, holdsExactly, KUSTOMIZATION_HEADER, lockOutputFolder, OutputFolder, readOutputFiles, recoverLeftovers,
  removeStaleReport, resolveOutputFolder, swapIn,
} from './output-folder';
import { apiGroup, hasRegisteredSchema } from '../checks/schema';
import { stringifyYaml } from './yaml-writer';
import { repositoryOf } from './git-repo';
import { ValidatedObjects } from './validated-objects';
import { ValidationError } from '../checks/validation';
import { checkProps, SYNTH_OPTIONS } from '../checks/prop-shapes';

/** A synth that must not write: lists every problem found, one per line. */
export class SynthError extends Error {
  /**
   * @param problems every problem found, one message each
   * @param title the first line of the message
   */
  constructor(public readonly problems: readonly string[], title = 'synth failed') {
    super(`${title}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'SynthError';
  }
}

/** The guard found destructive changes nobody accepted: nothing was written. The message is the report. */
export class DestructiveChangeError extends SynthError {
  /**
   * @param refused the destructive changes nobody accepted
   * @param report the guard's Markdown report of them
   */
  constructor(public readonly refused: readonly DestructiveChange[], public readonly report: string) {
    super(refused.map((c) => `${c.id}: ${c.change}`), 'destructive changes refused');
    this.message = report;
    this.name = 'DestructiveChangeError';
  }
}

/**
 * A synth that failed after it changed the output folder or the files beside it: the message says what
 * is where, and "nothing was written" is not true.
 */
export class OutputChangedError extends SynthError {}

/** One object of the output with the construct that made it. */
export type { RenderedObject };

/** The output of one chart: one file. */
export interface RenderedFile {
  /** Path relative to the output folder: `<cluster>/<env>/<tier>-<chart>.yaml` (a cluster's GitOps objects: `gitops/<cluster>-<tool>.yaml`). */
  readonly file: string;
  /** Name of the environment the file belongs to; empty for a cluster's GitOps file. */
  readonly environment: string;
  /** Name of the cluster the file is applied to (for a GitOps file: the cluster it applies). */
  readonly cluster: string;
  /** The platform layer of a cluster's platform file (`<cluster>/platform/<layer>/<component>.yaml`). @default - not a platform file */
  readonly layer?: PlatformLayer;
  /** The file's YAML when already serialized (a cluster's platform files). @default - serialized from `objects` */
  readonly text?: string;
  /** The objects of the file, in apply order. */
  readonly objects: readonly RenderedObject[];
}

const STARTS_WITH_PATH = /^[\w.-]+(\/[\w.-]+)*: /;

/** Runs every construct's validations once over the finished tree; each message names its construct path. */
export function validateTree(app: App): string[] {
  const problems: string[] = [];
  for (const c of app.node.findAll()) {
    for (const message of c.node.validate()) {
      // Our own checks already start with the path they are about (which may be another construct's).
      problems.push(STARTS_WITH_PATH.test(message) ? message : `${c.node.path}: ${message}`);
    }
  }
  return problems;
}

function environmentsOf(app: App): Environment[] {
  const envs = app.node.children.filter((c): c is Environment => c instanceof Environment);
  const stray = app.node.findAll().filter((c) => c instanceof Chart && !envs.some((e) => c.node.scope === e));
  if (stray.length > 0) {
    throw new SynthError(stray.map((c) => `${c.node.path}: chart is not a chart of an Environment (create it with environment.addChart())`));
  }
  const names = new Map<string, Environment>();
  for (const env of envs) {
    const other = names.get(env.envName);
    if (other) throw new SynthError([`${env.node.path}: environment name "${env.envName}" is already used by ${other.node.path}`]);
    names.set(env.envName, env);
  }
  return envs;
}

/** Where the output folder is in the repository the GitOps controllers pull: its path there, or why there is none. */
interface GitOpsRoot {
  /** The output folder relative to the repository root (`dist`; `''` for the root itself). */
  readonly path?: string;
  /** Why the output folder is not inside a repository. */
  readonly why?: string;
}

/**
 * The output folder's path relative to the root of the Git repository holding it (the GitOps objects
 * point there), or why it is not inside one.
 */
function gitopsRootOf(target: string): GitOpsRoot {
  const place = repositoryOf(target);
  if (!place) return { why: `the output folder ${target} is not inside a Git repository` };
  if (place.rel.startsWith('..')) return { why: `the output folder ${target} is outside the repository ${place.top}` };
  return { path: place.rel };
}

/** A cluster and its environments, in the app's order. */
interface ClusterGroup {
  readonly cluster: Cluster;
  readonly envs: Environment[];
}

/** The clusters of the app's environments, in the order their first environment appears; one name is one cluster. */
function clustersOf(envs: readonly Environment[]): Map<string, ClusterGroup> {
  const out = new Map<string, ClusterGroup>();
  for (const env of envs) {
    const group = out.get(env.cluster.name);
    if (!group) out.set(env.cluster.name, { cluster: env.cluster, envs: [env] });
    else if (group.cluster !== env.cluster) {
      throw new SynthError([`${env.node.path}: cluster "${env.cluster.name}" is another Cluster than the one of ${group.envs[0].node.path} with the same name (create each cluster once and pass it to every environment on it${group.envs.length === 1 && group.envs[0].envName === env.cluster.name ? `; ${group.envs[0].node.path} names no cluster, so it has one of its own named after it` : ''})`]);
    } else group.envs.push(env);
  }
  return out;
}

interface Rendering {
  readonly envs: readonly Environment[];
  /** Every cluster of the app with all its environments (rendered or not): the clusters' kustomizations list them all. */
  readonly clusters: ReadonlyMap<string, ClusterGroup>;
  readonly files: RenderedFile[];
  /** Problems of the cross-object checks, by environment name. */
  readonly crossProblems: ReadonlyMap<string, string[]>;
  /** Problems of the per-cluster checks, by cluster name. */
  readonly clusterProblems: ReadonlyMap<string, string[]>;
  /** What the synth prints without refusing (the platform's). */
  readonly warnings: readonly string[];
  /** Keeps the clusters' platforms in the platform cache (once every check passed). */
  readonly remember: () => void;
  /** The objects that passed the schema check; the synth keeps them once it wrote the output. */
  readonly validated: ValidatedObjects;
}

/**
 * Validates the tree, renders each chart and schema-checks every object; runs the cross-object and
 * per-cluster checks without throwing. With `only`, the environments named are written, but every
 * environment of their clusters is rendered and checked, so the per-cluster checks see the whole cluster.
 * `gitopsRoot` is the output folder relative to the repository root: the GitOps objects apply `<gitopsRoot>/<cluster>`.
 */
function render(app: App, only?: readonly string[], gitopsRoot: GitOpsRoot = { path: 'dist' }): Rendering {
  const envs = environmentsOf(app);
  if (only) {
    const unknown = only.filter((n) => !envs.some((e) => e.envName === n));
    if (unknown.length > 0) {
      throw new SynthError([`unknown environment ${unknown.map((u) => `"${u}"`).join(', ')}; known: ${envs.map((e) => e.envName).join(', ')}`]);
    }
  }
  const clusters = clustersOf(envs);
  // Aspects may change the tree, so they run before its validations.
  for (const env of envs) env.applyAspects();
  const problems = validateTree(app);
  if (problems.length > 0) throw new SynthError(problems, 'validation failed');

  const files: RenderedFile[] = [];
  const touched = [...clusters.values()].filter((g) => !only || g.envs.some((e) => only.includes(e.envName)));
  const checkedEnvs = touched.flatMap((g) => g.envs);
  for (const env of checkedEnvs) env.protectStatefulObjects();
  // cdk8s' chart.toJson() resolves the dependencies of the whole app and runs every validation again on
  // each call (quadratic in charts): let the first chart do that once, then render each chart's objects
  // in the same dependency order it uses.
  let prepared = false;
  // An aspect of any environment may change any object; without one, the NetworkPlan's renderings still hold.
  const reuse = !envs.some((e) => e.aspectsMayChangeObjects);
  for (const env of checkedEnvs) {
    for (const chart of env.charts) {
      if (!prepared) chart.toJson();
      prepared = true;
      const apiObjects = new DependencyGraph(chart.node).topology()
        .filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === chart);
      const objects = apiObjects.map((o) => {
        const early = env.renderedEarly(o);
        return { manifest: (reuse ? early : undefined) ?? o.toJson(), constructPath: o.node.path };
      });
      if (objects.length > 0) files.push({ file: env.fileOf(chart), environment: env.envName, cluster: env.cluster.name, objects });
    }
  }
  const unreachable = touched.filter((g) => g.cluster.gitops && gitopsRoot.path === undefined);
  if (unreachable.length > 0) {
    throw new SynthError(unreachable.map((g) => `cluster ${g.cluster.name}: its ${g.cluster.gitops!.controller} objects must point at the cluster's folder in the repository, but ${gitopsRoot.why}; write the output inside the repository (e.g. --outdir dist), or set the cluster's gitops controller to "none"`), 'the GitOps objects cannot point at the output');
  }
  const platforms = new Map<string, ClusterPlatform>();
  const warnings: string[] = [];
  for (const { cluster } of touched) {
    const platform = clusterPlatform(cluster, files.filter((f) => f.cluster === cluster.name).flatMap((f) => f.objects));
    platforms.set(cluster.name, platform);
    warnings.push(...platform.warnings);
    for (const p of platform.files) files.push({ ...p, environment: '', cluster: cluster.name });
  }
  for (const { cluster } of touched) {
    const layers = PLATFORM_LAYERS.filter((l) => files.some((f) => f.cluster === cluster.name && f.layer === l));
    const gitops = clusterGitOpsObjects(cluster, gitopsRoot.path === '' ? cluster.name : `${gitopsRoot.path}/${cluster.name}`, layers);
    if (gitops) files.push({ ...gitops, environment: '', cluster: cluster.name });
  }

  const invalid: string[] = [];
  const validated = ValidatedObjects.forThisCode();
  const outputCrds = new Map([...clusters.keys()].map((c) => [c, crdsOf(files.filter((f) => f.cluster === c).flatMap((f) => f.objects))]));
  for (const f of files) {
    const version = clusters.get(f.cluster)!.cluster.kubernetesVersion;
    // A cached platform passed every check when it was cached (its key holds the code that checked it).
    if (f.layer && platforms.get(f.cluster)?.cached) continue;
    for (const o of f.objects) {
      // A custom resource of a CRD the same cluster's output installs is checked against that CRD (customResourceProblems).
      if (!hasRegisteredSchema(o.manifest.apiVersion, o.manifest.kind) && outputCrds.get(f.cluster)!.has(`${apiGroup(o.manifest.apiVersion)}/${o.manifest.kind}`)) continue;
      for (const v of validated.validate(o.manifest, version)) {
        invalid.push(`${o.constructPath}: ${v.object}: ${v.field} ${v.message} (${f.file})`);
      }
    }
  }
  if (invalid.length > 0) throw new SynthError(invalid, 'schema validation failed');
  const crossProblems = new Map(checkedEnvs.map((env) => {
    const objects = objectsOf(files, env.envName);
    return [env.envName, [
      ...duplicateObjects(objects), ...servicesWithoutPods(objects), ...claimsWithoutStorage(objects, env.externalStorageClasses),
      ...autoscalersWithoutTarget(objects), ...podSecurityViolations(objects),
      ...runRenderedChecks(objects, { environment: env.envName, namespace: env.namespace, eligibleNodes: daemonSetNodeCounts(env.cluster.facts), network: env.network.facts, passed: validated }),
    ]];
  }));
  const clusterProblems = new Map(touched.map(({ cluster }) => {
    const gitops = files.filter((f) => f.cluster === cluster.name && f.environment === '' && !f.layer).flatMap((f) => f.objects);
    const platform = files.filter((f) => f.cluster === cluster.name && f.layer);
    const applied = files.filter((f) => f.cluster === cluster.name && (f.environment !== '' || f.layer)).flatMap((f) => f.objects);
    const platformObjects = platform.flatMap((f) => f.objects);
    const { problems, cached } = platforms.get(cluster.name)!;
    const envObjects = files.filter((f) => f.cluster === cluster.name && f.environment !== '').flatMap((f) => f.objects);
    return [cluster.name, [
      ...problems,
      // The cluster's GitOps objects get the rendered-object checks (CRD CEL rules, names) like an environment's.
      ...runRenderedChecks(gitops, { environment: cluster.name, namespace: cluster.gitops?.namespace ?? '', passed: validated }),
      // The platform's objects get the same checks as an environment's, Pod Security of their own namespaces included.
      ...(cached ? [] : [
        ...duplicateObjects(platformObjects), ...podSecurityViolations(platformObjects),
        ...runRenderedChecks(platformObjects, { environment: cluster.name, namespace: '', platform: true, passed: validated }),
      ]),
      ...runClusterChecks(applied, cluster.facts),
      // Without a managed platform, every CRD counts as installed by someone else.
      ...(cluster.managesPlatform ? customResourceProblems(cached ? envObjects : applied, applied, cluster.externalApiGroups) : []),
      ...layerOrderProblems(platform.map((f) => ({ layer: f.layer!, objects: f.objects })), files.filter((f) => f.cluster === cluster.name && f.environment !== '').flatMap((f) => f.objects)),
    ]];
  }));
  const written = only ? files.filter((f) => f.environment === '' || only.includes(f.environment)) : files;
  const remember = () => platforms.forEach((p) => p.remember());
  return { envs: only ? checkedEnvs.filter((e) => only.includes(e.envName)) : checkedEnvs, clusters, files: written, crossProblems, clusterProblems, warnings, remember, validated };
}

const objectsOf = (files: readonly RenderedFile[], env: string) => files.filter((f) => f.environment === env).flatMap((f) => f.objects);

/**
 * Turns a finished app into files, without writing anything: runs the tree's validations (construct
 * rules and environment-wide checks), renders each chart and checks every object against the
 * Kubernetes 1.27 / CRD schemas and the cross-object checks. Throws a {@link SynthError} listing every problem.
 */
export function renderApp(app: App, only?: readonly string[]): RenderedFile[] {
  return checked(render(app, only)).files;
}

function checked(r: Rendering): Rendering {
  const problems = [...r.crossProblems.values(), ...r.clusterProblems.values()].flat();
  if (problems.length > 0) throw new SynthError(problems, 'cross-object checks failed');
  r.remember();
  return r;
}

function maps(r: Rendering): Map<string, string> {
  return new Map(r.envs.map((env) => [env.envName, environmentMap({
    environment: env.envName,
    objects: objectsOf(r.files, env.envName).map((o) => o.manifest),
    externalStorageClasses: env.externalStorageClasses,
    problems: r.crossProblems.get(env.envName),
  })]));
}

/**
 * The map of each environment (Markdown with a Mermaid flowchart, see {@link environmentMap}), keyed by
 * environment name. Unlike {@link renderApp} it does not stop at cross-object problems: it draws them.
 */
export function renderMaps(app: App, only?: readonly string[]): Map<string, string> {
  return maps(render(app, only));
}

/**
 * Serializes rendered files to their text, keyed by relative path, and adds the kustomizations (for
 * `kubectl apply -k`, Argo CD and Flux): `<cluster>/<env>/kustomization.yaml` listing each environment
 * folder's files in apply order, and `<cluster>/kustomization.yaml` listing the cluster's environment
 * folders, which builds the whole cluster.
 * @param clusters the environments of each cluster, in order @default - those the files belong to
 */
export function serialize(files: readonly RenderedFile[], clusters?: ReadonlyMap<string, readonly string[]>): Map<string, string> {
  const out = new Map<string, string>();
  const folders = new Map<string, string[]>();
  const envsOf = new Map<string, string[]>();
  for (const f of files) {
    out.set(f.file, f.text ?? stringifyYaml(...f.objects.map((o) => o.manifest)));
    const folder = f.file.slice(0, f.file.lastIndexOf('/'));
    if (f.environment === '' && !f.layer) continue;
    const names = folders.get(folder);
    if (names) names.push(f.file.slice(folder.length + 1));
    else folders.set(folder, [f.file.slice(folder.length + 1)]);
    if (f.environment === '') continue;
    const envs = envsOf.get(f.cluster) ?? [];
    if (!envs.includes(f.environment)) envs.push(f.environment);
    envsOf.set(f.cluster, envs);
  }
  for (const [folder, names] of folders) out.set(`${folder}/kustomization.yaml`, kustomization(names, 'the files of this folder in apply order'));
  for (const [cluster, envs] of clusters ?? envsOf) {
    const platform = files.filter((f) => f.cluster === cluster && f.layer);
    if (platform.length === 0) {
      out.set(`${cluster}/kustomization.yaml`, kustomization(envs, 'the environment folders of this cluster; kubectl kustomize builds the whole cluster'));
      continue;
    }
    const layers = PLATFORM_LAYERS.filter((l) => platform.some((f) => f.layer === l)).map((l) => `${PLATFORM_FOLDER}/${l}`);
    out.set(`${cluster}/kustomization.yaml`, kustomization([...layers, ...envs],
      'the whole cluster, its platform layers then its environments (Argo CD applies it wave by wave); a first install applies the layers in order', applyOrder(platform)));
    out.set(`${cluster}/${APPS_FOLDER}/kustomization.yaml`, kustomization(envs.map((e) => `../${e}`), 'the environment folders of this cluster, applied after its platform (Flux\'s last layer)'));
  }
  return out;
}

/**
 * The kubectl commands that apply a cluster's folder in layer order, waiting between layers for what the
 * next one needs: the CRDs established, the controllers' Deployments and DaemonSets rolled out and their
 * Jobs complete (admission webhooks refuse custom resources until their controller serves them).
 */
function applyOrder(platform: readonly RenderedFile[]): string[] {
  const lines = ['Apply order with kubectl, from this folder (Argo CD and Flux apply the same layers in this order, see gitops/):'];
  for (const layer of PLATFORM_LAYERS) {
    const objects = platform.filter((f) => f.layer === layer).flatMap((f) => f.objects.map((o) => o.manifest));
    if (objects.length === 0) continue;
    lines.push(`kubectl apply --server-side -k ${PLATFORM_FOLDER}/${layer}`);
    // kubectl wait takes no -k: the built objects go to it on stdin.
    if (layer === 'crds') lines.push(`kubectl kustomize ${PLATFORM_FOLDER}/${layer} | kubectl wait --for=condition=Established --timeout=2m -f -`);
    for (const m of objects) {
      const ns = m.metadata?.namespace;
      if (m.kind === 'Deployment' || m.kind === 'DaemonSet') lines.push(`kubectl -n ${ns} rollout status ${m.kind.toLowerCase()}/${m.metadata.name} --timeout=5m`);
      if (m.kind === 'Job') lines.push(`kubectl -n ${ns} wait --for=condition=Complete job/${m.metadata.name} --timeout=5m`);
    }
  }
  lines.push(`kubectl apply --server-side -k ${APPS_FOLDER}`);
  return lines;
}

function kustomization(resources: readonly string[], what: string, comments: readonly string[] = []): string {
  return [
    `${KUSTOMIZATION_HEADER}: ${what}.`,
    ...comments.map((c) => `# ${c}`),
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    ...resources.map((r) => `  - ${r}`),
    '',
  ].join('\n');
}

/** The map each environment folder holds beside its YAML. */
export const MAP_FILE = 'map.md';

/**
 * Cleans what an interrupted synth left beside `outdir`: its temporary folder, a previous output it could
 * not delete, and, if it was killed between the two renames of the swap, puts the previous output back in
 * place. Returns a message for each leftover that could not be removed.
 */
export function recoverInterrupted(outdir: string): string[] {
  return recoverLeftovers(resolveOutputFolder(outdir).target);
}

/**
 * Writes `files` (and the marker file `.onprem-k8s-output`) as the new content of `outdir`, all or
 * nothing: into a temporary folder beside it, then swapped in with renames, under the lock of the folder.
 * Only a folder this synth wrote is replaced (see {@link synthesize}); on any error the previous `outdir`
 * is left as it was and the temporary folder is removed; a run killed midway is cleaned up by the next
 * one. Returns the warnings (a previous output that could not be deleted after the swap).
 */
export function writeAtomically(outdir: string, files: ReadonlyMap<string, string>): string[] {
  const folder = resolveOutputFolder(outdir);
  const release = lockOutputFolder(folder);
  try {
    const warnings = recoverLeftovers(folder.target);
    checkOwnership(folder);
    const { leftover } = swapIn(folder.target, files);
    return leftover ? [...warnings, leftover] : warnings;
  } finally {
    release();
  }
}

/** Options of a synth run. */
export interface SynthOptions {
  /** Folder to write. @default - `$CDK8S_OUTDIR`, else `dist` */
  readonly outdir?: string;
  /** Only these environments; the others keep what `outdir` has. @default - all */
  readonly environments?: readonly string[];
  /** Only the environments of these clusters (with `environments`: those too); the others keep what `outdir` has. @default - all */
  readonly clusters?: readonly string[];
  /** Also write `construct-metadata.json` for the cdk8s CLI's validation report. @default - when `$CDK8S_RECORD_CONSTRUCT_METADATA` is "true" */
  readonly constructMetadata?: boolean;
  /**
   * Destructive changes to accept, one object each (`Kind/namespace/name` or `Kind/name`); every other
   * destructive change against the current output stops the synth. @default - none
   */
  readonly allowDestroy?: readonly string[];
  /**
   * Also write the guard's report (Markdown) to this file, outside `outdir`: the refused changes when it
   * refuses, and on success the accepted ones or "no destructive changes". A report of an earlier run is
   * removed first, so a run that fails before the guard leaves none. @default - none
   */
  readonly report?: string;
}

/** Summary of a successful synth. */
export interface SynthSummary {
  /** The folder written. */
  readonly outdir: string;
  /** Number of files written. */
  readonly files: number;
  /** Number of Kubernetes objects written. */
  readonly objects: number;
  /** Destructive changes that went through because `allowDestroy` named them. */
  readonly accepted: readonly DestructiveChange[];
  /** The guard's report of the accepted changes (empty when none). */
  readonly report: string;
  /** What the synth reports without stopping: a previous output that could not be deleted, a retired platform component chosen. */
  readonly warnings: readonly string[];
}

/** The report written on success when no destructive change was found. */
export const NO_DESTRUCTIVE_CHANGES = '## No destructive changes\n\nThe output was replaced: no change loses data or is refused by the API server.';

/**
 * The output the guard compares with: what `outdir` holds, or, when it is missing or empty (the cdk8s
 * CLI deletes it before running the app), the version committed in Git at HEAD, if `outdir` is in a
 * repository. Only the files the synth writes inside environment folders count (`<folder>/*.yaml`,
 * `<folder>/map.md`), and only regular files: a pipe, socket, device or link in the folder is not opened.
 * Throws a {@link SynthError} for a file larger than the synth writes.
 */
export function previousOutput(outdir: string): {
  /** Text of each file, by path relative to the output folder. */
  files: Map<string, string>;
  /** Where they came from: the folder on disk, the version committed at `HEAD`, or nowhere (first synth). */
  source: 'folder' | 'git' | 'none';
} {
  const onDisk = readOutputFiles(outdir);
  if (onDisk.size > 0) return { files: onDisk, source: 'folder' };
  const files = committedOutput(outdir);
  return { files, source: files.size > 0 ? 'git' : 'none' };
}

function committedOutput(outdir: string): Map<string, string> {
  const out = new Map<string, string>();
  const place = repositoryOf(outdir);
  if (!place || place.rel === '' || place.rel.startsWith('..')) return out;
  const { top: cwd, rel } = place;
  const names = spawnSync('git', ['ls-tree', '-r', '--name-only', '--full-tree', 'HEAD', '--', rel], { cwd, encoding: 'utf8', maxBuffer: 1 << 30 })
    .stdout.split('\n').filter((n) => n.startsWith(`${rel}/`));
  if (names.length === 0) return out;
  // One `git cat-file --batch` for all files: "<sha> blob <size>\n<content>\n" each, sizes in bytes.
  const batch = spawnSync('git', ['cat-file', '--batch'], { cwd, input: names.map((n) => `HEAD:${n}`).join('\n') + '\n', maxBuffer: 1 << 30 });
  const buf = batch.stdout;
  let at = 0;
  for (const name of names) {
    const eol = buf.indexOf(0x0a, at);
    const size = Number(buf.subarray(at, eol).toString('utf8').split(' ')[2]);
    const content = buf.subarray(eol + 1, eol + 1 + size).toString('utf8');
    at = eol + 1 + size + 1;
    const inside = name.slice(rel.length + 1);
    const parts = inside.split('/');
    const last = parts[parts.length - 1];
    if ((parts.length === 2 || parts.length === 3) && (last.endsWith('.yaml') || last === MAP_FILE)) out.set(inside, content);
  }
  return out;
}

/** True when output file `rel` belongs to environment `env`: its folder `<cluster>/<env>/`. */
function ownedBy(rel: string, env: Environment): boolean {
  return rel.startsWith(`${env.folder}/`);
}

/**
 * Compares `files` with the previous output (see {@link previousOutput}) and throws a {@link DestructiveChangeError} unless every
 * destructive change is named in `allowDestroy`; an allowance that matches no change is refused too,
 * so a stale one cannot let a later change through. Returns the accepted changes. When it refuses and
 * `report` is given, writes the report there too.
 */
export function guardDestructiveChanges(previous: ReadonlyMap<string, string>, files: ReadonlyMap<string, string>, allowDestroy: readonly string[] = [], report?: string): DestructiveChange[] {
  const changes = findDestructiveChanges(previous, files);
  const allowed = new Set(allowDestroy);
  const unused = [...allowed].filter((id) => !changes.some((c) => c.id === id));
  if (unused.length > 0) {
    throw new SynthError(unused.map((id) => `--allow-destroy ${id} matches no destructive change (${changes.length > 0 ? `found: ${[...new Set(changes.map((c) => c.id))].join(', ')}` : 'there are none'}); remove it`), 'bad arguments');
  }
  const refused = changes.filter((c) => !allowed.has(c.id));
  const accepted = changes.filter((c) => allowed.has(c.id));
  const text = guardReport(refused, accepted);
  if (report && refused.length > 0) fs.writeFileSync(report, `${text}\n`);
  if (refused.length > 0) throw new DestructiveChangeError(refused, text);
  return accepted;
}

/**
 * The whole pipeline: build the app, validate the tree, render and schema-check every object, then
 * replace `outdir` atomically. Nothing is written unless every step passed.
 *
 * `outdir` is only replaced when this synth wrote it: missing, empty, holding the marker file
 * `.onprem-k8s-output` (every synth writes it), or an older output of ours (only cluster folders of
 * environment folders, or environment folders of the layout before clusters, whose kustomization.yaml has
 * the generated header, `gitops/` and `construct-metadata.json`). Refused
 * with a {@link SynthError}: `/`, the current folder (the project) and its ancestors, the home folder and
 * its ancestors, a file, a folder holding `.git` or `package.json`, any other folder. A symbolic link is
 * followed: its target is replaced, the link is kept. Two synths of one folder are serialized by a lock
 * file beside it (`.<name>.synth-lock`): the second one stops with a message.
 */
export function synthesize(buildApp: () => App, options: SynthOptions = {}): SynthSummary {
  if (typeof buildApp !== 'function') throw new ValidationError('synthesize', 'buildApp', buildApp, 'is not a function that builds the App');
  checkProps('synthesize', options, SYNTH_OPTIONS, true, 'options');
  const outdir = options.outdir ?? process.env.CDK8S_OUTDIR ?? 'dist';
  const folder = resolveOutputFolder(outdir);
  if (options.report !== undefined) checkReportPath(options.report, folder);
  const release = lockOutputFolder(folder);
  try {
    return synthesizeLocked(buildApp, options, folder);
  } finally {
    release();
  }
}

function synthesizeLocked(buildApp: () => App, options: SynthOptions, folder: OutputFolder): SynthSummary {
  const warnings = recoverLeftovers(folder.target);
  if (options.report !== undefined) removeStaleReport(options.report);
  const app = buildApp();
  const only = selectedEnvironments(app, options);
  const rendering = checked(render(app, only, gitopsRootOf(folder.target)));
  for (const group of rendering.clusters.values()) warnings.push(...group.cluster.warnings);
  warnings.push(...rendering.warnings);
  const rendered = rendering.files;
  // A cluster kustomization is written for the clusters this run renders; another cluster's (with its platform
  // layers, which this run does not render) is kept below as it is.
  const written = new Set(rendering.envs.map((e) => e.cluster.name));
  const files = serialize(rendered, new Map([...rendering.clusters].filter(([name]) => written.has(name)).map(([name, g]) => [name, g.envs.map((e) => e.envName)])));
  for (const [env, map] of maps(rendering)) files.set(`${rendering.envs.find((e) => e.envName === env)!.folder}/${MAP_FILE}`, map);
  checkOwnership(folder);
  const previous = previousOutput(folder.target);
  if (only && previous.source === 'folder') {
    // An output of the layout before clusters (`<env>/<file>.yaml`) is moved as a whole: kept folders would sit beside the new layout.
    const legacy = [...new Set([...previous.files.keys()].map((rel) => rel.split('/')).filter((p) => p.length === 2 && p[0] !== GITOPS_FOLDER && p[1] !== 'kustomization.yaml').map((p) => p[0]))];
    if (legacy.length > 0) {
      throw new SynthError([`${folder.given} holds environment folders of the layout before clusters (${legacy.map((l) => `${l}/`).join(', ')}): run the synth once without --env/--cluster to move every environment to <cluster>/<env>/`], 'bad arguments');
    }
    // Keep the other environments' files as they are in the current output; the clusters' kustomizations
    // and GitOps objects are written from the whole app.
    const mine = rendering.envs;
    const platforms = [...new Set(mine.map((env) => `${env.cluster.name}/${PLATFORM_FOLDER}/`))];
    for (const [rel, text] of previous.files) {
      if (!files.has(rel) && !mine.some((env) => ownedBy(rel, env)) && !platforms.some((p) => rel.startsWith(p))) files.set(rel, text);
    }
  }
  const accepted = guardDestructiveChanges(previous.files, files, options.allowDestroy, options.report);
  if (options.constructMetadata ?? process.env.CDK8S_RECORD_CONSTRUCT_METADATA === 'true') {
    const resources: Record<string, { path: string }> = {};
    for (const f of rendered) for (const o of f.objects) resources[o.manifest.metadata?.name] = { path: o.constructPath };
    files.set('construct-metadata.json', JSON.stringify({ version: '1.0.0', resources }));
  }
  // An output that is already in place, byte for byte, is not written again (nor are its files' times changed).
  if (!holdsExactly(folder.target, files)) {
    const { leftover } = swapIn(folder.target, files);
    if (leftover) warnings.push(leftover);
  }
  rendering.validated.remember();
  const report = guardReport([], accepted);
  if (options.report !== undefined) {
    try {
      fs.writeFileSync(options.report, `${report || NO_DESTRUCTIVE_CHANGES}\n`);
    } catch (e) {
      throw new OutputChangedError([...warnings, `the new output is in place in ${folder.given}, but the report ${options.report} could not be written: ${(e as Error).message}`], 'synth wrote the output, not the report');
    }
  }
  return { outdir: folder.given, files: rendered.length, objects: rendered.reduce((n, f) => n + f.objects.length, 0), accepted, report, warnings };
}

/** The environments a run writes: those named, and those of the clusters named; undefined for all. */
function selectedEnvironments(app: App, options: SynthOptions): readonly string[] | undefined {
  if (!options.environments && !options.clusters) return undefined;
  const envs = environmentsOf(app);
  const known = [...new Set(envs.map((e) => e.cluster.name))];
  const unknown = (options.clusters ?? []).filter((c) => !known.includes(c));
  if (unknown.length > 0) throw new SynthError([`unknown cluster ${unknown.map((u) => `"${u}"`).join(', ')}; known: ${known.join(', ')}`]);
  const ofClusters = envs.filter((e) => options.clusters?.includes(e.cluster.name)).map((e) => e.envName);
  return [...new Set([...(options.environments ?? []), ...ofClusters])];
}

function parseArgs(argv: readonly string[]): SynthOptions {
  const environments: string[] = [];
  const clusters: string[] = [];
  const allowDestroy: string[] = [];
  let outdir: string | undefined;
  let report: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--env') environments.push(...value().split(','));
    else if (arg.startsWith('--env=')) environments.push(...arg.slice(6).split(','));
    else if (arg === '--cluster') clusters.push(...value().split(','));
    else if (arg.startsWith('--cluster=')) clusters.push(...arg.slice(10).split(','));
    else if (arg === '--outdir' || arg === '-o') outdir = value();
    else if (arg === '--allow-destroy') allowDestroy.push(...value().split(','));
    else if (arg === '--report') report = value();
    else throw new UsageError(`unknown argument "${arg}" (known: --env <name>[,<name>], --cluster <name>[,<name>], --outdir <dir>, --allow-destroy <Kind/namespace/name>, --report <file>, --map, --help)`);
  }
  return { outdir, environments: environments.length > 0 ? environments : undefined, clusters: clusters.length > 0 ? clusters : undefined, allowDestroy, report };
}

/**
 * Command-line entry: `node build/main.js [--env dev] [--cluster nonprod] [--outdir dist] [--allow-destroy Kind/ns/name] [--report file]`.
 * Prints a one-line summary (after the report of accepted destructive changes, if any), or the problems
 * and a non-zero exit code; `dist/` is only replaced on success.
 */
export function runSynthCli(buildApp: () => App, argv: readonly string[] = process.argv.slice(2)): void {
  if (argv[0] === '--map') return runMapCli(buildApp, argv.slice(1));
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(SYNTH_USAGE());
    return;
  }
  const started = Date.now();
  let outdir: string | undefined;
  try {
    const options = parseArgs(argv);
    outdir = options.outdir ?? process.env.CDK8S_OUTDIR ?? 'dist';
    const summary = synthesize(buildApp, options);
    if (summary.report) process.stdout.write(`${summary.report}\n\n`);
    process.stdout.write(`synthesized ${summary.objects} objects in ${summary.files} files into ${summary.outdir}/ (${Date.now() - started} ms)\n`);
    // The output is complete and in place: a leftover beside it is reported, not a failure.
    for (const w of summary.warnings) process.stderr.write(`warning: ${w}\n`);
  } catch (e) {
    if (e instanceof UsageError) return usageFailure(e);
    process.stderr.write(`${describeFailure(e)}${e instanceof OutputChangedError ? '' : `\n${nothingWritten(outdir)}`}\n`);
    process.exitCode = 1;
  }
}

/**
 * What a refused synth tells about the output folder: unchanged (nothing was written), except under the
 * cdk8s CLI when the folder is missing or empty: the CLI deleted it before it ran the app
 * (cdk8s-cli lib/cli/cmds/synth.js `fs.rmSync(outdir)`), so it says that and how to get it back.
 */
export function nothingWritten(outdir: string | undefined): string {
  const unchanged = 'nothing was written: the previous output is unchanged.';
  if (outdir === undefined || process.env.CDK8S_OUTDIR === undefined) return unchanged;
  const held = fs.existsSync(outdir) && (!fs.statSync(outdir).isDirectory() || fs.readdirSync(outdir).length > 0);
  if (held) return unchanged;
  return `nothing was written, but the cdk8s CLI deleted ${outdir}/ before it ran the app: if it was committed, restore it with  `
    + `git checkout -- ${outdir}  and synthesize with  npm run synth, which replaces the folder only on success.`;
}

/** A command line the CLI cannot read: the problem, then the usage; exit code 2, nothing done. */
class UsageError extends SynthError {
  constructor(problem: string, readonly usage: () => string = SYNTH_USAGE) {
    super([problem], 'bad command line');
  }
}

function usageFailure(e: UsageError): void {
  process.stderr.write(`${e.message}\nnothing was done.\n\n${e.usage()}`);
  process.exitCode = 2;
}

/** How this program was started, for the usage line: `node build/main.js` in this repository. */
function program(): string {
  const script = process.argv[1] ? path.relative(process.cwd(), process.argv[1]) || process.argv[1] : 'main.js';
  return `node ${script}`;
}

const EXIT_CODES = `exit codes:
  0  done (warnings, if any, on stderr)
  1  refused or failed: every problem on stderr; nothing written unless the message says what was
  2  bad command line: the problem and this usage on stderr; nothing done
`;

/** \`--help\` of the synth (\`npm run synth -- --help\`). */
const SYNTH_USAGE = (): string => `usage: ${program()} [options]          (npm run synth -- [options])
       ${program()} --map [options]    (npm run map -- [options]; see --map --help)

Checks every environment, then replaces the output folder as a whole (only a folder this synth wrote),
refusing destructive changes to stateful objects unless allowed. On any problem nothing is written.

options:
  --env <name>[,<name>]                     write only these environments; the other files are kept
  --cluster <name>[,<name>]                 write only the environments of these clusters
  -o, --outdir <dir>                        the output folder (default: $CDK8S_OUTDIR, else dist)
  --allow-destroy <Kind/namespace/name>     accept this destructive change (repeat, or comma-separate)
  --report <file>                           also write the destructive-change report to <file>
  --map                                     print each environment's map instead; writes nothing
  -h, --help                                print this help

${EXIT_CODES}`;

/** \`--map --help\` (\`npm run map -- --help\`). */
const MAP_USAGE = (): string => `usage: ${program()} --map [options]    (npm run map -- [options])

Prints each environment's map (Mermaid), with cross-object problems drawn in red and listed, not
refused; or, with --readme, replaces the block between <!-- map:<env> start --> and
<!-- map:<env> end --> in that file. Writes nothing under the output folder.

options:
  --env <name>[,<name>]    only these environments (default: all)
  --readme <file>          update the map blocks in <file> instead of printing
  -h, --help               print this help

${EXIT_CODES}`;

/** A failure as a user should read it: our messages as they are, anything else with its stack. */
export function describeFailure(e: unknown): string {
  if (e instanceof SynthError) return e.message;
  if (e instanceof ValidationError) return `synth failed:\n  - ${e.message}`;
  const err = e as NodeJS.ErrnoException;
  if (err?.code && err.syscall) return `synth failed: cannot write the output: ${err.message}`;
  return `synth failed: the app threw while building:\n${err?.stack ?? String(e)}`;
}

/**
 * `node build/main.js --map [--env lab] [--readme README.md]`: prints each environment's map (cross-object
 * problems drawn in red and listed, not refused), or with `--readme` replaces the Mermaid block between
 * `<!-- map:<env> start -->` and `<!-- map:<env> end -->` in that file. Writes nothing under `dist/`.
 */
export function runMapCli(buildApp: () => App, argv: readonly string[]): void {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(MAP_USAGE());
    return;
  }
  try {
    const environments: string[] = [];
    let readme: string | undefined;
    for (let i = 0; i < argv.length; i++) {
      if (argv[i] === '--env' && argv[i + 1]) environments.push(...argv[++i].split(','));
      else if (argv[i] === '--readme' && argv[i + 1]) readme = argv[++i];
      else throw new UsageError(`unknown argument "${argv[i]}" (known: --env <name>[,<name>], --readme <file>, --help)`, MAP_USAGE);
    }
    const maps = renderMaps(buildApp(), environments.length > 0 ? environments : undefined);
    if (readme) {
      let text = fs.readFileSync(readme, 'utf8');
      for (const [env, map] of maps) text = withMap(text, env, map, readme);
      fs.writeFileSync(readme, text);
      process.stdout.write(`updated the map${maps.size === 1 ? '' : 's'} of ${[...maps.keys()].join(', ')} in ${readme}\n`);
    } else {
      process.stdout.write([...maps.values()].join('\n'));
    }
  } catch (e) {
    if (e instanceof UsageError) return usageFailure(e);
    process.stderr.write(`${describeFailure(e)}\n`);
    process.exitCode = 1;
  }
}

/**
 * `text` with the Mermaid block of `map` between the `<!-- map:<env> start -->` and `<!-- map:<env> end -->`
 * markers (a README showing an environment's map); throws when the markers are missing.
 */
export function withMap(text: string, env: string, map: string, file = 'the file'): string {
  const start = `<!-- map:${env} start -->`;
  const end = `<!-- map:${env} end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new SynthError([`${file} has no "${start}" … "${end}" markers to put the map of ${env} between`], 'map failed');
  const block = map.slice(map.indexOf('```mermaid'), map.lastIndexOf('```') + 3);
  return `${text.slice(0, from + start.length)}\n${block}\n${text.slice(to)}`;
}
