import { spawnSync } from 'child_process';
import * as path from 'path';
import { ROOT } from '../helpers';

// The CLIs as real processes (the synth's own --help and bad command lines run in process: test/cli-help.cases.ts).

describe('the scripts: --help, and an unknown option refused with the usage', () => {
  const scripts = ['import-crds.js', 'platform-fetch.js', 'consumer-example.js', 'check-mermaid.mjs'];
  const run = (script: string, ...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'scripts', script), ...args], { encoding: 'utf8' });

  test.each(scripts)('%s', (script) => {
    const help = run(script, '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`^usage: node scripts/${script.replace('.', '\\.')}`));
    expect(help.stdout).toContain('exit codes:');
    const bad = run(script, '--bogus');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown option "--bogus"; nothing was done.');
    expect(bad.stderr).toContain(help.stdout);
  });
});

describe('the bench (npm run bench): --help, and an argument refused with the usage, before any run starts', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'build/bench/synth-bench.js'), ...args], { encoding: 'utf8', timeout: 20_000 });

  test('--help prints the variables and exit codes; --bogus exits 2', () => {
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run bench/);
    for (const v of ['BENCH_SKIP', 'BENCH_N', 'BENCH_RUNS', 'BENCH_FLEET_CLUSTERS', 'BENCH_FLEET_APPS', 'BENCH_FLEET_RUNS', 'BENCH_WORKERS', 'exit codes:']) expect(help.stdout).toContain(v);
    const bad = run('--bogus');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown option "--bogus"; nothing was done.');
    expect(bad.stderr).toContain(help.stdout);
  });
});
