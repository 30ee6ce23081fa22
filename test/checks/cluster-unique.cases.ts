import { App } from 'cdk8s';
import { Environment, NfsStorage, ChartTier, NodeDaemon, NodePortApp, renderApp } from '../../lib';
import { Manifest } from '../../lib/checks';
import { CLUSTER_CHECKS, runClusterChecks } from '../../lib/checks/cluster';
import {
  clusterDefaultStorageClass, clusterHostPorts, clusterNamespaceOwners, clusterNodePorts, clusterObjectNames, environmentOf,
} from '../../lib/checks/cluster-unique';
import { container, controlPlane, facts, node, obj, objectsOf, workload, expectClusterRow, ClusterRow } from './cluster-fixtures';

const service = (env: string, name: string, nodePort: number, type = 'NodePort', ns = env) => obj(`${env}/${name}/${name}/Resource`, {
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns },
  spec: { type, selector: { app: name }, ports: [{ port: 80, targetPort: 8080, nodePort }] },
});

/** A DaemonSet with one container port, host network or a hostPort. */
function daemon(env: string, name: string, props: { port?: number; hostNetwork?: boolean; hostPort?: boolean; nodeSelector?: Record<string, string>; tolerations?: Manifest[]; protocol?: string } = {}) {
  const port = props.port ?? 9100;
  return workload('DaemonSet', env, name, {
    hostNetwork: props.hostNetwork, nodeSelector: props.nodeSelector, tolerations: props.tolerations,
    containers: [container(name, { ports: [{ containerPort: port, protocol: props.protocol, hostPort: props.hostPort ? port : undefined }] })],
  }, { ns: `${env}-agents` });
}

const namespace = (env: string, name: string) => obj(`${env}/cluster/${name}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const pv = (env: string, name: string) => obj(`${env}/storage/nfs/${name}`, {
  apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
  spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteMany'], nfs: { server: '192.168.10.50', path: `/exports/${name}` } },
});
const storageClass = (env: string, name: string, isDefault: boolean, key = 'storageclass.kubernetes.io/is-default-class') => obj(`${env}/storage/nfs/${name}`, {
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name, annotations: isDefault ? { [key]: 'true' } : undefined },
  provisioner: 'nfs.csi.k8s.io', parameters: { server: '192.168.10.50', share: `/exports/${name}` },
});
const application = (env: string, name: string) => obj(`${env}/gitops/${name}`, {
  apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name, namespace: 'argocd' },
  spec: { project: 'default', source: { repoURL: 'https://git.example.com/deploy.git', path: `dist/nonprod/${env}` }, destination: { server: 'https://kubernetes.default.svc' } },
});
const configMap = (env: string, name: string, ns: string) => obj(`${env}/config/${name}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: {} });

const workers = [node('w1', { labels: { pool: 'a' } }), node('w2', { labels: { pool: 'a' } }), node('w3', { labels: { pool: 'b' } })];
const withNodes = facts({ nodes: [controlPlane(), ...workers] });


