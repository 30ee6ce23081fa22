import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import {
  Cluster, ClusterProps, Environment, KUBERNETES_VERSIONS, NodePortApp, renderApp, serialize, synthesize, SynthError, ValidationError,
} from '../lib';
import { CLUSTER_CHECKS, ClusterCheck } from '../lib/checks/cluster';
import { readOutputFiles } from '../lib/synth/output-folder';
import { repoDir, tempDir, clusterRefusal } from './helpers';

const IMAGE = 'nginxinc/nginx-unprivileged:1.27-alpine';
const VALID: ClusterProps = {
  name: 'lab',
  kubernetesVersion: '1.33',
  nodes: [
    { name: 'cp-1', address: '192.168.1.10', role: 'control-plane' },
    { name: 'worker-1', address: '192.168.1.101', role: 'worker', labels: { disk: 'ssd' }, allocatable: { cpu: '4', memory: '8Gi', pods: 110 } },
  ],
  nodeNetwork: { cidr: '192.168.1.0/24', gateway: '192.168.1.1', reserved: ['192.168.1.50'] },
  reservedNodePorts: [32080],
  gitops: { controller: 'argocd', repoUrl: 'https://git.example.internal/k8s.git' },
};


describe('Cluster: a definition\'s bad fields are refused, naming the cluster, the field and the value', () => {
  test.each<[string, (c: any) => any, string]>([
    ['a name that is not a DNS label', (c) => ({ ...c, name: 'Lab_1' }), 'cluster Lab_1: name "Lab_1" is not a DNS-1123 label'],
    ['the name of the GitOps folder', (c) => ({ ...c, name: 'gitops' }), 'cluster gitops: name "gitops" is reserved for the folder dist/gitops/'],
    ['a version before 1.27', (c) => ({ ...c, kubernetesVersion: '1.26' }), 'cluster lab: kubernetesVersion "1.26" is not one of'],
    ['a version with a patch', (c) => ({ ...c, kubernetesVersion: '1.33.2' }), 'cluster lab: kubernetesVersion "1.33.2" is not one of'],
    ['a version as a number', (c) => ({ ...c, kubernetesVersion: 1.33 }), 'cluster lab: kubernetesVersion 1.33 is not a string'],
    ['a node network that is an address', (c) => ({ ...c, nodeNetwork: { cidr: '192.168.1.0' } }), 'cluster lab: nodeNetwork.cidr "192.168.1.0" is not a CIDR'],
    ['a node network with host bits', (c) => ({ ...c, nodeNetwork: { cidr: '192.168.1.1/24' } }), 'cluster lab: nodeNetwork.cidr "192.168.1.1/24" has host bits set'],
    ['a gateway outside the node network', (c) => ({ ...c, nodeNetwork: { ...c.nodeNetwork, gateway: '10.0.0.1' } }), 'cluster lab: nodeNetwork.gateway "10.0.0.1" is not inside the node network 192.168.1.0/24'],
    ['a reserved entry that is no address', (c) => ({ ...c, nodeNetwork: { ...c.nodeNetwork, reserved: ['nas'] } }), 'cluster lab: nodeNetwork.reserved[0] "nas" is not an IP address'],
    ['a node outside the node network', (c) => ({ ...c, nodes: [{ name: 'n', address: '10.0.0.5', role: 'worker' }] }), 'cluster lab: nodes[0].address "10.0.0.5" is not inside the node network 192.168.1.0/24'],
    ['two nodes with one name', (c) => ({ ...c, nodes: [c.nodes[0], { ...c.nodes[1], name: 'cp-1' }] }), 'cluster lab: nodes[1].name "cp-1" is already the name of another node'],
    ['two nodes with one address', (c) => ({ ...c, nodes: [c.nodes[0], { ...c.nodes[1], address: '192.168.1.10' }] }), 'cluster lab: nodes[1].address "192.168.1.10" is already the address of another node'],
    ['a node role that does not exist', (c) => ({ ...c, nodes: [{ name: 'n', address: '192.168.1.5', role: 'master' }] }), 'cluster lab: nodes[0].role "master" is not one of'],
    ['a taint effect that does not exist', (c) => ({ ...c, nodes: [{ name: 'n', address: '192.168.1.5', role: 'worker', taints: [{ key: 'gpu', effect: 'NoRun' }] }] }), 'cluster lab: nodes[0].taints[0].effect "NoRun" is not one of'],
    ['a label key that is not one', (c) => ({ ...c, nodes: [{ name: 'n', address: '192.168.1.5', role: 'worker', labels: { 'a b': 'x' } }] }), 'cluster lab: nodes[0].labels key "a b"'],
    ['allocatable memory that is not a quantity', (c) => ({ ...c, nodes: [{ name: 'n', address: '192.168.1.5', role: 'worker', allocatable: { memory: '8 GB' } }] }), 'cluster lab: nodes[0].allocatable.memory "8 GB"'],
    ['a nodePort range upside down', (c) => ({ ...c, nodePortRange: { from: 32767, to: 30000 } }), 'cluster lab: nodePortRange.from 32767 is more than nodePortRange.to (30000)'],
    ['a reserved nodePort outside the range', (c) => ({ ...c, reservedNodePorts: [8080] }), 'cluster lab: reservedNodePorts[0] 8080 is outside the nodePort range 30000-32767'],
    ['a GitOps controller that does not exist', (c) => ({ ...c, gitops: { controller: 'jenkins', repoUrl: 'https://x.example/y.git' } }), 'cluster lab: gitops.controller "jenkins" is not one of'],
    ['a GitOps controller without repository', (c) => ({ ...c, gitops: { controller: 'flux' } }), 'cluster lab: gitops.repoUrl undefined is required'],
    ['a repository that is no URL', (c) => ({ ...c, gitops: { controller: 'argocd', repoUrl: 'not a url' } }), 'cluster lab: gitops.repoUrl "not a url" is not a Git repository URL'],
    ['a GitOps path (the synth writes it)', (c) => ({ ...c, gitops: { ...c.gitops, path: 'dist/lab' } }), 'cluster lab: gitops.path "dist/lab" is not a field of ClusterGitOpsProps'],
    ['an unknown platform component', (c) => ({ ...c, platform: { traefik: true } }), 'cluster lab: platform.traefik true is not a field of ClusterPlatformProps'],
    ['an unknown field', (c) => ({ ...c, kubeVersion: '1.33' }), 'cluster lab: kubeVersion "1.33" is not a field of ClusterProps'],
    ['null', () => null, 'cluster (unnamed): props null is not an object (ClusterProps)'],
  ])('%s', (_what, change, message) => {
    const e = clusterRefusal(change(VALID));
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.message).toContain(message);
  });

  test.each<[string, ClusterProps]>([
    ['the smallest definition: a name', { name: 'c' }],
    ['the oldest and newest versions', { name: 'c', kubernetesVersion: KUBERNETES_VERSIONS[0] }],
    ['the newest version', { name: 'c', kubernetesVersion: KUBERNETES_VERSIONS[KUBERNETES_VERSIONS.length - 1] }],
    ['no GitOps controller', { name: 'c', gitops: { controller: 'none' } }],
    ['a full definition', VALID],
  ])('passes: %s', (_what, props) => expect(() => new Cluster(props)).not.toThrow());

  test('its facts: well-known labels, kubeadm\'s control-plane taint, the default nodePort range, the addresses no pool may hold', () => {
    const c = new Cluster(VALID);
    expect(c.facts.nodes[0]).toEqual({
      name: 'cp-1', address: '192.168.1.10', role: 'control-plane',
      labels: { 'kubernetes.io/hostname': 'cp-1', 'kubernetes.io/os': 'linux', 'node-role.kubernetes.io/control-plane': '' },
      taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
    });
    expect(c.facts.nodes[1].taints).toEqual([]);
    expect(c.facts.nodes[1].labels.disk).toBe('ssd');
    expect(c.facts.nodePortRange).toEqual({ from: 30000, to: 32767 });
    expect(c.facts.kubernetesVersion).toBe('1.33');
    expect(c.usedAddresses.map((r) => r.text)).toEqual(['192.168.1.1', '192.168.1.50', '192.168.1.10', '192.168.1.101']);
  });

  test('an Environment given something that is not a Cluster is refused', () => {
    expect(() => new Environment(new App(), 'dev', { name: 'dev', cluster: { name: 'lab' } as any })).toThrow('dev: cluster {"name":"lab"} is not a Cluster');
  });
});

