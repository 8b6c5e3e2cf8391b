import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { defineSpec } from '../../define.js';
import { uniform, vector } from '../../arbitraries.js';
import { checkAllClose, checkClose, checkThat, invariant, values } from '../../invariant.js';
import {
  apply,
  bilinearOptimistic,
  bilinearStep,
  DYNAMICS_OUTPUTS,
  type Mat2,
  norm2,
  RULE_PARAMS,
  ruleOptions,
  ruleParamsArb,
  STATE_INPUT,
  stateArb,
  type Vec2,
} from '../../templates/dynamics.js';
import { t1 } from '../../tensors.js';
import type { Case, Spec } from '../../types.js';
import { BILINEAR_ID, bilinearGame, vectorField } from '../../../dynamics/game.js';
import { eigenvalues2x2, jacobian } from '../../../dynamics/jacobian.js';
import { trajectory, type TrajectoryOptions, type UpdateRule } from '../../../dynamics/rules.js';

const game = bilinearGame();

function bilinearCase(state: Vec2, params: Record<string, unknown>, label?: string): Case {
  return { inputs: { state: vector(state) }, params, grads: true, ...(label ? { label } : {}) };
}

/** The states s₀ … s_T of a trajectory, as float32 numbers read back. */
function path(start: Vec2, options: TrajectoryOptions): Vec2[] {
  const xs = values(trajectory(game, t1(start), options));
  return Array.from({ length: xs.length / 2 }, (_, i) => [xs[2 * i]!, xs[2 * i + 1]!] as Vec2);
}

/** Per-step ratios ‖s_{t+1}‖/‖s_t‖ of a trajectory. */
const ratios = (ps: Vec2[]) => ps.slice(1).map((s, i) => norm2(s) / norm2(ps[i]!));

// Rounding of one step: s_{t+1} = s_t + η·v(s_t) is two float32 roundings per coordinate (a
// relative 1.2e-7 each) on values of the size of ‖s_t‖, and ‖·‖ two more: a ratio of two norms
// is off by ≲ 6 roundings ≈ 4e-7, well inside rtol 1e-5 (1e-5 fails a rate off by 1e-5, i.e. a
// rule whose η is off by 1e-5/η² relative: far smaller than any mistake in a rule).
const RATIO_RTOL = 1e-5;

const nonZeroStart = stateArb(2).filter(([x, y]) => Math.hypot(x, y) > 0.1);

