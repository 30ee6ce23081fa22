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
      // One module per public face (typedoc.config.mjs): the constructs and their props, each with its own page,
      // under index/; the testing helpers (onprem-k8s-constructs/testing) under testing/.
      for (const c of ['MetalLbL2Pool', 'NodePortApp', 'IngressRoutes', 'AutoscaledApp', 'NodeDaemon', 'NfsStorage', 'OrderedStatefulSet', 'Environment']) {
        expect(Object.keys(fresh)).toEqual(expect.arrayContaining([`index/classes/${c}.md`, `index/interfaces/${c}Props.md`]));
      }
      for (const f of ['synthesizeApp', 'findObjects', 'findObject', 'expectObject', 'snapshotOf']) {
        expect(Object.keys(fresh)).toContain(`testing/functions/${f}.md`);
      }
      expect(Object.keys(fresh)).toEqual(expect.arrayContaining(['README.md', 'index/README.md', 'testing/README.md', 'testing/interfaces/ObjectQuery.md']));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
