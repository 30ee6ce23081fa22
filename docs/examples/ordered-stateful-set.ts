import { ChartTier, Environment, NfsStorage, OrderedStatefulSet } from '../../lib';

export function example(env: Environment): void {
  // docs start
  const storage = new NfsStorage(env.addChart('storage', ChartTier.CLUSTER, { namespaced: false }), 'nas', {
    server: '192.168.10.50', storageClass: { name: 'dev-nfs', share: '/exports/dev/dynamic', mountPermissions: '0777' },
  });
  const kv = new OrderedStatefulSet(env.addChart('kv'), 'kv', {
    name: 'kv', image: 'redis:7.2.5-alpine', containerPort: 6379, runAsUser: 999, replicas: 3,
    volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage: '2Gi', storageClass: storage.storageClassRef }],
  });
  kv.podNames; // ['kv-0', 'kv-1', 'kv-2']
  kv.podDnsNames; // ['kv-0.kv.dev.svc.cluster.local', …]
  kv.claimNames; // { data: ['data-kv-0', 'data-kv-1', 'data-kv-2'] }
  // docs end
}

/** Shown: the StatefulSet, its headless Service and PodDisruptionBudget. */
export const show = (m: Record<string, any>): boolean => ['StatefulSet', 'Service', 'PodDisruptionBudget'].includes(m.kind);