describe('environments on clusters', () => {
  /** dev and staging on one cluster `nonprod`, prod on its own; each with a web app on a nodePort. */
  function twoClusters(nodePorts: { dev: number; staging: number; prod: number }, gitops?: ClusterProps['gitops']): App {
    const app = new App();
    const nonprod = new Cluster({ name: 'nonprod', gitops });
    const prod = new Cluster({ name: 'prod', gitops });
    for (const [name, cluster] of [['dev', nonprod], ['staging', nonprod], ['prod', prod]] as const) {
      const env = new Environment(app, name, { name, cluster });
      new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, nodePort: nodePorts[name] });
    }
    return app;
  }

  test('two environments on one cluster write into one cluster folder, whose kustomization lists both in order', () => {
    const out = serialize(renderApp(twoClusters({ dev: 30080, staging: 30081, prod: 30080 })));
    expect([...out.keys()].filter((f) => f.startsWith('nonprod/'))).toEqual([
      'nonprod/dev/00-cluster.yaml', 'nonprod/dev/10-namespace.yaml', 'nonprod/dev/10-network-policies.yaml', 'nonprod/dev/50-web.yaml',
      'nonprod/staging/00-cluster.yaml', 'nonprod/staging/10-namespace.yaml', 'nonprod/staging/10-network-policies.yaml', 'nonprod/staging/50-web.yaml',
      'nonprod/dev/kustomization.yaml', 'nonprod/staging/kustomization.yaml', 'nonprod/kustomization.yaml',
    ]);
    expect((parseAllDocuments(out.get('nonprod/kustomization.yaml')!)[0].toJS() as any).resources).toEqual(['dev', 'staging']);
    expect((parseAllDocuments(out.get('prod/kustomization.yaml')!)[0].toJS() as any).resources).toEqual(['prod']);
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  (kubectl ? test : test.skip)('`kubectl kustomize dist/<cluster>` builds the objects of both environments', () => {
    const outdir = path.join(tempDir(), 'dist');
    synthesize(() => twoClusters({ dev: 30080, staging: 30081, prod: 30080 }), { outdir });
    const r = spawnSync('kubectl', ['kustomize', path.join(outdir, 'nonprod')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(parseAllDocuments(r.stdout).map((d) => (d.toJS() as any)).filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name)).toEqual(['dev', 'staging']);
  });

  test('the per-cluster checks run once per cluster, over the objects of all its environments, with its facts; their messages refuse the synth', () => {
    const calls: Array<{ cluster: string; version: string; namespaces: string[] }> = [];
    const spy: ClusterCheck = (objects, cluster) => {
      calls.push({ cluster: cluster.name, version: cluster.kubernetesVersion, namespaces: objects.filter((o) => o.manifest.kind === 'Namespace').map((o) => o.manifest.metadata.name) });
      return cluster.name === 'prod' ? ['prod/web/web: refused by the spy'] : [];
    };
    CLUSTER_CHECKS.push(spy);
    try {
      expect(() => renderApp(twoClusters({ dev: 30080, staging: 30081, prod: 30080 }))).toThrow('prod/web/web: refused by the spy');
    } finally {
      CLUSTER_CHECKS.splice(CLUSTER_CHECKS.indexOf(spy), 1);
    }
    expect(calls).toEqual([
      { cluster: 'nonprod', version: '1.33', namespaces: ['dev', 'staging'] },
      { cluster: 'prod', version: '1.33', namespaces: ['prod'] },
    ]);
  });

  test('one Cluster name is one cluster: two Cluster objects with one name are refused', () => {
    const app = new App();
    new Environment(app, 'dev', { name: 'dev', cluster: new Cluster({ name: 'nonprod' }) });
    new Environment(app, 'staging', { name: 'staging', cluster: new Cluster({ name: 'nonprod' }) });
    expect(() => renderApp(app)).toThrow(SynthError);
    expect(() => renderApp(app)).toThrow('staging: cluster "nonprod" is another Cluster than the one of dev with the same name');
  });

  test('an environment that names no cluster is on one of its own, named after it', () => {
    const app = new App();
    new Environment(app, 'qa', { name: 'qa' });
    expect(renderApp(app).map((f) => f.file)).toEqual(['qa/qa/00-cluster.yaml', 'qa/qa/10-namespace.yaml']);
  });

  test('the cluster\'s reserved nodePorts are refused to every environment on it', () => {
    const app = new App();
    const env = new Environment(app, 'dev', { name: 'dev', cluster: new Cluster({ name: 'nonprod', reservedNodePorts: [32080] }) });
    new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, nodePort: 32080 });
    expect(() => renderApp(app)).toThrow('dev/web/web: nodePort 32080 is already used by dev (cluster nonprod reservedNodePorts[0])');
  });

  test('the cluster\'s node, gateway and reserved addresses stay out of MetalLB pools of every environment on it', () => {
    const cluster = new Cluster({ name: 'nonprod', nodeNetwork: { cidr: '10.0.0.0/24', gateway: '10.0.0.1' }, nodes: [{ name: 'n1', address: '10.0.0.11', role: 'worker' }] });
    const env = new Environment(new App(), 'dev', { name: 'dev', cluster });
    expect(env.reservedAddresses.map((r) => r.text)).toEqual(['10.0.0.1', '10.0.0.11']);
  });
});

