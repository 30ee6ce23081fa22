/**
 * Adversarial inputs the Kubernetes API server refuses although the JSON schema allows them: names by kind,
 * labels and annotations, port names and clashes, volume names and mountPaths, Service ports, and the
 * cluster's own namespaces. Each refused row fails on the main branch before issue 19 (the synth wrote it);
 * rows that must pass keep the rules from being over-broad. Rendered-object rules are also fed through
 * aspects and raw cdk8s-plus / `k8s.Kube*` additions, which no construct prop sees.
 */
import { ApiObject, App, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { composeEnvironment } from '../../environments/compose';
import {
  AutoscaledApp, ChartTier, Environment, EnvironmentProps, MetalLbL2Pool, NfsStorage, NodeDaemon, NodePortApp, OrderedStatefulSet, renderApp,
} from '../../lib';
import { testEnv } from '../helpers';
import { expectPropRefusal, expectRenderRefusal } from './refusals';

const IMAGE = 'registry.example.com/app:1.2.3';
const WEB_LABELS = { 'app.kubernetes.io/instance': 'web', 'app.kubernetes.io/name': 'web' };

/** A NodePortApp "web" in chart "web" (its objects are dev/web/web/...). */
const webApp = (env: Environment) => new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080 });
/** Patches the first Deployment's ApiObject of a NodePortApp. */
const patchWeb = (env: Environment, ...patches: JsonPatch[]) => {
  const web = webApp(env);
  for (const p of patches) ApiObject.of(web.deployment).addJsonPatch(p);
  return web;
};
/** An aspect that runs `f` on every ApiObject of the environment (what an organisation-wide rule does). */
const onEveryObject = (env: Environment, f: (o: ApiObject) => void) => env.addAspect({ visit: (n: IConstruct) => { if (n instanceof ApiObject) f(n); } });
/** A Service in a raw chart that selects the web app's pods. */
const rawService = (env: Environment, name: string, ports: kplus.ServicePort[]) => {
  webApp(env);
  const svc = new kplus.Service(env.addChart('raw'), 'svc', { metadata: { name }, ports });
  for (const [k, v] of Object.entries(WEB_LABELS)) svc.selectLabel(k, v);
  return svc;
};
/** A NodeDaemon in its own namespace, on the host network. */
const hostDaemon = (env: Environment, props: Partial<ConstructorParameters<typeof NodeDaemon>[2]> = {}) => {
  env.addNamespace('agents');
  return new NodeDaemon(env.addChart('agent', undefined, { namespace: 'agents' }), 'agent', {
    name: 'agent', image: IMAGE, containerPort: 9100, hostNetwork: true, ...props,
  });
};

/** Two ReadWriteMany NFS claims of the environment (a static one and a dynamic one). */
const nfsClaims = (env: Environment) => new NfsStorage(env.addChart('storage', ChartTier.CLUSTER, { namespaced: false }), 'nfs', {
  server: 'nfs.example.internal', volumes: [{ name: 'media', path: '/exports/media', capacity: '10Gi' }],
  storageClass: { name: 'nfs', share: '/exports/dynamic', claims: [{ name: 'scratch', request: '1Gi' }] },
}).claims;

type RenderRow = [what: string, build: (env: Environment) => unknown, path: string, field: string, value: unknown];
type PropRow = [what: string, build: (env: Environment) => unknown, path: string, field: string, value: unknown];

const long = (n: number, c = 'a') => c.repeat(n);

