/**
 * The GitOps entry objects of a cluster: one controller (the one its definition names) applying the
 * cluster's folder. They are written beside the clusters, to `gitops/<cluster>-<tool>.yaml` in the output
 * folder, not inside the folder they apply (a controller that applied its own Application would prune it).
 */
import { ApiObject, App, Chart, DependencyGraph } from 'cdk8s';
import { ArgoCdApplication } from './argocd-application';
import { FluxSync } from './flux-sync';
import type { RenderedObject } from '../checks';
import { Cluster } from '../cluster/cluster';
import { PLATFORM_FOLDER, PlatformLayer } from '../cluster/cluster-platform';

/** Folder under the output for the GitOps controllers' own objects; no cluster may take this name. */
export const GITOPS_OUTPUT_FOLDER = 'gitops';

/** The GitOps objects of one cluster, with their file. */
export interface ClusterGitOpsObjects {
  /** Path relative to the output folder: `gitops/<cluster>-<tool>.yaml`. */
  readonly file: string;
  /** The objects, in apply order, each with the construct path that made it (`gitops-<cluster>/…`). */
  readonly objects: readonly RenderedObject[];
}

/** Folder of a cluster with a platform holding its environments' kustomization: Flux's last layer and kubectl's last step. */
export const APPS_FOLDER = 'apps';

/**
 * The GitOps objects that apply `repoPath` (the cluster's folder, relative to the repository root) from the
 * cluster's repository; `undefined` when the cluster names no controller. With platform `layers`:
 * - Argo CD: one Application for the whole cluster (`<repoPath>`, whose kustomization lists the layers and
 *   then the environments); the platform's objects carry sync waves by layer, so Argo CD applies each layer
 *   and waits until it is healthy before the next; server-side apply (CRDs too large for the last-applied
 *   annotation) and `SkipDryRunOnMissingResource` (custom resources of CRDs in the same sync).
 * - Flux: one Kustomization per layer (`<cluster>-platform-<layer>`, path `<repoPath>/platform/<layer>`),
 *   each `dependsOn` the previous one and waiting until its objects are ready, then `<cluster>` for the
 *   environments (`<repoPath>/apps`), all from one GitRepository.
 */
export function clusterGitOpsObjects(cluster: Cluster, repoPath: string, layers: readonly PlatformLayer[] = []): ClusterGitOpsObjects | undefined {
  const g = cluster.gitops;
  if (!g) return undefined;
  const chart = new Chart(new App(), `gitops-${cluster.name}`, { disableResourceNameHashes: true });
  const source = { repoUrl: g.repoUrl, branch: g.branch, namespace: g.namespace };
  const platform = layers.length > 0;
  if (g.controller === 'argocd') {
    new ArgoCdApplication(chart, 'argocd', {
      ...source, name: g.name, path: repoPath,
      serverSideApply: platform || undefined, skipDryRunOnMissingResource: platform || undefined,
    });
  } else {
    const apps = { ...source, name: g.name, path: platform ? `${repoPath}/${APPS_FOLDER}` : repoPath };
    const names = layers.map((layer) => `${g.name}-platform-${layer}`);
    // The environments' Kustomization (named after the cluster, as before there were layers) owns the GitRepository.
    new FluxSync(chart, 'flux', { ...apps, dependsOn: platform ? [names[names.length - 1]] : undefined });
    layers.forEach((layer, i) => new FluxSync(chart, layer, {
      ...source, name: names[i], path: `${repoPath}/${PLATFORM_FOLDER}/${layer}`, sourceName: g.name,
      dependsOn: i === 0 ? undefined : [names[i - 1]], wait: true,
      // A first install pulls a dozen images: room for it, and a quick retry instead of the next interval.
      timeout: '10m', retryInterval: '1m',
    }));
  }
  const objects = new DependencyGraph(chart.node).topology()
    .filter((c): c is ApiObject => c instanceof ApiObject)
    .map((o) => ({ manifest: o.toJson(), constructPath: o.node.path }));
  return { file: `${GITOPS_OUTPUT_FOLDER}/${cluster.name}-${g.controller}.yaml`, objects };
}
