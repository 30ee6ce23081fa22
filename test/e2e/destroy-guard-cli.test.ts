import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readTree, repoDir, ROOT } from '../helpers';

describe('destructive-change guard on the command line', () => {
  test('refuses with exit 1, prints the report and writes it for the pull request; --allow-destroy lets it through', () => {
    const dir = repoDir('guard-cli-');
    const outdir = path.join(dir, 'dist');
    fs.cpSync(path.join(ROOT, 'dist'), outdir, { recursive: true });
    // The committed output had another serviceName: the source now changes an immutable field.
    const kv = path.join(outdir, 'lab/lab/50-kv.yaml');
    fs.writeFileSync(kv, fs.readFileSync(kv, 'utf8').replace('serviceName: kv', 'serviceName: kv-headless'));
    const before = readTree(outdir);
    const report = path.join(dir, 'guard-report.md');
    const run = (...args: string[]) => spawnSync(process.execPath, ['build/main.js', '--outdir', outdir, ...args], { cwd: ROOT, encoding: 'utf8' });

    const refused = run('--report', report);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('## Destructive changes refused');
    expect(refused.stderr).toContain('`StatefulSet/lab/kv` (dist/lab/lab/): spec.serviceName changes from "kv-headless" to "kv".');
    expect(refused.stderr).toContain('npm run synth -- --allow-destroy StatefulSet/lab/kv');
    expect(refused.stderr).toContain('nothing was written: the previous output is unchanged.');
    expect(fs.readFileSync(report, 'utf8')).toContain('spec.serviceName changes from "kv-headless" to "kv"');
    expect(readTree(outdir)).toEqual(before);

    const accepted = run('--allow-destroy', 'StatefulSet/lab/kv');
    expect(accepted.status).toBe(0);
    expect(accepted.stdout).toContain('## Destructive changes accepted with --allow-destroy');
    expect(readTree(outdir)).toEqual(readTree(path.join(ROOT, 'dist')));
  });
});
