/**
 * The fixture of the `npm run watch` tests (test/watch-script.test.ts, test/e2e/watch-timing.test.ts): a small
 * project like ours, and helpers to start scripts/watch.js on it and wait for its events.
 */
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from './helpers';

// scripts/ holds plain JavaScript that runs before anything is compiled.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { watch } = require('../scripts/watch.js') as {
  watch: (options: { root: string; argv?: string[]; delay?: number; stdio?: 'pipe'; out?: { write: (s: string) => void } }) => Watcher;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { buildState } = require('../scripts/synth.js') as { buildState: (root: string) => { upToDate: boolean; why?: string } };

export interface Synth { status: number; ms: number; preloaded: boolean; replaced: boolean; sinceChange?: number }
export type Watcher = EventEmitter & { close: (code?: number) => Promise<number> };

/** Declarations of the global types TypeScript needs with `noLib` (so that the fixture compiles in half a second). */
export const GLOBALS = 'interface Array<T> { length: number; [n: number]: T } interface Boolean {} interface CallableFunction {} interface Function {} '
  + 'interface IArguments {} interface NewableFunction {} interface Number {} interface Object {} interface RegExp {} interface String {}\n'
  + 'declare function require(id: string): any; declare const global: any; declare const process: any; declare const Date: any; declare const JSON: any; declare const __dirname: string; declare const Atomics: any; declare const Int32Array: any; declare const SharedArrayBuffer: any;\n';

/**
 * A project like ours in small: build/main.js exports `main(argv)`, which appends what it saw to synths.log:
 * the value of environments/value.ts (the data), the unit of lib/unit.ts (the library), what platform.lock.json
 * pins (read at run time, as our synth does), the version of the package `dep`, and whether `dep` was loaded
 * before main.js was (a process started ahead of time holds it). `--slow` makes it take 800 ms and `--hang` a
 * minute (both write the file `started` first), `--bad` refuses its command line (exit 2), a negative value fails
 * it (exit 1).
 */
export function fixture(): { dir: string; write: (rel: string, text: string) => void; synths: () => { value: number; unit: string; lock: number; preloaded: boolean; dep: number }[] } {
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
    // Blocked as a synth at work is (no timer, no signal handler runs meanwhile), without taking a core.
    '  if (busy > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, busy);',
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
export function next<T>(w: Watcher, name: string, ms = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} event within ${ms} ms`)), ms);
    w.once(name, (value: T) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function start(root: string, argv: string[] = []): { w: Watcher; log: string[] } {
  const log: string[] = [];
  const w = watch({ root, argv, delay: 20, stdio: 'pipe', out: { write: (s) => log.push(s) } });
  w.on('output', (s: string) => log.push(s));
  return { w, log };
}
