/**
 * The sandbox of the output-folder tests (test/adversarial/output-folder.test.ts in process,
 * test/e2e/output-folder-cli.test.ts as processes): a project, a home folder and one output of ours per box.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { App } from 'cdk8s';
import { ConfigMap } from 'cdk8s-plus-27';
import { Environment, synthesize } from '../../lib';
import { OUTPUT_MARKER } from '../../lib/synth/output-folder';
import { ROOT, tempDir } from '../helpers';

// Compiled by test/global-setup.js; spawned with node directly (no ts-node).
export const FIXTURE = path.join(ROOT, 'build/test/fixtures/faulty-app.js');
export const UNCHANGED = 'nothing was written: the previous output is unchanged.';
// The module object itself (not an import wrapper), so that a spy reaches lib/'s `os.homedir()`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const os: typeof import('os') = require('os');

export interface Run { status: number | null; stdout: string; stderr: string }

/** Runs the fixture app as a process; killed after `timeout` ms (a synth blocked on a pipe fails, it does not hang the suite). */
export function run(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeout?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [FIXTURE, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeout ?? 20_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** At most 3 fixture processes at a time: the cases start when the file loads and each test awaits its own. */
const queue: Array<() => void> = [];
let active = 0;
export function pooled<T>(task: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const start = () => {
      active++;
      task().then(resolve, reject).finally(() => {
        active--;
        queue.shift()?.();
      });
    };
    if (active < 3) start();
    else queue.push(start);
  });
}

/** What is at `p`, for byte-identical comparisons: files with their bytes, folders with their entries, links with their target, anything else by kind (never opened). */
export function snapshot(p: string): unknown {
  const st = fs.lstatSync(p, { throwIfNoEntry: false });
  if (!st) return 'missing';
  if (st.isSymbolicLink()) return { link: fs.readlinkSync(p) };
  if (st.isFile()) return st.size > 1 << 20 ? { size: st.size, mtime: st.mtimeMs } : { file: fs.readFileSync(p).toString('base64') };
  if (st.isDirectory()) return Object.fromEntries(fs.readdirSync(p).sort().map((n) => [n, snapshot(path.join(p, n))]));
  return { kind: st.mode & fs.constants.S_IFMT };
}

/** Leftovers of a synth (temporary folder, previous output, lock) beside `target`. */
export function leftovers(target: string): string[] {
  return fs.readdirSync(path.dirname(target)).filter((n) => n.startsWith(`.${path.basename(target)}.synth-`));
}

/** The fixture's app (the dev environment with one ConfigMap; `qa` too when asked), in process. */
export function fixtureApp(greeting = 'hello', qa?: string): () => App {
  return () => {
    const app = new App();
    const env = new Environment(app, 'dev', { name: 'dev' });
    new ConfigMap(env.addChart('web'), 'config', { metadata: { name: 'web-config' }, data: { greeting } });
    if (qa) new ConfigMap(new Environment(app, 'qa', { name: 'qa' }).addChart('web'), 'config', { metadata: { name: 'web-config' }, data: { greeting: qa } });
    return app;
  };
}

/** A sandbox: a project (cwd of the runs, with package.json and .git), a home folder, and one output of ours. */
export interface Box { root: string; project: string; home: string; out: string }
export const golden = path.join(tempDir('outfolder-golden-'), 'dist');
synthesize(fixtureApp(), { outdir: golden });
export const goldenTwoEnvs = path.join(tempDir('outfolder-golden-'), 'dist');
synthesize(fixtureApp('hello', 'hello'), { outdir: goldenTwoEnvs });

export function box(): Box {
  const root = tempDir('outfolder-');
  const project = path.join(root, 'project');
  const home = path.join(root, 'users', 'me');
  fs.mkdirSync(path.join(project, '.git'), { recursive: true });
  fs.mkdirSync(path.join(project, 'src'));
  fs.writeFileSync(path.join(project, 'package.json'), '{ "name": "p" }\n');
  fs.writeFileSync(path.join(project, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  fs.writeFileSync(path.join(project, 'src', 'main.ts'), 'export {};\n');
  fs.writeFileSync(path.join(project, 'README.md'), '# p\n');
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(path.join(home, '.profile'), 'export A=1\n');
  const out = path.join(root, 'dist');
  fs.cpSync(golden, out, { recursive: true });
  return { root, project, home, out };
}

/** An output of ours written before the marker existed: environment folders with the generated kustomization header. */
export function legacy(b: Box): string {
  fs.rmSync(path.join(b.out, OUTPUT_MARKER), { force: true });
  return b.out;
}

export function mkfifo(p: string): void {
  const r = spawnSync('mkfifo', [p]);
  if (r.status !== 0) throw new Error(`mkfifo ${p}: ${r.stderr}`);
}

/** A socket file that stays after the short process that made it exits. */
export function socketFile(p: string): void {
  const r = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(p)}, () => process.exit(0))`]);
  if (r.status !== 0) throw new Error(`socket ${p}: ${r.stderr}`);
}

export async function socketAt(p: string): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(p, resolve));
  return server;
}
