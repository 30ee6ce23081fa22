import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readTree, ROOT, tempDir } from '../helpers';

describe('API reference', () => {
  test('docs/api is what `npm run docs` generates from the current JSDoc (run it when this fails); no undocumented export', () => {
    const out = tempDir('api-docs-');
    try {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out], { cwd: ROOT, encoding: 'utf8' });
      // treatWarningsAsErrors: an export without documentation or a broken {@link} fails the generator.
      expect([r.status, r.stderr]).toEqual([0, '']);
      const fresh = readTree(out);
      const committed = readTree(path.join(ROOT, 'docs', 'api'));
      expect(Object.keys(committed).sort()).toEqual(Object.keys(fresh).sort());
      const stale = Object.keys(fresh).filter((f) => fresh[f] !== committed[f]);
      expect(stale).toEqual([]);
      // The constructs and their props are there, each with its own page.
      for (const c of ['MetalLbL2Pool', 'NodePortApp', 'IngressRoutes', 'AutoscaledApp', 'NodeDaemon', 'NfsStorage', 'OrderedStatefulSet', 'Environment']) {
        expect(Object.keys(fresh)).toEqual(expect.arrayContaining([`classes/${c}.md`, `interfaces/${c}Props.md`]));
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
