import * as fs from 'fs';
import * as path from 'path';
import { blocks, docPages, EXAMPLES, exampleBlock, exampleOutput, refreshExamples } from '../docs/examples/pages';
import { validateManifest } from '../lib';
import { ROOT } from './helpers';

const pages = new Map(docPages().map((file) => [file, fs.readFileSync(path.join(ROOT, file), 'utf8')]));
const of = (name: string, kind: string) => exampleOutput(name).map((o) => o.manifest).filter((m) => m.kind === kind);

describe('the pages\' examples (docs/examples/*.ts, refreshed by npm run docs)', () => {
  test('each example is shown on exactly one page, and every example block names an example', () => {
    const shown = [...pages.values()].flatMap((text) => blocks(text, 'example')).sort();
    expect(shown).toEqual([...EXAMPLES].sort());
  });

  test.each([...pages.keys()])('%s: each example block is the code of its example and the YAML it writes now', (file) => {
    const text = pages.get(file)!;
    expect(refreshExamples(text) === text).toBe(true);
  });

  test.each(EXAMPLES)('%s: shows the package import, the code, and only schema-valid objects', (name) => {
    const block = exampleBlock(name);
    expect([...pages.values()].filter((text) => text.includes(block))).toHaveLength(1);
    expect(block).toContain("from 'onprem-k8s-constructs';");
    expect(block).not.toContain('../../lib');
    const output = exampleOutput(name);
    expect(output.length).toBeGreaterThan(0);
    for (const o of output) expect(validateManifest(o.manifest)).toEqual([]);
  });

  test('a page whose block is stale is refreshed, and an unknown or unclosed block is refused', () => {
    const name = EXAMPLES[0];
    const stale = `before\n<!-- example:${name} start -->\nold\n<!-- example:${name} end -->\nafter\n`;
    expect(refreshExamples(stale)).toBe(`before\n${exampleBlock(name)}\nafter\n`);
    expect(() => refreshExamples('<!-- example:nope start -->\n<!-- example:nope end -->')).toThrow('no example "nope"');
    expect(() => refreshExamples(`<!-- example:${name} start -->\n`)).toThrow(`has no "<!-- example:${name} end -->"`);
  });

  test('the examples write what their prose says', () => {
    const [pool, pinned] = of('metallb-l2-pool', 'IPAddressPool');
    // The Service's fixed .11 is written into an autoAssign: false pool, so no other Service can be given it first.
    expect([pool.spec.addresses, pool.spec.autoAssign]).toEqual([['192.168.1.12-192.168.1.13'], true]);
    expect([pinned.spec.addresses, pinned.spec.autoAssign]).toEqual([['192.168.1.11/32'], false]);
    expect(of('metallb-l2-pool', 'Service')[0].metadata.annotations).toMatchObject({ 'metallb.io/loadBalancerIPs': '192.168.1.11', 'metallb.io/address-pool': 'lab-pool-pinned' });

    const [web] = of('node-port-app', 'Service');
    expect([web.spec.type, web.spec.ports]).toEqual(['NodePort', [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }]]);
    expect(of('node-port-app', 'Deployment')[0].spec.replicas).toBe(3);
    expect(of('node-port-app', 'PodDisruptionBudget')).toHaveLength(1);

    const [ingress] = of('ingress-routes', 'Ingress');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.tls).toEqual([{ hosts: ['apps.dev.example.internal'], secretName: 'apps-dev-tls' }]);
    expect(of('ingress-routes', 'Certificate')[0].spec.issuerRef.name).toBe('lab-ca');

    const [hpa] = of('autoscaled-app', 'HorizontalPodAutoscaler');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 6]);
    expect(of('autoscaled-app', 'Deployment')[0].spec.replicas).toBeUndefined();

    const [daemon] = of('node-daemon', 'DaemonSet');
    expect([daemon.metadata.namespace, daemon.spec.template.spec.hostNetwork]).toEqual(['dev-node-agents', true]);
    expect(of('node-daemon', 'Namespace')[0].metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');

    const [pv] = of('nfs-storage', 'PersistentVolume');
    expect([pv.spec.nfs, pv.spec.persistentVolumeReclaimPolicy]).toEqual([{ server: '192.168.10.50', path: '/exports/dev/media' }, 'Retain']);
    expect(of('nfs-storage', 'PersistentVolumeClaim')[0].spec.volumeName).toBe('dev-shared-media');

    const [sts] = of('ordered-stateful-set', 'StatefulSet');
    expect([sts.spec.replicas, sts.spec.serviceName, sts.spec.volumeClaimTemplates[0].spec.storageClassName]).toEqual([3, 'kv', 'dev-nfs']);

    // The defaults the clusters page lists: what an Environment given no quota, containerLimits or claimSize writes.
    const [quota] = of('environment-defaults', 'ResourceQuota');
    expect(quota.metadata).toEqual({ name: 'dev-quota', namespace: 'dev' });
    expect(quota.spec.hard).toEqual({
      'requests.cpu': '8', 'requests.memory': '16Gi', 'limits.cpu': '16', 'limits.memory': '32Gi', 'pods': '100', 'persistentvolumeclaims': '20', 'requests.storage': '200Gi',
    });
    const [limits] = of('environment-defaults', 'LimitRange');
    expect(limits.spec.limits).toEqual([
      { type: 'Container', defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { cpu: '500m', memory: '512Mi' }, max: { cpu: '4', memory: '8Gi' } },
      { type: 'PersistentVolumeClaim', min: { storage: '10Mi' }, max: { storage: '50Gi' } },
    ]);
  });
});
