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
 * The Argo CD Application or Flux GitRepository + Kustomization that apply `repoPath` (the cluster's
 * folder, relative to the repository root) from the cluster's repository; `undefined` when the cluster
 * names no controller.
 */
export function clusterGitOpsObjects(cluster: Cluster, repoPath: string): ClusterGitOpsObjects | undefined {
  const g = cluster.gitops;
  if (!g) return undefined;
  const chart = new Chart(new App(), `gitops-${cluster.name}`, { disableResourceNameHashes: true });
  const source = { repoUrl: g.repoUrl, branch: g.branch, path: repoPath, name: g.name, namespace: g.namespace };
  if (g.controller === 'argocd') new ArgoCdApplication(chart, 'argocd', source);
  else new FluxSync(chart, 'flux', source);
  const objects = new DependencyGraph(chart.node).topology()
    .filter((c): c is ApiObject => c instanceof ApiObject)
    .map((o) => ({ manifest: o.toJson(), constructPath: o.node.path }));
  return { file: `${GITOPS_OUTPUT_FOLDER}/${cluster.name}-${g.controller}.yaml`, objects };
}
