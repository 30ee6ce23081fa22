/**
 * Adversarial cases for wrong-shaped input from any caller (JavaScript, YAML/JSON definitions): every
 * public entry point checks shapes at runtime and answers with our ValidationError naming the construct
 * path, the field and the value, never a TypeError or a stack trace from cdk8s or constructs. Also:
 * duplicate ids and names, names that are Object.prototype keys, aspects that never stop adding, and
 * messages that never echo a multi-megabyte value.
 */
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { composeEnvironment } from '../../environments/compose';
import {
  AutoscaledApp, ChartTier, Cluster, Environment, HttpGateway, IngressRoutes, MetalLbL2Pool, NfsStorage, NodeDaemon, NodePortApp, OrderedStatefulSet, RedisStore,
  renderApp, show, synthesize, ValidationError,
} from '../../lib';
import { tempDir } from '../helpers';
import { refusal } from './refusals';

type Props = any;
const IMAGE = 'nginx:1.27.0';

function env(name = 'dev'): { app: App; env: Environment } {
  const app = new App();
  return { app, env: new Environment(app, name, { name }) };
}

/** One construct: its path in a fresh app, valid props, and how to build it with given props. */
interface Target {
  readonly path: string;
  readonly valid: Props;
  readonly build: (props: Props) => void;
}

const TARGETS: Record<string, Target> = {
  MetalLbL2Pool: {
    path: 'dev/metallb/pool',
    valid: { name: 'pool', addresses: ['10.0.0.200-10.0.0.210'] },
    build: (p) => new MetalLbL2Pool(env().env.addChart('metallb', ChartTier.PLATFORM, { namespaced: false }), 'pool', p),
  },
  NodePortApp: {
    path: 'dev/web/web',
    valid: { name: 'web', image: IMAGE, containerPort: 8080 },
    build: (p) => new NodePortApp(env().env.addChart('web'), 'web', p),
  },
  AutoscaledApp: {
    path: 'dev/api/api',
    valid: { name: 'api', image: IMAGE, containerPort: 8080, maxReplicas: 4, cpuUtilization: 70 },
    build: (p) => new AutoscaledApp(env().env.addChart('api'), 'api', p),
  },
  NodeDaemon: {
    path: 'dev/agent/agent',
    valid: { name: 'agent', image: IMAGE, containerPort: 9100 },
    build: (p) => new NodeDaemon(env().env.addChart('agent'), 'agent', p),
  },
  NfsStorage: {
    path: 'dev/storage/nfs',
    valid: { server: '10.0.0.50', volumes: [{ name: 'media', path: '/exports/media', capacity: '10Gi' }] },
    build: (p) => new NfsStorage(env().env.addChart('storage', ChartTier.CLUSTER, { namespaced: false }), 'nfs', p),
  },
  OrderedStatefulSet: {
    path: 'dev/kv/kv',
    valid: { name: 'kv', image: IMAGE, containerPort: 6379, volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage: '1Gi' }] },
    build: (p) => new OrderedStatefulSet(env().env.addChart('kv'), 'kv', p),
  },
  RedisStore: {
    path: 'dev/kv/kv',
    valid: { name: 'kv', image: 'redis:7.2.16-alpine', containerPort: 6379, auth: { secretName: 'kv-auth' }, volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage: '1Gi' }] },
    build: (p) => new RedisStore(env().env.addChart('kv'), 'kv', p),
  },
  HttpGateway: {
    path: 'dev/gateway/gw',
    valid: { name: 'gw', gatewayClassName: 'nginx' },
    build: (p) => new HttpGateway(env().env.addChart('gateway', ChartTier.ROUTES), 'gw', p),
  },
  IngressRoutes: {
    path: 'dev/routes/routes',
    valid: { name: 'routes', hosts: [{ host: 'app.example.com', paths: [{ path: '/', backend: { serviceByName: { name: 'web', port: 80 } } }] }] },
    build: (p) => new IngressRoutes(env().env.addChart('routes', ChartTier.ROUTES), 'routes', p),
  },
  Environment: {
    path: 'dev',
    valid: { name: 'dev' },
    build: (p) => new Environment(new App(), 'dev', p),
  },
  Cluster: {
    path: 'cluster lab',
    valid: { name: 'lab' },
    build: (p) => new Cluster(p as any),
  },
  EnvironmentDefinition: {
    path: 'dev',
    valid: { name: 'dev' },
    build: (p) => composeEnvironment(new App(), p),
  },
};

