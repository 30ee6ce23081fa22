import * as fs from 'fs';

/**
 * After every run: the run's temporary folder (made by test/global-setup.ts) must be empty. Whatever a
 * test left there is listed, the folder is removed either way, and the run fails, so "nothing left in the
 * temporary directory" stays true.
 */
export default function globalTeardown(): void {
  const dir = process.env.ONPREM_TEST_TMPDIR;
  if (!dir || !fs.existsSync(dir)) return;
  const left = fs.readdirSync(dir).sort();
  fs.rmSync(dir, { recursive: true, force: true });
  if (left.length > 0) {
    throw new Error(`the tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temporary directory (removed now): ${left.join(', ')}; ` +
      'make them with tempDir() from test/helpers.ts (removed after each test file) or remove them in afterEach/afterAll');
  }
}
