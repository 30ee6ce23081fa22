import { ChartTier, Environment, NfsStorage, NodePortApp } from '../../lib';

export function example(env: Environment): void {
  // docs start
  const storage = new NfsStorage(env.addChart('storage', ChartTier.CLUSTER, { namespaced: false }), 'nas', {
    server: '192.168.10.50', mountOptions: ['nfsvers=4.1', 'hard'],
    volumes: [{ name: 'dev-shared-media', path: '/exports/dev/media', capacity: '20Gi', claim: { name: 'shared-media' } }],
    storageClass: { name: 'dev-nfs', share: '/exports/dev/dynamic', subDir: '${pvc.metadata.namespace}/${pvc.metadata.name}' },
  });
  new NodePortApp(env.addChart('web'), 'web', {
    name: 'web', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080,
    claims: [{ claim: storage.claim('shared-media'), mountPath: '/srv/media', readOnly: true }],
  });
  // docs end
}

/** Shown: the storage objects (the app's Deployment mounts the claim). */
export const show = (m: Record<string, any>): boolean => ['PersistentVolume', 'PersistentVolumeClaim', 'StorageClass'].includes(m.kind);
