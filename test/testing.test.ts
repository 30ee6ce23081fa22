import fs = require('fs');
import * as path from 'path';
import { App } from 'cdk8s';
import { AutoscaledApp, Cluster, Environment, IngressRoutes, NodePortApp, SynthError } from '../lib';
import { expectObject, findObject, findObjects, snapshotOf, synthesizeApp } from '../lib/testing';
import { ROUTE_FIXTURE, tempDir, testEnv } from './helpers';

const HOST = 'apps.example.com';

/** An environment `dev` with an autoscaled API, a NodePort web app and routes to both. */
function fixture() {
  const { app, env } = testEnv();
  const api = new AutoscaledApp(env.addChart('api'), 'api', {
    name: 'api', image: 'registry.example.com/api:2.3.1', containerPort: 8080, minReplicas: 2, maxReplicas: 10, cpuUtilization: 70,
  });
  const web = new NodePortApp(env.addChart('web'), 'web', {
    name: 'web', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080, port: 80, besideTlsRoute: ROUTE_FIXTURE,
  });
  new IngressRoutes(env.addChart('routes'), 'routes', {
    name: 'apps',
    hosts: [{ host: HOST, paths: [{ path: '/', backend: { service: web } }, { path: '/api', prefix: 'keep', backend: { service: api } }] }],
  });
  return app;
}

