import * as kplus from 'cdk8s-plus-27';
import {
  AutoscaledApp, ChartTier, HttpGateway, IngressRoutes, IngressRoutesProps, MetalLbL2Pool, NodePortApp, NodePortAppProps, PoolAssignmentOptions, renderApp, SynthError,
  ValidationError,
} from '../../lib';
import { nodePortsBesideTls } from '../../lib/checks/kube-proxy';
import { expectSchemaValid, manifests, only, testEnv } from '../helpers';

const HOST = 'apps.example.com';
const IMAGE = 'nginxinc/nginx-unprivileged:1.27-alpine';
const TLS = [{ hosts: [HOST], secretName: 'apps-tls' }];

type Backend = 'nodePort' | 'loadBalancer' | 'rawLoadBalancer' | 'clusterIP';

/** An environment with one backend of the given exposure behind one route (TLS or not, Ingress or HTTPRoute). */
function setup(backend: Backend, opts: { app?: Partial<NodePortAppProps>; pool?: PoolAssignmentOptions; routes?: Partial<IngressRoutesProps> } = {}) {
  const { app, env } = testEnv({ reservedAddresses: ['10.0.0.1'] });
  const pool = new MetalLbL2Pool(env.addChart('metallb', ChartTier.PLATFORM), 'pool', { name: 'pool', addresses: ['10.0.0.10-10.0.0.20'] });
  const chart = env.addChart('web');
  let service: kplus.Service;
  if (backend === 'nodePort') {
    service = new NodePortApp(chart, 'web', { name: 'web', image: IMAGE, containerPort: 8080, port: 80, ...opts.app }).service;
  } else if (backend === 'rawLoadBalancer') {
    new AutoscaledApp(chart, 'web', { name: 'web', image: IMAGE, containerPort: 8080, maxReplicas: 3, cpuUtilization: 70, service: false });
    service = new kplus.Service(chart, 'svc', { metadata: { name: 'web' }, type: kplus.ServiceType.LOAD_BALANCER, ports: [{ port: 80, targetPort: 8080 }] });
  } else {
    service = new AutoscaledApp(chart, 'web', {
      name: 'web', image: IMAGE, containerPort: 8080, maxReplicas: 3, cpuUtilization: 70, service: { port: 80, ...(backend === 'loadBalancer' ? { pool, ...opts.pool } : {}) },
    }).service!;
  }
  if (opts.routes?.output !== undefined && opts.routes.output !== 'Ingress') new HttpGateway(env.addChart('gateway', ChartTier.ROUTES), 'gw', { name: 'gw', gatewayClassName: 'nginx' });
  new IngressRoutes(env.addChart('routes', ChartTier.ROUTES), 'routes', { name: 'apps', hosts: [{ host: HOST, paths: [{ path: '/', backend: { service } }] }], ...opts.routes });
  return { app, all: () => manifests(app) };
}

