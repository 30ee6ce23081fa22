/**
 * `npm run test:e2e`: the slow end-to-end checks, run by CI after `npm test`: test/e2e/ (real processes
 * of the CLIs, `cdk8s synth`, a fresh consumer install from the packed tarball, the Helm render, typedoc,
 * Mermaid's parser) and the property tests again at their full run count (ONPREM_FULL_PROPERTIES; `npm test`
 * runs a tenth, see test/property.ts).
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/e2e/**/*.test.ts', '<rootDir>/test/yaml-writer.test.ts', '<rootDir>/test/bad-input.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // Real processes (npm ci, cdk8s, Helm, typedoc) on a loaded machine: a minute per test, not jest's 5 s.
  testTimeout: 60_000,
  globals: { ONPREM_FULL_PROPERTIES: true },
};