describe('API server: object names by kind (pkg/apis/core/validation, apimachinery NameIsDNS*)', () => {
  test.each<RenderRow>([
    ['a raw Service whose name starts with a digit (DNS-1035)', (env) => rawService(env, '1web', [{ port: 80 }]), 'dev/raw/svc/Resource', 'metadata.name', '1web'],
    ['a raw Service whose name has a dot', (env) => rawService(env, 'web.internal', [{ port: 80 }]), 'dev/raw/svc/Resource', 'metadata.name', 'web.internal'],
    ['a raw Service whose name is upper case', (env) => rawService(env, 'Web', [{ port: 80 }]), 'dev/raw/svc/Resource', 'metadata.name', 'Web'],
    ['a raw Service name of 64 characters', (env) => rawService(env, `w${long(63)}`, [{ port: 80 }]), 'dev/raw/svc/Resource', 'metadata.name', `w${long(63)}`],
    ['an aspect renaming a Service to start with a digit', (env) => {
      webApp(env);
      onEveryObject(env, (o) => { if (o.kind === 'Service') o.addJsonPatch(JsonPatch.replace('/metadata/name', '9web')); });
    }, 'dev/web/web/Service/Resource', 'metadata.name', '9web'],
    ['a raw Namespace with a dot (DNS-1123 label)', (env) => new kplus.Namespace(env.clusterChart, 'ns', { metadata: { name: 'team.a' } }), 'dev/cluster/ns/Resource', 'metadata.name', 'team.a'],
    ['a raw Namespace of 64 characters', (env) => new kplus.Namespace(env.clusterChart, 'ns', { metadata: { name: long(64) } }), 'dev/cluster/ns/Resource', 'metadata.name', long(64)],
    ['a raw ConfigMap with an upper-case name', (env) => new k8s.KubeConfigMap(env.addChart('raw'), 'cm', { metadata: { name: 'Settings' } }), 'dev/raw/cm', 'metadata.name', 'Settings'],
    ['a raw ConfigMap with an underscore', (env) => new k8s.KubeConfigMap(env.addChart('raw'), 'cm', { metadata: { name: 'app_settings' } }), 'dev/raw/cm', 'metadata.name', 'app_settings'],
    ['a raw ConfigMap name of 254 characters', (env) => new k8s.KubeConfigMap(env.addChart('raw'), 'cm', { metadata: { name: `${long(63)}.${long(63)}.${long(63)}.${long(62)}` } }),
      'dev/raw/cm', 'metadata.name', `${long(63)}.${long(63)}.${long(63)}.${long(62)}`],
    ['a raw PodDisruptionBudget ending in "-"', (env) => new k8s.KubePodDisruptionBudget(env.addChart('raw'), 'pdb', { metadata: { name: 'web-' }, spec: { maxUnavailable: k8s.IntOrString.fromNumber(1) } }),
      'dev/raw/pdb', 'metadata.name', 'web-'],
    ['a raw HorizontalPodAutoscaler starting with "-"', (env) => {
      new AutoscaledApp(env.addChart('api'), 'api', { name: 'api', image: IMAGE, containerPort: 8080, maxReplicas: 3, cpuUtilization: 70 });
      new k8s.KubeHorizontalPodAutoscalerV2(env.addChart('raw'), 'hpa', {
        metadata: { name: '-api' }, spec: { maxReplicas: 2, scaleTargetRef: { kind: 'Deployment', name: 'api', apiVersion: 'apps/v1' } },
      });
    }, 'dev/raw/hpa', 'metadata.name', '-api'],
    ['a StatefulSet name with a dot (apps ValidateStatefulSetName is NameIsDNSLabel)', (env) => {
      new OrderedStatefulSet(env.addChart('kv'), 'kv', { name: 'kv', image: IMAGE, containerPort: 6379 });
      onEveryObject(env, (o) => { if (o.kind === 'StatefulSet') o.addJsonPatch(JsonPatch.replace('/metadata/name', 'kv.main')); });
    }, 'dev/kv/kv/StatefulSet/Resource', 'metadata.name', 'kv.main'],
    ['a Role name with "/" (RBAC path segment names)', (env) => new k8s.KubeRole(env.addChart('raw'), 'role', { metadata: { name: 'team/reader' } }), 'dev/raw/role', 'metadata.name', 'team/reader'],
    ['a Role named ".."', (env) => new k8s.KubeRole(env.addChart('raw'), 'role', { metadata: { name: '..' } }), 'dev/raw/role', 'metadata.name', '..'],
    ['a chart namespace with an underscore', (env) => new k8s.KubeConfigMap(env.addChart('raw', undefined, { namespace: 'team_a' }), 'cm', { metadata: { name: 'settings' } }),
      'dev/raw/cm', 'metadata.namespace', 'team_a'],
  ])('%s', (_what, build, path, field, value) => {
    const { app, env } = testEnv();
    build(env);
    expectRenderRefusal(app, path, field, value);
  });

  test.each<PropRow>([
    ['a NodePortApp whose name (its Service name) starts with a digit', (env) => new NodePortApp(env.addChart('web'), 'web', { name: '1web', image: IMAGE, containerPort: 8080 }), 'dev/web/web', 'name', '1web'],
    ['an AutoscaledApp whose name starts with a digit', (env) => new AutoscaledApp(env.addChart('api'), 'api', { name: '9api', image: IMAGE, containerPort: 8080, maxReplicas: 3, cpuUtilization: 70 }),
      'dev/api/api', 'name', '9api'],
    ['an OrderedStatefulSet whose name (its headless Service) starts with a digit', (env) => new OrderedStatefulSet(env.addChart('kv'), 'kv', { name: '0kv', image: IMAGE, containerPort: 6379 }),
      'dev/kv/kv', 'name', '0kv'],
  ])('%s', (_what, build, path, field, value) => {
    const { env } = testEnv();
    expectPropRefusal(() => build(env), path, field, value);
  });

  test.each<[string, (env: Environment) => unknown]>([
    ['a Service name of exactly 63 characters starting with a letter', (env) => rawService(env, `w${long(62)}`, [{ port: 80 }])],
    ['a ConfigMap name of 253 characters in dotted labels', (env) => new k8s.KubeConfigMap(env.addChart('raw'), 'cm', { metadata: { name: `${long(63)}.${long(63)}.${long(63)}.${long(61)}` } })],
    ['a ConfigMap name starting with a digit (subdomains may)', (env) => new k8s.KubeConfigMap(env.addChart('raw'), 'cm', { metadata: { name: '1-settings' } })],
    // IsDNS1123Subdomain limits the whole name (253), not its dot-separated parts (isDNS1123LabelExceptMaxLength).
    ['a ConfigMap name with a 64-character part between dots', (env) => new k8s.KubeConfigMap(env.addChart('raw'), 'cm', { metadata: { name: `cfg.${long(64)}` } })],
    ['a ClusterRole with a colon (RBAC names are path segments)', (env) => new k8s.KubeClusterRole(env.clusterChart, 'role', { metadata: { name: 'system:reader' } })],
  ])('passes: %s', (_what, build) => {
    const { app, env } = testEnv();
    build(env);
    expect(() => renderApp(app)).not.toThrow();
  });
});