const OWN_PROTO_KEY = (json: string): Props => JSON.parse(json);

/** [construct, row, props from valid, field, shown value, reason] */
type Row = [string, string, (v: Props) => Props, string, string, string];
const ROWS: Row[] = [
  // non-object props
  // (a Cluster without a name is "cluster (unnamed)": test/cluster.test.ts)
  ...Object.keys(TARGETS).filter((c) => c !== 'Cluster').map((c): Row => [c, 'null props', () => null, 'props', 'null', 'is not an object']),
  ...Object.keys(TARGETS).filter((c) => c !== 'Cluster').map((c): Row => [c, 'a string as props', () => 'dev', 'props', '"dev"', 'is not an object']),
  // a typo'd (unknown) top-level prop
  ['MetalLbL2Pool', 'unknown prop', (v) => ({ ...v, autoassign: false }), 'autoassign', 'false', 'did you mean "autoAssign"?'],
  ['NodePortApp', 'unknown prop', (v) => ({ ...v, replica: 3 }), 'replica', '3', 'did you mean "replicas"?'],
  ['AutoscaledApp', 'unknown prop', (v) => ({ ...v, maxReplica: 8 }), 'maxReplica', '8', 'did you mean "maxReplicas"?'],
  ['NodeDaemon', 'unknown prop', (v) => ({ ...v, hostNetwrok: true }), 'hostNetwrok', 'true', 'did you mean "hostNetwork"?'],
  ['NfsStorage', 'unknown prop', (v) => ({ ...v, mountOption: ['nfsvers=4.1'] }), 'mountOption', '["nfsvers=4.1"]', 'did you mean "mountOptions"?'],
  ['OrderedStatefulSet', 'unknown prop', (v) => ({ ...v, podManagement: 'Parallel' }), 'podManagement', '"Parallel"', 'did you mean "podManagementPolicy"?'],
  ['RedisStore', 'unknown prop', (v) => ({ ...v, evictionPolicies: 'allkeys-lru' }), 'evictionPolicies', '"allkeys-lru"', 'did you mean "evictionPolicy"?'],
  ['RedisStore', 'auth as a string', (v) => ({ ...v, auth: 'kv-auth' }), 'auth', '"kv-auth"', 'is not an object (RedisAuth)'],
  ['HttpGateway', 'unknown prop', (v) => ({ ...v, httpport: 8080 }), 'httpport', '8080', 'did you mean "httpPort"?'],
  ['IngressRoutes', 'unknown prop', (v) => ({ ...v, classname: 'nginx' }), 'classname', '"nginx"', 'did you mean "className"?'],
  ['Environment', 'unknown prop', (v) => ({ ...v, namespaces: 'apps' }), 'namespaces', '"apps"', 'did you mean "namespace"?'],
  ['EnvironmentDefinition', 'unknown prop', (v) => ({ ...v, nodePortApp: [] }), 'nodePortApp', '[]', 'did you mean "nodePortApps"?'],
  ['NodePortApp', 'unknown nested prop', (v) => ({ ...v, resources: { memoryLimits: '1Gi' } }), 'resources.memoryLimits', '"1Gi"', 'did you mean "memoryLimit"?'],
  ['NodePortApp', 'a prop named "constructor" (from JSON)', (v) => ({ ...v, ...OWN_PROTO_KEY('{"constructor": "x"}') }), 'constructor', '"x"', 'is not a field of NodePortAppProps'],
  ['EnvironmentDefinition', 'an own "__proto__" key (from JSON)', (v) => ({ ...OWN_PROTO_KEY('{"__proto__": {"x": 1}}'), ...v }), '__proto__', '{"x":1}', 'is not a field of EnvironmentDefinition'],
  // a string where a list is expected
  ['NodePortApp', 'string for writablePaths', (v) => ({ ...v, writablePaths: '/tmp' }), 'writablePaths', '"/tmp"', 'is not a list'],
  ['NodePortApp', 'string for args', (v) => ({ ...v, args: '--verbose' }), 'args', '"--verbose"', 'is not a list'],
  ['NodePortApp', 'string for envFromConfigMaps', (v) => ({ ...v, envFromConfigMaps: 'cfg' }), 'envFromConfigMaps', '"cfg"', 'is not a list'],
  ['AutoscaledApp', 'string for scaleUp.policies', (v) => ({ ...v, scaleUp: { policies: 'fast' } }), 'scaleUp.policies', '"fast"', 'is not a list'],
  ['NodeDaemon', 'string for capabilities', (v) => ({ ...v, capabilities: 'NET_ADMIN' }), 'capabilities', '"NET_ADMIN"', 'is not a list'],
  ['NodeDaemon', 'string for tolerations', (v) => ({ ...v, tolerations: 'all' }), 'tolerations', '"all"', 'is not a list'],
  ['NfsStorage', 'string for mountOptions', (v) => ({ ...v, mountOptions: 'nfsvers=4.1' }), 'mountOptions', '"nfsvers=4.1"', 'is not a list'],
  ['OrderedStatefulSet', 'string for volumeClaimTemplates', (v) => ({ ...v, volumeClaimTemplates: 'data' }), 'volumeClaimTemplates', '"data"', 'is not a list'],
  ['IngressRoutes', 'string for hosts[0].paths', (v) => ({ ...v, hosts: [{ host: 'app.example.com', paths: '/' }] }), 'hosts[0].paths', '"/"', 'is not a list'],
  ['Environment', 'string for reservedAddresses', (v) => ({ ...v, reservedAddresses: '10.0.0.1' }), 'reservedAddresses', '"10.0.0.1"', 'is not a list'],
  ['Environment', 'string for externalStorageClasses', (v) => ({ ...v, externalStorageClasses: 'local-path' }), 'externalStorageClasses', '"local-path"', 'is not a list'],
  ['EnvironmentDefinition', 'string for nodePortApps', (v) => ({ ...v, nodePortApps: 'web' }), 'nodePortApps', '"web"', 'is not a list'],
  ['EnvironmentDefinition', 'string for ingressRoutes[0].hosts[0].paths', (v) => ({ ...v, ingressRoutes: [{ name: 'r', hosts: [{ host: 'a.example.com', paths: '/' }] }] }), 'ingressRoutes[0].hosts[0].paths', '"/"', 'is not a list'],
  // null entries
  ['MetalLbL2Pool', 'null nodeSelectors entry', (v) => ({ ...v, nodeSelectors: [null] }), 'nodeSelectors[0]', 'null', 'is not an object'],
  ['NodePortApp', 'null claims entry', (v) => ({ ...v, claims: [null] }), 'claims[0]', 'null', 'is not an object'],
  ['AutoscaledApp', 'null scaling policy', (v) => ({ ...v, scaleDown: { policies: [null] } }), 'scaleDown.policies[0]', 'null', 'is not an object'],
  ['NodeDaemon', 'null toleration', (v) => ({ ...v, tolerations: [null] }), 'tolerations[0]', 'null', 'is not an object'],
  ['NodeDaemon', 'null hostPaths entry', (v) => ({ ...v, hostPaths: [null] }), 'hostPaths[0]', 'null', 'is not an object'],
  ['NfsStorage', 'null volume', (v) => ({ ...v, volumes: [null] }), 'volumes[0]', 'null', 'is not an object'],
  ['OrderedStatefulSet', 'null claim template', (v) => ({ ...v, volumeClaimTemplates: [null] }), 'volumeClaimTemplates[0]', 'null', 'is not an object'],
  ['IngressRoutes', 'null host', (v) => ({ ...v, hosts: [null] }), 'hosts[0]', 'null', 'is not an object'],
  ['IngressRoutes', 'null path', (v) => ({ ...v, hosts: [{ host: 'app.example.com', paths: [null] }] }), 'hosts[0].paths[0]', 'null', 'is not an object'],
  ['EnvironmentDefinition', 'null app', (v) => ({ ...v, nodePortApps: [null] }), 'nodePortApps[0]', 'null', 'is not an object'],
  ['EnvironmentDefinition', 'null pool', (v) => ({ ...v, addressPools: [null] }), 'addressPools[0]', 'null', 'is not an object'],
  // a scalar or list where an object is expected (silently taken before: a string spreads into its characters)
  ['NodePortApp', 'readiness as a string', (v) => ({ ...v, readiness: 'tcp' }), 'readiness', '"tcp"', 'is not an object (ProbeProps)'],
  ['NodePortApp', 'liveness as a number', (v) => ({ ...v, liveness: 15 }), 'liveness', '15', 'is not an object (ProbeProps)'],
  ['NodePortApp', 'resources as a string', (v) => ({ ...v, resources: 'small' }), 'resources', '"small"', 'is not an object (ResourcesProps)'],
  ['AutoscaledApp', 'scaleUp as a string', (v) => ({ ...v, scaleUp: 'fast' }), 'scaleUp', '"fast"', 'is not an object (ScalingBehaviour)'],
  ['AutoscaledApp', 'service as a string', (v) => ({ ...v, service: 'lb' }), 'service', '"lb"', 'is not false or an object (AutoscaledAppService)'],
  ['OrderedStatefulSet', 'claimRetention as a string', (v) => ({ ...v, claimRetention: 'Delete' }), 'claimRetention', '"Delete"', 'is not an object (ClaimRetention)'],
  ['MetalLbL2Pool', 'serviceAllocation as a string', (v) => ({ ...v, serviceAllocation: 'all' }), 'serviceAllocation', '"all"', 'is not an object (ServiceAllocationProps)'],
  ['HttpGateway', 'address as a string', (v) => ({ ...v, address: 'pool' }), 'address', '"pool"', 'is not an object (gateway address)'],
  ['NodeDaemon', 'nodeSelector as a list', (v) => ({ ...v, nodeSelector: ['linux'] }), 'nodeSelector', '["linux"]', 'is not an object of named values'],
  ['IngressRoutes', 'annotations as a list', (v) => ({ ...v, annotations: ['a=b'] }), 'annotations', '["a=b"]', 'is not an object of named values'],
  ['Environment', 'quota as a string', (v) => ({ ...v, quota: 'large' }), 'quota', '"large"', 'is not an object (QuotaProps)'],
  ['Environment', 'claimSize as a string', (v) => ({ ...v, claimSize: '10Gi' }), 'claimSize', '"10Gi"', 'is not an object (ClaimSizeProps)'],
  ['Environment', 'workloadDefaults as a string', (v) => ({ ...v, workloadDefaults: 'strict' }), 'workloadDefaults', '"strict"', 'is not an object (WorkloadDefaults)'],
  ['Environment', 'gitops (moved to the cluster)', (v) => ({ ...v, gitops: { repoUrl: 'https://git.example.com/x.git' } }), 'gitops', '{"repoUrl":"https://git.example.com/x.git"}', 'is not a field of EnvironmentProps'],
  ['Environment', 'cluster as a name (a Cluster is expected)', (v) => ({ ...v, cluster: 'lab' }), 'cluster', '"lab"', 'is not a Cluster'],
  ['Cluster', 'nodes as an object', (v) => ({ ...v, nodes: { name: 'n' } }), 'nodes', '{"name":"n"}', 'is not a list'],
  ['Cluster', 'gitops as a string', (v) => ({ ...v, gitops: 'argocd' }), 'gitops', '"argocd"', 'is not an object (ClusterGitOpsProps)'],
  ['Cluster', 'node without role', (v) => ({ ...v, nodes: [{ name: 'n', address: '10.0.0.1' }] }), 'nodes[0].role', 'undefined', 'is required'],
  // missing required nested fields
  ['IngressRoutes', 'host without paths', (v) => ({ ...v, hosts: [{ host: 'app.example.com' }] }), 'hosts[0].paths', 'undefined', 'is required'],
  ['IngressRoutes', 'path without backend', (v) => ({ ...v, hosts: [{ host: 'app.example.com', paths: [{ path: '/' }] }] }), 'hosts[0].paths[0].backend', 'undefined', 'is required'],
  ['HttpGateway', 'address without pool', (v) => ({ ...v, address: { ip: '10.0.0.201' } }), 'address.pool', 'undefined', 'is required'],
  ['EnvironmentDefinition', 'ingress path without backend', (v) => ({ ...v, ingressRoutes: [{ name: 'r', hosts: [{ host: 'a.example.com', paths: [{ path: '/' }] }] }] }), 'ingressRoutes[0].hosts[0].paths[0].backend', 'undefined', 'is required'],
  ['EnvironmentDefinition', 'gateway address without pool', (v) => ({ ...v, gateway: { name: 'gw', gatewayClassName: 'nginx', address: {} } }), 'gateway.address.pool', 'undefined', 'is required'],
];

