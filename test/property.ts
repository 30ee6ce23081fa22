import fc from 'fast-check';

/**
 * Property tests run seeded, so CI is repeatable: FC_SEED picks another seed, FC_RUNS multiplies the
 * runs (e.g. `FC_RUNS=50 npx jest test/bad-input.test.ts` locally). A failure prints its seed and path.
 * `npm test` runs a tenth of each property's runs (at least one); `npm run test:e2e` (jest.e2e.config.js,
 * which sets ONPREM_FULL_PROPERTIES) runs them all.
 */
export const SEED = Number(process.env.FC_SEED ?? 20261123);
export const RUNS_FACTOR = Math.max(1, Number(process.env.FC_RUNS ?? 1));
/** True in `npm run test:e2e`: properties run their full count. */
export const FULL = (globalThis as { ONPREM_FULL_PROPERTIES?: boolean }).ONPREM_FULL_PROPERTIES === true;

/** fast-check parameters for `runs` runs (a tenth outside `npm run test:e2e`, times FC_RUNS) with the fixed seed. */
export function params(runs: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns: (FULL ? runs : Math.ceil(runs / 10)) * RUNS_FACTOR, endOnFailure: true };
}