const rows: ClusterRow[] = [
  // nodePorts: kube-apiserver's allocator
  {
    name: 'two environments on nodePort 30080',
    objects: [service('dev', 'web', 30080), service('staging', 'web', 30080)],
    expected: ['staging/web/web/Resource: Service staging/web spec.ports[0].nodePort 30080 is also used by dev/web/web/Resource (Service dev/web)', 'already allocated'],
  },
  {
    name: 'a LoadBalancer Service on the nodePort of a NodePort Service',
    objects: [service('dev', 'web', 30080), service('prod', 'edge', 30080, 'LoadBalancer')],
    expected: ['prod/edge/edge/Resource: Service prod/edge spec.ports[0].nodePort 30080 is also used by dev/web/web/Resource'],
  },
  {
    name: 'a nodePort outside the cluster\'s narrower range',
    objects: [service('dev', 'web', 30080)],
    facts: facts({ nodePortRange: { from: 31000, to: 31999 } }),
    expected: ['dev/web/web/Resource: Service dev/web spec.ports[0].nodePort 30080 is outside the nodePort range 31000-31999 of cluster "nonprod"'],
  },
  { name: 'passes: different nodePorts, the range\'s edges', objects: [service('dev', 'web', 30000), service('staging', 'web', 32767)] },
  {
    name: 'passes: one Service with TCP and UDP on one nodePort',
    objects: [obj('dev/dns/Resource', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'dns', namespace: 'dev' },
      spec: { type: 'NodePort', selector: { app: 'dns' }, ports: [{ name: 'tcp', port: 53, protocol: 'TCP', nodePort: 30053 }, { name: 'udp', port: 53, protocol: 'UDP', nodePort: 30053 }] },
    })],
  },

  // host ports: kube-scheduler's NodePorts filter
  {
    name: 'two host-network DaemonSets on :9100 (no nodes declared)',
    objects: [daemon('dev', 'node-exporter', { hostNetwork: true }), daemon('staging', 'node-exporter', { hostNetwork: true })],
    expected: ['staging/node-exporter/Resource: DaemonSet staging-agents/node-exporter spec.template.spec.containers[0].ports[0] host port TCP 9100 (hostNetwork) is also used by dev/node-exporter/Resource', 'no nodes declared', 'NodePorts'],
  },
  {
    name: 'a hostPort clashing with a host-network DaemonSet on shared workers',
    objects: [daemon('dev', 'agent', { hostPort: true }), daemon('staging', 'exporter', { hostNetwork: true, nodeSelector: { pool: 'a' } })],
    facts: withNodes,
    expected: ['staging/exporter/Resource: DaemonSet staging-agents/exporter', 'host port TCP 9100 (hostNetwork) is also used by dev/agent/Resource (DaemonSet dev-agents/agent', 'on nodes w1, w2'],
  },
  {
    name: 'passes: two host-network agents on disjoint node sets',
    objects: [daemon('dev', 'agent', { hostNetwork: true, nodeSelector: { pool: 'a' } }), daemon('staging', 'agent', { hostNetwork: true, nodeSelector: { pool: 'b' } })],
    facts: withNodes,
  },
  {
    name: 'passes: disjoint nodeSelectors without declared nodes',
    objects: [daemon('dev', 'agent', { hostNetwork: true, nodeSelector: { pool: 'a' } }), daemon('staging', 'agent', { hostNetwork: true, nodeSelector: { pool: 'b' } })],
  },
  {
    name: 'passes: one on the tainted control plane only, one on the workers',
    objects: [
      daemon('dev', 'cp-agent', { hostNetwork: true, nodeSelector: { 'node-role.kubernetes.io/control-plane': '' }, tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] }),
      daemon('staging', 'agent', { hostNetwork: true }),
    ],
    facts: withNodes,
  },
  {
    name: 'a sidecar (init container with restartPolicy Always) holding the host port',
    objects: [daemon('dev', 'a', { hostPort: true }), workload('DaemonSet', 'staging', 'b', {
      initContainers: [container('proxy', { restartPolicy: 'Always', ports: [{ containerPort: 9100, hostPort: 9100 }] })], containers: [container('b')],
    })],
    expected: ['staging/b/Resource: DaemonSet staging/b spec.template.spec.initContainers[0].ports[0] host port TCP 9100 is also used by dev/a/Resource'],
  },
  {
    name: 'passes: a plain init container declaring the port (it has exited before the pod runs)',
    objects: [daemon('dev', 'a', { hostPort: true }), workload('DaemonSet', 'staging', 'b', {
      initContainers: [container('setup', { ports: [{ containerPort: 9100, hostPort: 9100 }] })], containers: [container('b')],
    })],
  },
  { name: 'passes: same port, TCP and UDP', objects: [daemon('dev', 'a', { hostNetwork: true }), daemon('staging', 'b', { hostNetwork: true, protocol: 'UDP' })] },
  {
    name: 'a Deployment with a hostPort and more replicas than nodes',
    objects: [workload('Deployment', 'dev', 'edge', { containers: [container('edge', { ports: [{ containerPort: 8443, hostPort: 8443 }] })] }, { replicas: 4 })],
    facts: withNodes,
    expected: ['dev/edge/Resource: Deployment dev/edge spec.replicas 4 with spec.template.spec.containers[0].ports[0] host port TCP 8443: only 3 node(s) can run it (w1, w2, w3)', 'leaves 1 Pending'],
  },
  {
    name: 'passes: exactly as many replicas as nodes with a hostPort',
    objects: [workload('Deployment', 'dev', 'edge', { containers: [container('edge', { ports: [{ containerPort: 8443, hostPort: 8443 }] })] }, { replicas: 3 })],
    facts: withNodes,
  },

  // objects by name, namespaces, default StorageClass
  {
    name: 'two environments writing one PersistentVolume',
    objects: [pv('dev', 'media'), pv('staging', 'media')],
    expected: ['staging/storage/nfs/media: PersistentVolume media (environment "staging") is also written by dev/storage/nfs/media (environment "dev")', 'cluster-scoped PersistentVolume is written once per cluster'],
  },
  {
    name: 'two environments writing one Namespace',
    objects: [namespace('dev', 'shared'), namespace('staging', 'shared')],
    expected: ['staging/cluster/shared: Namespace shared (environment "staging") is also written by dev/cluster/shared (environment "dev")'],
  },
  {
    name: 'two environments writing one Argo CD Application name',
    objects: [application('dev', 'apps'), application('staging', 'apps')],
    expected: ['staging/gitops/apps: Application argocd/apps (environment "staging") is also written by dev/gitops/apps', 'one Application name per controller namespace'],
  },
  {
    name: 'an environment writing into a namespace another environment owns',
    objects: [namespace('dev', 'dev'), configMap('dev', 'settings', 'dev'), configMap('staging', 'extra', 'dev')],
    expected: ['staging/config/extra: ConfigMap dev/extra (environment "staging") is in namespace "dev", which environment "dev" owns (its Namespace is written by dev/cluster/dev)'],
  },
  {
    name: 'two default StorageClasses',
    objects: [storageClass('dev', 'nfs-dev', true), storageClass('staging', 'nfs-staging', true, 'storageclass.beta.kubernetes.io/is-default-class')],
    expected: ['staging/storage/nfs/nfs-staging: StorageClass nfs-staging metadata.annotations["storageclass.beta.kubernetes.io/is-default-class"] "true": StorageClass nfs-dev (dev/storage/nfs/nfs-dev) is the cluster\'s default already'],
  },
  { name: 'passes: one default and one other StorageClass', objects: [storageClass('dev', 'nfs-dev', true), storageClass('staging', 'nfs-staging', false)] },
  { name: 'passes: one environment repeating its own object (its own check)', objects: [pv('dev', 'media'), pv('dev', 'media')] },
  {
    name: 'passes: environments sharing a namespace no environment owns, with distinct names',
    objects: [configMap('dev', 'dev-pools', 'metallb-system'), configMap('staging', 'staging-pools', 'metallb-system'), namespace('dev', 'dev'), configMap('dev', 'settings', 'dev')],
  },
];

