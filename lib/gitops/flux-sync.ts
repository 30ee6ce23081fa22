import { Construct } from 'constructs';
import { GitRepository } from '../../imports/flux-gitrepository-source.toolkit.fluxcd.io';
import { Kustomization, KustomizationSpecSourceRefKind } from '../../imports/flux-kustomization-kustomize.toolkit.fluxcd.io';
import { GitSourceProps } from './gitops';
import { checkBoolean, checkDnsLabel, checkDnsSubdomain, checkDuration, checkGitBranch, checkGitUrl, checkRepoPath } from '../checks/validation';
import { checkProps, FLUX_SYNC, uniqueId } from '../checks/prop-shapes';

/** A Flux GitRepository and Kustomization that keep a cluster in step with one environment's folder. */
export interface FluxSyncProps extends GitSourceProps {
  /** Name of both objects. */
  readonly name: string;
  /** Folder of the environment inside the repository (required here; the Environment passes its default). */
  readonly path: string;
  /** Namespace Flux runs in. @default "flux-system" */
  readonly namespace?: string;
  /** How often the Kustomization is reconciled. @default "10m" */
  readonly interval?: string;
  /** How often the repository is fetched. @default "5m" */
  readonly fetchInterval?: string;
  /** How long an apply may take before it counts as failed. @default "5m" */
  readonly timeout?: string;
  /** Delete what left Git (stateful objects are protected by annotation). @default true */
  readonly prune?: boolean;
  /** Secret with the repository's credentials, in `namespace`. @default - none (a public repository) */
  readonly secretName?: string;
  /** Flux Kustomizations (same namespace) that must be ready before this one applies. @default - none */
  readonly dependsOn?: string[];
  /** Wait until every applied object is ready (Flux health checks) before the Kustomization is ready. @default false */
  readonly wait?: boolean;
  /** How soon a failed reconciliation is tried again. @default - the `interval` */
  readonly retryInterval?: string;
  /** Use the GitRepository of this name (written by another FluxSync in `namespace`) instead of writing one. @default - its own GitRepository named `name` */
  readonly sourceName?: string;
}

/**
 * A `source.toolkit.fluxcd.io/v1` GitRepository and a `kustomize.toolkit.fluxcd.io/v1` Kustomization
 * applying `./dist/<env>`. Pruning is on by default; stateful objects carry `kustomize.toolkit.fluxcd.io/prune: disabled`.
 */
export class FluxSync extends Construct {
  /** Where Flux fetches the output from. */
  public readonly gitRepository?: GitRepository;
  /** What Flux applies. */
  public readonly kustomization: Kustomization;

  constructor(scope: Construct, id: string, props: FluxSyncProps) {
    super(scope, uniqueId(scope, id));
    try {
      checkProps(this, props, FLUX_SYNC, new.target === FluxSync);
      const metadata = {
        // kustomize-controller labels every object it applies with the Kustomization's name.
        name: checkDnsSubdomain(this, 'name', props.name, 'kustomize.toolkit.fluxcd.io/name'),
        namespace: checkDnsLabel(this, 'namespace', props.namespace ?? 'flux-system'),
      };
      const secretName = props.secretName === undefined ? undefined : checkDnsSubdomain(this, 'secretName', props.secretName);
      const sourceName = props.sourceName === undefined ? undefined : checkDnsSubdomain(this, 'sourceName', props.sourceName);
      if (sourceName === undefined) {
        this.gitRepository = new GitRepository(this, 'GitRepository', {
          metadata,
          spec: {
            url: checkGitUrl(this, 'repoUrl', props.repoUrl, false),
            ref: { branch: checkGitBranch(this, 'branch', props.branch ?? 'main') },
            interval: checkDuration(this, 'fetchInterval', props.fetchInterval ?? '5m'),
            secretRef: secretName === undefined ? undefined : { name: secretName },
          },
        });
      }
      this.kustomization = new Kustomization(this, 'Kustomization', {
        metadata,
        spec: {
          sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: sourceName ?? metadata.name },
          dependsOn: props.dependsOn === undefined ? undefined : props.dependsOn.map((d, i) => ({ name: checkDnsSubdomain(this, `dependsOn[${i}]`, d) })),
          wait: props.wait === undefined ? undefined : checkBoolean(this, 'wait', props.wait),
          path: `./${checkRepoPath(this, 'path', props.path)}`,
          interval: checkDuration(this, 'interval', props.interval ?? '10m'),
          timeout: checkDuration(this, 'timeout', props.timeout ?? '5m'),
          retryInterval: props.retryInterval === undefined ? undefined : checkDuration(this, 'retryInterval', props.retryInterval),
          prune: checkBoolean(this, 'prune', props.prune ?? true),
        },
      });
    } catch (e) {
      scope.node.tryRemoveChild(id);
      throw e;
    }
  }
}
