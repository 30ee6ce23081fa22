import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { k8s } from 'cdk8s-plus-27';
import { buildApp } from '../../main';
import { environments } from '../../environments';
import { MAP_FILE, NodePortApp, renderMaps, stableService, withMap } from '../../lib';
import { ROOT, tempDir, testEnv } from '../helpers';

/** The first shipped environment (whichever environments the data holds) and its map. */
const first = environments[0].name;
const firstMap = renderMaps(buildApp(), [first]).get(first)!;
/** Runs Mermaid's own parser (scripts/check-mermaid.mjs) over Markdown files. */
const mermaidCheck = (...files: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'scripts/check-mermaid.mjs'), ...files], { encoding: 'utf8' });

describe('maps are valid Mermaid', () => {
  test('Mermaid\'s own parser accepts every map and refuses a broken one', () => {
    const dir = tempDir();
    const broken = path.join(dir, 'broken.md');
    expect(firstMap).toContain('flowchart LR\n');
    fs.writeFileSync(broken, firstMap.replace('flowchart LR\n', 'flowchart LR\n  a --> --> b\n'));
    const good = mermaidCheck(...environments.map((e) => path.join(ROOT, 'dist', e.cluster!, e.name, MAP_FILE)));
    expect(good.stdout.match(/flowchart-v2/g)).toHaveLength(environments.length);
    expect(good.status).toBe(0);
    const bad = mermaidCheck(broken);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('Parse error');
  });

  test('a map with problems drawn in red is valid Mermaid too', () => {
    const { app, env } = testEnv();
    new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: 'web:1.0.0', containerPort: 8080, nodePort: 30080 });
    stableService(env.addChart('orphan'), 'orphan', { ports: [{ port: 80 }] });
    new k8s.KubePersistentVolumeClaim(env.addChart('scratch'), 'scratch', {
      metadata: { name: 'scratch' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } } },
    });
    const map = renderMaps(app).get('dev')!;
    expect(map).toContain('class no_pods_Service_dev_orphan,missing_StorageClass_fast problem');
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'map.md'), map);
    expect(mermaidCheck(path.join(dir, 'map.md')).status).toBe(0);
  });
});

describe('npm run map (build/main.js as a process)', () => {
  const main = path.join(ROOT, 'build/main.js');

  test('prints the maps without writing dist/, and refreshes the README block with --readme', () => {
    const printed = spawnSync(process.execPath, [main, '--map', '--env', first], { encoding: 'utf8', cwd: tempDir() });
    expect(printed.status).toBe(0);
    expect(printed.stdout).toBe(firstMap);
    const dir = tempDir();
    const readme = path.join(dir, 'README.md');
    fs.writeFileSync(readme, `before\n<!-- map:${first} start -->\nold\n<!-- map:${first} end -->\nafter\n`);
    const updated = spawnSync(process.execPath, [main, '--map', '--env', first, '--readme', readme], { encoding: 'utf8', cwd: dir });
    expect(updated.status).toBe(0);
    expect(fs.readFileSync(readme, 'utf8')).toBe(withMap(`before\n<!-- map:${first} start -->\n<!-- map:${first} end -->\nafter\n`, first, firstMap));
    expect(fs.readFileSync(readme, 'utf8')).toMatch(new RegExp(`^before\n<!-- map:${first} start -->\n\`\`\`mermaid\nflowchart LR\n[^]*\n\`\`\`\n<!-- map:${first} end -->\nafter\n$`));
    expect(fs.readdirSync(dir)).toEqual(['README.md']);
  });

  test('names a missing marker or a bad argument, with a non-zero exit', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'README.md'), 'no markers\n');
    const noMarkers = spawnSync(process.execPath, [main, '--map', '--env', first, '--readme', 'README.md'], { encoding: 'utf8', cwd: dir });
    expect(noMarkers.status).toBe(1);
    expect(noMarkers.stderr).toContain(`README.md has no "<!-- map:${first} start -->" … "<!-- map:${first} end -->" markers`);
    const bad = spawnSync(process.execPath, [main, '--map', '--bogus'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown argument "--bogus"');
    expect(bad.stderr).toContain('usage: ');
  });
});
