/**
 * `npm run bench`: times the synth of the committed environments against a plain cdk8s-plus-27 program
 * that writes the same objects, in the same run. Each command runs RUNS times as a whole process;
 * the table gives min / median / max wall time and the ratio of the medians. Then the scale benchmark
 * against plain cdk8s-plus and `helm template`, and the fleet (bench/scale-bench.ts); all go to
 * bench/results.json, with the platform's render cache (empty against filled). BENCH_SKIP=environments,platform,edit,scale,fleet leaves parts out; BENCH_N, BENCH_RUNS,
 * BENCH_FLEET_CLUSTERS, BENCH_FLEET_APPS, BENCH_FLEET_RUNS and BENCH_WORKERS make a quick run possible, e.g.
 * `BENCH_N=100 BENCH_FLEET_CLUSTERS=10 BENCH_FLEET_RUNS=1 npm run bench`.
 */
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { childOutput } from './child-output';
import { copyRepository } from './repository-copy';
import type * as ScaleBench from './scale-bench';
import type { Stats } from './scale-bench';

/** The benchmarks' module, loaded when a run starts (so `--help` answers at once). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bench = (): typeof ScaleBench => require('./scale-bench');

const ROOT = path.resolve(__dirname, '../..');
const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 7));
const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(','));

interface Command { readonly name: string; readonly file: string; readonly args: (out: string) => string[]; readonly out: string; readonly env?: NodeJS.ProcessEnv; readonly cwd?: string }

function timeOnce(c: Command): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(c.file, c.args(c.out), { cwd: c.cwd ?? ROOT, encoding: 'utf8', env: { ...process.env, ...c.env } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name} failed:\n${r.stderr}`);
  return ms;
}

/** The committed environments: ours, `npm run synth` and plain cdk8s-plus, in turns. */
function benchEnvironments() {
  // Inside the repository: the clusters' GitOps objects point at their folder in it.
  const work = fs.mkdtempSync(path.join(ROOT, '.bench-'));
  const commands: Command[] = [
    { name: 'npm run synth (build check + synth)', file: 'npm', args: (out) => ['run', '-s', 'synth', '--', '--outdir', out], out: path.join(work, 'npm') },
    { name: 'our synth process (node build/main.js)', file: process.execPath, args: (out) => ['build/main.js', '--outdir', out], out: path.join(work, 'ours') },
    { name: 'the same, ONPREM_CHECK_CACHE=off', file: process.execPath, args: (out) => ['build/main.js', '--outdir', out], out: path.join(work, 'cold'), env: { ONPREM_CHECK_CACHE: 'off' } },
    { name: 'plain cdk8s-plus-27 app.synth()', file: process.execPath, args: (out) => ['build/bench/plain-app.js', out], out: path.join(work, 'plain') },
  ];
  try {
    const samples = new Map<Command, number[]>(commands.map((c) => [c, []]));
    for (const c of commands) timeOnce(c); // warm the file cache once
    for (let i = 0; i < RUNS; i++) for (const c of commands) samples.get(c)!.push(timeOnce(c));
    const same = JSON.stringify(bench().objectsIn(path.join(work, 'ours'))) === JSON.stringify(bench().objectsIn(path.join(work, 'plain')));
    const results = commands.map((c) => ({ command: c.name, runs: RUNS, ...bench().stats(samples.get(c)!) }));
    const fmt = (n: number) => `${n.toFixed(0).padStart(6)} ms`;
    console.log(`synth of the committed environments, ${RUNS} runs each, whole-process wall time (${os.cpus().length} cores, node ${process.version})`);
    console.log(`${'command'.padEnd(42)} ${'min'.padStart(9)} ${'median'.padStart(9)} ${'max'.padStart(9)}`);
    for (const r of results) console.log(`${r.command.padEnd(42)} ${fmt(r.min)} ${fmt(r.median)} ${fmt(r.max)}`);
    const ratio = results[1].median / results[results.length - 1].median;
    console.log(`ratio ours / plain (medians): ${ratio.toFixed(2)}; same objects written: ${same ? 'yes' : 'NO (bench/plain-app.ts predates pinned pools and per-cluster GitOps: compare with care)'}`);
    return { results, ratio, sameObjects: same };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The platform's render cache: the committed clusters synthesized with an empty cache (every chart rendered
 * by Helm, every platform object checked) and with the cache the first run filled, interleaved.
 */
function benchPlatform() {
  const work = fs.mkdtempSync(path.join(ROOT, '.bench-'));
  const warm = path.join(work, 'warm-cache');
  const run = (cache: string, out: string) => {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['build/main.js', '--outdir', out], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ONPREM_RENDER_CACHE: cache } });
    if (r.status !== 0) throw new Error(`synth failed:\n${r.stderr}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  try {
    const runs = Math.min(RUNS, 5);
    run(warm, path.join(work, 'out-warm')); // fills the warm cache
    const cold: number[] = [];
    const hot: number[] = [];
    for (let i = 0; i < runs; i++) {
      const empty = path.join(work, `cold-${i}`);
      cold.push(run(empty, path.join(work, 'out-cold')));
      fs.rmSync(empty, { recursive: true, force: true });
      hot.push(run(warm, path.join(work, 'out-warm')));
    }
    const c = bench().stats(cold);
    const h = bench().stats(hot);
    const fmt = (x: Stats) => `${x.min.toFixed(0)} / ${x.median.toFixed(0)} / ${x.max.toFixed(0)} ms`;
    console.log(`\nplatform render cache, committed clusters, ${runs} interleaved runs (min / median / max wall): empty cache ${fmt(c)}; filled cache ${fmt(h)}; the cache saves ${(c.median - h.median).toFixed(0)} ms`);
    return { runs, emptyCache: c, filledCache: h };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * An edit of the sources, then its synth: in a copy of the repository (the user's files are never touched),
 * an environment file is edited in each round (a comment line appended to environments/index.ts, the one data
 * file every repository has: the sources change, the output does not) and synthesized, first by `npm run synth`
 * (tsc -b, then the synth), then by one `npm run watch` (timed from the write of the file to the line saying
 * that synth ended). A second apart, as saves are.
 */
async function benchEdit() {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'onprem-bench-edit-'));
  try {
    copyRepository(ROOT, copy);
    fs.cpSync(path.join(ROOT, 'build'), path.join(copy, 'build'), { recursive: true, preserveTimestamps: true });
    const file = path.join(copy, 'environments', 'index.ts');
    const original = fs.readFileSync(file, 'utf8');
    let edits = 0;
    const edit = () => fs.writeFileSync(file, `${original}\n// bench edit ${++edits}\n`);
    const runs = Math.min(RUNS, 5);
    const npm: Command = { name: 'npm run synth', file: 'npm', args: () => ['run', '-s', 'synth'], out: copy, cwd: copy };
    timeOnce(npm); // builds the copy once
    const synth: number[] = [];
    for (let i = 0; i < runs; i++) {
      edit();
      synth.push(timeOnce(npm));
    }

    const child = spawn(process.execPath, ['scripts/watch.js'], { cwd: copy, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = childOutput(child);
    const ended = new Promise((resolve) => child.on('exit', resolve));
    const watched: number[] = [];
    try {
      await out.waitFor(/synthesized in [\d.]+ s; watching for changes/);
      for (let i = 0; i < runs; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        const done = out.waitFor(/synthesized in [\d.]+ s, [\d.]+ s after the change was seen; watching for changes/);
        const start = process.hrtime.bigint();
        edit();
        await done;
        watched.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    } finally {
      child.kill('SIGINT');
      await ended;
    }
    const a = bench().stats(synth);
    const w = bench().stats(watched);
    const fmt = (x: Stats) => `${x.min.toFixed(0)} / ${x.median.toFixed(0)} / ${x.max.toFixed(0)} ms`;
    console.log(`\nan edit of an environment, then its synth, ${runs} rounds (min / median / max wall, from the write of the file): npm run synth ${fmt(a)}; npm run watch ${fmt(w)}`);
    return { runs, npmRunSynth: a, npmRunWatch: w };
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

async function main() {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.app.json'], { cwd: ROOT });
  console.log(`npm run bench: ${os.cpus().length} cores, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (other processes on the machine move absolute times; the ratios compare runs interleaved in this one)`);
  const environments = SKIP.has('environments') ? undefined : benchEnvironments();
  const platform = SKIP.has('platform') ? undefined : benchPlatform();
  const edit = SKIP.has('edit') ? undefined : await benchEdit();
  const scale = SKIP.has('scale') ? undefined : bench().benchScale();
  const fleet = SKIP.has('fleet') ? undefined : await bench().benchFleet();

  console.log('\nsummary (medians)');
  if (scale) {
    console.log(`${'apps'.padStart(6)} | ${'ours / helm'.padStart(11)} | ${'ours / plain'.padStart(12)} | ${'peak memory ours / helm'.padStart(24)} | ${'ours ms'.padStart(8)} | ${'helm ms'.padStart(8)} | ${'plain ms'.padStart(8)} | CPU ours / helm | CPU ours / plain`);
    for (const r of scale.sizes as Array<Record<string, any>>) {
      if (!r.sameObjects) { console.log(`${String(r.n).padStart(6)} | objects differ, no figures`); continue; }
      const m = (v: string, k: string) => (r[v][k] as Stats).median;
      console.log(`${String(r.n).padStart(6)} | ${`${r.oursOverHelm.toFixed(2)}x`.padStart(11)} | ${`${r.oursOverPlain.toFixed(2)}x`.padStart(12)} | ${`${m('ours', 'peakMiB').toFixed(0)} / ${m('helm', 'peakMiB').toFixed(0)} MiB (${r.memoryOursOverHelm.toFixed(2)}x)`.padStart(24)} | ${m('ours', 'wall').toFixed(0).padStart(8)} | ${m('helm', 'wall').toFixed(0).padStart(8)} | ${m('plain', 'wall').toFixed(0).padStart(8)} | ${`${r.cpuOursOverHelm.toFixed(2)}x`.padStart(15)} | ${`${r.cpuOursOverPlain.toFixed(2)}x`.padStart(16)}`);
    }
    const g = scale.growth5000over1000;
    if (g.ours !== undefined) console.log(`t(5000)/t(1000), wall: ours ${g.ours.toFixed(2)}, helm ${g.helm!.toFixed(2)}, plain ${g.plain!.toFixed(2)}; CPU: ours ${scale.cpuGrowth5000over1000.ours!.toFixed(2)}`);
  }
  if (fleet) {
    for (const r of fleet.rows) console.log(`fleet ${fleet.clusters} x ${fleet.appsPerCluster} apps, ${r.workers} worker(s): ${(r.wall.median / 1000).toFixed(1)} s, ${r.secondsPerCluster.toFixed(3)} s/cluster, speed-up ${r.speedUp.toFixed(2)}x, CPU ${(r.cpu.median / 1000 / fleet.clusters).toFixed(3)} s/cluster`);
  }
  fs.writeFileSync(path.join(ROOT, 'bench/results.json'), `${JSON.stringify({ node: process.version, cores: os.cpus().length, environments, platform, edit, scale, fleet }, null, 2)}\n`);
  console.log('written to bench/results.json');
  if (scale?.sizes.some((r) => !r.sameObjects)) process.exitCode = 1;
}

const USAGE = `usage: npm run bench   (node build/bench/synth-bench.js)

Times our synth against plain cdk8s-plus-27 and helm template (whole processes, interleaved rounds) and
writes bench/results.json. No arguments; environment variables steer it:
  BENCH_SKIP=<part>[,<part>]     leave parts out: environments, platform, edit, scale, fleet
  BENCH_N=<n>[,<n>]              apps per scale run (default 100,1000,5000)
  BENCH_RUNS=<n>                 rounds (default 5 for scale/fleet, at least 5 for environments)
  BENCH_FLEET_CLUSTERS=<n>       clusters in the fleet (default 200)
  BENCH_FLEET_APPS=<n>           apps per fleet cluster (default 20)
  BENCH_FLEET_RUNS=<n>           fleet rounds (default BENCH_RUNS)
  BENCH_WORKERS=<n>[,<n>]        worker counts for the fleet (default 1,2)
  e.g. BENCH_N=100 BENCH_FLEET_CLUSTERS=10 BENCH_FLEET_RUNS=1 npm run bench

exit codes: 0 done, 1 a run failed or the outputs differ, 2 bad command line
`;

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(USAGE);
} else if (argv.length > 0) {
  process.stderr.write(`unknown option "${argv[0]}"; nothing was done.\n\n${USAGE}`);
  process.exitCode = 2;
} else {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
