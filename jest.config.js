/**
 * `npm test`: the fast suite, in process. Tests run from TypeScript without type-checking (isolated
 * transpile); `npm test` type-checks once with tsc first. The slow end-to-end checks (real processes,
 * a fresh consumer install, Helm, typedoc, Mermaid, properties at their full run count) are in
 * jest.e2e.config.js (`npm run test:e2e`, which CI runs too).
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
  // Jest's default is one worker less than the cores (1 on 2 cores); the tests are short and CPU-bound, so all cores it is.
  maxWorkers: '100%',
  // TypeScript's transpileModule with source maps (test/ts-transform.js), so a failure points at the TypeScript line.
  transform: { '^.+\\.ts$': '<rootDir>/test/ts-transform.js' },
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
  setupFilesAfterEnv: ['<rootDir>/test/setup-temp.ts'],
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  watchPathIgnorePatterns: ['<rootDir>/dist', '<rootDir>/build'],
};
