import * as fs from 'fs';
import * as path from 'path';
import { blocks, docPages, refreshFields } from '../../docs/examples/pages';
import { fieldTable } from '../../docs/examples/fields';
import { ROOT } from '../helpers';

// Slow (the TypeScript compiler reads lib/ and environments/ with their types): the fast suite checks the examples.
describe('the field tables of the pages (docs/examples/fields.ts, refreshed by npm run docs)', () => {
  const pages = new Map(docPages().map((file) => [file, fs.readFileSync(path.join(ROOT, file), 'utf8')]));

  test.each([...pages.keys()].filter((file) => blocks(pages.get(file)!, 'fields').length > 0))('%s: every field table is what the declarations say now', (file) => {
    const text = pages.get(file)!;
    expect(refreshFields(text) === text).toBe(true);
  }, 120_000);

  test('the definition format and the cluster format are documented field by field, each field with its type and default', () => {
    const page = pages.get(path.join('docs', 'clusters-and-environments.md'))!;
    for (const name of ['EnvironmentDefinition', 'QuotaProps', 'ContainerLimitsProps', 'ClaimSizeProps', 'ClusterProps', 'ClusterNodeProps', 'ClusterPlatformProps']) {
      expect(blocks(page, 'fields')).toContain(name);
    }
    const quota = fieldTable('QuotaProps');
    expect(quota).toContain('| `requestsCpu` | `string` | "8" | Sum of CPU requests. |');
    expect(fieldTable('ClusterProps')).toContain('| `name` | `string` | required |');
    expect(() => fieldTable('NoSuchProps')).toThrow('no interface or type "NoSuchProps"');
  }, 120_000);
});
