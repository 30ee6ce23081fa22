const fs = require('fs');

/**
 * After every run: the run's temporary folder (made by test/global-setup.js) must be empty. Whatever a
 * test left there is listed, the folder is removed either way, and the run fails, so "nothing left in the
 * temporary directory" stays true.
 */
module.exports = function globalTeardown() {
  const dir = process.env.ONPREM_TEST_TMPDIR;
  if (!dir || !fs.existsSync(dir)) return;
  const left = fs.readdirSync(dir).sort();
  fs.rmSync(dir, { recursive: true, force: true });
  if (left.length > 0) {
    // Counted by prefix (the name without mkdtemp's random tail), which names the test that made them.
    const byPrefix = new Map();
    for (const name of left) {
      const prefix = name.replace(/[A-Za-z0-9]{6}$/, '*');
      byPrefix.set(prefix, (byPrefix.get(prefix) ?? 0) + 1);
    }
    const counts = [...byPrefix].map(([prefix, n]) => `${prefix} (${n})`).join(', ');
    throw new Error(`the tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temporary directory (removed now): ${counts}; ` +
      'make them with tempDir() from test/helpers.ts (removed after each test file) or remove them in afterEach/afterAll');
  }
};
