/**
 * `npm run bench`: times the synth of the committed environments against a plain cdk8s-plus-27 program
 * that writes the same objects, in the same run. Each command runs RUNS times as a whole process;
 * the table gives min / median / max wall time and the ratio of the medians. Then the scale benchmark
 * (bench/scale-bench.ts) runs; both go to bench/results.json.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { benchScale, objectsIn, stats } from './scale-bench';

const ROOT = path.resolve(__dirname, '../..');
const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 7));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));

interface Command { readonly name: string; readonly file: string; readonly args: (out: string) => string[]; readonly out: string }

const commands: Command[] = [
  { name: 'npm run synth (tsc -b check + synth)', file: 'npm', args: (out) => ['run', '-s', 'synth', '--', '--outdir', out], out: path.join(work, 'npm') },
  { name: 'our synth process (node build/main.js)', file: process.execPath, args: (out) => ['build/main.js', '--outdir', out], out: path.join(work, 'ours') },
  { name: 'plain cdk8s-plus-27 app.synth()', file: process.execPath, args: (out) => ['build/bench/plain-app.js', out], out: path.join(work, 'plain') },
];

function timeOnce(c: Command): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(c.file, c.args(c.out), { cwd: ROOT, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name} failed:\n${r.stderr}`);
  return ms;
}



execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.app.json'], { cwd: ROOT });
const samples = new Map<Command, number[]>(commands.map((c) => [c, []]));
for (const c of commands) timeOnce(c); // warm the file cache once
for (let i = 0; i < RUNS; i++) for (const c of commands) samples.get(c)!.push(timeOnce(c));

const same = JSON.stringify(objectsIn(path.join(work, 'ours'))) === JSON.stringify(objectsIn(path.join(work, 'plain')));
const results = commands.map((c) => ({ command: c.name, runs: RUNS, ...stats(samples.get(c)!) }));
const fmt = (n: number) => `${n.toFixed(0).padStart(6)} ms`;
console.log(`synth of the committed environments, ${RUNS} runs each, whole-process wall time (${os.cpus().length} cores, node ${process.version})`);
console.log(`${'command'.padEnd(42)} ${'min'.padStart(9)} ${'median'.padStart(9)} ${'max'.padStart(9)}`);
for (const r of results) console.log(`${r.command.padEnd(42)} ${fmt(r.min)} ${fmt(r.median)} ${fmt(r.max)}`);
const ratio = results[1].median / results[2].median;
console.log(`ratio ours / plain (medians): ${ratio.toFixed(2)}; same objects written: ${same ? 'yes' : 'NO'}`);
fs.rmSync(work, { recursive: true, force: true });
const scale = benchScale();
fs.writeFileSync(path.join(ROOT, 'bench/results.json'), `${JSON.stringify({ environments: { results, ratio, sameObjects: same }, scale }, null, 2)}\n`);
console.log('written to bench/results.json');
if (!same || scale.sizes.some((r) => !r.sameObjects)) process.exitCode = 1;