describe('every entry point: wrong-shaped props get our message, never a TypeError', () => {
  test.each(ROWS)('%s: %s', (construct, _row, props, field, shown, reason) => {
    const t = TARGETS[construct];
    const given = props(t.valid);
    const e = refusal(() => t.build(given));
    expect(e).toBeInstanceOf(ValidationError);
    // A definition that is not an object has no name to place it by.
    const path = construct === 'EnvironmentDefinition' && (typeof given !== 'object' || given === null) ? 'definition' : t.path;
    expect(e.message).toContain(`${path}: ${field} ${shown} `);
    expect(e.message).toContain(reason);
  });

  test.each(Object.keys(TARGETS))('%s: valid props still build', (construct) => {
    const t = TARGETS[construct];
    expect(() => t.build(t.valid)).not.toThrow();
  });
});

describe('a subclass may take props of its own', () => {
  type LoggedProps = ConstructorParameters<typeof NodePortApp>[2] & { readonly logPath: string };
  class LoggedApp extends NodePortApp {
    constructor(scope: Construct, id: string, props: LoggedProps) {
      super(scope, id, props);
    }
  }
  test('its extra top-level props pass through the shape check of the base construct', () => {
    expect(() => new LoggedApp(env().env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, logPath: '/var/log/app' })).not.toThrow();
  });
  test('nested props stay checked', () => {
    const e = refusal(() => new LoggedApp(env().env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, logPath: '/x', resources: { cpuLimits: '1' } as any }));
    expect(e.message).toContain('dev/web/web: resources.cpuLimits "1" is not a field of ResourcesProps; did you mean "cpuLimit"?');
  });
});

