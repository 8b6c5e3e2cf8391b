/**
 * The property seed of a test run. Deterministic by default: with no environment every run, on
 * every machine, draws the same inputs. `GANREF_SEED=<integer>` replays a run; `GANREF_SEED=random`
 * (what `npm run test:explore` sets) explores with a fresh seed, printed so that a failure
 * replays with `GANREF_SEED=<that seed>`.
 */
export const DEFAULT_TEST_SEED = 20261124;

// `env` has no default: an explicit `undefined` must mean "no GANREF_SEED" (a default parameter would
// read the variable instead, so the test of the default failed whenever a run set GANREF_SEED).
export function testSeed(env: string | undefined): { seed: number; explore: boolean } {
  if (env === undefined || env === '') return { seed: DEFAULT_TEST_SEED, explore: false };
  if (env === 'random') return { seed: (Math.random() * 2 ** 32) | 0, explore: true };
  const seed = Number(env);
  if (!Number.isSafeInteger(seed)) throw new Error(`GANREF_SEED must be an integer or 'random', got '${env}'`);
  return { seed, explore: false };
}
