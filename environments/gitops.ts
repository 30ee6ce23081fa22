import { GitOpsProps } from '../lib';

/**
 * Where this repository lives for the GitOps controllers: each environment's Argo CD Application and
 * Flux Kustomization (in `dist/gitops/`) pull `dist/<env>` from here. Change it to your repository.
 */
export const gitops: GitOpsProps = {
  repoUrl: 'https://git.example.internal/platform/onprem-k8s.git',
  branch: 'main',
};
