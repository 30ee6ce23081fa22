import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readTree, repoDir, ROOT, tempDir } from '../helpers';

const CDK8S = path.join(ROOT, 'node_modules/cdk8s-cli/bin/cdk8s');

describe('plain `cdk8s synth` (as cdk8s.yaml configures it)', () => {
  test('synthesizes the committed environments offline, runs the schema plugin, prints no upgrade-check stack trace', () => {
    const out = path.join(repoDir(), 'dist');
    const r = spawnSync(process.execPath, [CDK8S, 'synth', '--no-check-upgrade', '--output', out], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/Error|at .*\.js/);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Validations ended succesfully');
    const files = readTree(out);
    const committed = readTree(path.join(ROOT, 'dist'));
    expect(files['construct-metadata.json']).toBeDefined();
    delete files['construct-metadata.json'];
    delete committed['construct-metadata.json'];
    expect(files).toEqual(committed);
  });

  test('fails on a schema-invalid object, naming the construct path and the field', () => {
    const out = path.join(tempDir(), 'dist');
    const app = `node ${path.join(ROOT, 'build/test/fixtures/faulty-app.js')} wrong-type`;
    const r = spawnSync(process.execPath, [CDK8S, 'synth', '--no-check-upgrade', '--app', app, '--output', out], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('dev/web/bad: ConfigMap dev/bad: data.port must be of type string');
  });

  test('a refused synth says the CLI deleted the output folder and how to get it back (never "unchanged")', () => {
    const out = path.join(tempDir(), 'dist');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'kept.yaml'), 'a: 1\n');
    const app = `node ${path.join(ROOT, 'build/test/fixtures/faulty-app.js')} invalid-prop`;
    const r = spawnSync(process.execPath, [CDK8S, 'synth', '--no-check-upgrade', '--app', app, '--output', out], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(fs.existsSync(out)).toBe(false);
    expect(r.stderr).not.toContain('the previous output is unchanged');
    expect(r.stderr).toContain(`nothing was written, but the cdk8s CLI deleted ${out}/ before it ran the app`);
    expect(r.stderr).toContain(`git checkout -- ${out}`);
  });
});

describe('`npm run synth` with a TypeScript error', () => {
  test('fails before anything is written, and again on the next run (the failed build is not taken as current): dist/ byte-identical, no temporary folder', () => {
    const copy = tempDir('synth-ts-error-');
    for (const f of ['main.ts', 'package.json', 'tsconfig.json', 'tsconfig.app.json', 'lib', 'environments', 'imports', 'bench', 'dist', 'scripts', 'test/fixtures']) {
      if (fs.existsSync(path.join(ROOT, f))) fs.cpSync(path.join(ROOT, f), path.join(copy, f), { recursive: true });
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    // environments/index.ts: the one data file every repository has, whatever environments it holds.
    fs.appendFileSync(path.join(copy, 'environments/index.ts'), "\nexport const broken: number = 'not a number';\n");
    const before = readTree(path.join(copy, 'dist'));
    for (let run = 0; run < 2; run++) {
      const r = spawnSync('npm', ['run', '-s', 'synth'], { cwd: copy, encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toContain("environments/index.ts(");
      expect(r.stdout + r.stderr).toContain("Type 'string' is not assignable to type 'number'");
      expect(readTree(path.join(copy, 'dist'))).toEqual(before);
    }
    expect(fs.readdirSync(copy).filter((n) => n.includes('.synth-'))).toEqual([]);
    fs.rmSync(copy, { recursive: true, force: true });
  }, 60_000);
});
