import { App } from 'cdk8s';
import { buildApp } from '../main';
import { nonprodCluster } from '../environments/clusters';
import { composeEnvironment } from '../environments/compose';
import { dev } from '../environments/dev';
import { EnvironmentDefinition } from '../environments';
import * as kplus from 'cdk8s-plus-27';
import { Cluster, hardenPods, MetalLbL2Pool, renderApp, secureContainer, stableService } from '../lib';
import { expectSchemaValid, appManifests, manifests, only, testEnv } from './helpers';

describe('the dev environment: MetalLB pool and a LoadBalancer Service with an address from it', () => {
  const all = appManifests(buildApp([dev]));

  test('the pool, its pinned companion and their advertisement, in metallb-system, linked by name', () => {
    const pool = only(all, 'IPAddressPool', 'dev-pool');
    expect(pool.metadata).toEqual({ name: 'dev-pool', namespace: 'metallb-system' });
    // hello pins .200: it moves to an autoAssign: false pool, so no other Service can be given it first.
    expect(pool.spec).toMatchObject({ addresses: ['192.168.10.201-192.168.10.219'], autoAssign: true });
    const pinned = only(all, 'IPAddressPool', 'dev-pool-pinned');
    expect(pinned.spec).toMatchObject({ addresses: ['192.168.10.200/32'], autoAssign: false });
    const adv = only(all, 'L2Advertisement');
    expect(adv.metadata).toEqual({ name: 'dev-pool', namespace: 'metallb-system' });
    expect(adv.spec.ipAddressPools).toEqual(['dev-pool', 'dev-pool-pinned']);
  });

  test('the Service takes 192.168.10.200 from the pool and selects the Deployment pods by stable labels', () => {
    const svc = only(all, 'Service', 'hello');
    const deploy = only(all, 'Deployment', 'hello');
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.metadata.annotations).toEqual({ 'metallb.io/address-pool': 'dev-pool-pinned', 'metallb.io/loadBalancerIPs': '192.168.10.200' });
    expect(svc.spec.externalTrafficPolicy).toBe('Cluster');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080 }]);
    const labels = { 'app.kubernetes.io/name': 'hello', 'app.kubernetes.io/instance': 'hello' };
    expect(svc.spec.selector).toEqual(labels);
    expect(deploy.spec.selector).toEqual({ matchLabels: labels });
    expect(deploy.spec.template.metadata.labels).toEqual(labels);
    expect(deploy.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 8080 }]);
  });

  test('the pods meet Pod Security "restricted" and carry requests, limits and probes', () => {
    const pod = only(all, 'Deployment', 'hello').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const [c] = pod.containers;
    expect(c.image).toBe('nginxinc/nginx-unprivileged:1.27-alpine');
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 101, runAsGroup: 101, capabilities: { drop: ['ALL'] },
    });
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/', port: 8080, scheme: 'HTTP' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/', port: 8080, scheme: 'HTTP' });
    expect(c.volumeMounts).toEqual([{ mountPath: '/tmp', name: 'writable-0' }]);
    expect(pod.volumes).toEqual([{ emptyDir: {}, name: 'writable-0' }]);
    expect(pod.hostNetwork).toBe(false);
  });

  test('the nonprod cluster\'s gateway, NAS and node addresses are reserved, for dev and staging alike', () => {
    expect(dev.cluster).toBe('nonprod');
    expect(new Cluster(nonprodCluster).usedAddresses.map((r) => r.text)).toEqual(['192.168.10.1', '192.168.10.50', '192.168.10.10', '192.168.10.101', '192.168.10.102', '192.168.10.103']);
  });

  test('every object is valid for Kubernetes 1.27 and the MetalLB CRDs', () => expectSchemaValid(all));

  test('matches the snapshot', () => {
    expect(all.filter((m) => m.apiVersion.startsWith('metallb.io/') || m.metadata.name === 'hello')).toMatchSnapshot();
  });
});

