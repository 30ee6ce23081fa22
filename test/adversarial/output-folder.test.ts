/**
 * The output folder, attacked: a synth replaces its output folder as a whole, so it must only ever replace
 * a folder it wrote, never open what is not its output, serialize with another synth, and say exactly what
 * happened when a swap half-succeeds. The command-line cases run the compiled fixture app as real
 * processes (several at once, to stay fast); the library cases call `synthesize` / `writeAtomically`.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { App } from 'cdk8s';
import { ConfigMap } from 'cdk8s-plus-27';
import { Environment, NO_DESTRUCTIVE_CHANGES, SynthError, synthesize, ValidationError, writeAtomically } from '../../lib';
import { lockPathOf, OUTPUT_MARKER, OUTPUT_MARKER_TEXT } from '../../lib/output-folder';
import { ROOT, tempDir } from '../helpers';

// Compiled by test/global-setup.ts; spawned with node directly (no ts-node).
jest.setTimeout(60_000);
const FIXTURE = path.join(ROOT, 'build/test/fixtures/faulty-app.js');
const UNCHANGED = 'nothing was written: the previous output is unchanged.';
// The module object itself (not an import wrapper), so that a spy reaches lib/'s `os.homedir()`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const os: typeof import('os') = require('os');

interface Run { status: number | null; stdout: string; stderr: string }

/** Runs the fixture app as a process; killed after `timeout` ms (a synth blocked on a pipe fails, it does not hang the suite). */
function run(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeout?: number } = {}): Promise<Run> {
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
function pooled<T>(task: () => Promise<T>): Promise<T> {
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
function snapshot(p: string): unknown {
  const st = fs.lstatSync(p, { throwIfNoEntry: false });
  if (!st) return 'missing';
  if (st.isSymbolicLink()) return { link: fs.readlinkSync(p) };
  if (st.isFile()) return st.size > 1 << 20 ? { size: st.size, mtime: st.mtimeMs } : { file: fs.readFileSync(p).toString('base64') };
  if (st.isDirectory()) return Object.fromEntries(fs.readdirSync(p).sort().map((n) => [n, snapshot(path.join(p, n))]));
  return { kind: st.mode & fs.constants.S_IFMT };
}

/** Leftovers of a synth (temporary folder, previous output, lock) beside `target`. */
function leftovers(target: string): string[] {
  return fs.readdirSync(path.dirname(target)).filter((n) => n.startsWith(`.${path.basename(target)}.synth-`));
}

/** The fixture's app (the dev environment with one ConfigMap; `qa` too when asked), in process. */
function fixtureApp(greeting = 'hello', qa?: string): () => App {
  return () => {
    const app = new App();
    const env = new Environment(app, 'dev', { name: 'dev' });
    new ConfigMap(env.addChart('web'), 'config', { metadata: { name: 'web-config' }, data: { greeting } });
    if (qa) new ConfigMap(new Environment(app, 'qa', { name: 'qa' }).addChart('web'), 'config', { metadata: { name: 'web-config' }, data: { greeting: qa } });
    return app;
  };
}

/** A sandbox: a project (cwd of the runs, with package.json and .git), a home folder, and one output of ours. */
interface Box { root: string; project: string; home: string; out: string }
const golden = path.join(tempDir('outfolder-golden-'), 'dist');
synthesize(fixtureApp(), { outdir: golden });
const goldenTwoEnvs = path.join(tempDir('outfolder-golden-'), 'dist');
synthesize(fixtureApp('hello', 'hello'), { outdir: goldenTwoEnvs });

function box(): Box {
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
function legacy(b: Box): string {
  fs.rmSync(path.join(b.out, OUTPUT_MARKER), { force: true });
  return b.out;
}

function mkfifo(p: string): void {
  const r = spawnSync('mkfifo', [p]);
  if (r.status !== 0) throw new Error(`mkfifo ${p}: ${r.stderr}`);
}

/** A socket file that stays after the short process that made it exits. */
function socketFile(p: string): void {
  const r = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(p)}, () => process.exit(0))`]);
  if (r.status !== 0) throw new Error(`socket ${p}: ${r.stderr}`);
}

async function socketAt(p: string): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(p, resolve));
  return server;
}

/** A refused output folder: how to make it, what to pass, what the message says. `watch` must be byte-identical afterwards. */
interface Refusal {
  readonly setup: (b: Box) => Promise<{ outdir: string; watch?: string; args?: string[]; done?: () => void }> | { outdir: string; watch?: string; args?: string[]; done?: () => void };
  readonly message: string;
}

const refusedOnTheCommandLine: Array<[string, Refusal]> = [
  ['the project root (.)', { setup: (b) => ({ outdir: '.', watch: b.project }), message: '--outdir . is the project root' }],
  ['the parent of the project (..)', { setup: (b) => ({ outdir: '..', watch: b.root }), message: '--outdir .. contains the current folder' }],
  ['the root of the file system', { setup: () => ({ outdir: '/' }), message: '--outdir / is the root of the file system' }],
  ['the home folder', { setup: (b) => ({ outdir: b.home, watch: b.home }), message: 'is the home folder' }],
  ['a file (README.md)', { setup: (b) => ({ outdir: 'README.md', watch: path.join(b.project, 'README.md') }), message: '--outdir README.md is a file, not a folder' }],
  ['a symbolic link to the project root', { setup: (b) => { fs.symlinkSync(b.project, path.join(b.root, 'link')); return { outdir: path.join(b.root, 'link'), watch: b.root }; }, message: 'is the project root' }],
  ['a non-empty folder that is not ours', { setup: (b) => { fs.mkdirSync(path.join(b.root, 'notes')); fs.writeFileSync(path.join(b.root, 'notes', 'todo.txt'), 'x\n'); return { outdir: path.join(b.root, 'notes'), watch: path.join(b.root, 'notes') }; }, message: 'is not a folder this synth wrote: it has no .onprem-k8s-output file and holds todo.txt' }],
  ['a Git repository (a GitOps clone), even with our marker', { setup: (b) => { fs.mkdirSync(path.join(b.out, '.git')); return { outdir: b.out, watch: b.out }; }, message: 'holds .git: it is a repository or a project' }],
  ['an unmarked output with a named pipe in an environment folder (refused, not blocked on)', { setup: (b) => { mkfifo(path.join(legacy(b), 'dev', '90-pipe.yaml')); return { outdir: b.out, watch: b.out }; }, message: 'holds dev/, which the synth does not write' }],
];

const refusalRuns = new Map(refusedOnTheCommandLine.map(([label, c]) => [label, pooled(async () => {
  const b = box();
  const { outdir, watch, args = [], done } = await c.setup(b);
  const before = watch && snapshot(watch);
  const r = await run(['changed', '--outdir', outdir, ...args], { cwd: b.project, env: { HOME: b.home } });
  const after = watch && snapshot(watch);
  done?.();
  return { r, before, after, leftovers: watch ? leftovers(watch) : [] };
})]));

describe('refused output folders on the command line: exit 1, why and what to do, the target byte-identical', () => {
  test.each(refusedOnTheCommandLine)('%s', async (label, c) => {
    const { r, before, after, leftovers: left } = await refusalRuns.get(label)!;
    expect(r.stderr).toContain(c.message);
    expect(r.stderr).toContain(UNCHANGED);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.status).toBe(1);
    expect(after).toEqual(before);
    expect(left).toEqual([]);
  });
});

/** The same rules in the library API: `synthesize({ outdir })` and `writeAtomically(outdir)`. */
const refusedByTheLibrary: Array<[string, 'synthesize' | 'writeAtomically', (b: Box) => { outdir: string; watch?: string; report?: string }, string]> = [
  ['a file', 'synthesize', (b) => ({ outdir: path.join(b.project, 'README.md'), watch: path.join(b.project, 'README.md') }), 'is a file, not a folder'],
  ['a file', 'writeAtomically', (b) => ({ outdir: path.join(b.project, 'README.md'), watch: path.join(b.project, 'README.md') }), 'is a file, not a folder'],
  ['a named pipe', 'writeAtomically', (b) => { mkfifo(path.join(b.root, 'pipe')); return { outdir: path.join(b.root, 'pipe'), watch: path.join(b.root, 'pipe') }; }, 'is a named pipe (FIFO)'],
  ['the root of the file system', 'writeAtomically', () => ({ outdir: '/' }), 'is the root of the file system'],
  ['the home folder ($HOME)', 'synthesize', (b) => ({ outdir: b.home, watch: b.home }), 'is the home folder'],
  ['an ancestor of the home folder', 'synthesize', (b) => ({ outdir: path.dirname(b.home), watch: path.dirname(b.home) }), 'contains the home folder'],
  ['a socket', 'writeAtomically', (b) => { socketFile(path.join(b.root, 'sock')); return { outdir: path.join(b.root, 'sock'), watch: path.join(b.root, 'sock') }; }, 'is a socket, not a folder'],
  ['a folder that is not ours', 'synthesize', (b) => ({ outdir: path.join(b.project, 'src'), watch: path.join(b.project, 'src') }), 'holds main.ts, which the synth does not write'],
  ['a folder that is not ours', 'writeAtomically', (b) => ({ outdir: path.join(b.project, 'src'), watch: path.join(b.project, 'src') }), 'holds main.ts, which the synth does not write'],
  ['a project (package.json), even with our marker', 'synthesize', (b) => { fs.writeFileSync(path.join(b.out, 'package.json'), '{}\n'); return { outdir: b.out, watch: b.out }; }, 'holds package.json'],
  ['a Git repository', 'writeAtomically', (b) => ({ outdir: b.project, watch: b.project }), 'holds .git and package.json'],
  ['an unmarked output of ours with a README.md added', 'synthesize', (b) => { fs.writeFileSync(path.join(legacy(b), 'README.md'), 'mine\n'); return { outdir: b.out, watch: b.out }; }, 'holds README.md, which'],
  ['an unmarked output whose kustomization.yaml lacks the generated header', 'synthesize', (b) => { fs.writeFileSync(path.join(legacy(b), 'dev', 'kustomization.yaml'), 'resources: []\n'); return { outdir: b.out, watch: b.out }; }, 'holds dev/, which'],
  ['an unmarked output with a subfolder in an environment folder', 'synthesize', (b) => { fs.mkdirSync(path.join(legacy(b), 'dev', 'patches')); return { outdir: b.out, watch: b.out }; }, 'holds dev/, which'],
  ['an unmarked output with a hidden file', 'synthesize', (b) => { fs.writeFileSync(path.join(legacy(b), '.env'), 'TOKEN=x\n'); return { outdir: b.out, watch: b.out }; }, 'holds .env, which'],
  ['an unmarked output with a symbolic link in an environment folder', 'synthesize', (b) => { fs.symlinkSync('/etc/hostname', path.join(legacy(b), 'dev', '90-link.yaml')); return { outdir: b.out, watch: b.out }; }, 'holds dev/, which'],
  ['a marker that is a folder', 'synthesize', (b) => { fs.rmSync(path.join(b.out, OUTPUT_MARKER)); fs.mkdirSync(path.join(b.out, OUTPUT_MARKER)); fs.writeFileSync(path.join(b.out, 'x.txt'), 'x\n'); return { outdir: b.out, watch: b.out }; }, `holds ${OUTPUT_MARKER}/, x.txt`],
  ['a symbolic link to a folder that is not ours', 'synthesize', (b) => { fs.symlinkSync(path.join(b.project, 'src'), path.join(b.root, 'link')); return { outdir: path.join(b.root, 'link'), watch: b.root }; }, 'holds main.ts'],
  ['a symbolic link to a file', 'synthesize', (b) => { fs.symlinkSync(path.join(b.project, 'README.md'), path.join(b.root, 'link')); return { outdir: path.join(b.root, 'link'), watch: b.root }; }, 'is a file'],
  ['a dangling symbolic link', 'writeAtomically', (b) => { fs.symlinkSync(path.join(b.root, 'gone'), path.join(b.root, 'link')); return { outdir: path.join(b.root, 'link'), watch: b.root }; }, 'which does not exist: create the folder it points to, or remove the link'],
  ['--report inside the output folder', 'synthesize', (b) => ({ outdir: b.out, watch: b.out, report: path.join(b.out, 'dev', 'report.md') }), 'is inside the output folder'],
  ['--report that is a folder', 'synthesize', (b) => ({ outdir: b.out, watch: b.root, report: b.project }), 'is a folder, not a file'],
  ['--report in a folder that does not exist', 'synthesize', (b) => ({ outdir: b.out, watch: b.root, report: path.join(b.root, 'missing', 'guard.md') }), 'does not exist: give a file in an existing folder'],
];

describe('refused output folders in the library API: a SynthError, the target byte-identical', () => {
  test.each(refusedByTheLibrary)('%s (%s)', (_, api, setup, message) => {
    const b = box();
    // The home folder as the library sees it (jest gives each test file its own copy of process.env).
    const home = jest.spyOn(os, 'homedir').mockReturnValue(b.home);
    try {
      const { outdir, watch, report } = setup(b);
      const before = watch && snapshot(watch);
      let error: unknown;
      try {
        if (api === 'synthesize') synthesize(fixtureApp('hi'), { outdir, report });
        else writeAtomically(outdir, new Map([['dev/a.yaml', 'a: 1\n']]));
      } catch (e) {
        error = e;
      }
      if (!(error instanceof SynthError)) throw new Error(`not our error: ${(error as Error)?.stack ?? error}`);
      expect(error.message).toContain(message);
      if (watch) expect(snapshot(watch)).toEqual(before);
      if (watch) expect(leftovers(watch)).toEqual([]);
    } finally {
      home.mockRestore();
    }
  });

  test.each([
    ['an outdir that is not a string (a JavaScript caller)', { outdir: 42 }, 'synthesize: options.outdir 42 is not a string'],
    ['a report that is not a string (a JavaScript caller)', { report: ['r.md'] }, 'synthesize: options.report ["r.md"] is not a string'],
  ])('%s: our ValidationError (the options\' shape check), nothing written', (_, options, message) => {
    const b = box();
    const before = snapshot(b.root);
    const call = () => synthesize(fixtureApp('hi'), { outdir: b.out, ...(options as object) });
    expect(call).toThrow(ValidationError);
    expect(call).toThrow(message);
    expect(snapshot(b.root)).toEqual(before);
  });

  test('writeAtomically refuses a file path that leaves the output folder', () => {
    const b = box();
    const before = snapshot(b.root);
    expect(() => writeAtomically(b.out, new Map([['../escaped.yaml', 'a: 1\n']]))).toThrow('output file "../escaped.yaml" is not a path inside the output folder');
    expect(snapshot(b.root)).toEqual(before);
  });
});

describe('what the synth accepts and marks', () => {
  test.each([
    ['an unmarked output of ours (written before the marker)', (b: Box) => legacy(b)],
    ['an unmarked output of ours in the layout before clusters (dist/<env>/, dist/gitops/<env>-<tool>.yaml)', (b: Box) => {
      const out = legacy(b);
      // dist/dev/dev/* becomes dist/dev/*, as the synth wrote it before clusters.
      for (const f of fs.readdirSync(path.join(out, 'dev', 'dev'))) fs.renameSync(path.join(out, 'dev', 'dev', f), path.join(out, `dev-${f}`));
      fs.rmSync(path.join(out, 'dev'), { recursive: true });
      fs.mkdirSync(path.join(out, 'dev'));
      for (const f of fs.readdirSync(out).filter((n) => n.startsWith('dev-'))) fs.renameSync(path.join(out, f), path.join(out, 'dev', f.slice(4)));
      fs.mkdirSync(path.join(out, 'gitops'));
      fs.writeFileSync(path.join(out, 'gitops', 'dev-argocd.yaml'), 'kind: Application\n');
      return out;
    }],
    ['an empty folder', (b: Box) => { fs.mkdirSync(path.join(b.root, 'empty')); return path.join(b.root, 'empty'); }],
    ['a missing folder', (b: Box) => path.join(b.root, 'new')],
  ])('%s: replaced, with the marker written inside the swap', (_, setup) => {
    const outdir = setup(box());
    synthesize(fixtureApp('hi'), { outdir });
    expect(fs.readFileSync(path.join(outdir, OUTPUT_MARKER), 'utf8')).toBe(OUTPUT_MARKER_TEXT);
    expect(fs.readFileSync(path.join(outdir, 'dev', 'dev', '50-web.yaml'), 'utf8')).toContain('greeting: hi');
    expect(leftovers(outdir)).toEqual([]);
  });
});

describe('the previous output is read, never opened blindly', () => {
  test('a socket in an environment folder is not opened', async () => {
    const b = box();
    const server = await socketAt(path.join(b.out, 'dev', 'dev', '90-socket.yaml'));
    try {
      synthesize(fixtureApp('hi'), { outdir: b.out });
    } finally {
      server.close();
    }
    expect(fs.readFileSync(path.join(b.out, 'dev', 'dev', '50-web.yaml'), 'utf8')).toContain('greeting: hi');
  });

  test.each([
    ['a file larger than the synth writes (64 MiB)', (f: string) => fs.truncateSync(f, 65 * 1024 * 1024), 'dev/dev/50-web.yaml in the output folder is 68157440 bytes, more than the 64 MiB limit'],
    ['more than 100 YAML aliases (the yaml library refuses them)', (f: string) => fs.writeFileSync(f, `a: &x 1\n${Array.from({ length: 101 }, (_, i) => `b${i}: *x`).join('\n')}\n`),
      'previous output file dev/dev/50-web.yaml cannot be read as YAML (Excessive alias count'],
    ['invalid YAML', (f: string) => fs.writeFileSync(f, 'kind: ConfigMap\ndata: [\n'), 'previous output file dev/dev/50-web.yaml cannot be read as YAML ('],
  ])('%s: a SynthError naming the file, nothing written', (_, spoil, message) => {
    const b = box();
    spoil(path.join(b.out, 'dev', 'dev', '50-web.yaml'));
    const before = snapshot(b.out);
    let error: unknown;
    try {
      synthesize(fixtureApp('hi'), { outdir: b.out });
    } catch (e) {
      error = e;
    }
    if (!(error instanceof SynthError)) throw new Error(`not our error: ${(error as Error)?.stack ?? error}`);
    expect(error.message).toContain(message);
    expect(snapshot(b.out)).toEqual(before);
    expect(leftovers(b.out)).toEqual([]);
  });

  test('a live lock: a SynthError naming the other synth and how to clear a stale lock; nothing written, its lock left alone', () => {
    const b = box();
    const lock = `${process.ppid} 2026-01-01T00:00:00.000Z\n`;
    fs.writeFileSync(lockPathOf(b.out), lock);
    const before = snapshot(b.out);
    const call = () => synthesize(fixtureApp('hi'), { outdir: b.out });
    expect(call).toThrow(SynthError);
    expect(call).toThrow(`another synth (pid ${process.ppid}, started 2026-01-01T00:00:00.000Z) is writing ${b.out}; wait for it to finish (if no synth is running, delete ${lockPathOf(b.out)})`);
    expect(snapshot(b.out)).toEqual(before);
    expect(fs.readFileSync(lockPathOf(b.out), 'utf8')).toBe(lock);
  });
});

/** Command-line runs that must not block, lose an update or lie about what they wrote. */
const processCases = {
  // One run for both: a named pipe and a link to /dev/zero in an environment folder of a marked output.
  specials: pooled(async () => {
    const b = box();
    mkfifo(path.join(b.out, 'dev', 'dev', '90-pipe.yaml'));
    fs.symlinkSync('/dev/zero', path.join(b.out, 'dev', 'dev', '90-zero.yaml'));
    return { b, r: await run(['changed', '--outdir', b.out], { timeout: 15_000 }) };
  }),
  symlink: pooled(async () => {
    const b = box();
    const link = path.join(b.root, 'current');
    fs.symlinkSync(b.out, link);
    return { b, link, r: await run(['changed', '--outdir', link]) };
  }),
  aliases: pooled(async () => {
    const b = box();
    fs.writeFileSync(path.join(b.out, 'dev', 'dev', '50-web.yaml'), `a: &x 1\n${Array.from({ length: 101 }, (_, i) => `b${i}: *x`).join('\n')}\n`);
    const before = snapshot(b.out);
    return { b, before, r: await run(['changed', '--outdir', b.out]) };
  }),
  // One run for both: a stale lock and a report on success.
  staleLockAndReport: pooled(async () => {
    const b = box();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    fs.writeFileSync(lockPathOf(b.out), `${dead} 2026-01-01T00:00:00.000Z\n`);
    const report = path.join(b.root, 'guard-report.md');
    return { b, report, r: await run(['changed', '--outdir', b.out, '--report', report]) };
  }),
  reportFails: pooled(async () => {
    const b = box();
    return { b, r: await run(['report-fails', '--outdir', b.out, '--report', path.join(b.root, 'guard-report.md')], { env: { FIXTURE_GREETING: 'hi' } }) };
  }),
  // Not pooled: both start at once. Each run pauses just before its swap, after it read the other environment's files.
  concurrent: (async () => {
    const outdir = path.join(tempDir('outfolder-'), 'dist');
    fs.cpSync(goldenTwoEnvs, outdir, { recursive: true });
    const env = { FIXTURE_PAUSE_BEFORE_SWAP_MS: '1500' };
    const [dev, qa] = await Promise.all([
      run(['two-envs', '--env', 'dev', '--outdir', outdir], { env: { ...env, FIXTURE_GREETING: 'from-dev-run' } }),
      run(['two-envs', '--env', 'qa', '--outdir', outdir], { env: { ...env, FIXTURE_QA_GREETING: 'from-qa-run' } }),
    ]);
    return { outdir, dev, qa };
  })(),
  undeletable: pooled(async () => {
    const b = box();
    const first = await run(['undeletable-old', '--outdir', b.out], { env: { FIXTURE_GREETING: 'hi' } });
    const left = first.stderr.match(/it is left at (\S+);/)?.[1];
    const leftContent = left && fs.readFileSync(path.join(left, 'dev', 'dev', '50-web.yaml'), 'utf8');
    const written = fs.readFileSync(path.join(b.out, 'dev', 'dev', '50-web.yaml'), 'utf8');
    const next = await run(['ok', '--outdir', b.out]);
    return { b, first, left, leftContent, written, next };
  }),
  stuckLeftover: pooled(async () => {
    const b = box();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const stuck = path.join(b.root, `.dist.synth-old-${dead}`);
    fs.cpSync(golden, stuck, { recursive: true });
    return { b, stuck, r: await run(['undeletable-old', '--outdir', b.out], { env: { FIXTURE_GREETING: 'hi' } }) };
  }),
  swapFails: pooled(async () => {
    const b = box();
    const before = snapshot(b.out);
    return { b, before, r: await run(['swap-fails', '--outdir', b.out], { env: { FIXTURE_GREETING: 'hi' } }) };
  }),
};

describe('the previous output on the command line', () => {
  test('a named pipe in an environment folder of a marked output does not block the synth; the swap removes it', async () => {
    const { b, r } = await processCases.specials;
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(b.out, 'dev', 'dev', '90-pipe.yaml'))).toBe(false);
  });

  test('a link to /dev/zero in an environment folder is not read', async () => {
    const { b, r } = await processCases.specials;
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(b.out, 'dev', 'dev', '50-web.yaml'), 'utf8')).toContain('greeting: hi');
  });

  test('a symlinked output folder: its target is replaced, the link is kept', async () => {
    const { b, link, r } = await processCases.symlink;
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(link)).toBe(b.out);
    expect(fs.readFileSync(path.join(b.out, 'dev', 'dev', '50-web.yaml'), 'utf8')).toContain('greeting: hi');
    expect(leftovers(b.out)).toEqual([]);
  });

  test('a previous file with more than 100 YAML aliases is reported, not crashed on', async () => {
    const { b, before, r } = await processCases.aliases;
    expect(r.stderr).toContain('the previous output cannot be parsed:\n  - previous output file dev/dev/50-web.yaml cannot be read as YAML (Excessive alias count');
    expect(r.stderr).toContain(UNCHANGED);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.status).toBe(1);
    expect(snapshot(b.out)).toEqual(before);
  });
});

describe('two synths of one output folder', () => {
  test('two --env runs at once: the second stops with a message or both changes are kept; no update is lost', async () => {
    const { outdir, dev, qa } = await processCases.concurrent;
    const runs = [{ r: dev, file: 'dev/dev/50-web.yaml', greeting: 'from-dev-run' }, { r: qa, file: 'qa/qa/50-web.yaml', greeting: 'from-qa-run' }];
    expect(runs.filter(({ r }) => r.status === 0).length).toBeGreaterThan(0);
    for (const { r, file, greeting } of runs) {
      if (r.status === 0) expect(fs.readFileSync(path.join(outdir, file), 'utf8')).toContain(`greeting: ${greeting}`);
      else expect(r.stderr).toMatch(/another synth \(pid \d+, started \S+\) is writing .*dist; wait for it to finish/);
    }
    expect(leftovers(outdir)).toEqual([]);
  });

  test('a stale lock (its synth is gone) is taken over and removed', async () => {
    const { b, r } = await processCases.staleLockAndReport;
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(leftovers(b.out)).toEqual([]);
  });
});

describe('a swap that half-succeeds, and what the next run does', () => {
  test('the previous output cannot be deleted: exit 0, the new output in place, the leftover named; the next run removes it', async () => {
    const { b, first: r, left, leftContent, written, next } = await processCases.undeletable;
    expect(r.stderr).toMatch(new RegExp(`^warning: the new output is in place in ${b.out}, but the previous output could not be deleted \\(EACCES: injected fault.*\\): it is left at (\\S+); remove it by hand`));
    expect(r.stderr).not.toContain('nothing was written');
    expect(r.status).toBe(0);
    expect(written).toContain('greeting: hi');
    expect(leftContent).toContain('greeting: hello');
    expect(next.stderr).toBe('');
    expect(next.status).toBe(0);
    expect(fs.existsSync(left!)).toBe(false);
  });

  test('a leftover the next run cannot delete does not stop it: a warning names it', async () => {
    const { b, stuck, r } = await processCases.stuckLeftover;
    expect(r.stderr).toContain(`warning: an earlier synth left ${stuck}, which cannot be removed (EACCES: injected fault`);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(b.out, 'dev', 'dev', '50-web.yaml'), 'utf8')).toContain('greeting: hi');
  });

  test('the swap fails and the previous output cannot be put back: the message says where it is, not "nothing was written"', async () => {
    const { b, before, r } = await processCases.swapFails;
    expect(r.stderr).toContain('synth failed while swapping the output folder:\n  - the new output could not be moved into place (EACCES: injected fault');
    expect(r.stderr).not.toContain('nothing was written');
    expect(r.status).toBe(1);
    const old = r.stderr.match(/the previous output is at (\S+): move it back with {2}mv/)![1];
    expect(snapshot(old)).toEqual(before);
    expect(fs.existsSync(b.out)).toBe(false);
  });
});

describe('--report', () => {
  test('on success the report says there is no destructive change', async () => {
    const { report, r } = await processCases.staleLockAndReport;
    expect(r.status).toBe(0);
    expect(fs.readFileSync(report, 'utf8')).toBe(`${NO_DESTRUCTIVE_CHANGES}\n`);
  });

  test('a report of an earlier run is removed when this run fails before the guard', () => {
    const b = box();
    const report = path.join(b.root, 'guard-report.md');
    fs.writeFileSync(report, '## Destructive changes refused\n\nfrom an earlier run\n');
    expect(() => synthesize(() => { throw new Error('boom'); }, { outdir: b.out, report })).toThrow('boom');
    expect(fs.existsSync(report)).toBe(false);
  });

  test('the report cannot be written after the swap: exit 1, the message says the new output is in place', async () => {
    const { b, r } = await processCases.reportFails;
    expect(r.stderr).toContain(`synth wrote the output, not the report:\n  - the new output is in place in ${b.out}, but the report ${path.join(b.root, 'guard-report.md')} could not be written: EACCES: injected fault`);
    expect(r.stderr).not.toContain('nothing was written');
    expect(r.status).toBe(1);
    expect(fs.readFileSync(path.join(b.out, 'dev', 'dev', '50-web.yaml'), 'utf8')).toContain('greeting: hi');
  });
});