describe('kube-proxy: a TLS route backend that also opens node ports (clear text on every node) needs a stated reason', () => {
  test.each<[string, () => ReturnType<typeof setup>, string]>([
    ['a NodePortApp behind a TLS Ingress', () => setup('nodePort', { routes: { tls: TLS } }),
      'dev/web/web/Service/Resource: spec.type "NodePort" opens its nodePorts on every node in clear text, yet Service "web" is the backend of TLS route dev/routes/routes/Ingress/Resource (host apps.example.com)'],
    ['a NodePortApp behind an HTTPRoute on an HTTPS listener', () => setup('nodePort', { routes: { tls: TLS, output: 'HTTPRoute' } }),
      'Service "web" is the backend of TLS route dev/routes/routes/HTTPRoute-apps.example.com (HTTPS listener)'],
    ['a LoadBalancer Service written without allocateLoadBalancerNodePorts: false', () => setup('rawLoadBalancer', { routes: { tls: TLS } }),
      'dev/web/svc/Resource: spec.type "LoadBalancer" without allocateLoadBalancerNodePorts: false opens nodePorts on every node in clear text'],
  ])('%s is refused at synth, naming what to do', (_what, make, message) => {
    const { app } = make();
    expect(() => renderApp(app)).toThrow(SynthError);
    expect(() => renderApp(app)).toThrow(message);
    expect(() => renderApp(app)).toThrow('or state why with NodePortApp besideTlsRoute: { reason }');
  });

  test.each<[string, () => ReturnType<typeof setup>]>([
    ['a NodePortApp behind a TLS route, with its reason', () => setup('nodePort', { app: { besideTlsRoute: { reason: 'kiosks on the LAN use <node>:30080' } }, routes: { tls: TLS } })],
    ['a NodePortApp behind a plain-HTTP route', () => setup('nodePort')],
    ['a NodePortApp behind a plain-HTTP HTTPRoute', () => setup('nodePort', { routes: { output: 'HTTPRoute' } })],
    ['a MetalLB LoadBalancer (no node ports by default) behind a TLS route', () => setup('loadBalancer', { routes: { tls: TLS } })],
    ['a MetalLB LoadBalancer asking for node ports with its reason', () => setup('loadBalancer', { pool: { allocateNodePorts: { reason: 'an external balancer sends to node ports' } }, routes: { tls: TLS } })],
    ['a ClusterIP Service behind a TLS route', () => setup('clusterIP', { routes: { tls: TLS } })],
  ])('%s passes', (_what, make) => {
    const { app, all } = make();
    expect(() => renderApp(app)).not.toThrow();
    expectSchemaValid(all());
  });

  test('the opt-ins are written where reviewers see them: the reason annotation; MetalLB Services without node ports unless asked', () => {
    const withReason = only(setup('nodePort', { app: { besideTlsRoute: { reason: 'kiosks' } }, routes: { tls: TLS } }).all(), 'Service', 'web');
    expect(withReason.metadata.annotations).toEqual({ 'onprem.k8s/node-port-reason': 'kiosks' });
    const lb = only(setup('loadBalancer').all(), 'Service', 'web');
    expect([lb.spec.type, lb.spec.allocateLoadBalancerNodePorts, lb.metadata.annotations['onprem.k8s/node-port-reason']]).toEqual(['LoadBalancer', false, undefined]);
    const asked = only(setup('loadBalancer', { pool: { allocateNodePorts: { reason: 'external balancer' } } }).all(), 'Service', 'web');
    expect([asked.spec.allocateLoadBalancerNodePorts, asked.metadata.annotations['onprem.k8s/node-port-reason']]).toEqual([true, 'external balancer']);
  });

  test.each<[string, () => unknown, string]>([
    ['an empty reason', () => setup('nodePort', { app: { besideTlsRoute: { reason: ' ' } } }), 'dev/web/web: besideTlsRoute.reason " " must say, in one non-empty line, why'],
    ['a reason on two lines', () => setup('loadBalancer', { pool: { allocateNodePorts: { reason: 'a\nb' } } }), 'dev/web/web/Service: allocateNodePorts.reason "a\\nb" must say'],
    ['node ports for a ClusterIP Service', () => new AutoscaledApp(testEnv().env.addChart('api'), 'api', {
      name: 'api', image: IMAGE, containerPort: 8080, maxReplicas: 2, cpuUtilization: 70, service: { allocateNodePorts: { reason: 'x' } },
    }), 'service.pool undefined is required for ip, sharingKey, externalTrafficPolicy and allocateNodePorts'],
  ])('%s is refused', (_what, make, message) => {
    expect(make).toThrow(ValidationError);
    expect(make).toThrow(message);
  });

  test('the check on raw objects: a wildcard TLS host covers the rule host; a nodePort asked for is kept; a Service of another namespace with the same name is not the backend', () => {
    const objects = [
      { constructPath: 'dev/ing', manifest: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'dev' }, spec: {
        tls: [{ hosts: ['*.example.com'] }],
        rules: [{ host: HOST, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
      } } },
      { constructPath: 'dev/web', manifest: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'dev' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] } } },
      { constructPath: 'dev/lb', manifest: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb', namespace: 'dev' }, spec: {
        type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 80, nodePort: 30443 }] } } },
      { constructPath: 'dev/ing-lb', manifest: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'j', namespace: 'dev' }, spec: {
        tls: [{ hosts: ['lb.example.com'] }],
        rules: [{ host: 'lb.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'lb', port: { number: 80 } } } }] } }],
      } } },
      { constructPath: 'other/web', manifest: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'other' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } } },
    ];
    expect(nodePortsBesideTls(objects, { namespace: 'dev' })).toEqual([
      expect.stringMatching(/^dev\/web: spec\.type "NodePort" opens its nodePorts \(30080\) on every node in clear text, yet Service "web" is the backend of TLS route dev\/ing \(host apps\.example\.com\)/),
      // The API server keeps a nodePort asked for even with allocateLoadBalancerNodePorts: false.
      expect.stringMatching(/^dev\/lb: spec\.type "LoadBalancer" with spec\.ports\[\]\.nodePort \(30443\) opens them on every node in clear text/),
    ]);
  });
});