describe('other entry points', () => {
  const web = () => {
    const e = env();
    return { ...e, web: new NodePortApp(e.env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080 }) };
  };
  test.each([
    ['addSidecar: null props', () => web().web.addSidecar('log', null as any), 'dev/web/web: sidecars.log null is not an object'],
    ['addSidecar: string for writablePaths', () => web().web.addSidecar('log', { image: 'busybox:1.36.1', writablePaths: '/tmp' as any }), 'dev/web/web: sidecars.log.writablePaths "/tmp" is not a list'],
    ['addSidecar: unknown prop', () => web().web.addSidecar('log', { image: 'busybox:1.36.1', containerport: 9000 } as any), 'dev/web/web: sidecars.log.containerport 9000 is not a field of SidecarProps; did you mean "containerPort"?'],
    ['addChart: namespaced as a string', () => env().env.addChart('web', ChartTier.APPS, { namespaced: 'no' as any }), 'dev/web: namespaced "no" is not true or false'],
    ['addChart: unknown option', () => env().env.addChart('web', ChartTier.APPS, { namespce: 'x' } as any), 'dev/web: namespce "x" is not a field of ChartOptions; did you mean "namespace"?'],
    ['addAspect: null', () => { const e = env(); e.env.addAspect(null as any); renderApp(e.app); }, 'dev: aspect null is not an aspect'],
    ['addAspect: no visit method', () => { const e = env(); e.env.addAspect({ vist: () => undefined } as any); renderApp(e.app); }, 'dev: aspect {} is not an aspect'],
    ['a boolean as a string says to drop the quotes', () => env().env.addChart('web', ChartTier.APPS, { namespaced: 'false' as any }), 'dev/web: namespaced "false" is not true or false (write false without quotes)'],
    ['a boolean option as a string says to drop the quotes', () => synthesize(() => env().app, { outdir: tempDir(), constructMetadata: 'true' as any }), 'synthesize: options.constructMetadata "true" is not true or false (write true without quotes)'],
    ['addNamespace: labels as a string', () => env().env.addNamespace('tools', 'team' as any), 'dev: labels "team" is not an object of named values'],
    ['addNamespace: a label value that is not a string', () => env().env.addNamespace('tools', { team: 5 } as any), 'dev: labels.team 5 is not a string'],
    ['addCheck: not a function', () => { const e = env(); e.env.addCheck(null as any); renderApp(e.app); }, 'dev: check null is not a function'],
    ['synthesize: no app builder', () => synthesize(null as any, { outdir: tempDir() }), 'synthesize: buildApp null is not a function'],
    ['synthesize: environments as a string', () => synthesize(() => env().app, { outdir: tempDir(), environments: 'dev' as any }), 'synthesize: options.environments "dev" is not a list'],
    ['synthesize: outdir as a number', () => synthesize(() => env().app, { outdir: 5 as any }), 'synthesize: options.outdir 5 is not a string'],
    ['synthesize: allowDestroy as a string', () => synthesize(() => env().app, { outdir: tempDir(), allowDestroy: 'Namespace/dev' as any }), 'synthesize: options.allowDestroy "Namespace/dev" is not a list'],
    ['synthesize: unknown option', () => synthesize(() => env().app, { outdir: tempDir(), outDir: 'elsewhere' } as any), 'synthesize: options.outDir "elsewhere" is not a field of SynthOptions; did you mean "outdir"?'],
  ])('%s', (_row, build, message) => {
    expect(refusal(build).message).toContain(message);
  });
});