describe('API server: labels and annotations (apimachinery ValidateLabels, ValidateAnnotations)', () => {
  const huge = long(300_000, 'x');
  test.each<RenderRow>([
    ['an aspect adding a 64-character label value', (env) => {
      webApp(env);
      onEveryObject(env, (o) => { if (o.kind === 'Service') o.metadata.addLabel('example.com/team', long(64)); });
    }, 'dev/web/web/Service/Resource', 'metadata.labels["example.com/team"]', long(64)],
    ['a raw ConfigMap label value with a space', (env) => new k8s.KubeConfigMap(env.addChart('raw'), 'cm', { metadata: { name: 'cm', labels: { tier: 'front end' } } }),
      'dev/raw/cm', 'metadata.labels["tier"]', 'front end'],
    ['a label value ending in "-"', (env) => new k8s.KubeConfigMap(env.addChart('raw'), 'cm', { metadata: { name: 'cm', labels: { tier: 'front-' } } }), 'dev/raw/cm', 'metadata.labels["tier"]', 'front-'],
    ['a label key with two slashes', (env) => new k8s.KubeConfigMap(env.addChart('raw'), 'cm', { metadata: { name: 'cm', labels: { 'example.com/a/b': 'x' } } }),
      'dev/raw/cm', 'metadata.labels key', 'example.com/a/b'],
    ['a label key with an upper-case prefix', (env) => new k8s.KubeConfigMap(env.addChart('raw'), 'cm', { metadata: { name: 'cm', labels: { 'Example.com/team': 'x' } } }),
      'dev/raw/cm', 'metadata.labels key', 'Example.com/team'],
    ['a label key name of 64 characters', (env) => new k8s.KubeConfigMap(env.addChart('raw'), 'cm', { metadata: { name: 'cm', labels: { [long(64)]: 'x' } } }),
      'dev/raw/cm', 'metadata.labels key', long(64)],
    ['an empty label key', (env) => new k8s.KubeConfigMap(env.addChart('raw'), 'cm', { metadata: { name: 'cm', labels: { '': 'x' } } }), 'dev/raw/cm', 'metadata.labels key', ''],
    ['a pod template label with a space (cdk8s-plus podMetadata)', (env) => webApp(env).deployment.podMetadata.addLabel('example.com/tier', 'front end'),
      'dev/web/web/Deployment/Resource', 'spec.template.metadata.labels["example.com/tier"]', 'front end'],
    ['a claim template label of a raw StatefulSet', (env) => new k8s.KubeStatefulSet(env.addChart('raw'), 'sts', {
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db', selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [] } },
        volumeClaimTemplates: [{ metadata: { name: 'data', labels: { 'example.com/tier': 'fast disk' } }, spec: { accessModes: ['ReadWriteOnce'] } }],
      },
    }), 'dev/raw/sts', 'spec.volumeClaimTemplates[0].metadata.labels["example.com/tier"]', 'fast disk'],
    ['an annotation key with a space', (env) => new k8s.KubeConfigMap(env.addChart('raw'), 'cm', { metadata: { name: 'cm', annotations: { 'owner team': 'ops' } } }),
      'dev/raw/cm', 'metadata.annotations key', 'owner team'],
    ['an annotation key starting with "-"', (env) => new k8s.KubeConfigMap(env.addChart('raw'), 'cm', { metadata: { name: 'cm', annotations: { '-owner': 'ops' } } }),
      'dev/raw/cm', 'metadata.annotations key', '-owner'],
    ['an aspect adding an annotation key with an empty prefix', (env) => {
      webApp(env);
      onEveryObject(env, (o) => { if (o.kind === 'Deployment') o.metadata.addAnnotation('/owner', 'ops'); });
    }, 'dev/web/web/Deployment/Resource', 'metadata.annotations key', '/owner'],
    ['a pod template annotation key with a space', (env) => webApp(env).deployment.podMetadata.addAnnotation('checksum config', 'abc'),
      'dev/web/web/Deployment/Resource', 'spec.template.metadata.annotations key', 'checksum config'],
    ['an aspect adding one annotation of 300,000 bytes', (env) => {
      webApp(env);
      onEveryObject(env, (o) => { if (o.kind === 'Service') o.metadata.addAnnotation('example.com/blob', huge); });
    }, 'dev/web/web/Service/Resource', 'metadata.annotations total', 300_000 + 'example.com/blob'.length],
    ['three annotations of 90,000 bytes each on a raw ConfigMap', (env) => new k8s.KubeConfigMap(env.addChart('raw'), 'cm', {
      metadata: { name: 'cm', annotations: { a: long(90_000), b: long(90_000), c: long(90_000) } },
    }), 'dev/raw/cm', 'metadata.annotations total', 270_003],
    ['pod template annotations over 256 KiB', (env) => webApp(env).deployment.podMetadata.addAnnotation('example.com/blob', long(262_144)),
      'dev/web/web/Deployment/Resource', 'spec.template.metadata.annotations total', 262_144 + 'example.com/blob'.length],
  ])('%s', (_what, build, path, field, value) => {
    const { app, env } = testEnv();
    build(env);
    expectRenderRefusal(app, path, field, value);
  });

  test.each<[string, (env: Environment) => unknown]>([
    ['annotations of exactly 256 KiB (keys included)', (env) => new k8s.KubeConfigMap(env.addChart('raw'), 'cm', { metadata: { name: 'cm', annotations: { a: long(262_143) } } })],
    ['a label value of exactly 63 characters and an empty one', (env) => new k8s.KubeConfigMap(env.addChart('raw'), 'cm', { metadata: { name: 'cm', labels: { a: long(63), b: '' } } })],
    ['an annotation key with an upper-case prefix (keys are compared lower-cased)', (env) => new k8s.KubeConfigMap(env.addChart('raw'), 'cm', { metadata: { name: 'cm', annotations: { 'Example.com/Owner': 'ops' } } })],
  ])('passes: %s', (_what, build) => {
    const { app, env } = testEnv();
    build(env);
    expect(() => renderApp(app)).not.toThrow();
  });
});

