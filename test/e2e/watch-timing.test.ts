import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { alive, fixture, next, sleep, start, Synth } from '../watch-fixture';

// The watch's timing and signals, on the small fixture project: slower than the fast suite's watch tests
// (test/watch-script.test.ts), as they wait for synths that take their time, and signal real process groups.
describe('npm run watch (scripts/watch.js): changes during a synth, and Ctrl-C', () => {
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

  test('Ctrl-C in a terminal (SIGINT to the whole process group, the synth process too) ends it with 130 once the synth under way has finished; a second one stops that synth; an exception kills its synth processes; during a compile, no synth follows', async () => {
    const f = fixture();
    const script = path.join(__dirname, '..', '..', 'scripts', 'watch.js');
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

});
