import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { validateManifest } from '../../lib';
import { ROOT, tempDir } from '../helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { check } = require('../../scripts/consumer-example.js');

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** What `npm pack` would put in the tarball (build/ is current: `npm test` compiles first). */
function packList(): { files: string[]; size: number } {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status).toBe(0);
  const [info] = JSON.parse(r.stdout);
  return { files: info.files.map((f: { path: string }) => f.path).sort(), size: info.size };
}

describe('the published package', () => {
  test('npm pack holds only the compiled library, its declarations, the CRD bindings and schemas, README and package.json', () => {
    const { files, size } = packList();
    const allowed = /^(package\.json|README\.md|platform\.lock\.json|build\/lib\/([\w-]+\/)*[\w-]+\.(js|d\.ts)|build\/imports\/[\w.-]+\.(js|d\.ts)|build\/imports\/schemas\/[\w.-]+\.json)$/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    // Every library module is there, compiled and declared; nothing of the app, tests, benchmarks or output.
    const modules = (fs.readdirSync(path.join(ROOT, 'lib'), { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts')).map((f) => f.split(path.sep).join('/').replace(/\.ts$/, ''));
    expect(modules.length).toBeGreaterThan(20);
    for (const m of modules) expect(files).toEqual(expect.arrayContaining([`build/lib/${m}.js`, `build/lib/${m}.d.ts`]));
    const schemas = fs.readdirSync(path.join(ROOT, 'imports', 'schemas'));
    for (const s of schemas) expect(files).toContain(`build/imports/schemas/${s}`);
    expect(files.some((f) => /(^|\/)(test|bench|environments|dist|examples|scripts)\//.test(f) || f.endsWith('main.js'))).toBe(false);
    expect(size).toBeLessThan(1_000_000);
  });

  test('main, types and exports point at files the tarball holds', () => {
    const { files } = packList();
    const targets = [pkg.main, pkg.types, ...Object.values(pkg.exports).flatMap((e: any) => (typeof e === 'string' ? [e] : Object.values(e)))];
    for (const t of targets as string[]) expect(files).toContain(t.replace(/^\.\//, ''));
  });

});

describe('the consumer example (examples/consumer)', () => {
  test('packs, installs the tarball with npm ci --offline, compiles against its declarations and synthesizes', () => {
    const { folder, synth } = check(tempDir('consumer-'));
    try {
      consumerChecks(folder, synth);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }, 120_000);

  function consumerChecks(folder: string, synth: string): void {
    // With the NetworkPolicies: default-deny, allow-web and allow-api in their own file.
    expect(synth).toMatch(/^synthesized 16 objects in 7 files into dist\//);
    // One copy of constructs in the consumer's tree: the library brings none of its own.
    const copies: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (!e.isDirectory()) continue;
        const p = path.join(dir, e.name);
        if (e.name === 'constructs' && fs.existsSync(path.join(p, 'package.json'))) copies.push(path.relative(folder, p));
        if (e.name === 'node_modules' || e.name.startsWith('@') || fs.existsSync(path.join(p, 'node_modules'))) walk(e.name === 'node_modules' || e.name.startsWith('@') ? p : path.join(p, 'node_modules'));
      }
    };
    walk(path.join(folder, 'node_modules'));
    expect(copies).toEqual(['node_modules/constructs']);
    expect(fs.existsSync(path.join(folder, 'node_modules', pkg.name, 'lib'))).toBe(false);

    const docs = (file: string) => parseAllDocuments(fs.readFileSync(path.join(folder, 'dist', 'shop', 'shop', file), 'utf8')).map((d) => d.toJS());
    const web = docs('50-web.yaml');
    const deployment = web.find((m) => m.kind === 'Deployment');
    const spec = deployment.spec.template.spec;
    // The subclass's sidecar, sharing the log folder read-only, secure like the app.
    expect(spec.containers.map((c: any) => c.name)).toEqual(['web', 'log-shipper']);
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'logs', mountPath: '/var/log/app' });
    expect(spec.containers[1].volumeMounts).toContainEqual({ name: 'logs', mountPath: '/var/log/app', readOnly: true });
    expect(spec.containers[1].securityContext.capabilities).toEqual({ drop: ['ALL'] });
    // The environment's defaults, set once, on both apps.
    expect(spec.securityContext).toMatchObject({ runAsUser: 10001, runAsGroup: 10001 });
    const api = docs('50-api.yaml').find((m) => m.kind === 'Deployment');
    for (const c of [...spec.containers, ...api.spec.template.spec.containers]) expect(c.resources.requests.cpu).toMatch(/^(50m|20m)$/);
    expect(api.spec.template.spec.containers[0].resources.limits.memory).toBe('384Mi');
    for (const m of [...web, ...docs('50-api.yaml'), ...docs('60-ingress.yaml')]) expect(m.metadata.labels['example.com/team']).toBe('shop');
    for (const file of fs.readdirSync(path.join(folder, 'dist', 'shop', 'shop')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
      for (const m of docs(file)) expect(validateManifest(m)).toEqual([]);
    }
  }
});
