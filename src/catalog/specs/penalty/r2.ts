import { benchCase, withBenchmark } from '../../bench.js';
import { BENCH_CRITIC_PARAMS, benchCritic, benchX, zeroCenteredSpec } from '../../templates/critic-penalty.js';
import type { Spec } from '../../types.js';

export const r2Spec: Spec = withBenchmark(zeroCenteredSpec('r2'), () =>
  benchCase({ xFake: benchX(2), ...benchCritic() }, { gamma: 10, ...BENCH_CRITIC_PARAMS }),
);
