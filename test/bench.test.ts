import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as nodeModule from 'module';
import * as path from 'path';
import { renderApp, serialize } from '../lib';
import { buildApp } from '../main';
import { fleetCluster, fleetDefinitions } from '../bench/fleet';
import { ROOT } from './helpers';

// The helm template baseline (Helm as a real process): test/e2e/bench-helm.test.ts.

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
