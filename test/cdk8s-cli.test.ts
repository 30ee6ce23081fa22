import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type * as plugins from 'cdk8s-cli/lib/plugins/validation';
import { SchemaValidationPlugin } from '../lib/validation-plugin';
import { readTree, repoDir, ROOT, tempDir } from './helpers';

const CDK8S = path.join(ROOT, 'node_modules/cdk8s-cli/bin/cdk8s');
// The CLI exports its plugin API at runtime as 'cdk8s-cli/plugins'; its types live under lib/.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ValidationContext } = require('cdk8s-cli/plugins') as typeof plugins;

describe('the validation plugin of `cdk8s synth`', () => {
  async function report(yaml: string) {
    const file = path.join(tempDir(), 'm.yaml');
    fs.writeFileSync(file, yaml);
    const context = new ValidationContext([file], 'schema', '0.1.0', { bad: { path: 'dev/web/bad' } }, false);
    await new SchemaValidationPlugin().validate(context);
    return context.report;
  }

  test('passes valid manifests', async () => {
    const r = await report('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\ndata:\n  a: b\n');
    expect(r.success).toBe(true);
  });

  test('fails a wrong type and an unknown field, naming the object, the field and the construct path', async () => {
    const r = await report('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  namespace: dev\ndata:\n  port: 8080\nspec: {}\n');
    expect(r.success).toBe(false);
    const violations = r.toJson().violations;
    expect(violations.map((v) => v.ruleName)).toEqual([
      'ConfigMap dev/bad: data.port must be of type string',
      'ConfigMap dev/bad: spec is not a field of v1 ConfigMap',
    ]);
    expect(violations[0].violatingConstructs[0]).toMatchObject({ constructPath: 'dev/web/bad', locations: ['data.port'] });
  });
});

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
});

describe('`npm run synth` with a TypeScript error', () => {
  test('fails before anything is written: dist/ byte-identical, no temporary folder', () => {
    const copy = tempDir('synth-ts-error-');
    for (const f of ['main.ts', 'package.json', 'tsconfig.json', 'tsconfig.app.json', 'lib', 'environments', 'imports', 'bench', 'dist', 'test/fixtures']) {
      if (fs.existsSync(path.join(ROOT, f))) fs.cpSync(path.join(ROOT, f), path.join(copy, f), { recursive: true });
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    fs.appendFileSync(path.join(copy, 'environments/dev.ts'), "\nexport const broken: number = 'not a number';\n");
    const before = readTree(path.join(copy, 'dist'));
    const r = spawnSync('npm', ['run', '-s', 'synth'], { cwd: copy, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("environments/dev.ts(");
    expect(r.stdout + r.stderr).toContain("Type 'string' is not assignable to type 'number'");
    expect(readTree(path.join(copy, 'dist'))).toEqual(before);
    expect(fs.readdirSync(copy).filter((n) => n.includes('.synth-'))).toEqual([]);
    fs.rmSync(copy, { recursive: true, force: true });
  }, 30_000);
});
