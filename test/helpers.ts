import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { tempDir } from './temp';
import { Cluster, ClusterProps, Environment, EnvironmentProps, runSynthCli, validateManifest } from '../lib';
import { synthesizeApp } from '../lib/testing';

/** Repository root. */
export const ROOT = path.resolve(__dirname, '..');

/** A fresh app with one small environment, for construct tests. */
export function testEnv(props: Partial<EnvironmentProps> = {}): { app: App; env: Environment } {
  const app = new App();
  const env = new Environment(app, props.name ?? 'dev', { name: 'dev', ...props });
  return { app, env };
}

/** Every manifest the app renders (every check of the synth included), in output order: `synthesizeApp` of the testing helpers. */
export function manifests(app: App): Array<Record<string, any>> {
  return synthesizeApp(app).objects.map((o) => o.manifest);
}

/** Every manifest of the app's environments and GitOps files (not of their clusters' platforms), in output order. */
export function appManifests(app: App): Array<Record<string, any>> {
  return synthesizeApp(app).findObjects({ platform: false }).map((o) => o.manifest);
}

/** The one manifest of a kind (and name, if given); fails the test when there is not exactly one. */
export function only(all: Array<Record<string, any>>, kind: string, name?: string): Record<string, any> {
  const found = all.filter((m) => m.kind === kind && (name === undefined || m.metadata?.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0];
}

/** Asserts that every manifest is valid for the Kubernetes 1.27 / CRD schemas. */
export function expectSchemaValid(all: Array<Record<string, any>>): void {
  expect(all.flatMap((m) => validateManifest(m))).toEqual([]);
}

/** Every file under a folder with its bytes, for byte-identical comparisons. */
export function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out[r] = fs.readFileSync(path.join(dir, r)).toString('base64');
    }
  };
  walk('');
  return out;
}

export { tempDir } from './temp';

/**
 * A new empty temporary folder that is a Git repository: a synth of clusters with a GitOps controller
 * writes inside one (their objects point at the output relative to its root, e.g. `dist/lab`).
 */
export function repoDir(prefix = 'synth-repo-'): string {
  const dir = tempDir(prefix);
  const r = spawnSync('git', ['init', '-q', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return dir;
}

/** The error a cluster definition throws (never a TypeError); fails the test when it is accepted. */
export function clusterRefusal(props: unknown): Error {
  try {
    new Cluster(props as ClusterProps);
  } catch (e) {
    expect(e).not.toBeInstanceOf(TypeError);
    return e as Error;
  }
  throw new Error('the cluster was accepted');
}

/**
 * The stated reason of the NodePortApps that tests put behind TLS routes (the routes are under test, not the
 * exposure): without it the kube-proxy check refuses a TLS route's backend that is also a NodePort.
 */
export const ROUTE_FIXTURE = { reason: 'test fixture: the routes are under test, not the exposure' };

/**
 * Runs the synth CLI (`runSynthCli`) in this process with `buildApp` and `argv`, capturing what it writes to
 * stdout and stderr and its exit code; the process's own exit code is left as it was.
 */
export function runCliInProcess(buildApp: () => App, argv: readonly string[]): { status: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
  const saved = process.exitCode;
  process.exitCode = undefined;
  let status = 0;
  try {
    runSynthCli(buildApp, argv);
  } finally {
    status = Number(process.exitCode ?? 0);
    process.exitCode = saved;
    out.mockRestore();
    err.mockRestore();
  }
  return { status, stdout, stderr };
}

/**
 * `test.each` over rows taken from the shipped data, which may hold none (no cluster that manages its
 * platform, none with a GitOps controller): jest refuses an empty table, so with no rows the test is
 * listed as skipped, which is the truth (nothing of that kind to check), instead of failing the file.
 */
export function eachShipped<T extends readonly unknown[]>(rows: readonly T[]): (name: string, fn: (...args: T) => unknown) => void;
export function eachShipped<T>(rows: readonly T[]): (name: string, fn: (row: T) => unknown) => void;
export function eachShipped(rows: readonly unknown[]): (name: string, fn: (...args: any[]) => unknown) => void {
  return rows.length > 0 ? test.each([...rows] as any[]) : test.skip.each([['(none in the data)']]);
}

/**
 * Runs `fn` in a fresh module registry (jest.isolateModules) in which Node's fs reports `version` in the
 * package.json of the installed package `pkg` (e.g. '@bufbuild/cel'): modules `fn` requires see that version
 * installed. With `version` undefined nothing is changed.
 */
export function withPackageVersion(pkg: string, version: string | undefined, fn: () => void): void {
  jest.isolateModules(() => {
    // Node's own fs, as the freshly required library reads it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeFs = require('fs') as typeof fs;
    const read = nodeFs.readFileSync;
    const spy = jest.spyOn(nodeFs, 'readFileSync').mockImplementation(((file: fs.PathOrFileDescriptor, options?: never) => {
      const text = read(file, options);
      return version !== undefined && String(file).endsWith(path.join(...pkg.split('/'), 'package.json'))
        ? String(text).replace(/"version":\s*"[^"]*"/, `"version": "${version}"`) : text;
    }) as typeof fs.readFileSync);
    try {
      fn();
    } finally {
      spy.mockRestore();
    }
  });
}
