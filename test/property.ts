import fc from 'fast-check';

/**
 * Property tests run seeded, so CI is repeatable: FC_SEED picks another seed, FC_RUNS multiplies the
 * runs (e.g. `FC_RUNS=50 npx jest test/bad-input.test.ts` locally). A failure prints its seed and path.
 */
export const SEED = Number(process.env.FC_SEED ?? 20261123);
export const RUNS_FACTOR = Math.max(1, Number(process.env.FC_RUNS ?? 1));

/** fast-check parameters for `runs` runs (times FC_RUNS) with the fixed seed. */
export function params(runs: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns: runs * RUNS_FACTOR, endOnFailure: true };
}
