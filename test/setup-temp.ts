import * as fs from 'fs';
import { createdTempDirs } from './temp';

// After each test file, passed or failed: remove every folder its tests made with tempDir() / repoDir().
afterAll(() => {
  for (const dir of createdTempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
