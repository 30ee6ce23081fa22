import { spawn, spawnSync } from 'child_process';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from './helpers';

// scripts/ holds plain JavaScript that runs before anything is compiled.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { watch } = require('../scripts/watch.js') as {
  watch: (options: { root: string; argv?: string[]; delay?: number; stdio?: 'pipe'; out?: { write: (s: string) => void } }) => Watcher;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildState } = require('../scripts/synth.js') as { buildState: (root: string) => { upToDate: boolean; why?: string } };

interface Synth { status: number; ms: number; preloaded: boolean; replaced: boolean; sinceChange?: number }
type Watcher = EventEmitter & { close: (code?: number) => Promise<number> };

/** Declarations of the global types TypeScript needs with `noLib` (so that the fixture compiles in half a second). */
const GLOBALS = 'interface Array<T> { length: number; [n: number]: T } interface Boolean {} interface CallableFunction {} interface Function {} '
  + 'interface IArguments {} interface NewableFunction {} interface Number {} interface Object {} interface RegExp {} interface String {}\n'
  + 'declare function require(id: string): any; declare const global: any; declare const process: any; declare const Date: any; declare const JSON: any; declare const __dirname: string;\n';

/**
 * A project like ours in small: build/main.js exports `main(argv)`, which appends what it saw to synths.log:
 * the value of environments/value.ts (the data), the unit of lib/unit.ts (the library), what platform.lock.json
 * pins (read at run time, as our synth does), the version of the package `dep`, and whether `dep` was loaded
 * before main.js was (a process started ahead of time holds it). `--slow` makes it take 800 ms and `--hang` a
 * minute (both write the file `started` first), `--bad` refuses its command line (exit 2), a negative value fails
 * it (exit 1).
 */