describe('constructs: duplicate ids and names get our message instead of "There is already a Construct with name"', () => {
  test.each([
    ['two apps with one id in a chart', () => { const e = env(); const c = e.env.addChart('web'); new NodePortApp(c, 'web', { name: 'web', image: IMAGE, containerPort: 8080 }); new NodePortApp(c, 'web', { name: 'web2', image: IMAGE, containerPort: 8081 }); }, 'dev/web/web: id "web" is already the id of another construct in dev/web'],
    ['two charts with one id', () => { const e = env(); e.env.addChart('web'); e.env.addChart('web'); }, 'dev/web: id "web" is already the id of another construct in dev'],
    ['two environments with one id', () => { const app = new App(); new Environment(app, 'dev', { name: 'dev' }); new Environment(app, 'dev', { name: 'dev2' }); }, 'dev: id "dev" is already the id of another construct in the app'],
    ['two pools with one id', () => { const c = env().env.addChart('metallb', ChartTier.PLATFORM, { namespaced: false }); new MetalLbL2Pool(c, 'p', { name: 'p', addresses: ['10.0.0.1-10.0.0.2'] }); new MetalLbL2Pool(c, 'p', { name: 'q', addresses: ['10.0.0.3-10.0.0.4'] }); }, 'dev/metallb/p: id "p"'],
    ['a chart id the environment already uses', () => env().env.addChart('namespace'), 'dev/namespace: id "namespace" is already the id of another construct in dev'],
    ['definition: two nodePortApps named web', () => composeEnvironment(new App(), { name: 'dev', nodePortApps: [{ name: 'web', image: IMAGE, containerPort: 8080 }, { name: 'web', image: IMAGE, containerPort: 8081 }] }), 'dev: nodePortApps[1].name "web" is already the name of nodePortApps[0]'],
    ['definition: an autoscaled app and a nodePort app named web', () => composeEnvironment(new App(), { name: 'dev', autoscaledApps: [{ name: 'web', image: IMAGE, containerPort: 8080, maxReplicas: 3 }], nodePortApps: [{ name: 'web', image: IMAGE, containerPort: 8081 }] }), 'dev: nodePortApps[0].name "web" is already the name of autoscaledApps[0]'],
    ['definition: two pools with one name', () => composeEnvironment(new App(), { name: 'dev', addressPools: [{ name: 'p', addresses: ['10.0.0.1-10.0.0.2'] }, { name: 'p', addresses: ['10.0.0.3-10.0.0.4'] }] }), 'dev: addressPools[1].name "p" is already the name of addressPools[0]'],
    ['definition: two ingresses with one name', () => composeEnvironment(new App(), { name: 'dev', ingressRoutes: [
      { name: 'r', hosts: [{ host: 'a.example.com', paths: [{ path: '/', backend: { serviceByName: { name: 'x', port: 80 } } }] }] },
      { name: 'r', hosts: [{ host: 'b.example.com', paths: [{ path: '/', backend: { serviceByName: { name: 'x', port: 80 } } }] }] }] }), 'dev: ingressRoutes[1].name "r" is already the name of ingressRoutes[0]'],
    ['a construct outside any construct', () => new NodePortApp(null as any, 'web', { name: 'web', image: IMAGE, containerPort: 8080 }), 'web: scope null is not a construct'],
  ])('%s', (_row, build, message) => {
    const e = refusal(build);
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.message).toContain(message);
  });
});

