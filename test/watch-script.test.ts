import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { alive, buildState, fixture, next, sleep, start, Synth } from './watch-fixture';

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
