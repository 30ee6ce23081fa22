import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readTree, ROOT, tempDir } from '../helpers';

const SHARED_CRDS = path.resolve(ROOT, '../shared/crds');

(fs.existsSync(SHARED_CRDS) ? describe : describe.skip)('npm run import, offline from ../shared/crds, on a copy', () => {
  test('regenerates imports/ byte for byte, keeps cdk8s.yaml as it is, and leaves nothing beside them', () => {
    const repo = path.join(tempDir('import-crds-'), 'repo');
    fs.mkdirSync(path.join(repo, 'scripts'), { recursive: true });
    for (const f of ['import-crds.js', 'cli-args.js']) fs.copyFileSync(path.join(ROOT, 'scripts', f), path.join(repo, 'scripts', f));
    for (const f of ['cdk8s.yaml', 'package.json', 'tsconfig.json']) fs.copyFileSync(path.join(ROOT, f), path.join(repo, f));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'));
    const r = spawnSync(process.execPath, ['scripts/import-crds.js', `--crds=${SHARED_CRDS}`], { cwd: repo, encoding: 'utf8' });
    expect(r.status).toBe(0);
    // cdk8s import says "Importing resources, this may take a few moments..." once per CRD, nothing else.
    expect(r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('Importing resources'))).toEqual([]);
    expect(r.stdout).toMatch(/^imported \d+ CRD versions into imports\/\n$/);
    expect(readTree(path.join(repo, 'imports'))).toEqual(readTree(path.join(ROOT, 'imports')));
    expect(fs.readFileSync(path.join(repo, 'cdk8s.yaml'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8'));
    expect(fs.readdirSync(repo).sort()).toEqual(['cdk8s.yaml', 'imports', 'node_modules', 'package.json', 'scripts', 'tsconfig.json']);
  }, 300_000);
});
