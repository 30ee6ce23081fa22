import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { TARBALL } = require('../scripts/consumer-example.js');

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const PEERS = ['cdk8s', 'cdk8s-plus-27', 'constructs'];

// `npm pack` and the fresh consumer install run in `npm run test:e2e` (test/e2e/package.test.ts).
describe('the published package', () => {
  test('cdk8s, cdk8s-plus-27 and constructs are peer dependencies from the tested versions on, installed here at exactly those', () => {
    for (const name of PEERS) {
      expect(pkg.dependencies[name]).toBeUndefined();
      expect(pkg.peerDependencies[name]).toBe(`^${pkg.devDependencies[name]}`);
      const installed = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
      expect(installed).toBe(pkg.devDependencies[name]);
    }
  });
});

describe('onprem-k8s-constructs/testing', () => {
  test('is exported, and typed for node16/bundler (exports) and node10 (typesVersions) resolution alike', () => {
    expect(pkg.exports['./testing']).toEqual({ types: './build/lib/testing.d.ts', default: './build/lib/testing.js' });
    expect(pkg.typesVersions['*'].testing).toEqual(['build/lib/testing.d.ts']);
  });
});

describe('the consumer example (examples/consumer)', () => {
  const example = path.join(ROOT, 'examples', 'consumer');
  const exampleLock = JSON.parse(fs.readFileSync(path.join(example, 'package-lock.json'), 'utf8'));
  const examplePkg = JSON.parse(fs.readFileSync(path.join(example, 'package.json'), 'utf8'));

  test('depends on the packed tarball, not on ../lib, and provides the peers at the tested versions', () => {
    expect(examplePkg.dependencies[pkg.name]).toBe(`file:${TARBALL}`);
    for (const name of PEERS) expect(examplePkg.dependencies[name]).toBe(pkg.devDependencies[name]);
    const sources = fs.readdirSync(path.join(example, 'src')).map((f) => fs.readFileSync(path.join(example, 'src', f), 'utf8')).join('\n');
    expect(sources).toContain(`from '${pkg.name}'`);
    expect(sources).not.toMatch(/from '\.\.\/\.\.|\/lib'/);
  });

  test("the extending page's subclass example is the example's own code, word for word", () => {
    const source = fs.readFileSync(path.join(example, 'src', 'logged-node-port-app.ts'), 'utf8');
    const cls = source.slice(source.indexOf('/** A NodePortApp whose log files')).trimEnd();
    expect(cls.length).toBeGreaterThan(200);
    expect(fs.readFileSync(path.join(ROOT, 'docs', 'extending.md'), 'utf8')).toContain(`\`\`\`ts\n${cls}\n\`\`\``);
  });

  test("the testing page's example is the example's own checks, word for word", () => {
    const check = fs.readFileSync(path.join(example, 'src', 'check.ts'), 'utf8').trimEnd();
    expect(check).toContain("from 'onprem-k8s-constructs/testing'");
    expect(fs.readFileSync(path.join(ROOT, 'docs', 'testing.md'), 'utf8')).toContain(`\`\`\`ts\n${check}\n\`\`\``);
  });

  test('its lockfile is current (else: npm run example:lock) and installs offline from what our own npm ci fetched', () => {
    const entry = exampleLock.packages[`node_modules/${pkg.name}`];
    expect(entry.resolved).toBe(`file:${TARBALL}`);
    // No integrity: the tarball changes with the library, and npm would otherwise install a cached copy.
    expect(entry.integrity).toBeUndefined();
    expect(entry.dependencies).toEqual(pkg.dependencies);
    expect(entry.peerDependencies).toEqual(pkg.peerDependencies);
    const ours = new Set(Object.entries<any>(JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')).packages)
      .map(([k, v]) => `${k.replace(/.*node_modules\//, '')}@${v.version}`));
    const missing = Object.entries<any>(exampleLock.packages)
      .filter(([k]) => k !== '' && k !== `node_modules/${pkg.name}`)
      .map(([k, v]) => `${k.replace(/.*node_modules\//, '')}@${v.version}`)
      .filter((id) => !ours.has(id));
    expect(missing).toEqual([]);
  });
});
