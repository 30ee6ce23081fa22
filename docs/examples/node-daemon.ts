import { ChartTier, Environment, NodeDaemon } from '../../lib';

export function example(env: Environment): void {
  // docs start
  env.addNamespace('dev-node-agents'); // host access relaxes a namespace: keep it away from the apps
  new NodeDaemon(env.addChart('node-exporter', ChartTier.APPS, { namespace: 'dev-node-agents' }), 'node-exporter', {
    name: 'node-exporter', image: 'quay.io/prometheus/node-exporter:v1.8.2', containerPort: 9100,
    args: ['--path.rootfs=/host/root'],
    hostNetwork: true, hostPID: true, hostPaths: [{ hostPath: '/', mountPath: '/host/root' }], // read-only
    allowUnsafeHostPaths: true, // the node's root, read-only, for filesystem metrics
    tolerateControlPlane: true, nodeSelector: { 'kubernetes.io/os': 'linux' }, maxUnavailable: 1,
  });
  // docs end
}

/** Shown: the DaemonSet and the namespace whose Pod Security labels follow what it asked for. */
export const show = (m: Record<string, any>): boolean => m.kind === 'DaemonSet' || (m.kind === 'Namespace' && m.metadata.name === 'dev-node-agents');