describe('names that are Object.prototype keys work like any other name, or get a clear message', () => {
  test.each(['hasownproperty', 'valueof', 'tostring', 'isprototypeof', 'proto'])('%s as environment, app, pool and backend name', (name) => {
    const app = new App();
    composeEnvironment(app, {
      name,
      addressPools: [{ name, addresses: ['10.0.0.200-10.0.0.210'] }],
      nodePortApps: [{ name, image: IMAGE, containerPort: 8080 }],
      ingressRoutes: [{ name, hosts: [{ host: 'a.example.com', paths: [{ path: '/', backend: { app: name } }] }] }],
    });
    const objects = renderApp(app).flatMap((f) => f.objects.map((o) => o.manifest));
    expect(objects.filter((m) => m.metadata?.name === name).map((m) => m.kind).sort())
      .toEqual(['Deployment', 'IPAddressPool', 'Ingress', 'L2Advertisement', 'Namespace', 'PodDisruptionBudget', 'Service']);
  });

  // constructs keeps children in a plain object: an id that is an Object.prototype key reads as taken.
  test.each([
    ['an environment named "constructor"', () => composeEnvironment(new App(), { name: 'constructor' }), 'constructor: id "constructor" is an Object.prototype key'],
    ['an app named "constructor"', () => composeEnvironment(new App(), { name: 'dev', nodePortApps: [{ name: 'constructor', image: IMAGE, containerPort: 8080 }] }), 'dev/constructor: id "constructor" is an Object.prototype key'],
    ['a construct id "toString"', () => new NodePortApp(env().env.addChart('web'), 'toString', { name: 'web', image: IMAGE, containerPort: 8080 }), 'dev/web/toString: id "toString" is an Object.prototype key'],
    ['a construct id "__proto__"', () => new NodePortApp(env().env.addChart('web'), '__proto__', { name: 'web', image: IMAGE, containerPort: 8080 }), 'dev/web/__proto__: id "__proto__" is an Object.prototype key'],
    ['a backend naming an app that is only an Object.prototype key', () => composeEnvironment(new App(), {
      name: 'dev', ingressRoutes: [{ name: 'r', hosts: [{ host: 'a.example.com', paths: [{ path: '/', backend: { app: 'constructor' } }] }] }],
    }), 'dev/ingress-r: hosts[0].paths[0].backend.app "constructor" is not an app of this environment'],
  ])('%s', (_row, build, message) => {
    const e = refusal(build);
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.message).toContain(message);
  });
});

