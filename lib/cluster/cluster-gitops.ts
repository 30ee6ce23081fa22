/**
 * The GitOps entry objects of a cluster: one controller (the one its definition names) applying the
 * cluster's folder. They are written beside the clusters, to `gitops/<cluster>-<tool>.yaml` in the output
 * folder, not inside the folder they apply (a controller that applied its own Application would prune it).
 */
import { ApiObject, App, Chart, DependencyGraph } from 'cdk8s';
import { ArgoCdApplication } from '../argocd-application';
import { FluxSync } from '../flux-sync';
import type { RenderedObject } from '../synth';
import { Cluster } from './cluster';
import { PLATFORM_FOLDER, PlatformLayer } from './cluster-platform';

/** Folder under the output for the GitOps controllers' own objects; no cluster may take this name. */
export const GITOPS_OUTPUT_FOLDER = 'gitops';

/** The GitOps objects of one cluster, with their file. */
export interface ClusterGitOpsObjects {
  /** Path relative to the output folder: `gitops/<cluster>-<tool>.yaml`. */
  readonly file: string;
  /** The objects, in apply order, each with the construct path that made it (`gitops-<cluster>/…`). */
  readonly objects: readonly RenderedObject[];
}

/**
 * The Argo CD Applications or the Flux GitRepository and Kustomizations that apply `repoPath` (the
 * cluster's folder, relative to the repository root) from the cluster's repository, one per platform layer
 * present (`<cluster>-platform-<layer>`, path `<repoPath>/platform/<layer>`) and one for the environments
 * (`<cluster>`, path `<repoPath>`), in apply order; `undefined` when the cluster names no controller.
 * Flux: each Kustomization `dependsOn` the previous one and waits until its objects are ready. Argo CD:
 * sync waves -3..0 on the Applications (they order them when a parent Application syncs this file),
 * server-side apply for the platform layers (CRDs too large for the last-applied annotation), and
 * `SkipDryRunOnMissingResource` so a layer synced before the CRDs it needs retries instead of failing whole.
 */
export function clusterGitOpsObjects(cluster: Cluster, repoPath: string, layers: readonly PlatformLayer[] = []): ClusterGitOpsObjects | undefined {
  const g = cluster.gitops;
  if (!g) return undefined;
  const chart = new Chart(new App(), `gitops-${cluster.name}`, { disableResourceNameHashes: true });
  const source = { repoUrl: g.repoUrl, branch: g.branch, namespace: g.namespace };
  const steps = [
    ...layers.map((layer) => ({ id: layer, name: `${g.name}-platform-${layer}`, path: `${repoPath}/${PLATFORM_FOLDER}/${layer}`, platform: true })),
    { id: g.controller, name: g.name, path: repoPath, platform: false },
  ];
  // Flux: the environments' Kustomization (named after the cluster, as before there were layers) owns the GitRepository.
  const order = g.controller === 'flux' ? [steps.length - 1, ...steps.keys()].slice(0, steps.length) : [...steps.keys()];
  for (const i of order) {
    const step = steps[i];
    if (g.controller === 'argocd') {
      new ArgoCdApplication(chart, step.id, {
        ...source, name: step.name, path: step.path,
        syncWave: steps.length > 1 ? i - (steps.length - 1) : undefined,
        serverSideApply: step.platform || undefined,
        skipDryRunOnMissingResource: steps.length > 1 && i > 0 ? true : undefined,
      });
    } else {
      new FluxSync(chart, step.id, {
        ...source, name: step.name, path: step.path,
        sourceName: step.platform ? g.name : undefined,
        dependsOn: i === 0 ? undefined : [steps[i - 1].name],
        wait: step.platform || undefined,
      });
    }
  }
  const objects = new DependencyGraph(chart.node).topology()
    .filter((c): c is ApiObject => c instanceof ApiObject)
    .map((o) => ({ manifest: o.toJson(), constructPath: o.node.path }));
  return { file: `${GITOPS_OUTPUT_FOLDER}/${cluster.name}-${g.controller}.yaml`, objects };
}
