import { defineSpec } from '../../define.js';
import * as fc from 'fast-check';
import { f32, uniform } from '../../arbitraries.js';
import { flat, rowsOf } from '../../arbitraries/arrays.js';
import { benchCase } from '../../bench.js';
import { checkClose, checkFinite, checkThat, invariant, scalar } from '../../invariant.js';
import { benchFeatures, maxAbs, permutation } from '../../templates/layers.js';
import { gradsOf, matrixOf, t1, t2 } from '../../tensors.js';
import type { Case, Spec } from '../../types.js';
import { PULLING_AWAY_ID, pullingAwayTerm } from '../../../regularizers/pulling-away.js';
import { asFeatures } from '../../../types.js';

/** f_PT in float64 from the definition; a zero row has cosine 0 with every row. */
function pt64(rows: number[][]): number {
  const n = rows.length;
  const norm = rows.map((r) => Math.sqrt(r.reduce((a, v) => a + v * v, 0)));
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j || norm[i] === 0 || norm[j] === 0) continue;
      const dot = rows[i]!.reduce((a, v, k) => a + v * rows[j]![k]!, 0);
      total += (dot / (norm[i]! * norm[j]!)) ** 2;
    }
  }
  return total / (n * (n - 1));
}

function ptDraws(value: fc.Arbitrary<number>, minN = 2, maxN = 8, maxD = 6): fc.Arbitrary<number[][]> {
  return fc
    .record({ n: fc.integer({ min: minN, max: maxN }), d: fc.integer({ min: 1, max: maxD }) })
    .chain(({ n, d }) => rowsOf(value, n, d))
    .map((rows) => rows.map((r) => r.map(f32)))
    .filter((rows) => rows.every((r) => Math.hypot(...r) > 1e-3 * Math.max(1, maxAbs(r))));
}

const ptValue = fc.oneof({ weight: 5, arbitrary: uniform(-3, 3) }, { weight: 1, arbitrary: uniform(-1e3, 1e3) });

function ptCase(rows: number[][], label?: string, grads = true): Case {
  return { inputs: { representations: matrixOf(rows) }, params: {}, grads, ...(label ? { label } : {}) };
}

const pt = (rows: number[][]) => scalar(pullingAwayTerm(asFeatures(t2(rows))));

export const pullingAway: Spec = defineSpec({
  id: PULLING_AWAY_ID,
  title: 'Pulling-away term (EBGAN)',
  reference: 'Zhao, Mathieu & LeCun 2017, Energy-based Generative Adversarial Network, §2.4 (eq. 6)',
  section: 'regularizers',
  inputs: {
    representations: { kind: 'features', doc: 'S, the encoder representations of a generated batch, [N, d], N ≥ 2' },
  },
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: pullingAwayTerm(x.representations) }),
  sample: ptDraws(ptValue).map((rows) => ptCase(rows)),
  edges: [
    ptCase(
      [
        [1, 0],
        [1, 1],
      ],
      'closed form: cos² = ½ gives ½',
    ),
    ptCase(
      [
        [1, 0, 0],
        [0, 2, 0],
        [0, 0, -3],
      ],
      'closed form: orthogonal rows give 0',
    ),
    ptCase(
      [
        [1, 2],
        [-2, -4],
        [0.5, 1],
      ],
      'closed form: collinear rows (negative scale too) give 1',
    ),
    ptCase(
      [
        [1e4, -1e4, 5e3],
        [1e-20, 3e-20, -2e-20],
        [0.5, 0.25, 1],
      ],
      'edge: rows at 1e4 and 1e-20 (scale-free, no overflow or underflow)',
    ),
    ptCase(
      [
        [1, 2],
        [0, 0],
        [3, -1],
      ],
      'edge: a zero row contributes 0 (not differentiable there: gradients not compared)',
      false,
    ),
  ],
  secondOrder: true,
  invariants: [
    invariant(
      'lies in [0, 1] and equals the mean squared cosine over pairs i ≠ j in float64',
      ptDraws(ptValue),
      (rows) => {
        const got = pt(rows);
        checkThat(got >= 0 && got <= 1, `f_PT = ${got} outside [0, 1]`);
        checkClose('f_PT', got, pt64(rows), 1e-5, 1e-6);
      },
    ),
    invariant(
      '0 for mutually orthogonal rows (scaled, signed basis vectors)',
      fc
        .integer({ min: 2, max: 6 })
        .chain((n) => fc.tuple(permutation(n), flat(fc.oneof(uniform(0.01, 100), uniform(-100, -0.01)), n))),
      ([perm, scales]) => {
        const rows = perm.map((k, i) => perm.map((_, j) => (j === k ? scales[i]! : 0)));
        checkClose('f_PT', pt(rows), 0, 0, 1e-7);
      },
    ),
    invariant(
      '1 for collinear rows, whatever the signs and scales',
      fc.tuple(
        flat(uniform(-3, 3), 5).filter((v) => Math.hypot(...v) > 0.1),
        flat(fc.oneof(uniform(0.01, 100), uniform(-100, -0.01)), 6),
        fc.integer({ min: 2, max: 6 }),
      ),
      ([v, scales, n]) => {
        checkClose('f_PT', pt(scales.slice(0, n).map((s) => v.map((x) => f32(s * x)))), 1, 1e-5, 0);
      },
    ),
    invariant(
      'invariant to scaling rows by nonzero factors (negative included)',
      fc.tuple(ptDraws(ptValue), flat(fc.oneof(uniform(1e-3, 1e3), uniform(-1e3, -1e-3)), 8)),
      ([rows, scales]) => {
        checkClose('f_PT(diag(s)·S)', pt(rows.map((r, i) => r.map((v) => f32(v * scales[i]!)))), pt(rows), 1e-5, 1e-6);
      },
    ),
    invariant(
      'invariant to permuting the rows',
      ptDraws(ptValue).chain((rows) => fc.tuple(fc.constant(rows), permutation(rows.length))),
      ([rows, p]) => {
        checkClose('f_PT(PS)', pt(p.map((i) => rows[i]!)), pt(rows), 1e-5, 1e-6);
      },
    ),
    invariant(
      'a zero row contributes 0 and leaves value and gradients finite',
      fc.tuple(ptDraws(ptValue), fc.nat()),
      ([rows, k]) => {
        const withZero = rows.map((r, i) => (i === k % rows.length ? r.map(() => 0) : r));
        checkClose('f_PT', pt(withZero), pt64(withZero), 1e-5, 1e-6);
        const [g] = gradsOf((s) => pullingAwayTerm(asFeatures(s!)), [t2(withZero)]);
        checkFinite('gradient', g!);
      },
    ),
  ],
  errors: [
    {
      name: 'one row (N = 1)',
      call: () => pullingAwayTerm(asFeatures(t2([[1, 2]]))),
      error: 'InvalidArgumentError',
      argument: 'representations',
    },
    {
      name: 'a rank-1 batch',
      call: () => pullingAwayTerm(asFeatures(t1([1, 2]))),
      error: 'InvalidArgumentError',
      argument: 'representations',
    },
    {
      name: 'a NaN entry',
      call: () =>
        pullingAwayTerm(
          asFeatures(
            t2([
              [1, NaN],
              [0, 1],
            ]),
          ),
        ),
      error: 'InvalidArgumentError',
      argument: 'representations',
    },
    {
      name: 'a plain array',
      call: () => pullingAwayTerm([[1], [2]] as never),
      error: 'InvalidArgumentError',
      argument: 'representations',
    },
  ],
  benchmark: () => benchCase({ representations: benchFeatures(1) }),
});