describe('API server: container ports and host ports (validateContainerPorts, AccumulateUniqueHostPorts, validateHostNetwork)', () => {
  const portName = (name: string) => (env: Environment) => patchWeb(env, JsonPatch.add('/spec/template/spec/containers/0/ports/0/name', name));
  const field = 'spec.template.spec.containers[0].ports[0].name';
  test.each<RenderRow>([
    ['a port name of 16 characters', portName('metrics-exporter'), 'dev/web/web/Deployment/Resource', field, 'metrics-exporter'],
    ['an upper-case port name', portName('HTTP'), 'dev/web/web/Deployment/Resource', field, 'HTTP'],
    ['a port name of digits only (needs a letter)', portName('8080'), 'dev/web/web/Deployment/Resource', field, '8080'],
    ['a port name starting with "-"', portName('-http'), 'dev/web/web/Deployment/Resource', field, '-http'],
    ['a port name ending with "-"', portName('http-'), 'dev/web/web/Deployment/Resource', field, 'http-'],
    ['a port name with "--"', portName('http--alt'), 'dev/web/web/Deployment/Resource', field, 'http--alt'],
    ['a port name with "_"', portName('http_alt'), 'dev/web/web/Deployment/Resource', field, 'http_alt'],
    ['a port name with a dot', portName('http.alt'), 'dev/web/web/Deployment/Resource', field, 'http.alt'],
    ['two ports of one container with one name (a patch; cdk8s-plus addPort refuses it)', (env) => patchWeb(env,
      JsonPatch.add('/spec/template/spec/containers/0/ports/-', { containerPort: 8081, name: 'http' }),
      JsonPatch.add('/spec/template/spec/containers/0/ports/-', { containerPort: 8082, name: 'http' })),
    'dev/web/web/Deployment/Resource', 'spec.template.spec.containers[0].ports[2].name', 'http'],
    ['a host-network sidecar on the agent\'s port', (env) => hostDaemon(env).addSidecar('proxy', { image: IMAGE, containerPort: 9100 }),
      'dev/agent/agent/DaemonSet/Resource', 'spec.template.spec.containers[1].ports[0].containerPort', 9100],
    ['a host-network pod whose hostPort differs from its containerPort', (env) => ApiObject.of(hostDaemon(env).daemonSet).addJsonPatch(
      JsonPatch.add('/spec/template/spec/containers/0/ports/0/hostPort', 9200)), 'dev/agent/agent/DaemonSet/Resource', 'spec.template.spec.containers[0].ports[0].hostPort', 9200],
    ['two containers with one hostPort', (env) => {
      const d = hostDaemon(env, { hostNetwork: false, hostPID: true });
      d.addSidecar('proxy', { image: IMAGE, containerPort: 9101 });
      const api = ApiObject.of(d.daemonSet);
      api.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/ports/0/hostPort', 8443));
      api.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/1/ports/0/hostPort', 8443));
    }, 'dev/agent/agent/DaemonSet/Resource', 'spec.template.spec.containers[1].ports[0].hostPort', 8443],
    ['an init container on the host-network agent\'s port', (env) => {
      const d = hostDaemon(env);
      d.daemonSet.addInitContainer({ name: 'init', image: IMAGE, ports: [{ number: 9100 }], securityContext: { ensureNonRoot: true } });
    }, 'dev/agent/agent/DaemonSet/Resource', 'spec.template.spec.containers[0].ports[0].containerPort', 9100],
  ])('%s', (_what, build, path, f, value) => {
    const { app, env } = testEnv();
    build(env);
    expectRenderRefusal(app, path, f, value);
  });

  test.each<[string, (env: Environment) => unknown]>([
    ['a port name of exactly 15 characters', portName('abcdefghijklmno')],
    ['one port name in two containers of a pod', (env) => {
      const web = webApp(env);
      web.container.addPort({ number: 8081, name: 'admin' });
      web.addSidecar('proxy', { image: IMAGE, containerPort: 9000 }).addPort({ number: 9001, name: 'admin' });
    }],
    ['a host-network agent and a sidecar on another port', (env) => hostDaemon(env).addSidecar('proxy', { image: IMAGE, containerPort: 9101 })],
    ['one hostPort for TCP and for UDP', (env) => {
      const d = hostDaemon(env, { hostNetwork: false, hostPID: true });
      d.container.addPort({ number: 9053, hostPort: 9053, protocol: kplus.Protocol.UDP });
      ApiObject.of(d.daemonSet).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/ports/0/hostPort', 9053));
      ApiObject.of(d.daemonSet).addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/ports/0/containerPort', 9053));
    }],
  ])('passes: %s', (_what, build) => {
    const { app, env } = testEnv();
    build(env);
    expect(() => renderApp(app)).not.toThrow();
  });
});

