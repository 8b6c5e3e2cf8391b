import { benchCase, withBenchmark } from '../../bench.js';
import { BENCH_CRITIC_PARAMS, benchCritic, benchX, zeroCenteredSpec } from '../../templates/critic-penalty.js';
import type { Spec } from '../../types.js';

export const r1Spec: Spec = withBenchmark(zeroCenteredSpec('r1'), () =>
  benchCase({ xReal: benchX(1), ...benchCritic() }, { gamma: 10, ...BENCH_CRITIC_PARAMS }),
);
