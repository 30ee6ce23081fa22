/**
 * The scale half of `npm run bench`: for N = 100, 1,000 and 5,000 apps (BENCH_N=100,1000 to choose), the
 * same objects three ways, each as a whole process, BENCH_RUNS rounds (at least 5) in turns:
 * - `ours`: bench/scale-app.js through our constructs and synth, every check on;
 * - `plain`: the same objects hand-written with cdk8s-plus-27 and cdk8s' own `app.synth()`;
 * - `helm`: `helm template --output-dir` of a chart the bench writes (bench/helm-chart.ts), with the
 *   verified Helm v4.2.3 the platform uses (`helmBinary()`, lib/cluster/helm.ts).
 * Before any figure counts, one warm-up round writes all three and their objects (parsed, compared as
 * data) must be equal. Reports min / median / max of whole-process wall time and peak memory (the
 * child's maximum resident set, from /usr/bin/time), the ratios ours/helm and ours/plain, and
 * t(5000)/t(1000). Then the fleet (bench/fleet.ts): BENCH_FLEET_CLUSTERS clusters (200) of
 * BENCH_FLEET_APPS apps (20), with BENCH_WORKERS worker processes (1,2), BENCH_FLEET_RUNS rounds.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { canonical } from '../lib';
import { helmBinary, helmHomes } from '../lib/cluster/helm';
import { writeScaleChart } from './helm-chart';
import { scaleDefinition } from './scale-app';

const ROOT = path.resolve(__dirname, '../..');
const list = (v: string | undefined, fallback: number[]) => (v ? v.split(',').map(Number) : fallback);
const SIZES = list(process.env.BENCH_N, [100, 1000, 5000]);
// At least 5 rounds count for the table; fewer (BENCH_RUNS=1) only for a quick look.
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const FLEET_CLUSTERS = Number(process.env.BENCH_FLEET_CLUSTERS ?? 200);
const FLEET_APPS = Number(process.env.BENCH_FLEET_APPS ?? 20);
const FLEET_RUNS = Number(process.env.BENCH_FLEET_RUNS ?? RUNS);
const WORKERS = list(process.env.BENCH_WORKERS, [1, 2]);
const VARIANTS = ['ours', 'plain', 'helm'] as const;
type Variant = typeof VARIANTS[number];
/** GNU time, which reports a child's peak resident memory; without it only Node processes report theirs. */
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Wall time, CPU time (user + system, what the machine's other load moves least) and peak resident memory of one run. */
interface Sample { wallMs: number; cpuMs: number; peakMiB: number }
export interface Stats { min: number; median: number; max: number }
export const stats = (xs: number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};

interface Command { readonly file: string; readonly args: string[]; readonly env?: NodeJS.ProcessEnv }

/** `c` wrapped in /usr/bin/time writing the peak RSS (KiB) and user and system CPU seconds to `rss`. */
function wrapped(c: Command, rss: string): Command {
  return TIME ? { ...c, file: TIME, args: ['-f', '%M %U %S', '-o', rss, c.file, ...c.args] } : c;
}

/** Peak memory (MiB) and CPU time (ms) of a finished run: /usr/bin/time's figures, else the `peakMiB` a Node child printed and NaN. */
function usageOf(rss: string, stdout: string): { peakMiB: number; cpuMs: number } {
  if (TIME) {
    const [kib, user, sys] = fs.readFileSync(rss, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    fs.rmSync(rss, { force: true });
    return { peakMiB: kib / 1024, cpuMs: (user + sys) * 1000 };
  }
  try {
    return { peakMiB: JSON.parse(stdout.trim().split('\n').pop()!).peakMiB, cpuMs: NaN };
  } catch {
    return { peakMiB: NaN, cpuMs: NaN };
  }
}

/** Runs `c` as a whole process and measures it. */
export function measure(c: Command, what: string): Sample {
  const rss = path.join(os.tmpdir(), `bench-rss-${process.pid}`);
  const w = wrapped(c, rss);
  const started = process.hrtime.bigint();
  const r = spawnSync(w.file, w.args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28, env: c.env ?? process.env });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${what} failed:\n${r.stderr}`);
  return { wallMs, ...usageOf(rss, r.stdout) };
}

/** Runs every command at once, each as its own process; the wall time is until the last one ends. */
async function measureTogether(cs: Command[], what: string): Promise<Sample> {
  const started = process.hrtime.bigint();
  const usages = await Promise.all(cs.map((c, i) => new Promise<{ peakMiB: number; cpuMs: number }>((resolve, reject) => {
    const rss = path.join(os.tmpdir(), `bench-rss-${process.pid}-${i}`);
    const w = wrapped(c, rss);
    const child = spawn(w.file, w.args, { cwd: ROOT, env: c.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => (code === 0 ? resolve(usageOf(rss, stdout)) : reject(new Error(`${what} failed:\n${stderr}`))));
  })));
  return { wallMs: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: usages.reduce((t, u) => t + u.cpuMs, 0), peakMiB: Math.max(...usages.map((u) => u.peakMiB)) };
}

/** Every object under a folder (kustomization.yaml and maps aside), as sorted canonical JSON. */
export function objectsIn(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.yaml') && e.name !== 'kustomization.yaml') {
        out.push(...parseAllDocuments(fs.readFileSync(p, 'utf8')).filter((doc) => doc.contents !== null).map((doc) => canonical(doc.toJS())));
      }
    }
  };
  walk(dir);
  return out.sort();
}

/** The first object two sorted lists disagree on, for the message when they differ. */
function firstDifference(a: string[], b: string[]): string {
  const i = a.findIndex((x, j) => x !== b[j]);
  return i < 0 ? `${a.length} vs ${b.length} objects` : `object ${i}:\n  ${a[i]}\n  ${b[i] ?? '(none)'}`;
}

const fmt = (s: Stats, unit: string, digits = 0) => `${s.min.toFixed(digits)}/${s.median.toFixed(digits)}/${s.max.toFixed(digits)} ${unit}`;

export function benchScale() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-bench-'));
  try {
    const helm = helmBinary();
    const homes = helmHomes(path.join(work, 'helm-homes'));
    const results: Array<Record<string, unknown>> = [];
    console.log(`\nscale: N apps (AutoscaledApp + Service + HPA + PDB + Ingress route with TLS each), whole process, ${RUNS} interleaved rounds, min/median/max`);
    console.log(`ours: our constructs and synth, every check on (ONPREM_CHECK_CACHE=off: every object schema-checked in every round); plain: cdk8s-plus-27 by hand, app.synth(); helm: helm template (Helm v4.2.3) of a chart of the same objects`);
    console.log(`${'N'.padStart(5)} ${'variant'.padEnd(6)} ${'whole process'.padStart(26)} ${'CPU (user+sys)'.padStart(26)} ${'peak memory'.padStart(20)}`);
    for (const n of SIZES) {
      const chart = writeScaleChart(scaleDefinition(n), path.join(work, `chart-${n}`));
      const command = (v: Variant, outdir: string): Command => (v === 'helm'
        ? { file: helm, args: ['template', 'scale', chart, '--output-dir', outdir], env: { ...process.env, ...homes } }
        // Every round of ours runs every check: the cache of objects that passed the schema check is off.
        : { file: process.execPath, args: ['build/bench/scale-app.js', v, String(n), outdir], env: { ...process.env, ONPREM_CHECK_CACHE: 'off' } });
      const runOnce = (v: Variant): Sample => {
        const outdir = path.join(work, v);
        fs.rmSync(outdir, { recursive: true, force: true });
        return measure(command(v, outdir), `${v} N=${n}`);
      };
      // The warm-up round: all three write, and must have written the same objects, before anything is timed.
      for (const v of VARIANTS) runOnce(v);
      const ours = objectsIn(path.join(work, 'ours'));
      const differs = (['plain', 'helm'] as const).filter((v) => JSON.stringify(objectsIn(path.join(work, v))) !== JSON.stringify(ours));
      const row: Record<string, unknown> = { n, runs: RUNS, objects: ours.length, sameObjects: differs.length === 0 };
      if (differs.length > 0) {
        for (const v of differs) console.log(`${String(n).padStart(5)} ${v} did NOT write the same objects as ours, no figures count: ${firstDifference(ours, objectsIn(path.join(work, v)))}`);
        results.push(row);
        continue;
      }
      const samples: Record<Variant, Sample[]> = { ours: [], plain: [], helm: [] };
      for (let i = 0; i < RUNS; i++) for (const v of VARIANTS) samples[v].push(runOnce(v));
      for (const v of VARIANTS) {
        const st = { wall: stats(samples[v].map((x) => x.wallMs)), cpu: stats(samples[v].map((x) => x.cpuMs)), peakMiB: stats(samples[v].map((x) => x.peakMiB)) };
        row[v] = st;
        console.log(`${String(n).padStart(5)} ${v.padEnd(6)} ${fmt(st.wall, 'ms').padStart(26)} ${fmt(st.cpu, 'ms').padStart(26)} ${fmt(st.peakMiB, 'MiB').padStart(20)}`);
      }
      const med = (v: Variant, k: 'wall' | 'cpu' | 'peakMiB') => (row[v] as Record<string, Stats>)[k].median;
      row.oursOverHelm = med('ours', 'wall') / med('helm', 'wall');
      row.oursOverPlain = med('ours', 'wall') / med('plain', 'wall');
      row.memoryOursOverHelm = med('ours', 'peakMiB') / med('helm', 'peakMiB');
      row.cpuOursOverHelm = med('ours', 'cpu') / med('helm', 'cpu');
      row.cpuOursOverPlain = med('ours', 'cpu') / med('plain', 'cpu');
      console.log(`${String(n).padStart(5)} medians: ours/helm ${(row.oursOverHelm as number).toFixed(2)}x, ours/plain ${(row.oursOverPlain as number).toFixed(2)}x, CPU ours/helm ${(row.cpuOursOverHelm as number).toFixed(2)}x, ours/plain ${(row.cpuOursOverPlain as number).toFixed(2)}x, peak memory ours/helm ${(row.memoryOursOverHelm as number).toFixed(2)}x (${med('ours', 'peakMiB').toFixed(0)}/${med('helm', 'peakMiB').toFixed(0)} MiB); ${ours.length} objects, the same from all three`);
      results.push(row);
    }
    const at = (n: number, v: Variant) => results.find((r) => r.n === n)?.[v] as { wall: Stats; peakMiB: Stats } | undefined;
    const growth = (v: Variant, k: 'wall' | 'cpu' = 'wall') => (at(5000, v) && at(1000, v) ? (at(5000, v) as any)[k].median / (at(1000, v) as any)[k].median as number : undefined);
    const growth5000over1000 = Object.fromEntries(VARIANTS.map((v) => [v, growth(v)]));
    const cpuGrowth5000over1000 = Object.fromEntries(VARIANTS.map((v) => [v, growth(v, 'cpu')]));
    if (growth5000over1000.ours !== undefined) {
      console.log(`t(5000)/t(1000), whole-process medians: ours ${growth5000over1000.ours.toFixed(2)} (target <= 5), plain ${growth5000over1000.plain!.toFixed(2)}, helm ${growth5000over1000.helm!.toFixed(2)}; CPU time: ours ${cpuGrowth5000over1000.ours!.toFixed(2)}, plain ${cpuGrowth5000over1000.plain!.toFixed(2)}, helm ${cpuGrowth5000over1000.helm!.toFixed(2)}`);
    }
    return { sizes: results, growth5000over1000, cpuGrowth5000over1000 };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The fleet: FLEET_CLUSTERS clusters of FLEET_APPS apps, split into contiguous batches, one worker process
 * per batch, for each worker count in turn, FLEET_RUNS rounds. Reports wall time, seconds per cluster,
 * the speed-up over one worker and the largest worker's peak memory.
 */
export async function benchFleet() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-bench-'));
  try {
    const commands = (workers: number): Command[] => Array.from({ length: workers }, (_, w) => {
      const first = Math.floor((FLEET_CLUSTERS * w) / workers);
      const end = Math.floor((FLEET_CLUSTERS * (w + 1)) / workers);
      const outdir = path.join(work, `w${workers}-${w}`);
      fs.rmSync(outdir, { recursive: true, force: true });
      return { file: process.execPath, args: ['build/bench/fleet.js', String(first), String(end), String(FLEET_APPS), outdir], env: { ...process.env, ONPREM_CHECK_CACHE: 'off' } };
    });
    console.log(`\nfleet: ${FLEET_CLUSTERS} clusters of ${FLEET_APPS} apps each (generated ClusterProps, every per-cluster check on), a worker process per batch of clusters, ${FLEET_RUNS} interleaved rounds, min/median/max`);
    const samples = new Map<number, Sample[]>(WORKERS.map((w) => [w, []]));
    for (let i = 0; i < FLEET_RUNS; i++) for (const w of WORKERS) samples.get(w)!.push(await measureTogether(commands(w), `fleet with ${w} workers`));
    const rows = WORKERS.map((workers) => {
      const s = samples.get(workers)!;
      return { workers, wall: stats(s.map((x) => x.wallMs)), cpu: stats(s.map((x) => x.cpuMs)), peakMiBPerWorker: stats(s.map((x) => x.peakMiB)) };
    });
    const base = rows[0].wall.median;
    for (const r of rows) {
      const perCluster = r.wall.median / 1000 / FLEET_CLUSTERS;
      console.log(`${String(r.workers).padStart(2)} worker(s): ${fmt(r.wall, 'ms').padStart(26)}  ${perCluster.toFixed(3)} s/cluster  speed-up ${(base / r.wall.median).toFixed(2)}x over ${rows[0].workers}  CPU ${fmt(r.cpu, 'ms')} (${(r.cpu.median / FLEET_CLUSTERS).toFixed(0)} ms/cluster)  peak per worker ${fmt(r.peakMiBPerWorker, 'MiB')}`);
    }
    return { clusters: FLEET_CLUSTERS, appsPerCluster: FLEET_APPS, runs: FLEET_RUNS, cores: os.cpus().length, rows: rows.map((r) => ({ ...r, secondsPerCluster: r.wall.median / 1000 / FLEET_CLUSTERS, speedUp: base / r.wall.median })) };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
