import { ClusterProps } from '../lib';

/**
 * Where this repository lives for the GitOps controllers: each cluster's Argo CD Application or Flux
 * Kustomization (in `dist/gitops/`) pulls `dist/<cluster>` from here. Change it to your repository.
 */
const repository = { repoUrl: 'https://git.example.internal/platform/onprem-k8s.git', branch: 'main' };

/**
 * The clusters' Ingress objects are served by ingress-nginx, a named legacy choice (retired upstream in March
 * 2026: the synth warns), its controller Service a NodePort on 32080/32443 of every node as in the book's lab.
 * Migrate a cluster by writing HTTPRoutes (`routes.output: 'both'`, then `'HTTPRoute'`) and dropping this.
 * Every other platform component is installed because the cluster's objects need it.
 */
const legacyIngress: ClusterProps['platform'] = { ingressNginx: { nodePorts: { http: 32080, https: 32443 } } };

/** A kubeadm cluster on `<network>.0/24`: gateway .1, control plane .10, workers .101-.103. */
function nodesOn(network: string, prefix: string): NonNullable<ClusterProps['nodes']> {
  return [
    { name: `${prefix}-cp-1`, address: `${network}.10`, role: 'control-plane' },
    ...[1, 2, 3].map((i) => ({ name: `${prefix}-worker-${i}`, address: `${network}.${100 + i}`, role: 'worker' as const })),
  ];
}

/**
 * The classic on-premises learning cluster: one control-plane node 192.168.1.10 (which also serves NFS
 * at /nfs_shared) and three workers 192.168.1.101-103 on 192.168.1.0/24, gateway .1. Argo CD applies it.
 */
export const labCluster: ClusterProps = {
  name: 'lab',
  kubernetesVersion: '1.33',
  nodes: nodesOn('192.168.1', 'lab'),
  nodeNetwork: { cidr: '192.168.1.0/24', gateway: '192.168.1.1' },
  // kubeadm's kubelets serve self-signed certificates; the lab lets metrics-server skip verifying them (never in production).
  platform: { ...legacyIngress, metricsServer: { kubeletInsecureTls: true } },
  gitops: { controller: 'argocd', ...repository },
  // A root CA of its own, made in the cluster: trust its certificate (Secret cert-manager/lab-ca-root, ca.crt) on the lab's clients.
  issuers: [{ name: 'lab-ca', selfSignedCa: { commonName: 'lab root CA' } }],
};

/**
 * The non-production cluster, shared by dev and staging (one namespace each) on 192.168.10.0/24; its NAS
 * for dev is .50 on it, staging's NAS is 192.168.20.50 (routed). Flux applies it.
 */
export const nonprodCluster: ClusterProps = {
  name: 'nonprod',
  kubernetesVersion: '1.34',
  nodes: nodesOn('192.168.10', 'nonprod'),
  nodeNetwork: { cidr: '192.168.10.0/24', gateway: '192.168.10.1', reserved: ['192.168.10.50'] },
  platform: legacyIngress,
  gitops: { controller: 'flux', ...repository },
  // Its own self-signed root (not the lab's): trust Secret cert-manager/nonprod-ca-root (ca.crt) on the testers' machines.
  issuers: [{ name: 'nonprod-ca', selfSignedCa: { commonName: 'nonprod root CA' } }],
};

/** Production, on 192.168.30.0/24 (its NAS .50). Argo CD applies it. */
export const prodCluster: ClusterProps = {
  name: 'prod',
  kubernetesVersion: '1.34',
  nodes: nodesOn('192.168.30', 'prod'),
  nodeNetwork: { cidr: '192.168.30.0/24', gateway: '192.168.30.1', reserved: ['192.168.30.50'] },
  platform: legacyIngress,
  gitops: { controller: 'argocd', ...repository },
  // The company PKI's intermediate CA, never a self-signed root: the operators create its key pair as Secret
  // prod-ca-keypair in namespace cert-manager (`kubectl -n cert-manager create secret tls prod-ca-keypair --cert=… --key=…`).
  issuers: [{ name: 'prod-ca', ca: { secretName: 'prod-ca-keypair' } }],
};

/** Every cluster this repository writes, in output order. Adding one: a definition here; environments name it. */
export const clusters: readonly ClusterProps[] = [labCluster, nonprodCluster, prodCluster];

/** The ClusterIssuer that signs the apps' certificates on the cluster named `cluster`: its first issuer. */
export function appIssuer(cluster: string): string {
  const issuer = clusters.find((c) => c.name === cluster)?.issuers?.[0];
  if (!issuer) throw new Error(`cluster ${cluster} is not in environments/clusters.ts or declares no issuers`);
  return issuer.name;
}
