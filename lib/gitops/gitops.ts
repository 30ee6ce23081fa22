/**
 * What the GitOps output shares: where the environment's folder lives in Git, and which objects a
 * controller must never prune or delete on its own.
 */

/** Where a GitOps controller finds an environment's output. */
export interface GitSourceProps {
  /** Repository that holds the synthesized output (https://, ssh:// or git@host:path). */
  readonly repoUrl: string;
  /** Branch the controller follows. @default "main" */
  readonly branch?: string;
  /** Folder of the environment inside the repository. @default "dist/<environment>" */
  readonly path?: string;
}

/**
 * Kinds whose deletion loses data or cuts every workload off from it. A controller that prunes what
 * left Git must leave these alone; the synth's destructive-change guard is where their removal is
 * accepted, and an operator deletes them by hand.
 */
export const STATEFUL_KINDS: ReadonlySet<string> = new Set(['CustomResourceDefinition', 'Namespace', 'PersistentVolume', 'PersistentVolumeClaim', 'StatefulSet', 'StorageClass']);

/** One annotation, as key and value. */
export interface AnnotationMark {
  /** Annotation key. */
  readonly key: string;
  /** Annotation value. */
  readonly value: string;
}

/** Argo CD: never prune this object, and do not delete it with its Application. */
export const ARGOCD_PROTECT: AnnotationMark = { key: 'argocd.argoproj.io/sync-options', value: 'Prune=false,Delete=false' };

/** Flux: never garbage-collect this object, also when its Kustomization is deleted. */
export const FLUX_PROTECT: AnnotationMark = { key: 'kustomize.toolkit.fluxcd.io/prune', value: 'disabled' };