describe('GitOps entry objects: one controller per cluster, pointing at the cluster folder, following --outdir', () => {
  const argo = { controller: 'argocd' as const, repoUrl: 'https://git.example.internal/k8s.git' };

  function gitopsFiles(outdir: string): Record<string, any[]> {
    const dir = path.join(outdir, 'gitops');
    return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS())]));
  }

  test.each([
    ['dist', 'dist'],
    ['deploy/clusters', 'deploy/clusters'],
  ])('--outdir %s inside the repository: each cluster\'s Application applies <outdir>/<cluster>, a folder the synth wrote', (rel, expected) => {
    const repo = repoDir();
    const outdir = path.join(repo, rel);
    fs.mkdirSync(path.dirname(outdir), { recursive: true });
    synthesize(() => appWith(argo), { outdir });
    const files = gitopsFiles(outdir);
    expect(Object.keys(files)).toEqual(['nonprod-argocd.yaml', 'prod-argocd.yaml']);
    for (const cluster of ['nonprod', 'prod']) {
      const [application] = files[`${cluster}-argocd.yaml`];
      expect(application.kind).toBe('Application');
      expect(application.metadata.name).toBe(cluster);
      expect(application.spec.source.path).toBe(`${expected}/${cluster}`);
      expect(fs.existsSync(path.join(repo, application.spec.source.path, 'kustomization.yaml'))).toBe(true);
    }
    // The GitOps objects are not inside the folders they apply.
    expect(fs.readdirSync(path.join(outdir, 'nonprod')).sort()).toEqual(['dev', 'kustomization.yaml', 'staging']);
  });

  test('Flux: a GitRepository and a Kustomization per cluster, the path following --outdir', () => {
    const repo = repoDir();
    const outdir = path.join(repo, 'out');
    synthesize(() => appWith({ controller: 'flux', repoUrl: 'ssh://git@git.example.internal/k8s.git' }), { outdir });
    const files = gitopsFiles(outdir);
    expect(Object.keys(files)).toEqual(['nonprod-flux.yaml', 'prod-flux.yaml']);
    expect(files['nonprod-flux.yaml'].map((m) => m.kind)).toEqual(['GitRepository', 'Kustomization']);
    expect(files['nonprod-flux.yaml'][1].spec.path).toBe('./out/nonprod');
  });

  test('an outdir outside any Git repository is refused when a cluster has a controller, naming it; nothing is written', () => {
    const outdir = path.join(tempDir(), 'dist');
    expect(() => synthesize(() => appWith(argo), { outdir })).toThrow(SynthError);
    expect(() => synthesize(() => appWith(argo), { outdir })).toThrow(`cluster nonprod: its argocd objects must point at the cluster's folder in the repository, but the output folder ${fs.realpathSync(path.dirname(outdir))}/dist is not inside a Git repository`);
    expect(fs.existsSync(outdir)).toBe(false);
    // Without a controller the same outdir is fine.
    expect(() => synthesize(() => appWith(undefined), { outdir })).not.toThrow();
  });

  /** The app of `twoClusters` with web on different nodePorts, every cluster with `gitops`. */
  function appWith(gitops: ClusterProps['gitops']): App {
    const app = new App();
    const nonprod = new Cluster({ name: 'nonprod', gitops });
    const prod = new Cluster({ name: 'prod', gitops });
    for (const [name, cluster] of [['dev', nonprod], ['staging', nonprod], ['prod', prod]] as const) new Environment(app, name, { name, cluster });
    return app;
  }
});

