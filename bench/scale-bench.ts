/**
 * The scale half of `npm run bench`: for N = 100, 1,000 and 5,000 apps (BENCH_N=100 for one size),
 * runs bench/scale-app.js for our constructs and for the hand-written cdk8s-plus-27 baseline, each as
 * a whole process, BENCH_RUNS times (at least 5) in turns, and reports min / median / max of construct
 * time, synth time, whole-process wall time and peak memory, plus the ratios the targets are about.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { canonical } from '../lib';

const ROOT = path.resolve(__dirname, '../..');
const SIZES = process.env.BENCH_N ? process.env.BENCH_N.split(',').map(Number) : [100, 1000, 5000];
const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 5));
const VARIANTS = ['ours', 'plain'] as const;
type Variant = typeof VARIANTS[number];

interface Sample { constructMs: number; synthMs: number; wallMs: number; peakMiB: number }
export interface Stats { min: number; median: number; max: number }
export const stats = (xs: number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};

function runOnce(variant: Variant, n: number, outdir: string): Sample {
  fs.rmSync(outdir, { recursive: true, force: true });
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['build/bench/scale-app.js', variant, String(n), outdir], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${variant} N=${n} failed:\n${r.stderr}`);
  return { ...JSON.parse(r.stdout.trim().split('\n').pop()!), wallMs };
}

/** Every object under a folder (kustomization.yaml and maps aside), as sorted canonical JSON. */
export function objectsIn(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.yaml') && e.name !== 'kustomization.yaml') out.push(...parseAllDocuments(fs.readFileSync(p, 'utf8')).map((doc) => canonical(doc.toJS())));
    }
  };
  walk(dir);
  return out.sort();
}

export function benchScale() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-bench-'));
  const results: Array<Record<string, unknown>> = [];
  const fmt = (s: Stats, unit: string, digits = 0) => `${s.min.toFixed(digits)}/${s.median.toFixed(digits)}/${s.max.toFixed(digits)} ${unit}`;
  console.log(`\nscale: N apps (AutoscaledApp + Service + HPA + PDB + Ingress route each), ${RUNS} runs per size and variant, min/median/max`);
  console.log(`${'N'.padStart(5)} ${'variant'.padEnd(6)} ${'construct'.padStart(22)} ${'synth'.padStart(24)} ${'whole process'.padStart(24)} ${'peak memory'.padStart(22)}`);
  for (const n of SIZES) {
    const samples: Record<Variant, Sample[]> = { ours: [], plain: [] };
    for (let i = 0; i < RUNS; i++) for (const v of VARIANTS) samples[v].push(runOnce(v, n, path.join(work, v)));
    const same = JSON.stringify(objectsIn(path.join(work, 'ours'))) === JSON.stringify(objectsIn(path.join(work, 'plain')));
    const row: Record<string, unknown> = { n, runs: RUNS, sameObjects: same };
    for (const v of VARIANTS) {
      const s = samples[v];
      const st = { construct: stats(s.map((x) => x.constructMs)), synth: stats(s.map((x) => x.synthMs)), wall: stats(s.map((x) => x.wallMs)), peakMiB: stats(s.map((x) => x.peakMiB)) };
      row[v] = st;
      console.log(`${String(n).padStart(5)} ${v.padEnd(6)} ${fmt(st.construct, 'ms').padStart(22)} ${fmt(st.synth, 'ms').padStart(24)} ${fmt(st.wall, 'ms').padStart(24)} ${fmt(st.peakMiB, 'MiB').padStart(22)}`);
    }
    const wall = (v: Variant) => (row[v] as { wall: Stats }).wall.median;
    row.oursOverPlain = wall('ours') / wall('plain');
    console.log(`${String(n).padStart(5)} ours/plain whole-process median: ${(row.oursOverPlain as number).toFixed(2)}; same objects written: ${same ? 'yes' : 'NO'}`);
    results.push(row);
  }
  const at = (n: number, v: Variant) => results.find((r) => r.n === n)?.[v] as { wall: Stats; peakMiB: Stats } | undefined;
  const growth = (v: Variant) => (at(5000, v) && at(1000, v) ? at(5000, v)!.wall.median / at(1000, v)!.wall.median : undefined);
  const summary = { sizes: results, growth5000over1000: { ours: growth('ours'), plain: growth('plain') } };
  if (summary.growth5000over1000.ours !== undefined) {
    console.log(`time(5000)/time(1000), whole process: ours ${summary.growth5000over1000.ours.toFixed(2)} (target <= 5.5), plain ${summary.growth5000over1000.plain!.toFixed(2)}; ours peak at 5000: ${at(5000, 'ours')!.peakMiB.median.toFixed(0)} MiB (target <= 400)`);
  }
  fs.rmSync(work, { recursive: true, force: true });
  return summary;
}
