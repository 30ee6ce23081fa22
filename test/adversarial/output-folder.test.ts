/**
 * The output folder, attacked: a synth replaces its output folder as a whole, so it must only ever replace
 * a folder it wrote, never open what is not its output, serialize with another synth, and say exactly what
 * happened when a swap half-succeeds. The library cases call `synthesize` / `writeAtomically` here;
 * the command-line cases run the compiled fixture app as real processes in test/e2e/output-folder-cli.test.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SynthError, synthesize, ValidationError, writeAtomically } from '../../lib';
import { holdsExactly, lockPathOf, OUTPUT_MARKER, OUTPUT_MARKER_TEXT, readOutputFiles } from '../../lib/synth/output-folder';
import { Box, box, fixtureApp, leftovers, legacy, mkfifo, os, snapshot, socketAt, socketFile } from './output-folder-sandbox';

jest.setTimeout(60_000);

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

describe('an output already in place, byte for byte, is left as it is (holdsExactly)', () => {
  const inodes = (dir: string): Record<string, number> => Object.fromEntries((fs.readdirSync(dir, { recursive: true }) as string[]).sort().map((rel) => [rel, fs.lstatSync(path.join(dir, rel)).ino]));

  test('a second synth of the same app writes nothing: the folder and every file keep their inode and time', () => {
    const { out } = box();
    synthesize(fixtureApp('hi'), { outdir: out });
    const before = { inodes: inodes(out), snapshot: snapshot(out), time: fs.statSync(path.join(out, 'dev', 'dev', '50-web.yaml')).mtimeMs };
    synthesize(fixtureApp('hi'), { outdir: out });
    expect(inodes(out)).toEqual(before.inodes);
    expect(snapshot(out)).toEqual(before.snapshot);
    expect(fs.statSync(path.join(out, 'dev', 'dev', '50-web.yaml')).mtimeMs).toBe(before.time);
  });

  test.each<[string, (out: string) => void]>([
    ['a file changed by one byte', (out) => fs.appendFileSync(path.join(out, 'dev', 'dev', '50-web.yaml'), ' ')],
    ['a file of ours deleted', (out) => fs.rmSync(path.join(out, 'dev', 'dev', '50-web.yaml'))],
    ['the marker deleted', (out) => fs.rmSync(path.join(out, OUTPUT_MARKER))],
    ['an empty folder added', (out) => fs.mkdirSync(path.join(out, 'dev', 'dev', 'patches'))],
    ['a file of ours replaced by a symbolic link to the same text', (out) => {
      const file = path.join(out, 'dev', 'dev', '50-web.yaml');
      fs.copyFileSync(file, path.join(out, '..', 'copy.yaml'));
      fs.rmSync(file);
      fs.symlinkSync(path.join(out, '..', 'copy.yaml'), file);
    }],
  ])('%s: the synth writes the output again, as a whole', (_what, change) => {
    const { out } = box();
    synthesize(fixtureApp('hi'), { outdir: out });
    const written = snapshot(out);
    const oldInode = fs.statSync(out).ino;
    change(out);
    synthesize(fixtureApp('hi'), { outdir: out });
    expect(snapshot(out)).toEqual(written);
    expect(fs.statSync(out).ino).not.toBe(oldInode);
    expect(leftovers(out)).toEqual([]);
  });

  test('a changed app is written, and holdsExactly agrees with what swapIn would leave', () => {
    const { out } = box();
    synthesize(fixtureApp('hi'), { outdir: out });
    const files = new Map([...readOutputFiles(out)]);
    expect(holdsExactly(out, files)).toBe(true);
    expect(holdsExactly(out, new Map([...files, ['dev/dev/60-x.yaml', 'a: 1\n']]))).toBe(false);
    synthesize(fixtureApp('ho'), { outdir: out });
    expect(fs.readFileSync(path.join(out, 'dev', 'dev', '50-web.yaml'), 'utf8')).toContain('greeting: ho');
    expect(holdsExactly(out, files)).toBe(false);
    expect(holdsExactly(path.join(out, 'missing'), new Map())).toBe(false);
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

describe('--report', () => {
  test('a report of an earlier run is removed when this run fails before the guard', () => {
    const b = box();
    const report = path.join(b.root, 'guard-report.md');
    fs.writeFileSync(report, '## Destructive changes refused\n\nfrom an earlier run\n');
    expect(() => synthesize(() => { throw new Error('boom'); }, { outdir: b.out, report })).toThrow('boom');
    expect(fs.existsSync(report)).toBe(false);
  });
});