describe('API server: volumes and mounts (ValidateVolumes, ValidateVolumeMounts)', () => {
  test.each<RenderRow>([
    ['one writable path given twice', (env) => new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, writablePaths: ['/tmp', '/tmp'] }),
      'dev/web/web/Deployment/Resource', 'spec.template.spec.containers[0].volumeMounts[1].mountPath', '/tmp'],
    ['a host path mounted where the default writable /tmp is', (env) => hostDaemon(env, { hostPaths: [{ hostPath: '/var/log', mountPath: '/tmp' }] }),
      'dev/agent/agent/DaemonSet/Resource', 'spec.template.spec.containers[0].volumeMounts[1].mountPath', '/tmp'],
    ['a cdk8s-plus mount on a writable path', (env) => {
      const web = webApp(env);
      web.container.mount('/tmp', kplus.Volume.fromEmptyDir(web, 'extra', 'extra'));
    }, 'dev/web/web/Deployment/Resource', 'spec.template.spec.containers[0].volumeMounts[1].mountPath', '/tmp'],
    ['a patch adding a second volume named writable-0', (env) => patchWeb(env, JsonPatch.add('/spec/template/spec/volumes/-', { name: 'writable-0', emptyDir: {} })),
      'dev/web/web/Deployment/Resource', 'spec.template.spec.volumes[1].name', 'writable-0'],
    ['a volume name with upper case and "_"', (env) => patchWeb(env, JsonPatch.add('/spec/template/spec/volumes/-', { name: 'Cache_1', emptyDir: {} })),
      'dev/web/web/Deployment/Resource', 'spec.template.spec.volumes[1].name', 'Cache_1'],
    ['a mount of a volume the pod does not have', (env) => patchWeb(env, JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'cache', mountPath: '/cache' })),
      'dev/web/web/Deployment/Resource', 'spec.template.spec.containers[0].volumeMounts[1].name', 'cache'],
    ['an NFS claim mounted where the default writable /tmp is', (env) => new NodePortApp(env.addChart('web'), 'web', {
      name: 'web', image: IMAGE, containerPort: 8080, claims: [{ claim: nfsClaims(env)[0], mountPath: '/tmp' }],
    }), 'dev/web/web/Deployment/Resource', 'spec.template.spec.containers[0].volumeMounts[1].mountPath', '/tmp'],
    ['two NFS claims on one mountPath', (env) => {
      const [media, scratch] = nfsClaims(env);
      new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, claims: [{ claim: media, mountPath: '/data' }, { claim: scratch, mountPath: '/data' }] });
    }, 'dev/web/web/Deployment/Resource', 'spec.template.spec.containers[0].volumeMounts[2].mountPath', '/data'],
    ['two claim templates on one mountPath', (env) => new OrderedStatefulSet(env.addChart('kv'), 'kv', {
      name: 'kv', image: IMAGE, containerPort: 6379, volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage: '1Gi' }, { name: 'logs', mountPath: '/data', storage: '1Gi' }],
    }), 'dev/kv/kv/StatefulSet/Resource', 'spec.template.spec.containers[0].volumeMounts[2].mountPath', '/data'],
  ])('%s', (_what, build, path, field, value) => {
    const { app, env } = testEnv();
    build(env);
    expectRenderRefusal(app, path, field, value);
  });

  test.each<[string, (env: Environment) => unknown]>([
    ['a sidecar writing to the same path as the main container (another container)', (env) => webApp(env).addSidecar('log', { image: IMAGE, writablePaths: ['/tmp'], readiness: { command: ['true'] }, liveness: { command: ['true'] } })],
    ['one volume mounted twice in a container at two paths', (env) => patchWeb(env, JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'writable-0', mountPath: '/var/tmp' }))],
    ['a StatefulSet mounting its claim templates (volumes the controller adds)', (env) => new OrderedStatefulSet(env.addChart('kv'), 'kv', {
      name: 'kv', image: IMAGE, containerPort: 6379, volumeClaimTemplates: [{ name: 'data', mountPath: '/data', storage: '1Gi' }],
    })],
  ])('passes: %s', (_what, build) => {
    const { app, env } = testEnv();
    build(env);
    expect(() => renderApp(app)).not.toThrow();
  });
});