describe('per-cluster uniqueness (nodePorts, host ports, names, namespaces, default StorageClass)', () => {
  test.each(rows)('$name', ({ objects, facts: f, expected }) => expectClusterRow(objects, f ?? facts(), expected));

  test('the rules are registered in CLUSTER_CHECKS', () => {
    for (const check of [clusterNodePorts, clusterHostPorts, clusterObjectNames, clusterNamespaceOwners, clusterDefaultStorageClass]) {
      expect(CLUSTER_CHECKS).toContain(check);
    }
  });

  test('an object\'s environment is the first segment of its construct path', () => {
    expect(environmentOf('staging/web/web/Resource')).toBe('staging');
  });

  test('two rendered environments of one cluster: nodePort 30080, node-exporter on :9100 and a default StorageClass each', () => {
    const app = new App();
    for (const name of ['dev', 'staging']) {
      const env = new Environment(app, name, { name });
      new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080, port: 80, nodePort: 30080 });
      env.addNamespace(`${name}-agents`);
      new NodeDaemon(env.addChart('agent', undefined, { namespace: `${name}-agents` }), 'agent', {
        name: 'node-exporter', image: 'registry.example.com/agent:1.0.0', containerPort: 9100, hostNetwork: true,
      });
      new NfsStorage(env.addChart('storage', ChartTier.CLUSTER, { namespaced: false }), 'nfs', {
        server: '192.168.10.50', storageClass: { name: `nfs-${name}`, share: `/exports/${name}`, isDefault: true },
      });
    }
    // Each environment alone is fine: these are per-cluster rules.
    expect(() => renderApp(app)).not.toThrow();
    const messages = runClusterChecks(objectsOf(app), facts());
    expect(messages).toEqual(expect.arrayContaining([
      expect.stringMatching(/^staging\/web\/web\/.*: Service staging\/web spec\.ports\[0\]\.nodePort 30080 is also used by dev\/web\/web\//),
      expect.stringMatching(/^staging\/agent\/.*: DaemonSet staging-agents\/node-exporter .*host port TCP 9100 \(hostNetwork\) is also used by dev\/agent\//),
      expect.stringMatching(/^staging\/storage\/.*: StorageClass nfs-staging .*StorageClass nfs-dev \(dev\/storage\/.*\) is the cluster's default already/),
    ]));
    expect(messages).toHaveLength(3);
  });
});
