// Plain JavaScript, like global-teardown.js: jest runs it in its main process, which then needs no TypeScript.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

/**
 * Before every run (`npm test`, `npm run test:e2e`, or `npx jest <file>`):
 * - compiles the app and the test fixtures (incremental: a no-op when nothing changed), unless the npm
 *   script already did (`npm test` / `npm run test:e2e` run `tsc -b` first);
 * - gives the run its own temporary folder (onprem-k8s-test-*): TMPDIR points into it for jest's workers
 *   and every process they start, so test/global-teardown.js can fail the run when a test leaves anything
 *   behind (other runs on the same machine never count).
 */
module.exports = function globalSetup() {
  const root = path.resolve(__dirname, '..');
  if (!['test', 'test:e2e'].includes(process.env.npm_lifecycle_event ?? '')) {
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.app.json'], { cwd: root, stdio: 'inherit' });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onprem-k8s-test-'));
  process.env.ONPREM_TEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
};
