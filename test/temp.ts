import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The folders tempDir() made in this test file; test/setup-temp.ts removes them after the file, passed or failed. */
export const createdTempDirs: string[] = [];

/** A new empty temporary folder, removed after the test file (test/setup-temp.ts). */
export function tempDir(prefix = 'synth-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  createdTempDirs.push(dir);
  return dir;
}
