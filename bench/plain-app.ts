/**
 * The baseline of `npm run bench`: the same objects as the committed environments, written by a plain
 * cdk8s-plus-27 program (no validation, no schema check, no atomic swap), with cdk8s' own `app.synth()`.
 * Usage: node build/bench/plain-app.js <outdir>
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { environments } from '../environments';

const app = new App({ outdir: process.argv[2] ?? 'plain-dist' });
for (const env of environments) {
  const ns = env.namespace ?? env.name;
  const cluster = new Chart(app, `${env.name}-cluster`, { disableResourceNameHashes: true });
  const namespaced = new Chart(app, `${env.name}-namespace`, { namespace: ns, disableResourceNameHashes: true });
  const level = 'restricted';
  const namespace = new kplus.Namespace(cluster, 'Namespace', {
    metadata: {
      name: ns,
      labels: {
        'pod-security.kubernetes.io/enforce': level,
        'pod-security.kubernetes.io/enforce-version': 'v1.27',
        'pod-security.kubernetes.io/audit': level,
        'pod-security.kubernetes.io/audit-version': 'v1.27',
        'pod-security.kubernetes.io/warn': level,
        'pod-security.kubernetes.io/warn-version': 'v1.27',
      },
    },
  });
  namespace.metadata.addAnnotation('onprem.k8s/pod-security-reason', 'restricted: no workload asked for host access');
  const q = (v: string | number | undefined) => k8s.Quantity.fromString(String(v));
  new k8s.KubeResourceQuota(namespaced, 'ResourceQuota', {
    metadata: { name: `${ns}-quota` },
    spec: {
      hard: {
        'requests.cpu': q(env.quota?.requestsCpu), 'requests.memory': q(env.quota?.requestsMemory),
        'limits.cpu': q(env.quota?.limitsCpu), 'limits.memory': q(env.quota?.limitsMemory),
        'requests.storage': q(env.quota?.requestsStorage), 'pods': q(env.quota?.pods),
        'persistentvolumeclaims': q(env.quota?.persistentVolumeClaims),
      },
    },
  });
  const c = env.containerLimits ?? {};
  new k8s.KubeLimitRange(namespaced, 'LimitRange', {
    metadata: { name: `${ns}-limits` },
    spec: {
      limits: [
        {
          type: 'Container',
          defaultRequest: { cpu: q(c.defaultRequestCpu), memory: q(c.defaultRequestMemory) },
          default: { cpu: q(c.defaultLimitCpu), memory: q(c.defaultLimitMemory) },
          max: { cpu: q(c.maxCpu), memory: q(c.maxMemory) },
        },
        { type: 'PersistentVolumeClaim', min: { storage: q(env.claimSize?.min) }, max: { storage: q(env.claimSize?.max) } },
      ],
    },
  });
}
app.synth();