describe('API server: container names and workload selectors (validateContainers, apps ValidateDeploymentSpec and kin)', () => {
  const rawDeployment = (env: Environment, selector: k8s.LabelSelector, labels: Record<string, string>) => new k8s.KubeDeployment(env.addChart('raw'), 'deploy', {
    metadata: { name: 'raw' }, spec: { selector, template: { metadata: { labels }, spec: { containers: [] } } },
  });
  test.each<RenderRow>([
    ['an init container named like the main container', (env) => webApp(env).deployment.addInitContainer({
      name: 'web', image: IMAGE, securityContext: { ensureNonRoot: true, capabilities: { drop: ['ALL' as kplus.Capability] } },
    }), 'dev/web/web/Deployment/Resource', 'spec.template.spec.containers[0].name', 'web'],
    ['a patch renaming the sidecar like the main container', (env) => {
      const web = webApp(env);
      web.addSidecar('log', { image: IMAGE, readiness: { command: ['true'] }, liveness: { command: ['true'] } });
      ApiObject.of(web.deployment).addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/1/name', 'web'));
    }, 'dev/web/web/Deployment/Resource', 'spec.template.spec.containers[1].name', 'web'],
    ['an upper-case container name', (env) => patchWeb(env, JsonPatch.replace('/spec/template/spec/containers/0/name', 'Web')),
      'dev/web/web/Deployment/Resource', 'spec.template.spec.containers[0].name', 'Web'],
    ['an aspect removing a selected label from the pod template', (env) => {
      webApp(env);
      onEveryObject(env, (o) => { if (o.kind === 'Deployment') o.addJsonPatch(JsonPatch.remove('/spec/template/metadata/labels/app.kubernetes.io~1name')); });
    }, 'dev/web/web/Deployment/Resource', 'spec.selector', { matchLabels: WEB_LABELS }],
    ['a raw Deployment whose selector names another value', (env) => rawDeployment(env, { matchLabels: { app: 'a' } }, { app: 'b' }), 'dev/raw/deploy', 'spec.selector', { matchLabels: { app: 'a' } }],
    ['a raw Deployment whose matchExpressions exclude its pods', (env) => rawDeployment(env, { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] }, { tier: 'api' }),
      'dev/raw/deploy', 'spec.selector', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] }],
    ['a raw DaemonSet with an empty selector', (env) => new k8s.KubeDaemonSet(env.addChart('raw'), 'ds', {
      metadata: { name: 'raw' }, spec: { selector: {}, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [] } } },
    }), 'dev/raw/ds', 'spec.selector', {}],
  ])('%s', (_what, build, path, field, value) => {
    const { app, env } = testEnv();
    build(env);
    expectRenderRefusal(app, path, field, value);
  });

  test.each<[string, (env: Environment) => unknown]>([
    ['matchExpressions In and Exists that select the pods', (env) => rawDeployment(env, {
      matchExpressions: [{ key: 'tier', operator: 'In', values: ['api', 'web'] }, { key: 'app', operator: 'Exists' }, { key: 'canary', operator: 'DoesNotExist' }],
    }, { tier: 'web', app: 'a' })],
  ])('passes: %s', (_what, build) => {
    const { app, env } = testEnv();
    build(env);
    expect(() => renderApp(app)).not.toThrow();
  });
});

