import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The prefix of the run's own temporary folder (see test/global-teardown.ts). */
export const RUN_TEMP_PREFIX = 'onprem-k8s-test-';

/**
 * Before every run (`npm test`, `npm run test:e2e`, or `npx jest <file>`):
 * - compiles the app and the test fixtures (incremental: a no-op when nothing changed), unless the npm
 *   script already did (`npm test` / `npm run test:e2e` run `tsc -b` first);
 * - gives the run its own temporary folder: TMPDIR points into it for jest's workers and every process
 *   they start, so test/global-teardown.ts can fail the run when a test leaves anything behind (other
 *   runs on the same machine never count).
 */
export default function globalSetup(): void {
  const root = path.resolve(__dirname, '..');
  if (!['test', 'test:e2e'].includes(process.env.npm_lifecycle_event ?? '')) {
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.app.json'], { cwd: root, stdio: 'inherit' });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), RUN_TEMP_PREFIX));
  process.env.ONPREM_TEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
}