describe('composing an environment', () => {
  function compose(def: EnvironmentDefinition) {
    const app = new App();
    composeEnvironment(app, def);
    return app;
  }

  test('renaming construct ids changes no name, selector or label', () => {
    const build = (ids: { pool: string; deployment: string; chart: string }) => {
      const { app, env } = testEnv();
      const pool = new MetalLbL2Pool(env.addChart('metallb'), ids.pool, { name: 'pool', addresses: ['10.0.0.0/28'] });
      const chart = env.addChart(ids.chart);
      const deployment = new kplus.Deployment(chart, ids.deployment, {
        metadata: { name: 'web' }, select: false, containers: [secureContainer(chart, 'web', { image: 'app:1.0.0', containerPort: 8080 })],
      });
      hardenPods(deployment, 'web');
      pool.assign(stableService(chart, 'web', { type: kplus.ServiceType.LOAD_BALANCER, ports: [{ port: 80, targetPort: 8080 }] }));
      return manifests(app);
    };
    const before = build({ pool: 'pool', deployment: 'Deployment', chart: 'web' });
    const after = build({ pool: 'renamed-pool', deployment: 'RenamedDeployment', chart: 'renamed-chart' });
    expect(after).toEqual(before);
    expect(JSON.stringify(before)).not.toContain('cdk8s.io/metadata.addr');
  });

  test('an app whose pool is not defined is refused with the pools that are', () => {
    const hello = dev.autoscaledApps![0];
    const def: EnvironmentDefinition = { ...dev, autoscaledApps: [{ ...hello, service: { ...hello.service, pool: 'prod-pool' } }] };
    expect(() => compose(def)).toThrow('dev/hello: service.pool "prod-pool" is not one of this environment\'s addressPools (dev-pool)');
  });

  test('an app with an unpinned image is refused', () => {
    const def: EnvironmentDefinition = { ...dev, autoscaledApps: [{ ...dev.autoscaledApps![0], image: 'nginx' }] };
    expect(() => compose(def)).toThrow('dev/hello/hello: image "nginx" is not pinned');
  });

  test('an address outside the pool is refused', () => {
    const hello = dev.autoscaledApps![0];
    const def: EnvironmentDefinition = { ...dev, autoscaledApps: [{ ...hello, service: { ...hello.service, ip: '192.168.10.10' } }] };
    expect(() => compose(def)).toThrow('ip "192.168.10.10" is not an address pool "dev-pool" can hand out');
  });

  test('a pool over a reserved node address is refused', () => {
    const def: EnvironmentDefinition = { ...dev, addressPools: [{ name: 'dev-pool', addresses: ['192.168.10.100-192.168.10.119'] }] };
    expect(() => compose(def)).toThrow('dev/metallb/dev-pool: addresses[0] "192.168.10.100-192.168.10.119" contains reserved address(es) "192.168.10.101" (node, gateway or VIP addresses must stay out of MetalLB pools)');
  });

  test('the output renders one file per chart', () => expect(renderApp(compose(dev)).map((f) => f.file)).toEqual([
    'nonprod/dev/00-cluster.yaml', 'nonprod/dev/00-storage.yaml', 'nonprod/dev/10-namespace.yaml', 'nonprod/dev/10-network-policies.yaml', 'nonprod/dev/20-metallb.yaml', 'nonprod/dev/50-hello.yaml', 'nonprod/dev/50-kv.yaml',
    'nonprod/dev/50-node-exporter.yaml', 'nonprod/dev/50-web.yaml', 'nonprod/dev/60-ingress-apps.yaml',
    'nonprod/platform/crds/metallb.yaml', 'nonprod/platform/crds/cert-manager.yaml', 'nonprod/platform/controllers/metallb.yaml', 'nonprod/platform/controllers/metrics-server.yaml',
    'nonprod/platform/controllers/cert-manager.yaml', 'nonprod/platform/controllers/csi-driver-nfs.yaml', 'nonprod/platform/controllers/ingress-nginx.yaml',
    'nonprod/platform/config/cert-manager.yaml', 'gitops/nonprod-flux.yaml',
  ]));
});
