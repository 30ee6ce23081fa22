/**
 * Each recipe of docs/recipes.md, performed on a copy of the repository (its files, node_modules linked) in
 * this run's temporary folder, from the page's own code blocks: the copy compiles, the synth writes exactly
 * the files the page lists, and the tests of the shipped data pass there (their snapshots refreshed, as the
 * page says: `npm run test:update`). Where the page shows the destructive-change guard, the copy takes the
 * recipe back and the guard refuses, listing the objects the page lists.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { applyRecipe, copyRepository, readRecipes, RecipeBlock, shippedDataTests } from '../recipes';
import { tempDir } from '../temp';

/** Repository root. */
const ROOT = path.resolve(__dirname, '../..');

const recipes = readRecipes(ROOT);

/**
 * Runs a command in the copy; returns its exit status and output. Its temporary files (jest's cache, the copy's
 * own test runs) go to the copy's `.tmp/`, removed with the copy.
 */
function run(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; out: string } {
  const tmp = path.join(cwd, '.tmp');
  fs.mkdirSync(tmp, { recursive: true });
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, TMPDIR: tmp, ...env } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const node = (cwd: string, script: string, ...args: string[]) => run(cwd, process.execPath, [path.join(cwd, script), ...args]);

/** Files the synth added to dist/ (relative to the copy), sorted. */
function addedFiles(copy: string): string[] {
  const status = run(copy, 'git', ['status', '--porcelain', '--untracked-files=all', '--', 'dist']).out;
  return status.split('\n').filter((l) => l.startsWith('?? ')).map((l) => l.slice(3)).sort();
}

let work: string | undefined;
/** This file's folder (in the run's private temporary folder): the copy, and the jest cache its runs share. */
const workDir = () => (work ??= tempDir('recipes-'));

const blocksOf = (name: string, kind: RecipeBlock['kind']) => recipes.get(name)!.filter((b) => b.kind === kind);
const linesOf = (b: RecipeBlock) => b.text.split('\n').map((l) => l.trim()).filter(Boolean);

describe('the recipes of docs/recipes.md keep the suite green on a copy of the repository', () => {
  test.each([...recipes.keys()])('%s', (name) => {
    // Every recipe in a fresh copy at the same path, with the compiled build/ and one jest cache shared by the
    // recipes: tsc and jest's transform then redo only what the recipe changed (both key by path and content).
    const copy = path.join(workDir(), 'copy');
    fs.rmSync(copy, { recursive: true, force: true });
    fs.mkdirSync(copy);
    copyRepository(ROOT, copy);
    if (fs.existsSync(path.join(ROOT, 'build'))) fs.cpSync(path.join(ROOT, 'build'), path.join(copy, 'build'), { recursive: true, preserveTimestamps: true });
    applyRecipe(copy, recipes.get(name)!);

    const tsc = node(copy, 'node_modules/typescript/bin/tsc', '-b', 'tsconfig.app.json', 'tsconfig.json');
    expect({ tsc: tsc.status, out: tsc.out }).toEqual({ tsc: 0, out: '' });
    const synth = node(copy, 'build/main.js');
    expect({ synth: synth.status, out: synth.out }).toEqual({ synth: 0, out: expect.stringContaining('synthesized') });
    // The page lists every file that appears (each environment folder's map.md is written beside them).
    const listed = blocksOf(name, 'files').flatMap(linesOf);
    expect(addedFiles(copy).filter((f) => !f.endsWith('/map.md'))).toEqual([...listed].sort());

    // The tests of the shipped data, in the copy, snapshots refreshed (the page's `npm run test:update`).
    const tests = shippedDataTests(copy);
    expect(tests.length).toBeGreaterThan(0);
    const jest = run(copy, process.execPath, [path.join(copy, 'node_modules/jest/bin/jest.js'), '--ci=false', '-u', '--cacheDirectory', path.join(workDir(), 'jest-cache'), ...tests],
      // The copy is compiled: its global setup need not compile again (it does not under the npm scripts).
      { npm_lifecycle_event: 'test', CI: '' });
    expect({ status: jest.status, tail: jest.status === 0 ? '' : jest.out.slice(-6000) }).toEqual({ status: 0, tail: '' });

    const guard = blocksOf(name, 'guard-output');
    if (guard.length > 0) {
      // Commit the new output, take the recipe back (the edited files as they were), and synth again.
      run(copy, 'git', ['add', '-A', '--', 'dist', ...recipes.get(name)!.filter((x) => x.file).map((x) => x.file!)]);
      run(copy, 'git', ['-c', 'user.name=recipes', '-c', 'user.email=recipes@example.invalid', 'commit', '-qm', 'recipe', '--no-verify']);
      for (const b of recipes.get(name)!.filter((x) => x.file)) {
        const original = path.join(ROOT, b.file!);
        if (fs.existsSync(original)) fs.copyFileSync(original, path.join(copy, b.file!));
      }
      expect(node(copy, 'node_modules/typescript/bin/tsc', '-b', 'tsconfig.app.json').status).toBe(0);
      const refused = node(copy, 'build/main.js');
      expect(refused.status).not.toBe(0);
      for (const id of guard.flatMap(linesOf)) expect({ id, listed: refused.out.includes(id) }).toEqual({ id, listed: true });
      // It wrote nothing: dist/ is the committed output.
      expect(run(copy, 'git', ['status', '--porcelain', '--untracked-files=all', '--', 'dist']).out).toBe('');
    }
    // Four copies, each compiled and tested, on a loaded machine: minutes each.
  }, 1_200_000);
});