describe('synthesizing some environments', () => {
  test('--env keeps the other clusters\' and environments\' files; the cluster kustomization still lists every environment', () => {
    const outdir = path.join(tempDir(), 'dist');
    const build = (greeting: string) => () => {
      const app = new App();
      const nonprod = new Cluster({ name: 'nonprod' });
      for (const name of ['dev', 'staging']) {
        const env = new Environment(app, name, { name, cluster: nonprod });
        new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, args: [greeting], nodePort: name === 'dev' ? 30080 : 30081 });
      }
      return app;
    };
    synthesize(build('one'), { outdir });
    synthesize(build('two'), { outdir, environments: ['dev'] });
    expect(fs.readFileSync(path.join(outdir, 'nonprod/dev/50-web.yaml'), 'utf8')).toContain('- two');
    expect(fs.readFileSync(path.join(outdir, 'nonprod/staging/50-web.yaml'), 'utf8')).toContain('- one');
    expect(fs.readFileSync(path.join(outdir, 'nonprod/kustomization.yaml'), 'utf8')).toContain('  - dev\n  - staging\n');
  });

  test('--cluster writes the environments of that cluster only; an unknown cluster lists the known ones', () => {
    const outdir = path.join(tempDir(), 'dist');
    const build = (greeting: string) => () => {
      const app = new App();
      const nonprod = new Cluster({ name: 'nonprod' });
      const prod = new Cluster({ name: 'prod' });
      for (const [name, cluster] of [['dev', nonprod], ['staging', nonprod], ['prod', prod]] as const) {
        const env = new Environment(app, name, { name, cluster });
        new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, args: [greeting], nodePort: name === 'staging' ? 30081 : 30080 });
      }
      return app;
    };
    synthesize(build('one'), { outdir });
    synthesize(build('two'), { outdir, clusters: ['nonprod'] });
    expect(fs.readFileSync(path.join(outdir, 'nonprod/dev/50-web.yaml'), 'utf8')).toContain('- two');
    expect(fs.readFileSync(path.join(outdir, 'nonprod/staging/50-web.yaml'), 'utf8')).toContain('- two');
    expect(fs.readFileSync(path.join(outdir, 'prod/prod/50-web.yaml'), 'utf8')).toContain('- one');
    expect(() => synthesize(build('two'), { outdir, clusters: ['prdo'] })).toThrow('unknown cluster "prdo"; known: nonprod, prod');
  });

  test('--env and --cluster leave every file of the other clusters as it was, their kustomization with its platform layers included', () => {
    const outdir = path.join(tempDir(), 'dist');
    const build = (greeting: string) => () => {
      const app = new App();
      const nonprod = new Cluster({ name: 'nonprod' });
      const prod = new Cluster({ name: 'prod', kubernetesVersion: '1.34', platform: { metricsServer: true } });
      for (const [name, cluster] of [['dev', nonprod], ['prod', prod]] as const) {
        const env = new Environment(app, name, { name, cluster });
        new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: IMAGE, containerPort: 8080, args: [greeting], nodePort: 30080 });
      }
      return app;
    };
    synthesize(build('one'), { outdir });
    const prodFiles = () => [...readOutputFiles(outdir)].filter(([rel]) => rel.startsWith('prod/'));
    const before = prodFiles();
    expect(before.find(([rel]) => rel === 'prod/kustomization.yaml')![1]).toContain('  - platform/controllers\n');
    synthesize(build('two'), { outdir, environments: ['dev'] });
    expect(fs.readFileSync(path.join(outdir, 'nonprod/dev/50-web.yaml'), 'utf8')).toContain('- two');
    expect(prodFiles()).toEqual(before);
    synthesize(build('three'), { outdir, clusters: ['nonprod'] });
    expect(prodFiles()).toEqual(before);
  });

  test('--env over an output of the layout before clusters is refused: the first synth after the move writes every environment', () => {
    const outdir = path.join(tempDir(), 'dist');
    fs.mkdirSync(path.join(outdir, 'staging'), { recursive: true });
    fs.writeFileSync(path.join(outdir, '.onprem-k8s-output'), 'x');
    fs.writeFileSync(path.join(outdir, 'staging', '50-web.yaml'), 'kind: ConfigMap\n');
    const app = () => {
      const a = new App();
      const nonprod = new Cluster({ name: 'nonprod' });
      for (const name of ['dev', 'staging']) new Environment(a, name, { name, cluster: nonprod });
      return a;
    };
    expect(() => synthesize(app, { outdir, environments: ['dev'] })).toThrow('holds environment folders of the layout before clusters (staging/): run the synth once without --env/--cluster');
    expect(fs.existsSync(path.join(outdir, 'nonprod'))).toBe(false);
  });
});
