import { Construct } from 'constructs';
import { Application } from '../../imports/argocd-application-argoproj.io';
import { GitSourceProps } from './gitops';
import { checkBoolean, checkDnsLabel, checkDnsSubdomain, checkGitBranch, checkGitUrl, checkRepoPath, checkString } from '../checks/validation';
import { checkProps, ARGOCD_APPLICATION, uniqueId } from '../checks/prop-shapes';

/** An Argo CD Application that keeps a cluster in step with one environment's folder. */
export interface ArgoCdApplicationProps extends GitSourceProps {
  /** Name of the Application. */
  readonly name: string;
  /** Folder of the environment inside the repository (required here; the Environment passes its default). */
  readonly path: string;
  /** Namespace Argo CD runs in (Applications live there). @default "argocd" */
  readonly namespace?: string;
  /** Argo CD project. @default "default" */
  readonly project?: string;
  /** API server to deploy to. @default "https://kubernetes.default.svc" (the cluster Argo CD runs in) */
  readonly destinationServer?: string;
  /** Delete what left Git (stateful objects are protected by annotation). @default true */
  readonly prune?: boolean;
  /** Undo changes made in the cluster by hand. @default true */
  readonly selfHeal?: boolean;
  /** Apply server-side (`ServerSideApply=true`): needed for objects too large for the last-applied annotation, such as big CRDs. @default false */
  readonly serverSideApply?: boolean;
  /** `SkipDryRunOnMissingResource=true`: a custom resource whose CRD is not installed yet does not fail the whole dry run. @default false */
  readonly skipDryRunOnMissingResource?: boolean;
}

/**
 * An `argoproj.io/v1alpha1` Application pointing at `dist/<env>` (a kustomization.yaml lists its files).
 * Automated sync with prune and self-heal by default; there is no `resources-finalizer`, so deleting the
 * Application never deletes the environment, and stateful objects carry `Prune=false,Delete=false`.
 */
export class ArgoCdApplication extends Construct {
  /** The Application object. */
  public readonly application: Application;

  constructor(scope: Construct, id: string, props: ArgoCdApplicationProps) {
    super(scope, uniqueId(scope, id));
    try {
      checkProps(this, props, ARGOCD_APPLICATION, new.target === ArgoCdApplication);
      const prune = checkBoolean(this, 'prune', props.prune ?? true);
      const selfHeal = checkBoolean(this, 'selfHeal', props.selfHeal ?? true);
      this.application = new Application(this, 'Application', {
        metadata: { name: checkDnsSubdomain(this, 'name', props.name), namespace: checkDnsLabel(this, 'namespace', props.namespace ?? 'argocd') },
        spec: {
          project: checkDnsSubdomain(this, 'project', props.project ?? 'default'),
          source: {
            repoUrl: checkGitUrl(this, 'repoUrl', props.repoUrl),
            targetRevision: checkGitBranch(this, 'branch', props.branch ?? 'main'),
            path: checkRepoPath(this, 'path', props.path),
          },
          destination: { server: checkString(this, 'destinationServer', props.destinationServer ?? 'https://kubernetes.default.svc') },
          syncPolicy: {
            automated: { prune, selfHeal },
            // The output writes its own Namespaces; prune only after everything else is in place.
            syncOptions: [
              'CreateNamespace=false', 'PruneLast=true',
              ...(checkBoolean(this, 'serverSideApply', props.serverSideApply ?? false) ? ['ServerSideApply=true'] : []),
              ...(checkBoolean(this, 'skipDryRunOnMissingResource', props.skipDryRunOnMissingResource ?? false) ? ['SkipDryRunOnMissingResource=true'] : []),
            ],
            // Argo CD: a failed automated sync is not retried unless asked (application-controller sync retry); an admission
            // webhook that refuses an object until another one exists (MetalLB's pools) then needs a human.
            retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
          },
        },
      });
    } catch (e) {
      scope.node.tryRemoveChild(id);
      throw e;
    }
  }
}