describe('API server: Service ports (ValidateService, validateServicePort)', () => {
  test.each<RenderRow>([
    ['two ports, one without a name', (env) => rawService(env, 'raw', [{ port: 80, name: 'http', targetPort: 8080 }, { port: 81, targetPort: 8080 }]), 'dev/raw/svc/Resource', 'spec.ports[1].name', undefined],
    ['an upper-case port name', (env) => rawService(env, 'raw', [{ port: 80, name: 'HTTP', targetPort: 8080 }]), 'dev/raw/svc/Resource', 'spec.ports[0].name', 'HTTP'],
    ['a port name of 64 characters', (env) => rawService(env, 'raw', [{ port: 80, name: long(64), targetPort: 8080 }]), 'dev/raw/svc/Resource', 'spec.ports[0].name', long(64)],
    ['two ports with one name', (env) => rawService(env, 'raw', [{ port: 80, name: 'http', targetPort: 8080 }, { port: 81, name: 'http', targetPort: 8080 }]),
      'dev/raw/svc/Resource', 'spec.ports[1].name', 'http'],
    ['one port and protocol twice', (env) => rawService(env, 'raw', [{ port: 80, name: 'a', targetPort: 8080 }, { port: 80, name: 'b', targetPort: 8080 }]),
      'dev/raw/svc/Resource', 'spec.ports[1].port', 80],
    ['an aspect adding the NodePortApp\'s port again', (env) => {
      webApp(env);
      onEveryObject(env, (o) => { if (o.kind === 'Service') o.addJsonPatch(JsonPatch.add('/spec/ports/-', { name: 'again', port: 8080, targetPort: 8080 })); });
    }, 'dev/web/web/Service/Resource', 'spec.ports[1].port', 8080],
    ['a named targetPort with "_"', (env) => {
      webApp(env);
      new k8s.KubeService(env.addChart('raw'), 'svc', { metadata: { name: 'raw' }, spec: { selector: WEB_LABELS, ports: [{ port: 80, targetPort: k8s.IntOrString.fromString('http_port') }] } });
    }, 'dev/raw/svc', 'spec.ports[0].targetPort', 'http_port'],
    ['a named targetPort of 16 characters', (env) => {
      webApp(env);
      new k8s.KubeService(env.addChart('raw'), 'svc', { metadata: { name: 'raw' }, spec: { selector: WEB_LABELS, ports: [{ port: 80, targetPort: k8s.IntOrString.fromString('metrics-exporter') }] } });
    }, 'dev/raw/svc', 'spec.ports[0].targetPort', 'metrics-exporter'],
  ])('%s', (_what, build, path, field, value) => {
    const { app, env } = testEnv();
    build(env);
    expectRenderRefusal(app, path, field, value);
  });

  test.each<[string, (env: Environment) => unknown]>([
    ['one port number for TCP and UDP', (env) => rawService(env, 'raw', [{ port: 53, name: 'dns', targetPort: 8080 }, { port: 53, name: 'dns-udp', targetPort: 8080, protocol: kplus.Protocol.UDP }])],
    ['a Service port name of 16 characters (Service port names are DNS labels, not IANA names)', (env) => rawService(env, 'raw', [{ port: 80, name: 'metrics-exporter', targetPort: 8080 }])],
    ['a single port without a name', (env) => rawService(env, 'raw', [{ port: 80, targetPort: 8080 }])],
  ])('passes: %s', (_what, build) => {
    const { app, env } = testEnv();
    build(env);
    expect(() => renderApp(app)).not.toThrow();
  });
});

