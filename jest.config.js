/** Tests run from TypeScript without type-checking (isolated transpile); `npm test` type-checks once with tsc first. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Jest's default is one worker less than the cores (1 on 2 cores); the suite waits on child processes a lot, so all cores it is.
  maxWorkers: '100%',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
  globalSetup: '<rootDir>/test/global-setup.ts',
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  watchPathIgnorePatterns: ['<rootDir>/dist', '<rootDir>/build'],
};
