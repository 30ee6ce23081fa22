import { expectObject, findObjects, snapshotOf, synthesizeApp } from 'onprem-k8s-constructs/testing';
import { buildApp } from './app';

// Our own checks of the app, with the library's testing helpers and no test runner: any failure throws
// (and `node build/check.js` exits 1 with the message). In memory: nothing is written.
const result = synthesizeApp(buildApp());

// The subclass's sidecar, next to the app, sharing its log folder read-only.
expectObject(result, { kind: 'Deployment', name: 'web' }, {
  spec: { template: { spec: { containers: [
    { name: 'web', volumeMounts: [{ mountPath: '/tmp' }, { name: 'logs', mountPath: '/var/log/app' }] },
    { name: 'log-shipper', volumeMounts: [{ mountPath: '/tmp' }, { name: 'logs', mountPath: '/var/log/app', readOnly: true }] },
  ] } } },
});
// The environment's defaults reach the autoscaled API too.
expectObject(result, { kind: 'Deployment', name: 'api' }, {
  spec: { template: { spec: { securityContext: { runAsUser: 10001, runAsGroup: 10001 }, containers: [{ resources: { limits: { memory: '384Mi' } } }] } } },
});
// Every object of the environment carries the team label.
for (const o of findObjects(result, { environment: 'shop' })) {
  if (o.manifest.metadata?.labels?.['example.com/team'] !== 'shop') throw new Error(`${o.constructPath}: no example.com/team label`);
}
// A stable text of the environment's objects, for a snapshot file or a review diff.
if (!snapshotOf(result, { environment: 'shop', kind: 'Ingress' }).includes('host: shop.example.internal')) throw new Error('no route to shop.example.internal');