describe('synthesizeApp', () => {
  test('renders every file in memory, each object with its file, cluster and environment', () => {
    const result = synthesizeApp(fixture());
    expect(result.files.map((f) => f.file)).toEqual(expect.arrayContaining(['dev/dev/50-api.yaml', 'dev/dev/50-web.yaml']));
    expect(result.objects.length).toBe(result.files.reduce((n, f) => n + f.objects.length, 0));
    const hpa = result.objects.find((o) => o.manifest.kind === 'HorizontalPodAutoscaler')!;
    expect(hpa).toMatchObject({ file: 'dev/dev/50-api.yaml', cluster: 'dev', environment: 'dev', platform: false, constructPath: expect.stringMatching(/^dev\/api\/api\//) });
  });

  test('a refused synth throws the SynthError unchanged', () => {
    const { app, env } = testEnv({ reservedNodePorts: [30080] });
    new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080, nodePort: 30080 });
    let error: unknown;
    try {
      synthesizeApp(app);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SynthError);
    expect((error as SynthError).problems).toEqual(['dev/web/web: nodePort 30080 is already used by dev (reservedNodePorts[0]); nodePort (one Service per port, cluster-wide) must be unique']);
  });

  test('an unknown environment is refused like the synth refuses it', () => {
    expect(() => synthesizeApp(fixture(), { environments: ['prod'] })).toThrow('unknown environment "prod"; known: dev');
  });

  test('writes nothing: no file in the working folder, no write through fs', () => {
    const cwd = process.cwd();
    const dir = tempDir('testing-helpers-');
    const writers = ['writeFileSync', 'mkdirSync', 'mkdtempSync', 'openSync', 'renameSync', 'rmSync', 'cpSync', 'copyFileSync', 'appendFileSync'] as const;
    const spies = writers.map((w) => jest.spyOn(fs, w));
    try {
      process.chdir(dir);
      const result = synthesizeApp(fixture());
      expect(result.objects.length).toBeGreaterThan(5);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      process.chdir(cwd);
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe('a cluster with two environments and Argo CD', () => {
  function twoEnvs() {
    const app = new App();
    const cluster = new Cluster({
      name: 'lab', kubernetesVersion: '1.33',
      nodes: [{ name: 'cp-1', address: '192.168.1.10', role: 'control-plane' }, { name: 'worker-1', address: '192.168.1.101', role: 'worker' }],
      nodeNetwork: { cidr: '192.168.1.0/24', gateway: '192.168.1.1' },
      gitops: { controller: 'argocd', repoUrl: 'https://git.example.internal/k8s.git' },
    });
    for (const [name, nodePort] of [['dev', 30080], ['staging', 30081]] as const) {
      const env = new Environment(app, name, { name, cluster });
      new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080, nodePort });
    }
    return app;
  }

  test('objects by cluster and environment; the GitOps objects belong to no environment', () => {
    const result = synthesizeApp(twoEnvs());
    expect(findObjects(result, { kind: 'Deployment', cluster: 'lab' }).map((o) => o.environment)).toEqual(['dev', 'staging']);
    expect(findObject(result, { kind: 'Service', environment: 'staging' }).manifest.spec.ports[0].nodePort).toBe(30081);
    const gitops = findObjects(result, { environment: '' });
    expect(gitops.length).toBeGreaterThan(0);
    expect(gitops.every((o) => o.file.startsWith('gitops/lab-') && !o.platform)).toBe(true);
  });

  test('environments: only their files (and the cluster\'s GitOps files)', () => {
    const result = synthesizeApp(twoEnvs(), { environments: ['staging'] });
    expect([...new Set(result.objects.map((o) => o.environment))].sort()).toEqual(['', 'staging']);
  });
});

describe('findObjects and findObject', () => {
  const result = synthesizeApp(fixture());

  test('select by kind, apiVersion, namespace, name, cluster, environment and platform', () => {
    expect(findObjects(result, { kind: 'Deployment' }).map((o) => o.manifest.metadata.name).sort()).toEqual(['api', 'web']);
    expect(findObjects(result, { kind: 'Service', apiVersion: 'v1', namespace: 'dev', name: 'web', cluster: 'dev', environment: 'dev', platform: false })).toHaveLength(1);
    expect(findObjects(result, { kind: 'Deployment', apiVersion: 'v1' })).toEqual([]);
    expect(findObjects(result, { environment: 'prod' })).toEqual([]);
    expect(findObjects(result, { platform: true }).every((o) => o.platform)).toBe(true);
    expect(findObjects(result)).toEqual(result.objects);
    expect(result.findObjects({ kind: 'Ingress' })).toEqual(findObjects(result, { kind: 'Ingress' }));
  });

  test('findObject returns the one match', () => {
    const o = findObject(result, { kind: 'HorizontalPodAutoscaler', name: 'api' });
    expect(o.manifest.spec).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
    expect(result.findObject({ kind: 'HorizontalPodAutoscaler' })).toBe(o);
  });

  test('none found: the message lists the objects of that kind present', () => {
    expect(() => findObject(result, { kind: 'Deployment', name: 'webb' })).toThrow(
      'expected one object with kind="Deployment" name="webb", found none; present (kind="Deployment"): Deployment dev/api, Deployment dev/web');
  });

  test('none of the kind: the message lists every object present', () => {
    let message = '';
    try {
      findObject(result, { kind: 'StatefulSet' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^expected one object with kind="StatefulSet", found none; present \(any object\): /);
    expect(message).toContain('Deployment dev/api');
    expect(message).toContain('Ingress dev/apps');
    expect(message).toContain('Namespace dev');
  });

  test('several found: the message lists each with its file', () => {
    expect(() => findObject(result, { kind: 'Deployment' })).toThrow(
      'expected one object with kind="Deployment", found 2:\n  - Deployment dev/api (dev/dev/50-api.yaml)\n  - Deployment dev/web (dev/dev/50-web.yaml)');
  });
});

describe('expectObject', () => {
  const result = synthesizeApp(fixture());

  test('passes on a partial match at any depth and returns the manifest', () => {
    const m = expectObject(result, { kind: 'Deployment', name: 'web' }, {
      spec: { template: { metadata: { labels: { 'app.kubernetes.io/name': 'web' } }, spec: { containers: [{ name: 'web', image: 'nginxinc/nginx-unprivileged:1.27-alpine' }] } } },
    });
    expect(m.kind).toBe('Deployment');
    expect(result.expectObject({ kind: 'HorizontalPodAutoscaler' }, { spec: { maxReplicas: 10 } })).toBe(findObject(result, { kind: 'HorizontalPodAutoscaler' }).manifest);
  });

  test('a different value: the path of the first difference, expected and actual', () => {
    expect(() => expectObject(result, { kind: 'HorizontalPodAutoscaler', name: 'api' }, { spec: { minReplicas: 3 } })).toThrow(
      'HorizontalPodAutoscaler dev/api (dev/dev/50-api.yaml) differs at spec.minReplicas: expected 3, got 2');
    expect(() => expectObject(result, { kind: 'Deployment', name: 'web' }, { spec: { template: { spec: { containers: [{ image: 'nginx:1.27' }] } } } })).toThrow(
      'Deployment dev/web (dev/dev/50-web.yaml) differs at spec.template.spec.containers[0].image: expected "nginx:1.27", got "nginxinc/nginx-unprivileged:1.27-alpine"');
  });

  test('a missing key, a label key with dots, an array of another length', () => {
    expect(() => expectObject(result, { kind: 'Deployment', name: 'web' }, { spec: { paused: true } })).toThrow(
      'Deployment dev/web (dev/dev/50-web.yaml) differs at spec.paused: expected true, got undefined (missing)');
    expect(() => expectObject(result, { kind: 'Deployment', name: 'web' }, { spec: { template: { metadata: { labels: { 'app.kubernetes.io/name': 'api' } } } } })).toThrow(
      'differs at spec.template.metadata.labels["app.kubernetes.io/name"]: expected "api", got "web"');
    expect(() => expectObject(result, { kind: 'Deployment', name: 'web' }, { spec: { template: { spec: { containers: [] } } } })).toThrow(
      /differs at spec\.template\.spec\.containers: expected 0 items, got 1: \[\{"image":"nginxinc\/nginx-unprivileged:1.27-alpine"/);
  });

  test('no such object: the findObject message', () => {
    expect(() => expectObject(result, { kind: 'Service', name: 'nope' }, {})).toThrow(
      'expected one object with kind="Service" name="nope", found none; present (kind="Service"): Service dev/api, Service dev/web');
  });
});

describe('snapshotOf', () => {
  test('the selected objects as YAML, sorted by kind and name, the same for the same app built twice', () => {
    const a = synthesizeApp(fixture());
    const text = snapshotOf(a, { environment: 'dev', kind: 'Service' });
    expect(text.split('---\n')).toHaveLength(2);
    expect(text.indexOf('name: api')).toBeLessThan(text.indexOf('name: web'));
    expect(text).toMatch(/^apiVersion: v1\nkind: Service\n/);
    expect(snapshotOf(synthesizeApp(fixture()))).toBe(snapshotOf(a));
    expect(a.snapshotOf({ kind: 'Service' })).toBe(text);
    expect(snapshotOf(a, { kind: 'StatefulSet' })).toBe('');
    const kinds = snapshotOf(a).split('---\n').map((d) => /^kind: (.*)$/m.exec(d)![1]);
    expect(kinds).toEqual([...kinds].sort());
  });

  test('usable with the runner\'s own snapshot', () => {
    expect(snapshotOf(synthesizeApp(fixture()), { kind: 'HorizontalPodAutoscaler' })).toMatchSnapshot();
  });
});

test('the module imports neither jest nor Node modules', () => {
  const source = fs.readFileSync(path.join(__dirname, '..', 'lib', 'testing.ts'), 'utf8');
  expect([...source.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1])).toEqual(['cdk8s', './synth/synth', './synth/yaml-writer']);
});