export const bilinear: Spec = defineSpec({
  id: BILINEAR_ID,
  title: 'The bilinear game f(x, y) = xy: field, Jacobian, eigenvalues and update rules',
  reference:
    'Salimans et al. 2016, §3 (xy: gradient descent does not converge); Mescheder, Nowozin & Geiger 2017 (fields, consensus optimization); Gidel et al. 2019 (extragradient); Daskalakis et al. 2018 (optimistic); Metz et al. 2017 (unrolled)',
  section: 'dynamics',
  inputs: { state: STATE_INPUT },
  params: RULE_PARAMS,
  outputs: DYNAMICS_OUTPUTS,
  evaluate: (x, p) => {
    const J = jacobian(game, x.state);
    return {
      field: vectorField(game, x.state),
      jacobian: J,
      eigenvalues: eigenvalues2x2(J),
      trajectory: trajectory(game, x.state, ruleOptions(p)),
    };
  },
  sample: fc
    .tuple(stateArb(2), ruleParamsArb)
    .map(([s, p]) => bilinearCase(s, p as unknown as Record<string, unknown>)),
  edges: [
    bilinearCase([1, 0.5], { rule: 'simultaneous', eta: 0.1, steps: 20 }, 'simultaneous GD spirals out'),
    bilinearCase([1, 0], { rule: 'alternating', eta: 0.5, steps: 12, criticSteps: 2 }, 'alternating, k = 2'),
    bilinearCase([-0.5, 1.5], { rule: 'consensus', eta: 0.2, steps: 12, consensus: 1 }, 'consensus, γ = 1'),
    bilinearCase([0.25, -1], { rule: 'extragradient', eta: 0.3, steps: 12 }, 'extragradient'),
    bilinearCase([1, 1], { rule: 'optimistic', eta: 0.2, steps: 12 }, 'optimistic'),
    bilinearCase([1, -1], { rule: 'unrolled', eta: 0.2, steps: 8, unroll: 3 }, 'unrolled, K = 3'),
    bilinearCase([0, 0], { rule: 'simultaneous', eta: 0.1, steps: 3 }, 'the equilibrium (0, 0) is a fixed point'),
  ],
  secondOrder: false,
  invariants: [
    invariant('v(x, y) = (−y, x); v′ = [[0, −1], [1, 0]] with eigenvalues ±i, at every state', stateArb(5), (s) => {
      const st = t1(s);
      checkAllClose('v', values(vectorField(game, st)), [-s[1], s[0]], 0, 0);
      checkAllClose('v′', values(jacobian(game, st)), [0, -1, 1, 0], 0, 0);
      checkAllClose('eigenvalues', values(eigenvalues2x2(jacobian(game, st))), [0, 1, 0, -1], 0, 0);
    }),
    invariant(
      'simultaneous GD multiplies ‖(x, y)‖ by exactly √(1 + η²) at every step (it diverges)',
      fc.tuple(nonZeroStart, uniform(0.01, 1), fc.integer({ min: 1, max: 30 })),
      ([s, eta, steps]) => {
        for (const r of ratios(path(s, { rule: 'simultaneous', eta, steps })))
          checkClose('‖s_{t+1}‖/‖s_t‖', r, Math.sqrt(1 + eta * eta), RATIO_RTOL, 0);
      },
      30,
    ),
    invariant(
      'alternating GD with k critic steps conserves Q = k·x² + y² + kη·xy and stays bounded (kη² < 4)',
      fc
        .tuple(nonZeroStart, fc.integer({ min: 1, max: 4 }))
        .chain(([s, k]) => fc.tuple(fc.constant(s), fc.constant(k), uniform(0.05, 1.9 / Math.sqrt(k)))),
      ([s, k, eta]) => {
        const Q = ([x, y]: Vec2) => k * x * x + y * y + k * eta * x * y;
        // Q = sᵀPs with P = [[k, kη/2], [kη/2, 1]] ≻ 0: ‖s‖² ≤ Q / λ_min(P).
        const tr = k + 1;
        const det = k - (k * k * eta * eta) / 4;
        const lmin = tr / 2 - Math.sqrt((tr * tr) / 4 - det);
        const q0 = Q(s);
        const ps = path(s, { rule: 'alternating', eta, steps: 100, criticSteps: k });
        // 100 steps of (k + 1) float32 updates each: every update rounds by ≤ 4ε (ε = 1.2e-7)
        // relative to the state's size, and a map of determinant 1 that conserves the P-norm
        // carries each rounding along without growth beyond cond(P) = λ_max/λ_min ≤ (k + 1)/λ_min.
        // So Q drifts by ≲ 100·(k + 1)·4ε·cond(P) relative (between 1e-4 and 2e-2 over the drawn
        // k and η, the large end only as kη² → 4 where P degenerates). A rule that does not
        // conserve Q fails by far more: simultaneous GD multiplies it by ≈ (1 + η²)^100 ≥ 1.28.
        const tol = 100 * (k + 1) * 4 * 1.2e-7 * (tr / lmin);
        for (const [t, p] of ps.entries()) {
          checkClose(`Q(s_${t})`, Q(p), q0, tol, 0);
          checkThat(norm2(p) ** 2 <= (q0 / lmin) * (1 + tol), `‖s_${t}‖² = ${norm2(p) ** 2} > Q/λ_min = ${q0 / lmin}`);
        }
      },
      15,
    ),
    invariant(
      'consensus optimization multiplies ‖(x, y)‖ by √((1 − ηγ)² + η²) per step: it converges whenever that is < 1',
      fc.tuple(nonZeroStart, uniform(0.01, 0.5), uniform(0, 3)),
      ([s, eta, gamma]) => {
        const rate = Math.hypot(1 - eta * gamma, eta);
        const ps = path(s, { rule: 'consensus', eta, steps: 20, consensus: gamma });
        for (const r of ratios(ps)) checkClose('‖s_{t+1}‖/‖s_t‖', r, rate, RATIO_RTOL, 0);
        if (rate < 1) checkThat(norm2(ps[20]!) < norm2(s), 'no decrease although the rate is < 1');
      },
      30,
    ),
    invariant(
      'extragradient multiplies ‖(x, y)‖ by √(1 − η² + η⁴) < 1 per step (0 < η < 1): it converges',
      fc.tuple(nonZeroStart, uniform(0.05, 0.95)),
      ([s, eta]) => {
        const ps = path(s, { rule: 'extragradient', eta, steps: 20 });
        for (const r of ratios(ps)) checkClose('‖s_{t+1}‖/‖s_t‖', r, Math.sqrt(1 - eta ** 2 + eta ** 4), RATIO_RTOL, 0);
        checkThat(norm2(ps[20]!) < norm2(s), 'extragradient did not converge');
      },
      30,
    ),
    invariant(
      'optimistic GD follows s_{t+1} = s_t + η(2v(s_t) − v(s_{t−1})) and converges on xy (η ≤ 0.3, 300 steps)',
      fc.tuple(nonZeroStart, uniform(0.05, 0.3)),
      ([s, eta]) => {
        const ps = path(s, { rule: 'optimistic', eta, steps: 300 });
        const want = bilinearOptimistic(s, eta, 300);
        // A contracting linear recurrence: float32 rounding (≲ 4ε per step of ‖s‖) does not grow,
        // the total stays ≲ 300·4ε·max‖s‖ ≈ 1.5e-4·‖s₀‖.
        for (const t of [1, 2, 10, 100, 300]) checkAllClose(`s_${t}`, ps[t]!, want[t]!, 0, 2e-4 * norm2(s));
        checkThat(norm2(ps[300]!) < 0.8 * norm2(s), `‖s_300‖ = ${norm2(ps[300]!)} from ‖s₀‖ = ${norm2(s)}`);
      },
      15,
    ),
    invariant(
      'unrolled (K) is the linear map [[1 − 2Kη², −η], [η, 1]] (K = 0: simultaneous) and converges for K ≥ 1',
      fc.tuple(nonZeroStart, uniform(0.05, 0.4), fc.integer({ min: 0, max: 4 })),
      ([s, eta, K]) => {
        const M: Mat2 = bilinearStep('unrolled', eta, 1, 0, K);
        const ps = path(s, { rule: 'unrolled', eta, steps: 40, unroll: K });
        let want: Vec2 = s;
        for (let t = 1; t <= 40; t++) {
          want = apply(M, want);
          // Each step rounds by ≤ 4ε relative to the state's size, and the map's gain
          // ‖M‖ ≤ 1 + η² ≤ 1.16 also multiplies the states themselves: relative to
          // max(‖s₀‖, ‖s_t‖) the error stays ≲ 40·4ε ≈ 2e-5, 2e-4 leaves a margin of 10.
          checkAllClose(`s_${t}`, ps[t]!, want, 0, 2e-4 * Math.max(norm2(s), norm2(want)));
        }
        if (K >= 1) checkThat(norm2(ps[40]!) < norm2(s), `‖s_40‖ = ${norm2(ps[40]!)} ≥ ‖s₀‖ with K = ${K}`);
        else checkThat(norm2(ps[40]!) > norm2(s), 'K = 0 must diverge like simultaneous GD');
      },
      20,
    ),
    invariant(
      'every rule keeps the equilibrium (0, 0) fixed, and the trajectory’s first state is the start',
      fc.tuple(
        fc.constantFrom<UpdateRule>(
          'simultaneous',
          'alternating',
          'consensus',
          'extragradient',
          'optimistic',
          'unrolled',
        ),
        stateArb(2),
      ),
      ([rule, s]) => {
        checkAllClose(
          's_t from (0, 0)',
          values(trajectory(game, tf.zeros([2]), { rule, steps: 5 })),
          new Array(12).fill(0),
          0,
          0,
        );
        checkAllClose('s₀', values(trajectory(game, t1(s), { rule, steps: 0 })), s, 0, 0);
      },
      12,
    ),
  ],
  errors: [
    {
      name: 'a state of the wrong length',
      call: () => vectorField(game, tf.zeros([3])),
      error: 'InvalidArgumentError',
      argument: 'state',
    },
    {
      name: 'a non-finite state',
      call: () => jacobian(game, tf.tensor1d([NaN, 0])),
      error: 'InvalidArgumentError',
      argument: 'state',
    },
    {
      name: 'a start of rank 2',
      call: () => trajectory(game, tf.zeros([1, 2])),
      error: 'InvalidArgumentError',
      argument: 'start',
    },
    {
      name: 'an unknown rule',
      call: () => trajectory(game, tf.zeros([2]), { rule: 'adam' as UpdateRule }),
      error: 'InvalidParameterError',
      argument: 'rule',
    },
    {
      name: 'η = 0',
      call: () => trajectory(game, tf.zeros([2]), { eta: 0 }),
      error: 'InvalidParameterError',
      argument: 'eta',
    },
    {
      name: 'a fractional number of steps',
      call: () => trajectory(game, tf.zeros([2]), { steps: 2.5 }),
      error: 'InvalidParameterError',
      argument: 'steps',
    },
    {
      name: 'zero critic steps',
      call: () => trajectory(game, tf.zeros([2]), { rule: 'alternating', criticSteps: 0 }),
      error: 'InvalidParameterError',
      argument: 'criticSteps',
    },
    {
      name: 'a negative consensus weight',
      call: () => trajectory(game, tf.zeros([2]), { rule: 'consensus', consensus: -1 }),
      error: 'InvalidParameterError',
      argument: 'consensus',
    },
    {
      name: 'an unknown option',
      call: () => trajectory(game, tf.zeros([2]), { gamma: 1 } as TrajectoryOptions),
      error: 'InvalidParameterError',
      argument: 'gamma',
    },
  ],
});
