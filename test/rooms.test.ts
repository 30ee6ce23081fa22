import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './helpers';

/**
 * The rooms of lib/ (architecture.md): each room may import only the rooms listed here; entry points
 * (lib/*.ts) may import anything. The exceptions are today's known crossings, each with why it is still
 * there: a new crossing fails this test, and a removed one must leave the list too.
 */
const MAY_USE: Record<string, readonly string[]> = {
  constructs: ['constructs', 'cluster', 'checks'],
  cluster: ['cluster', 'checks', 'gitops'],
  checks: ['checks'],
  synth: ['synth', 'cluster', 'checks', 'gitops'],
  gitops: ['gitops', 'checks'],
};

const KNOWN_CROSSINGS: Record<string, string> = {
  'lib/cluster/environment.ts -> lib/constructs/network-policies.ts':
    'the Environment owns its NetworkPlan (default-deny and the allows its constructs declare)',
  'lib/cluster/cluster-platform.ts -> lib/synth/yaml-writer.ts':
    'the platform renders its layer files itself, with the one YAML writer',
  'lib/gitops/cluster-gitops.ts -> lib/cluster/cluster.ts': 'GitOps objects are per cluster: they read its name and controller',
  'lib/gitops/cluster-gitops.ts -> lib/cluster/cluster-platform.ts': 'Flux layers and Argo CD sync waves follow the platform layers',
};

function roomOf(file: string): string | undefined {
  const rel = path.relative(path.join(ROOT, 'lib'), file).split(path.sep);
  return rel.length > 1 ? rel[0] : undefined;
}

function crossings(): string[] {
  const found: string[] = [];
  const lib = path.join(ROOT, 'lib');
  for (const rel of (fs.readdirSync(lib, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).sort()) {
    const file = path.join(lib, rel);
    const room = roomOf(file);
    if (room === undefined) continue;
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^;]*? from '(\.[^']+)';/gms)) {
      const target = path.resolve(path.dirname(file), m[1]);
      const targetFile = fs.existsSync(`${target}.ts`) ? `${target}.ts` : path.join(target, 'index.ts');
      if (!targetFile.startsWith(lib + path.sep)) continue;
      const targetRoom = roomOf(targetFile);
      if (targetRoom === undefined || !(MAY_USE[room] ?? []).includes(targetRoom)) {
        found.push(`${path.relative(ROOT, file)} -> ${path.relative(ROOT, targetFile)}`);
      }
    }
  }
  return [...new Set(found)];
}

describe('the rooms of lib/', () => {
  test('every module lives in a room or is an entry point', () => {
    const lib = path.join(ROOT, 'lib');
    const rooms = fs.readdirSync(lib, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(rooms).toEqual(Object.keys(MAY_USE).sort());
    const entries = fs.readdirSync(lib).filter((f) => f.endsWith('.ts')).sort();
    expect(entries).toEqual(['index.ts', 'testing.ts', 'validation-plugin.ts']);
  });

  test('no import crosses into a room it may not use, but the known crossings', () => {
    expect(crossings().sort()).toEqual(Object.keys(KNOWN_CROSSINGS).sort());
  });

  test('a crossing is found (the scan itself works)', () => {
    // lib/checks/ imports nothing above it; the scan must still see the imports of a module under it.
    const source = fs.readFileSync(path.join(ROOT, 'lib', 'checks', 'index.ts'), 'utf8');
    expect(source).toMatch(/from '\.\/admission'/);
    expect(crossings().some((c) => c.startsWith('lib/cluster/environment.ts'))).toBe(true);
  });
});
