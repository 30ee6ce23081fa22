import { execFileSync } from 'child_process';
import * as path from 'path';

/** Compiles the app and the test fixtures once (incremental: a no-op when nothing changed). */
export default function globalSetup(): void {
  const root = path.resolve(__dirname, '..');
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.app.json'], { cwd: root, stdio: 'inherit' });
}
