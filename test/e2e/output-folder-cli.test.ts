/**
 * The output folder on the command line: the compiled fixture app as real processes (several at once, to
 * stay fast). The same rules in the library API: test/adversarial/output-folder.test.ts.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { NO_DESTRUCTIVE_CHANGES } from '../../lib';
import { lockPathOf } from '../../lib/synth/output-folder';
import { tempDir } from '../helpers';
import { Box, box, golden, goldenTwoEnvs, leftovers, legacy, mkfifo, pooled, run, snapshot, UNCHANGED } from '../adversarial/output-folder-sandbox';

jest.setTimeout(60_000);

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

  test('the report cannot be written after the swap: exit 1, the message says the new output is in place', async () => {
    const { b, r } = await processCases.reportFails;
    expect(r.stderr).toContain(`synth wrote the output, not the report:\n  - the new output is in place in ${b.out}, but the report ${path.join(b.root, 'guard-report.md')} could not be written: EACCES: injected fault`);
    expect(r.stderr).not.toContain('nothing was written');
    expect(r.status).toBe(1);
    expect(fs.readFileSync(path.join(b.out, 'dev', 'dev', '50-web.yaml'), 'utf8')).toContain('greeting: hi');
  });
});

