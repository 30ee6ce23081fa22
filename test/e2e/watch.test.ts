import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readTree, ROOT, tempDir } from '../helpers';
import { childOutput } from '../../bench/child-output';
import { copyRepository } from '../recipes';

describe('`npm run watch` on a copy of the repository', () => {
  test('writes what the synth writes, at start and after an edit; a type error leaves dist/ as it was; SIGINT ends it, leaving no process and nothing uncommitted', async () => {
    const copy = tempDir('watch-e2e-');
    copyRepository(ROOT, copy);
    if (fs.existsSync(path.join(ROOT, 'build'))) fs.cpSync(path.join(ROOT, 'build'), path.join(copy, 'build'), { recursive: true, preserveTimestamps: true });
    const committed = readTree(path.join(ROOT, 'dist'));
    const child = spawn(process.execPath, ['scripts/watch.js'], { cwd: copy, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = childOutput(child);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const index = path.join(copy, 'environments/index.ts');
    const original = fs.readFileSync(index, 'utf8');
    try {
      let at = await out.waitFor(/synthesized in [\d.]+ s; watching for changes\./, 0, 45_000);
      expect(readTree(path.join(copy, 'dist'))).toEqual(committed);

      // environments/index.ts: the one data file every repository has, whatever environments it holds.
      const wrote = Date.now();
      fs.writeFileSync(index, `${original}\n// an edit\n`);
      const from = at;
      at = await out.waitFor(/synthesized in [\d.]+ s, [\d.]+ s after the change was seen; watching for changes\./, at, 45_000);
      expect(readTree(path.join(copy, 'dist'))).toEqual(committed);
      // Timed from the change (not from something the first synth's writes woke in TypeScript).
      const seen = Number(/([\d.]+) s after the change was seen/.exec(out.text().slice(from, at))![1]);
      expect(seen * 1000).toBeLessThanOrEqual(Date.now() - wrote + 10);

      fs.writeFileSync(index, `${original}\nexport const broken: number = 'not a number';\n`);
      at = await out.waitFor(/Not synthesized: the output is as it was; watching for changes\./, at, 45_000);
      expect(out.text()).toContain("Type 'string' is not assignable to type 'number'");
      expect(readTree(path.join(copy, 'dist'))).toEqual(committed);

      fs.writeFileSync(index, original);
      at = await out.waitFor(/synthesized in [\d.]+ s, [\d.]+ s after the change was seen; watching for changes\./, at, 45_000);
      expect(readTree(path.join(copy, 'dist'))).toEqual(committed);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(130);
    // Not even the synth process started ahead of time for the next change is left.
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(path.join(copy, 'scripts')));
    expect(left).toEqual([]);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: copy, encoding: 'utf8' })).toBe('');

    const help = spawnSync(process.execPath, ['scripts/watch.js', '--help'], { cwd: copy, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: node scripts\/watch\.js \[synth options\]/);
    expect(help.stdout).toContain('exit codes:');
    // An option the synth does not know: its first synth refuses it, and the watch ends with 2, nothing written.
    const bad = spawnSync(process.execPath, ['scripts/watch.js', '--bogus'], { cwd: copy, encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown argument "--bogus"');
    expect(bad.stderr).toContain('nothing was done.');
    // The usage names the command typed, not the synth process's script.
    expect(bad.stderr).toContain('usage: node scripts/watch.js [options]');
    expect(bad.stderr).not.toContain('synth-worker');
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: copy, encoding: 'utf8' })).toBe('');
    fs.rmSync(copy, { recursive: true, force: true });
  }, 120_000);
});
