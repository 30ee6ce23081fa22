/**
 * The tooling's quick checks (test/<name>.cases.ts: the CLIs' --help and refusals, `npm run import`'s
 * refusals, the cdk8s CLI plugin, the package's entry points, the API docs, npm run synth's build check), run as one test file: jest
 * loads the library again for every test file (about a second each), one file for all of them loads it once.
 * Their slow end-to-end counterparts are in test/e2e/.
 */
import * as fs from 'fs';
import * as path from 'path';
import './api-docs.cases';
import './cdk8s-cli.cases';
import './cli-help.cases';
import './git-repo.cases';
import './import-crds.cases';
import './package.cases';
import './synth-script.cases';
import './validated-objects.cases';

describe('the test layout', () => {
  test('every test/**/*.cases.ts is imported by the *.test.ts of its folder (jest runs only *.test.ts files)', () => {
    const root = __dirname;
    const files = (fs.readdirSync(root, { recursive: true }) as string[]).map((f) => f.split(path.sep).join('/'));
    const cases = files.filter((f) => f.endsWith('.cases.ts'));
    expect(cases.length).toBeGreaterThan(30);
    const imported = new Set(files.filter((f) => f.endsWith('.test.ts')).flatMap((f) => {
      const dir = path.posix.dirname(f);
      return [...fs.readFileSync(path.join(root, f), 'utf8').matchAll(/^import '\.\/([^']+\.cases)';$/gm)].map((m) => path.posix.join(dir, `${m[1]}.ts`));
    }));
    expect(cases.filter((f) => !imported.has(f))).toEqual([]);
  });
});