describe('aspects: one that keeps adding constructs is stopped after a bounded number of passes', () => {
  class Grower {
    private added = 0;
    public visit(node: any): void {
      // Adds a child under every construct it adds (50 generations: finite, but far beyond the bound).
      if (this.added < 50 && (node instanceof Chart || node.node.id.startsWith('grown'))) new Construct(node, `grown${this.added++}`);
    }
  }
  test('the message names the aspect', () => {
    const e = env();
    e.env.addChart('web');
    e.env.addAspect(new Grower());
    const error = refusal(() => renderApp(e.app));
    expect(error.message).toContain('dev: aspects "Grower (aspect #1)" still added constructs after 10 passes');
  });
  test('an aspect that adds a few constructs once still works', () => {
    const e = env();
    e.env.addChart('web');
    let added = false;
    e.env.addAspect({ visit: (node) => { if (!added && node instanceof Chart) { added = true; new Construct(node, 'extra'); } } });
    expect(() => renderApp(e.app)).not.toThrow();
  });
});

describe('messages never echo a multi-megabyte value', () => {
  const huge = 'a'.repeat(3 * 1024 * 1024);
  test.each([
    ['NodePortApp', 'image', (v: Props) => ({ ...v, image: huge }), `image "${'a'.repeat(120)}…" (3145728 characters)`],
    ['NodePortApp', 'name', (v: Props) => ({ ...v, name: huge }), `name "${'a'.repeat(120)}…" (3145728 characters)`],
    ['NodePortApp', 'a list where the image goes', (v: Props) => ({ ...v, image: [huge] }), '(3145732 characters)'],
    ['MetalLbL2Pool', 'addresses[0]', (v: Props) => ({ ...v, addresses: [huge] }), 'addresses[0] "aaaa'],
    ['IngressRoutes', 'hosts[0].host', (v: Props) => ({ ...v, hosts: [{ host: huge, paths: [{ path: '/', backend: { serviceByName: { name: 'web', port: 80 } } }] }] }), '(3145728 characters)'],
    ['Environment', 'namespaceLabels value', (v: Props) => ({ ...v, namespaceLabels: { team: huge } }), '(3145728 characters)'],
    ['NodePortApp', 'a quantity of a million digits', (v: Props) => ({ ...v, resources: { memoryLimit: '1'.repeat(1e6) } }), 'is longer than 64 characters'],
    ['Environment', 'a huge label key', (v: Props) => ({ ...v, namespaceLabels: { [huge]: 'x' } }), '(3145728 characters)'],
  ])('%s: %s', (construct, _row, props, part) => {
    const t = TARGETS[construct];
    const e = refusal(() => t.build(props(t.valid)));
    expect(e.message.length).toBeLessThan(1000);
    expect(e.message).toContain(t.path);
    expect(e.message).toContain(part);
  });

  test('a huge construct id is cut in the path', () => {
    const e = refusal(() => new NodePortApp(env().env.addChart('web'), huge, { name: 'web', image: 'nginx', containerPort: 8080 }));
    expect(e.message.length).toBeLessThan(1000);
    expect(e.message).toContain('(3145736 characters): image "nginx" is not pinned');
  });

  test('show() cuts long values and says how long they were', () => {
    expect(show(huge)).toBe(`"${'a'.repeat(120)}…" (3145728 characters)`);
    expect(show({ big: huge }).length).toBeLessThan(200);
    expect(show('short')).toBe('"short"');
  });
});

