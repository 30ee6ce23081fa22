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
 * pins (read at run time, as our synth does), the version of the
 * package `dep`, and whether `dep` was loaded before main.js was (a process started ahead of time holds it).
 * `--slow` notes its start in started.log and makes it take 800 ms, `--bad` refuses its command line (exit 2), a negative value fails it (exit 1).
 */
function fixture(): { dir: string; write: (rel: string, text: string) => void; synths: () => { value: number; unit: string; lock: number; preloaded: boolean; dep: number }[] } {
  const dir = tempDir('watch-');
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  const include = ['main.ts', 'lib/**/*.ts', 'environments/**/*.ts'];
  write('tsconfig.json', JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, types: [], noLib: true, incremental: true, noEmit: true, tsBuildInfoFile: 'build/.tsbuildinfo-typecheck' },
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
    "  if (argv[0] === '--slow') { require('fs').appendFileSync(require('path').join(__dirname, '..', 'started.log'), 'started\\n'); const end = Date.now() + 800; while (Date.now() < end) { /* busy */ } }",
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
      await sleep(200);
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
      await sleep(200);
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

  test('changes seen while a synth runs give one more synth after it, of the latest sources (never two at once)', async () => {
    const f = fixture();
    const { w } = start(f.dir, ['--slow']);
    try {
      const firstDone = next<Synth>(w, 'synth');
      // Once the first synth has loaded the sources (a synth loads them when it starts, not when it is asked for).
      while (!fs.existsSync(path.join(f.dir, 'started.log'))) await sleep(10);
      f.write('environments/value.ts', 'export const value: number = 2;\n');
      await next(w, 'compiled');
      await sleep(100);
      f.write('environments/value.ts', 'export const value: number = 3;\n');
      await next(w, 'compiled');
      expect(f.synths()).toEqual([]);
      expect(await firstDone).toMatchObject({ status: 0 });
      expect(await next<Synth>(w, 'synth')).toMatchObject({ status: 0 });
      await sleep(300);
      expect(f.synths().map((s) => s.value)).toEqual([1, 3]);
    } finally {
      await w.close();
    }
  }, 30_000);

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
