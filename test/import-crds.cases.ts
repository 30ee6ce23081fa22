import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readTree, ROOT, tempDir } from './helpers';

/**
 * A copy of what `npm run import` reads and writes (the script, cdk8s.yaml, imports/), with node_modules
 * linked.
 */
function importSandbox(): string {
  const repo = path.join(tempDir('import-crds-'), 'repo');
  fs.mkdirSync(path.join(repo, 'scripts'), { recursive: true });
  for (const f of ['import-crds.js', 'cli-args.js']) fs.copyFileSync(path.join(ROOT, 'scripts', f), path.join(repo, 'scripts', f));
  fs.copyFileSync(path.join(ROOT, 'cdk8s.yaml'), path.join(repo, 'cdk8s.yaml'));
  fs.cpSync(path.join(ROOT, 'imports'), path.join(repo, 'imports'), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'));
  return repo;
}

const runImport = (repo: string, ...args: string[]) => spawnSync(process.execPath, ['scripts/import-crds.js', ...args], { cwd: repo, encoding: 'utf8' });

describe('npm run import checks everything before it changes a file', () => {
  test('--help prints the usage, the options and the exit codes', () => {
    const r = runImport(importSandbox(), '--help');
    expect(r.status).toBe(0);
    for (const text of ['usage: node scripts/import-crds.js [options]', '--crds=<dir>', '--online', 'exit codes:']) expect(r.stdout).toContain(text);
  });

  test.each([
    ['without the local CRD folder (offline, no ../shared)', [], 1, ['../shared/crds does not exist', 'npm run import -- --crds=<dir>', 'npm run import -- --online']],
    ['with a local CRD folder that lacks a release', ['--crds=partial'], 1, ['no local copy of https://raw.githubusercontent.com/argoproj/argo-cd/v3.5.1/manifests/crds/application-crd.yaml', 'run `npm run import -- --online`']],
    ['with an unknown option', ['--crd=x'], 2, ['unknown option "--crd=x"', 'usage: node scripts/import-crds.js']],
  ])('%s: says what to do, imports/ and cdk8s.yaml byte-identical, nothing left beside them', (_, args, status, messages) => {
    const repo = importSandbox();
    // A CRD folder with every release but Argo CD's Application.
    fs.mkdirSync(path.join(repo, 'partial', 'metallb'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'partial', 'metallb', 'ipaddresspools.metallb.io.yaml'), 'kind: CustomResourceDefinition\n');
    const state = () => ({ entries: fs.readdirSync(repo).sort(), imports: readTree(path.join(repo, 'imports')), config: fs.readFileSync(path.join(repo, 'cdk8s.yaml'), 'utf8') });
    const before = state();
    const r = runImport(repo, ...(args as string[]));
    expect(r.status).toBe(status);
    for (const m of messages as string[]) expect(r.stderr).toContain(m);
    if (status === 1) expect(r.stderr).toContain('npm run import changed nothing (imports/ is as it was)');
    expect(state()).toEqual(before);
  });
});
