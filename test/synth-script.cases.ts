import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from './helpers';

// scripts/ holds plain JavaScript that runs before anything is compiled.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { build, buildState } = require('../scripts/synth.js') as {
  buildState: (root: string, config?: string) => { upToDate: boolean; why?: string; force?: boolean };
  build: (root: string, config?: string, stdio?: 'inherit' | 'ignore') => number;
};

/** Declarations of the global types TypeScript needs with `noLib` (so that the fixture compiles in half a second). */
const GLOBALS = 'interface Array<T> { length: number; [n: number]: T } interface Boolean {} interface CallableFunction {} interface Function {} '
  + 'interface IArguments {} interface NewableFunction {} interface Number {} interface Object {} interface RegExp {} interface String {}\n';

describe('npm run synth runs tsc -b only when a source may have changed since a clean build (scripts/synth.js buildState)', () => {
  const dir = tempDir('synth-build-');
  const file = (rel: string) => path.join(dir, rel);
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(file(rel)), { recursive: true });
    fs.writeFileSync(file(rel), text);
    setTime(rel, -3600);
  };
  const setTime = (rel: string, seconds: number) => {
    const t = new Date(Date.now() + seconds * 1000);
    fs.utimesSync(file(rel), t, t);
  };
  const tsc = () => spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', 'tsconfig.app.json'], { cwd: dir, encoding: 'utf8' });
  const state = () => buildState(dir);

  beforeAll(() => {
    write('tsconfig.json', JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, types: [], noLib: true, incremental: true, resolveJsonModule: true, noEmit: true, tsBuildInfoFile: 'build/.tsbuildinfo-typecheck' },
      include: ['main.ts', 'lib/**/*.ts'], exclude: ['node_modules', 'build'],
    }));
    write('tsconfig.app.json', JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: false, outDir: 'build', rootDir: '.', tsBuildInfoFile: 'build/.tsbuildinfo' }, include: ['main.ts', 'lib/**/*.ts'] }));
    write('lib/globals.d.ts', GLOBALS);
    write('lib/a.ts', 'export const a: number = 1;\n');
    write('lib/data.json', '{}\n');
    write('lib/settings.json', '{ "v": 1 }\n');
    write('lib/c.ts', "import * as settings from './settings.json';\nexport const c: number = settings.v;\n");
    write('main.ts', "import { a } from './lib/a';\nexport const b = a;\n");
    fs.mkdirSync(file('node_modules'));
    fs.symlinkSync(path.dirname(require.resolve('typescript/package.json')), file('node_modules/typescript'));
    write('node_modules/.package-lock.json', '{}\n');
    write('node_modules/typed/package.json', '{ "name": "typed", "types": "index.d.ts" }\n');
    write('node_modules/typed/index.d.ts', 'export declare const x: number;\n');
    write('lib/typed.ts', "import { x } from 'typed';\nexport const y: number = x;\n");
    expect(tsc().status).toBe(0);
  });

  test('after a clean build with nothing changed since: no build', () => {
    expect(state()).toEqual({ upToDate: true });
  });

  test.each([
    ['a source', 'lib/a.ts', {}],
    ['a JSON file a source imports (tsc -b alone would keep its old copy in the build)', 'lib/settings.json', { force: true }],
    ['the config', 'tsconfig.app.json', {}],
    ['the config it extends', 'tsconfig.json', {}],
    ['the installed packages (npm writes node_modules/.package-lock.json on every install)', 'node_modules/.package-lock.json', { force: true }],
  ])('%s changed after the build: build', (_what, rel, force) => {
    setTime(rel, 10);
    expect(state()).toEqual({ upToDate: false, why: `${path.normalize(rel)} changed after the last build`, ...force });
    setTime(rel, -3600);
    expect(state()).toEqual({ upToDate: true });
  });

  test('a file no source reads (a README beside them), changed after the build: no build, as tsc -b would find nothing to do (and leave its build info as it was)', () => {
    for (const rel of ['lib/data.json', 'lib/README.md']) {
      write(rel, 'notes\n');
      setTime(rel, 10);
    }
    try {
      expect(state()).toEqual({ upToDate: true });
    } finally {
      setTime('lib/data.json', -3600);
      fs.rmSync(file('lib/README.md'));
    }
  });

  test('a source added, even one older than the build, or removed: build', () => {
    write('lib/b.ts', 'export const b = 2;\n');
    expect(state()).toEqual({ upToDate: false, why: `sources were added (${path.join('lib', 'b.ts')})` });
    fs.rmSync(file('lib/b.ts'));
    fs.renameSync(file('lib/a.ts'), file('a.ts.away'));
    expect(state()).toEqual({ upToDate: false, why: `sources were removed (${path.join('lib', 'a.ts')})` });
    fs.renameSync(file('a.ts.away'), file('lib/a.ts'));
    expect(state()).toEqual({ upToDate: true });
  });

  test('nothing built, a build by another TypeScript, or an include pattern it does not read: build', () => {
    const info = file('build/.tsbuildinfo');
    const text = fs.readFileSync(info, 'utf8');
    const { mtime } = fs.statSync(info);
    fs.writeFileSync(info, JSON.stringify({ ...JSON.parse(text), version: '5.0.0' }));
    fs.utimesSync(info, mtime, mtime);
    expect(state()).toEqual({ upToDate: false, why: `the last build was made by TypeScript 5.0.0, ${require('typescript/package.json').version} is installed` });
    fs.rmSync(info);
    expect(state()).toEqual({ upToDate: false, why: 'nothing is built yet' });
    fs.writeFileSync(info, text);
    expect(state()).toEqual({ upToDate: true });
    const app = fs.readFileSync(file('tsconfig.app.json'), 'utf8');
    write('tsconfig.app.json', JSON.stringify({ ...JSON.parse(app), include: ['main.ts', 'lib/*.ts'] }));
    expect(state()).toEqual({ upToDate: false, why: 'tsconfig.app.json includes "lib/*.ts"' });
    write('tsconfig.app.json', app);
    expect(state()).toEqual({ upToDate: true });
  });

  test("a dangling symlink under an included folder (an editor's lock file, Emacs' .#name): no crash, and no build, as tsc -b reads neither", () => {
    fs.symlinkSync(file('nowhere'), file('lib/.#notes.md'));
    fs.symlinkSync(file('nowhere'), file('lib/.#a.ts'));
    try {
      expect(state()).toEqual({ upToDate: true });
    } finally {
      fs.rmSync(file('lib/.#notes.md'));
      fs.rmSync(file('lib/.#a.ts'));
    }
  });

  test("a .ts file or folder whose name starts with a dot is no source (TypeScript's wildcards skip it), so it does not ask for a build every time", () => {
    write('lib/.scratch.ts', 'export const s = 1;\n');
    write('lib/.old/b.ts', 'export const b = 1;\n');
    try {
      const listed = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.app.json', '--listFilesOnly'], { cwd: dir, encoding: 'utf8' });
      expect(listed.stdout).toContain(path.join(dir, 'lib', 'a.ts').split(path.sep).join('/'));
      expect(listed.stdout).not.toMatch(/\.scratch\.ts|\.old/);
      expect(state()).toEqual({ upToDate: true });
    } finally {
      fs.rmSync(file('lib/.scratch.ts'));
      fs.rmSync(file('lib/.old'), { recursive: true });
    }
  });

  test('a JSON file a source imports, changed alone: tsc -b would keep the old copy in build/ (it compares its root files only), so the build is forced', () => {
    const copy = file('build/lib/settings.json');
    expect(JSON.parse(fs.readFileSync(copy, 'utf8'))).toEqual({ v: 1 });
    write('lib/settings.json', '{ "v": 2 }\n');
    setTime('lib/settings.json', 0);
    expect(state()).toEqual({ upToDate: false, why: `${path.join('lib', 'settings.json')} changed after the last build`, force: true });
    // What plain tsc -b does with it: nothing, the build stays as it was.
    expect(tsc().status).toBe(0);
    expect(JSON.parse(fs.readFileSync(copy, 'utf8'))).toEqual({ v: 1 });
    expect(build(dir)).toBe(0);
    expect(JSON.parse(fs.readFileSync(copy, 'utf8'))).toEqual({ v: 2 });
    expect(state()).toEqual({ upToDate: true });
  });

  test('a package whose types changed (npm writes node_modules/.package-lock.json on every install): tsc -b alone calls the build up to date, so it is forced and the error shown', () => {
    write('node_modules/typed/index.d.ts', 'export declare const x: string;\n');
    setTime('node_modules/.package-lock.json', 0);
    expect(state()).toEqual({ upToDate: false, why: `${path.join('node_modules', '.package-lock.json')} changed after the last build`, force: true });
    // What plain tsc -b does with it: it compares its root files only, and finds nothing to do.
    expect(tsc().status).toBe(0);
    expect(build(dir, undefined, 'ignore')).not.toBe(0);
    write('node_modules/typed/index.d.ts', 'export declare const x: number;\n');
    expect(build(dir, undefined, 'ignore')).toBe(0);
    expect(state()).toEqual({ upToDate: true });
  });

  // Last: it leaves the fixture broken.
  test('a build with a type error (tsc still emits and writes its build info): build again, so the error is shown again', () => {
    write('lib/a.ts', "export const a: number = 'x';\n");
    setTime('lib/a.ts', 0);
    const r = tsc();
    expect(r.status).not.toBe(0);
    expect(fs.existsSync(file('build/lib/a.js'))).toBe(true);
    expect(state()).toEqual({ upToDate: false, why: 'the last build was not clean (semanticDiagnosticsPerFile)' });
  });
});