function fixture(): { dir: string; write: (rel: string, text: string) => void; synths: () => { value: number; unit: string; lock: number; preloaded: boolean; dep: number }[] } {
  const dir = tempDir('watch-');
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  const include = ['main.ts', 'lib/**/*.ts', 'environments/**/*.ts'];
  write('tsconfig.json', JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, types: [], noLib: true, resolveJsonModule: true, incremental: true, noEmit: true, tsBuildInfoFile: 'build/.tsbuildinfo-typecheck' },
    include, exclude: ['node_modules', 'build'],
  }));
  write('tsconfig.app.json', JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: false, outDir: 'build', rootDir: '.', tsBuildInfoFile: 'build/.tsbuildinfo' }, include }));
  write('lib/globals.d.ts', GLOBALS);
  write('lib/unit.ts', "export const unit: string = 'm';\n");
  write('environments/value.ts', 'export const value: number = 1;\n');
  write('platform.lock.json', '{ "pinned": 1 }\n');
  write('main.ts', [
    "import { value } from './environments/value';",
    "import { unit } from './lib/unit';",
    'global.fixtureMainLoaded = true;',
    'export function main(argv: string[]): void {',
    "  const dep = require('dep');",
    "  if (argv[0] === '--bad') { process.exitCode = 2; return; }",
    "  const busy = argv[0] === '--slow' ? 800 : argv[0] === '--hang' ? 60_000 : 0;",
    "  if (busy > 0) require('fs').writeFileSync(require('path').join(__dirname, '..', 'started'), '');",
    '  const end = Date.now() + busy; while (Date.now() < end) { /* busy */ }',
    '  if (value < 0) { process.exitCode = 1; return; }',
    "  const lock = JSON.parse(require('fs').readFileSync(require('path').join(__dirname, '..', 'platform.lock.json'), 'utf8')).pinned;",
    "  require('fs').appendFileSync(require('path').join(__dirname, '..', 'synths.log'), JSON.stringify({ value, unit, lock, preloaded: dep.preloaded, dep: dep.version }) + '\\n');",
    '}',
    '',
  ].join('\n'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(path.dirname(require.resolve('typescript/package.json')), path.join(dir, 'node_modules/typescript'));
  write('node_modules/.package-lock.json', '{}\n');
  write('node_modules/dep/package.json', '{ "name": "dep", "main": "index.js" }\n');
  write('node_modules/dep/index.js', 'exports.preloaded = !global.fixtureMainLoaded;\nexports.version = 1;\n');
  const synths = () => {
    const log = path.join(dir, 'synths.log');
    return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
  };
  return { dir, write, synths };
}

/** The next `name` event of `w`, or a rejection naming it after `ms`. */
function next<T>(w: Watcher, name: string, ms = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} event within ${ms} ms`)), ms);
    w.once(name, (value: T) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function start(root: string, argv: string[] = []): { w: Watcher; log: string[] } {
  const log: string[] = [];
  const w = watch({ root, argv, delay: 20, stdio: 'pipe', out: { write: (s) => log.push(s) } });
  w.on('output', (s: string) => log.push(s));
  return { w, log };
}

describe('npm run watch (scripts/watch.js): compiles what changed, then synthesizes in a process started ahead of time', () => {
  test('synthesizes at start and after each change; a type error or a failed synth leaves the output as it was and it keeps watching; an edited library module, a package install or a change of platform.lock.json is not missed', async () => {
    const f = fixture();
    const { w, log } = start(f.dir);
    const pids: number[] = [];
    w.on('worker', (pid: number) => pids.push(pid));
    const ready = new Set<number>();
    w.on('ready', (pid: number) => ready.add(pid));
    /** Until the process started ahead for the next synth has loaded what it loads ahead. */
    const spareReady = async () => {
      while (!ready.has(pids.at(-1)!)) await sleep(10);
    };
    try {
      const first = await next<Synth>(w, 'synth');
      expect(first).toMatchObject({ status: 0, preloaded: false });
      expect(f.synths()).toEqual([{ value: 1, unit: 'm', lock: 1, preloaded: false, dep: 1 }]);

      // An edit of the data: compiled alone, synthesized by a process that already held the package and the
      // library the last synth loaded.
      f.write('environments/value.ts', 'export const value: number = 2;\n');
      const second = await next<Synth>(w, 'synth');
      expect(second).toMatchObject({ status: 0, preloaded: true, replaced: false });
      expect(second.sinceChange).toBeGreaterThanOrEqual(second.ms);
      expect(f.synths()[1]).toEqual({ value: 2, unit: 'm', lock: 1, preloaded: true, dep: 1 });
      expect(fs.readFileSync(path.join(f.dir, 'build/environments/value.js'), 'utf8')).toContain('exports.value = 2');

      // A type error: reported, nothing synthesized, not even for a change of platform.lock.json.
      const compiled = next<{ errors: number }>(w, 'compiled');
      f.write('environments/value.ts', "export const value: number = 'three';\n");
      expect(await compiled).toEqual({ errors: 1 });
      f.write('platform.lock.json', '{ "pinned": 2 }\n');
      await sleep(400);
      expect(f.synths()).toHaveLength(2);
      expect(log.join('')).toContain('platform.lock.json changed, but the sources have errors. Not synthesized');
      expect(log.join('')).toContain("Type 'string' is not assignable to type 'number'");
      expect(log.join('')).toContain('Not synthesized: the output is as it was; watching for changes.');
      // Its build info says so: npm run synth compiles again, and shows the error.
      expect(buildState(f.dir)).toMatchObject({ upToDate: false, why: expect.stringContaining('the last build was not clean') });

      // Fixed: synthesized again.
      f.write('environments/value.ts', 'export const value: number = 3;\n');
      expect(await next<Synth>(w, 'synth')).toMatchObject({ status: 0, replaced: false });
      expect(f.synths()[2]).toEqual({ value: 3, unit: 'm', lock: 2, preloaded: true, dep: 1 });

      // platform.lock.json, which the synth reads itself (no compile sees it), replaced as editors save: synthesized.
      f.write('platform.lock.json.new', '{ "pinned": 3 }\n');
      fs.renameSync(path.join(f.dir, 'platform.lock.json.new'), path.join(f.dir, 'platform.lock.json'));
      expect(await next<Synth>(w, 'synth')).toMatchObject({ status: 0 });
      expect(f.synths().at(-1)).toMatchObject({ value: 3, lock: 3 });
      // ... and still watched after that replacement.
      f.write('platform.lock.json', '{ "pinned": 4 }\n');
      expect(await next<Synth>(w, 'synth')).toMatchObject({ status: 0 });
      expect(f.synths().at(-1)).toMatchObject({ value: 3, lock: 4 });

      // An edit of the library: the process started ahead holds the old module, so a fresh one synthesizes.
      await spareReady();
      f.write('lib/unit.ts', "export const unit: string = 'km';\n");
      expect(await next<Synth>(w, 'synth')).toMatchObject({ status: 0, replaced: true });
      expect(f.synths().at(-1)).toEqual({ value: 3, unit: 'km', lock: 4, preloaded: true, dep: 1 });

      // A synth that fails: reported with its exit code, and the watch goes on.
      f.write('environments/value.ts', 'export const value: number = -1;\n');
      expect(await next<Synth>(w, 'synth')).toMatchObject({ status: 1 });
      expect(log.join('')).toContain('the synth failed (exit code 1)');
      f.write('environments/value.ts', 'export const value: number = 4;\n');
      expect(await next<Synth>(w, 'synth')).toMatchObject({ status: 0 });

      // A package installed since the spare process started: that process holds the old one, so a fresh process
      // synthesizes, with the new one.
      await spareReady();
      const spare = pids.at(-1)!;
      f.write('node_modules/dep/index.js', 'exports.preloaded = !global.fixtureMainLoaded;\nexports.version = 2;\n');
      f.write('environments/value.ts', 'export const value: number = 5;\n');
      expect(await next<Synth>(w, 'synth')).toMatchObject({ status: 0, replaced: true });
      expect(f.synths().at(-1)).toEqual({ value: 5, unit: 'km', lock: 4, preloaded: true, dep: 2 });
      expect(alive(spare)).toBe(false);
    } finally {
      expect(await w.close()).toBe(0);
    }
    // The build info it wrote is that of the sources: npm run synth does not compile again.
    expect(buildState(f.dir)).toEqual({ upToDate: true });
    // No synth process is left behind, not even the one started ahead of time for the next change.
    expect(pids.length).toBeGreaterThanOrEqual(9);
    expect(pids.filter((pid) => alive(pid))).toEqual([]);
  }, 30_000);

  test('changes seen while a synth runs are compiled when it ends (it never loads a build being written), then synthesized once, from the latest sources; a type error among them stops that synth', async () => {
    const f = fixture();
    const { w } = start(f.dir, ['--slow']);
    const built = () => fs.readFileSync(path.join(f.dir, 'build/environments/value.js'), 'utf8');
    try {
      let done = next<Synth>(w, 'synth');
      await next(w, 'worker');
      await sleep(100);
      f.write('environments/value.ts', 'export const value: number = 2;\n');
      await sleep(150);
      f.write('environments/value.ts', 'export const value: number = 3;\n');
      // Well past TypeScript's delay (20 ms), and the synth (800 ms after its process started) still runs.
      await sleep(300);
      expect(f.synths()).toEqual([]);
      expect(built()).toContain('exports.value = 1');
      expect(await done).toMatchObject({ status: 0 });
      expect(await next<Synth>(w, 'synth')).toMatchObject({ status: 0 });
      expect(f.synths().map((s) => s.value)).toEqual([1, 3]);

      // A change without errors, then one with an error, both during a synth: the build holds the error, no synth.
      done = next<Synth>(w, 'synth');
      const four = next<{ errors: number }>(w, 'compiled');
      f.write('environments/value.ts', 'export const value: number = 4;\n');
      expect(await four).toEqual({ errors: 0 });
      await sleep(100);
      f.write('environments/value.ts', 'export const value: number = 5;\n');
      await sleep(150);
      f.write('environments/value.ts', "export const value: number = 'six';\n");
      const compiled = next<{ errors: number }>(w, 'compiled');
      expect(await done).toMatchObject({ status: 0 });
      expect(await compiled).toEqual({ errors: 1 });
      await sleep(1_200);
      expect(f.synths().map((s) => s.value)).toEqual([1, 3, 4]);
    } finally {
      await w.close();
    }
  }, 30_000);

  test('a change of platform.lock.json during a synth waits for its end, as a compile does, then is synthesized once', async () => {
    const f = fixture();
    const { w } = start(f.dir, ['--slow']);
    try {
      const first = next<Synth>(w, 'synth');
      while (!fs.existsSync(path.join(f.dir, 'started'))) await sleep(10);
      f.write('platform.lock.json', '{ "pinned": 2 }\n');
      await sleep(300);
      expect(f.synths()).toEqual([]);
      expect(await first).toMatchObject({ status: 0 });
      expect(await next<Synth>(w, 'synth')).toMatchObject({ status: 0 });
      await sleep(300);
      // Two synths: the change is not lost while the first runs (that one reads the file when it gets there).
      expect(f.synths()).toHaveLength(2);
      expect(f.synths()[1].lock).toBe(2);
    } finally {
      await w.close();
    }
  }, 30_000);

  test('a change of a JSON file a source imports is compiled (copied into build/) and synthesized, as npm run synth would', async () => {
    const f = fixture();
    f.write('lib/data.json', '{ "value": 10 }\n');
    f.write('environments/value.ts', "import data = require('../lib/data.json');\nexport const value: number = data.value;\n");
    const { w } = start(f.dir);
    try {
      expect(await next<Synth>(w, 'synth')).toMatchObject({ status: 0 });
      await sleep(200);
      f.write('lib/data.json', '{ "value": 11 }\n');
      expect(await next<Synth>(w, 'synth', 5_000)).toMatchObject({ status: 0 });
      expect(f.synths().map((s) => s.value)).toEqual([10, 11]);
      expect(JSON.parse(fs.readFileSync(path.join(f.dir, 'build/lib/data.json'), 'utf8'))).toEqual({ value: 11 });
    } finally {
      await w.close();
    }
    expect(buildState(f.dir)).toEqual({ upToDate: true });
  }, 30_000);

  test('a synth process that cannot be started is a failed synth, with the reason, and the watch goes on', () => {
    const f = fixture();
    const script = path.join(__dirname, '..', 'scripts', 'watch.js');
    // In a process of its own: Node forks with process.execPath, which a test cannot change for Node itself.
    const program = `const node = process.execPath; process.execPath = ${JSON.stringify(path.join(f.dir, 'no-node'))};
      const w = require(${JSON.stringify(script)}).watch({ root: ${JSON.stringify(f.dir)}, stdio: 'pipe', delay: 20 });
      w.once('synth', (s) => {
        console.log('status ' + s.status);
        process.execPath = node;
        require('fs').writeFileSync(${JSON.stringify(path.join(f.dir, 'environments/value.ts'))}, 'export const value: number = 2;\\n');
        w.once('synth', (s) => { console.log('then ' + s.status); w.close(); });
      });`;
    const run = spawnSync(process.execPath, ['-e', program], { encoding: 'utf8', timeout: 20_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`the synth process could not be started: spawn ${path.join(f.dir, 'no-node')} ENOENT`);
    expect(run.stdout).toContain('status 1\n');
    expect(run.stdout).toContain('the synth failed (exit code 1)');
    expect(run.stdout).toContain('then 0\n');
    expect(f.synths().map((s) => s.value)).toEqual([2]);
  }, 30_000);

  test('Ctrl-C in a terminal (SIGINT to the whole process group, the synth process too) ends it with 130 once the synth under way has finished; a second one stops that synth; an exception kills its synth processes; during a compile, no synth follows', async () => {
    const f = fixture();
    const script = path.join(__dirname, '..', 'scripts', 'watch.js');
    /** `npm run watch` on the fixture, in a process group of its own (as a terminal starts a command). */
    const run = (argv: string[], then = '') => {
      const child = spawn(process.execPath, ['-e', `require(${JSON.stringify(script)}).cli(${JSON.stringify(argv)}, ${JSON.stringify(f.dir)}); ${then}`], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      const out = { text: '' };
      child.stdout.on('data', (d) => { out.text += d; });
      child.stderr.on('data', (d) => { out.text += d; });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      return { group: child.pid!, out, exited };
    };
    // Ctrl-C under `npm run watch`: the terminal sends SIGINT to the process group, and npm forwards it to its child.
    const ctrlC = (group: number) => {
      process.kill(-group, 'SIGINT');
      process.kill(group, 'SIGINT');
    };
    const started = path.join(f.dir, 'started');
    const until = async (what: () => boolean) => {
      for (const end = Date.now() + 15_000; !what(); await sleep(20)) if (Date.now() > end) throw new Error('timed out');
    };
    const groupAlive = (group: number) => alive(-group);

    // Ctrl-C during a synth: it finishes and writes, then the watch ends.
    const slow = run(['--slow']);
    try {
      await until(() => fs.existsSync(started));
      ctrlC(slow.group);
      expect(await slow.exited).toBe(130);
    } finally {
      if (groupAlive(slow.group)) process.kill(-slow.group, 'SIGKILL');
    }
    expect(f.synths().map((s) => s.value)).toEqual([1]);
    expect(slow.out.text).toContain('Stopping once the synth under way has finished');
    expect(slow.out.text).toMatch(/synthesized in [\d.]+ s\.\n$/);
    await until(() => !groupAlive(slow.group));

    // A synth that does not end: the watch waits for it; Ctrl-C again stops it.
    fs.rmSync(started);
    const hung = run(['--hang']);
    try {
      await until(() => fs.existsSync(started));
      ctrlC(hung.group);
      // Past the half second in which a second SIGINT is the same Ctrl-C, with room for a slow machine.
      await sleep(1_200);
      expect(groupAlive(hung.group)).toBe(true);
      ctrlC(hung.group);
      expect(await hung.exited).toBe(130);
    } finally {
      if (groupAlive(hung.group)) process.kill(-hung.group, 'SIGKILL');
    }
    expect(hung.out.text).toContain('the synth was stopped (exit code 143)');
    expect(f.synths()).toHaveLength(1);
    await until(() => !groupAlive(hung.group));

    // A watcher that ends on an exception leaves no synth process behind, not even one that hangs.
    fs.rmSync(started);
    const crash = `setInterval(() => { if (require('fs').existsSync(${JSON.stringify(started)})) throw new Error('boom'); }, 20);`;
    const crashed = run(['--hang'], crash);
    try {
      expect(await crashed.exited).toBe(1);
      expect(crashed.out.text).toContain('Error: boom');
      await until(() => !groupAlive(crashed.group));
    } finally {
      if (groupAlive(crashed.group)) process.kill(-crashed.group, 'SIGKILL');
    }

    // Ctrl-C during a compile (the first one takes seconds; it does not give way until it ends): the watch ends
    // without a synth.
    f.write('lib/big.ts', Array.from({ length: 10_000 }, (_, i) => `export const v${i}: number = ${i};`).join('\n'));
    const compiling = run([]);
    try {
      await until(() => compiling.out.text.includes('Starting compilation'));
      ctrlC(compiling.group);
      expect(await compiling.exited).toBe(130);
      await until(() => !groupAlive(compiling.group));
    } finally {
      if (groupAlive(compiling.group)) process.kill(-compiling.group, 'SIGKILL');
    }
    expect(compiling.out.text).toContain('Found 0 errors');
    expect(compiling.out.text).not.toContain('synthesized');
    expect(f.synths()).toHaveLength(1);
  }, 45_000);

  test('a synth that refuses its command line (exit 2) ends the watch with 2: every later synth would be refused too', async () => {
    const f = fixture();
    const { w } = start(f.dir, ['--bad']);
    const stopped = next<number>(w, 'stopped');
    expect(await next<Synth>(w, 'synth')).toMatchObject({ status: 2 });
    expect(await stopped).toBe(2);
    let compiled = 0;
    w.on('compiled', () => compiled++);
    f.write('environments/value.ts', 'export const value: number = 2;\n');
    await sleep(300);
    expect(compiled).toBe(0);
  }, 30_000);
});
