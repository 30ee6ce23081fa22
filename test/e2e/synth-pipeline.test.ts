import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { OUTPUT_MARKER } from '../../lib/synth/output-folder';
import { readTree, ROOT, tempDir } from '../helpers';

// Compiled by test/global-setup.js (tsc -b tsconfig.app.json), so each run starts in a fraction of a second.
const FIXTURE = path.join(ROOT, 'build/test/fixtures/faulty-app.js');

/** Runs the fixture app with a fault, writing to `outdir`. */
function runFixture(fault: string, outdir: string, extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [FIXTURE, fault, '--outdir', outdir], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...extraEnv },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Names of leftovers of a synth beside `outdir`. */
function leftovers(outdir: string): string[] {
  return fs.readdirSync(path.dirname(outdir)).filter((n) => n.includes('.synth-'));
}

describe('synth pipeline (as a process)', () => {
  let golden: string;
  let before: Record<string, string>;
  let dir: string;
  let outdir: string;

  beforeAll(() => {
    golden = path.join(tempDir(), 'dist');
    const ok = runFixture('ok', golden);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^synthesized 4 objects in 3 files into .*dist\/ \(\d+ ms\)\n$/);
    before = readTree(golden);
    expect(Object.keys(before).sort()).toEqual([OUTPUT_MARKER, 'dev/dev/00-cluster.yaml', 'dev/dev/10-namespace.yaml', 'dev/dev/50-web.yaml', 'dev/dev/kustomization.yaml', 'dev/dev/map.md', 'dev/kustomization.yaml']);
  });

  beforeEach(() => {
    dir = tempDir();
    outdir = path.join(dir, 'dist');
    fs.cpSync(golden, outdir, { recursive: true });
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['invalid-prop', 'qa: quota.requestsCpu "lots" is not a Kubernetes quantity'],
    ['throws', 'the app threw while building:\nError: boom: the app failed while building its tree'],
    ['tree-check', 'dev/namespace: nodePort 30080 is already used by dev/web (nodePort); nodePort must be unique'],
    ['wrong-type', 'dev/web/bad: ConfigMap dev/bad: data.port must be of type string (dev/dev/50-web.yaml)'],
    ['unknown-field', 'dev/web/bad: ConfigMap dev/bad: spec is not a field of v1 ConfigMap (dev/dev/50-web.yaml)'],
  ])('%s: non-zero exit, a message naming the construct path, dist/ byte-identical', (fault, message) => {
    const r = runFixture(fault, outdir);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('nothing was written: the previous output is unchanged.');
    expect(readTree(outdir)).toEqual(before);
    expect(leftovers(outdir)).toEqual([]);
  });

  test('a successful change replaces the output', () => {
    expect(runFixture('changed', outdir).status).toBe(0);
    expect(readTree(outdir)).not.toEqual(before);
    expect(fs.readFileSync(path.join(outdir, 'dev/dev/50-web.yaml'), 'utf8')).toContain('greeting: hi');
  });

  test('read-only parent folder: non-zero exit, the write error named, dist/ byte-identical', () => {
    if (process.getuid?.() === 0) {
      // root ignores permissions: stand in with a parent that is a file, which no one can create folders in.
      const r = runFixture('changed', path.join(outdir, 'dev/dev/50-web.yaml', 'dist'));
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('cannot write the output');
    } else {
      fs.chmodSync(dir, 0o555);
      try {
        const r = runFixture('changed', outdir);
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain('cannot write the output');
      } finally {
        fs.chmodSync(dir, 0o755);
      }
    }
    expect(readTree(outdir)).toEqual(before);
    expect(leftovers(outdir)).toEqual([]);
  });

  test('a file where the output folder should be: non-zero exit, the write error named, nothing changed', () => {
    const blocked = path.join(outdir, 'dev/dev/50-web.yaml', 'dist');
    const r = runFixture('changed', blocked);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('cannot write the output');
    expect(r.stderr).toContain('nothing was written: the previous output is unchanged');
    expect(readTree(outdir)).toEqual(before);
    expect(leftovers(outdir)).toEqual([]);
  });

  test.each(['kill-while-writing', 'kill-while-swapping'])('%s: SIGKILL midway keeps the previous dist/, and the next run cleans up', async (fault) => {
    const child = spawn(process.execPath, [FIXTURE, fault, '--outdir', outdir], { cwd: ROOT });
    await new Promise<void>((resolve) => child.stdout.on('data', (d) => String(d).includes('HANGING') && resolve()));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(leftovers(outdir).length).toBeGreaterThan(0);
    // The next run, even one that fails, restores or cleans up first.
    const r = runFixture('throws', outdir);
    expect(r.status).not.toBe(0);
    expect(readTree(outdir)).toEqual(before);
    expect(leftovers(outdir)).toEqual([]);
  });

  test('output does not depend on TZ or LANG', () => {
    const other = path.join(dir, 'other');
    expect(runFixture('ok', other, { TZ: 'Pacific/Kiritimati', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' }).status).toBe(0);
    expect(readTree(other)).toEqual(before);
    const third = path.join(dir, 'third');
    expect(runFixture('ok', third, { TZ: 'America/St_Johns', LANG: 'C', LC_ALL: 'C' }).status).toBe(0);
    expect(readTree(third)).toEqual(before);
  });
});
