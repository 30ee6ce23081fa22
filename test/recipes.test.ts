/**
 * docs/recipes.md stays true to the current sources: every edit of every recipe applies (its anchor line is in
 * the file, once; a new file does not exist yet) and each recipe says what to run and what appears. Performing
 * the recipes, on a copy of the repository, is test/e2e/recipes.test.ts (`npm run test:e2e`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { applyEdit, EDITS, parseRecipes, readRecipes, RecipeBlock, shippedDataTests } from './recipes';
import { tempDir } from './temp';

/** Repository root. */
const ROOT = path.resolve(__dirname, '..');

const recipes = readRecipes(ROOT);

describe('the recipes of docs/recipes.md', () => {
  test('add an app, an environment, a cluster, change a pool', () => {
    expect([...recipes.keys()]).toEqual(['add-app', 'add-environment', 'add-cluster', 'change-pool']);
  });

  test.each([...recipes.entries()])('%s: its edits apply to the current sources, in page order', (_name, blocks) => {
    const files = new Map<string, string | undefined>();
    const edits = blocks.filter((b) => EDITS.includes(b.kind));
    expect(edits.length).toBeGreaterThan(0);
    for (const b of edits) {
      const file = path.join(ROOT, b.file!);
      const before = files.has(b.file!) ? files.get(b.file!) : fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
      files.set(b.file!, applyEdit(before, b));
    }
  });

  test.each([...recipes.entries()])('%s: says what to run and what appears in dist/', (_name, blocks) => {
    const kinds = (k: RecipeBlock['kind']) => blocks.filter((b) => b.kind === k);
    expect(kinds('run').map((b) => b.text)).toEqual(['npm run synth\nnpm run test:update\nnpm test\n']);
    expect(kinds('files')).toHaveLength(1);
    for (const f of kinds('files')[0].text.split('\n').filter(Boolean)) expect(f).toMatch(/^dist\/[\w-]+\/[\w./-]+\.yaml$/);
    // A guard block is a command and the objects it refuses, together.
    expect(kinds('guard').length).toBe(kinds('guard-output').length);
  });

  test('the snapshot refresh the page names is an npm script', () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts['test:update']).toContain('-u');
  });
});

describe('reading and applying recipe blocks', () => {
  const page = [
    '```ts recipe=r file=a.ts after="const a = 1;"', 'const b = 2;', '```',
    '```ts recipe=r file=a.ts before="const a = 1;"', '// first', '```',
    '```ts recipe=r file=a.ts replace="const c = 3;"', 'const c = 4;', '```',
    '```ts recipe=r file=a.ts append', 'export {};', '```',
    '```ts', 'not a recipe', '```',
  ].join('\n');
  const blocks = parseRecipes(page);

  test('each block, its kind, file and anchor', () => {
    expect(blocks.map((b) => [b.kind, b.file, b.anchor, b.line])).toEqual([
      ['after', 'a.ts', 'const a = 1;', 1], ['before', 'a.ts', 'const a = 1;', 4], ['replace', 'a.ts', 'const c = 3;', 7], ['append', 'a.ts', '', 10],
    ]);
  });

  test('edits in order', () => {
    const text = blocks.reduce<string>((t, b) => applyEdit(t, b), '  const a = 1;\nconst c = 3;\n');
    expect(text).toBe('// first\n  const a = 1;\nconst b = 2;\nconst c = 4;\nexport {};\n');
  });

  test('an anchor that is missing or not unique, or a new file that exists, is refused with the page\'s line', () => {
    expect(() => applyEdit('const x = 1;\n', blocks[0])).toThrow('docs/recipes.md:1: a.ts has 0 lines reading "const a = 1;", not one');
    expect(() => applyEdit('const a = 1;\nconst a = 1;\n', blocks[0])).toThrow('has 2 lines');
    expect(() => applyEdit('', { ...blocks[0], kind: 'new' })).toThrow('a.ts already exists');
    expect(() => applyEdit(undefined, blocks[0])).toThrow('a.ts does not exist');
  });
});

describe('which tests are tests of the shipped data (the recipes run them on a copy)', () => {
  test('a test file that imports the data or builds the shipped app, itself or through a cases file it imports; not the definition types', () => {
    const root = tempDir('shipped-tests-');
    const write = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    };
    // Spelled in pieces, so that this file's own text does not read as a test of the shipped data.
    const data = (rel: string) => `'${['..', rel].join('/')}'`;
    const app = ['buildApp', '()'].join('');
    write('test/data.test.ts', `import { environments } from ${data('environments')};\n`);
    write('test/app.test.ts', `const app = ${app};\n`);
    write('test/checks/all.test.ts', "import './cel.cases';\nimport './quota.cases';\n");
    write('test/checks/cel.cases.ts', `renderApp(${app});\n`);
    write('test/checks/quota.cases.ts', "import { testEnv } from '../helpers';\n");
    write('test/library.test.ts', `import { EnvironmentDefinition } from ${data('environments/definition')};\nimport { composeEnvironment } from ${data('environments/compose')};\nbuildApp([def], [cluster]);\n`);
    write('test/only-cases.test.ts', "import './quota.cases';\n");
    write('test/quota.cases.ts', `import { clusters } from ${data('environments')};\n`);
    write('test/e2e/slow.test.ts', `import { environments } from ${data('../environments')};\n`);
    expect(shippedDataTests(root)).toEqual(['test/app.test.ts', 'test/checks/all.test.ts', 'test/data.test.ts', 'test/only-cases.test.ts']);
  });
});
