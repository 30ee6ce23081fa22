import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as nodeModule from 'module';
import * as path from 'path';
import { helmBinary, helmHomes } from '../lib/cluster/helm';
import { renderApp, serialize, synthesize } from '../lib';
import { buildApp } from '../main';
import { fleetCluster, fleetDefinitions } from '../bench/fleet';
import { writeScaleChart } from '../bench/helm-chart';
import { scaleDefinition } from '../bench/scale-app';
import { objectsIn } from '../bench/scale-bench';
import { ROOT, tempDir } from './helpers';

describe('bench: the helm template baseline renders exactly the objects of the scale app', () => {
  const dir = tempDir('bench-test-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** `helm template --output-dir` of the chart written for `definition`. */
  function helmTemplate(definition: ReturnType<typeof scaleDefinition>, name: string): string {
    const chart = writeScaleChart(definition, path.join(dir, `chart-${name}`));
    const out = path.join(dir, `helm-${name}`);
    const r = spawnSync(helmBinary(), ['template', 'scale', chart, '--output-dir', out], {
      encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir, ...helmHomes(path.join(dir, `homes-${name}`)) },
    });
    if (r.status !== 0) throw new Error(r.stderr);
    return out;
  }

  test('the same objects, compared as parsed data (the bytes differ: Helm writes one file with # Source comments)', () => {
    const ours = path.join(dir, 'ours');
    synthesize(() => buildApp([scaleDefinition(3)]), { outdir: ours });
    const helm = helmTemplate(scaleDefinition(3), 'same');
    const objects = objectsIn(ours);
    // Per app Deployment, HPA, PDB, Service, Ingress and its NetworkPolicy; Namespace, ResourceQuota, LimitRange, default-deny.
    expect(objects).toHaveLength(3 * 6 + 4);
    expect(objectsIn(helm)).toEqual(objects);
    expect(fs.readFileSync(path.join(helm, 'scale/templates/apps.yaml'), 'utf8')).toContain('# Source: scale/templates/apps.yaml');
  });

  test('a chart that renders one value differently is told apart', () => {
    const definition = scaleDefinition(3);
    const other = { ...definition, autoscaledApps: definition.autoscaledApps!.map((a, i) => (i === 1 ? { ...a, maxReplicas: 5 } : a)) };
    const ours = path.join(dir, 'ours-3');
    synthesize(() => buildApp([definition]), { outdir: ours });
    expect(objectsIn(helmTemplate(other, 'other'))).not.toEqual(objectsIn(ours));
  });
});

describe('bench: the fleet of generated clusters', () => {
  test('each cluster gets its own folder, its environment and the per-cluster checks', () => {
    const { clusters, environments } = fleetDefinitions(0, 2, 3);
    const files = [...serialize(renderApp(buildApp(environments, clusters))).keys()];
    expect([...new Set(files.map((f) => f.split('/')[0]))]).toEqual(['fleet-0000', 'fleet-0001']);
    expect(files).toContain('fleet-0001/apps-0001/50-app-0002.yaml');
    expect(clusters.map((c) => c.kubernetesVersion)).toEqual(['1.33', '1.34']);
  });

  test('a per-cluster check refuses a fleet cluster whose nodes cannot hold the pods', () => {
    const tiny = { ...fleetCluster(0), nodes: fleetCluster(0).nodes!.map((n) => ({ ...n, allocatable: { cpu: '100m', memory: '64Mi', pods: 1 } })) };
    const { environments } = fleetDefinitions(0, 1, 3);
    expect(() => renderApp(buildApp(environments, [tiny]))).toThrow(/fleet-0000-worker-1 memory 64Mi.*NodeResourcesFit/);
  });
});

describe('compile cache', () => {
  test('the synth entry loads lib/compile-cache before any other module', () => {
    const main = fs.readFileSync(path.join(ROOT, 'build/main.js'), 'utf8');
    expect(main.match(/require\("([^"]+)"\)/)?.[1]).toBe('./lib/synth/compile-cache');
  });

  test('it turns the cache on where Node has it, and is harmless where it does not', () => {
    const r = spawnSync(process.execPath, ['-e', "require('./build/lib/synth/compile-cache'); const m = require('module'); console.log(typeof m.enableCompileCache === 'function' ? String(m.getCompileCacheDir() !== undefined) : 'absent')"], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_COMPILE_CACHE: path.join(ROOT, 'build', '.compile-cache-test') },
    });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function' ? 'true' : 'absent');
    fs.rmSync(path.join(ROOT, 'build', '.compile-cache-test'), { recursive: true, force: true });
  });
});