describe('API server: the cluster\'s own namespaces (NamespaceLifecycle immortal namespaces, "kube-" prefix, platform namespaces)', () => {
  const envWith = (props: Partial<EnvironmentProps>) => () => testEnv(props);
  test.each<PropRow>([
    ['namespace kube-system', () => envWith({ namespace: 'kube-system' })(), 'dev', 'namespace', 'kube-system'],
    ['namespace kube-public', () => envWith({ namespace: 'kube-public' })(), 'dev', 'namespace', 'kube-public'],
    ['namespace kube-node-lease', () => envWith({ namespace: 'kube-node-lease' })(), 'dev', 'namespace', 'kube-node-lease'],
    ['namespace default', () => envWith({ namespace: 'default' })(), 'dev', 'namespace', 'default'],
    ['a namespace with the reserved "kube-" prefix', () => envWith({ namespace: 'kube-apps' })(), 'dev', 'namespace', 'kube-apps'],
    ['namespace metallb-system', () => envWith({ namespace: 'metallb-system' })(), 'dev', 'namespace', 'metallb-system'],
    ['namespace cert-manager', () => envWith({ namespace: 'cert-manager' })(), 'dev', 'namespace', 'cert-manager'],
    ['namespace ingress-nginx', () => envWith({ namespace: 'ingress-nginx' })(), 'dev', 'namespace', 'ingress-nginx'],
    ['namespace nginx-gateway', () => envWith({ namespace: 'nginx-gateway' })(), 'dev', 'namespace', 'nginx-gateway'],
    ['namespace flux-system', () => envWith({ namespace: 'flux-system' })(), 'dev', 'namespace', 'flux-system'],
    ['namespace argocd', () => envWith({ namespace: 'argocd' })(), 'dev', 'namespace', 'argocd'],
    ['an environment named "default" (its namespace by default)', () => new Environment(new App(), 'default', { name: 'default' }), 'default', 'name', 'default'],
    ['addNamespace("kube-system")', (env) => env.addNamespace('kube-system'), 'dev', 'namespace', 'kube-system'],
    ['addNamespace("default")', (env) => env.addNamespace('default'), 'dev', 'namespace', 'default'],
    ['addNamespace("metallb-system")', (env) => env.addNamespace('metallb-system'), 'dev', 'namespace', 'metallb-system'],
    ['a node daemon definition in namespace kube-system (environments/compose)', () => composeEnvironment(new App(), {
      name: 'lab', nodeDaemons: [{ name: 'agent', namespace: 'kube-system', image: IMAGE, containerPort: 9100 }],
    }), 'lab', 'namespace', 'kube-system'],
  ])('%s', (_what, build, path, field, value) => {
    const { env } = testEnv();
    expectPropRefusal(() => build(env), path, field, value);
  });

  test.each<RenderRow>([
    ['a raw Namespace object kube-system', (env) => new kplus.Namespace(env.clusterChart, 'ns', { metadata: { name: 'kube-system' } }), 'dev/cluster/ns/Resource', 'metadata.name', 'kube-system'],
    ['a raw k8s.KubeNamespace default', (env) => new k8s.KubeNamespace(env.clusterChart, 'ns', { metadata: { name: 'default' } }), 'dev/cluster/ns', 'metadata.name', 'default'],
    ['an aspect renaming the environment\'s Namespace to flux-system', (env) => onEveryObject(env, (o) => {
      if (o.kind === 'Namespace') o.addJsonPatch(JsonPatch.replace('/metadata/name', 'flux-system'));
    }), 'dev/cluster/Namespace/Resource', 'metadata.name', 'flux-system'],
  ])('%s', (_what, build, path, field, value) => {
    const { app, env } = testEnv();
    build(env);
    expectRenderRefusal(app, path, field, value);
  });

  test.each<[string, (env: Environment) => unknown]>([
    ['MetalLB pools written into metallb-system (platform configuration, no Namespace object)', (env) => new MetalLbL2Pool(env.addChart('metallb', undefined, { namespaced: false }), 'pool', {
      name: 'pool', addresses: ['192.168.1.240-192.168.1.250'],
    })],
    ['namespaces that only look like system ones', (env) => { env.addNamespace('kube'); env.addNamespace('system'); env.addNamespace('metallb'); env.addNamespace('my-kube-system'); }],
  ])('passes: %s', (_what, build) => {
    const { app, env } = testEnv();
    build(env);
    expect(() => renderApp(app)).not.toThrow();
  });
});
