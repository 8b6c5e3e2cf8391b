import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidParameterError } from '../errors.js';
import { checkChoice, checkKnownOptions, checkNumber, describeValue } from '../validate.js';
import { checkState, fieldOf, type Game, gradientOf } from './game.js';

/** The update rules of {@link trajectory}. */
export type UpdateRule = 'simultaneous' | 'alternating' | 'consensus' | 'extragradient' | 'optimistic' | 'unrolled';
/** Every update rule. */
export const UPDATE_RULES: readonly UpdateRule[] = [
  'simultaneous',
  'alternating',
  'consensus',
  'extragradient',
  'optimistic',
  'unrolled',
];

/** Options of {@link trajectory}. */
export interface TrajectoryOptions {
  /** The update rule. Default 'simultaneous'. */
  rule?: UpdateRule;
  /** The step size η > 0. Default 0.1. */
  eta?: number;
  /** The number of steps T, an integer ≥ 0. Default 100. */
  steps?: number;
  /** 'alternating': k, the critic (player 2) steps per generator step, an integer ≥ 1. Default 1. */
  criticSteps?: number;
  /** 'consensus': γ ≥ 0, the weight of ∇½‖v‖². Default 1. */
  consensus?: number;
  /** 'unrolled': K, the critic steps unrolled in the generator's surrogate, an integer ≥ 0. Default 5. */
  unroll?: number;
}

/** Validated trajectory options. */
export interface CheckedTrajectoryOptions {
  rule: UpdateRule;
  eta: number;
  steps: number;
  criticSteps: number;
  consensus: number;
  unroll: number;
}

function checkInteger(spec: string, name: string, value: unknown, min: number): number {
  const v = checkNumber(spec, name, value, { min });
  if (!Number.isInteger(v)) throw new InvalidParameterError(spec, name, `an integer ≥ ${min}`, describeValue(value));
  return v;
}

/** Validates trajectory options for a game (errors name the game's spec). */
export function checkTrajectoryOptions(spec: string, options: TrajectoryOptions | undefined): CheckedTrajectoryOptions {
  checkKnownOptions(spec, options, ['rule', 'eta', 'steps', 'criticSteps', 'consensus', 'unroll']);
  const o = options ?? {};
  return {
    rule: checkChoice(spec, 'rule', o.rule ?? 'simultaneous', UPDATE_RULES),
    eta: checkNumber(spec, 'eta', o.eta ?? 0.1, { min: 0, minExclusive: true }),
    steps: checkInteger(spec, 'steps', o.steps ?? 100, 0),
    criticSteps: checkInteger(spec, 'criticSteps', o.criticSteps ?? 1, 1),
    consensus: checkNumber(spec, 'consensus', o.consensus ?? 1, { min: 0 }),
    unroll: checkInteger(spec, 'unroll', o.unroll ?? 5, 0),
  };
}

/** Player 1's and player 2's parts of a state. */
function split(game: Game, s: tf.Tensor1D): [tf.Tensor1D, tf.Tensor1D] {
  const [p, q] = game.players;
  return [tf.slice(s, 0, p), tf.slice(s, p, q)];
}

/** s with player 2's part moved by η·v₂ k times (the critic's gradient steps, player 1 fixed). */
function criticSteps(game: Game, s: tf.Tensor1D, eta: number, k: number): tf.Tensor1D {
  const p = game.players[0];
  let t = s;
  for (let i = 0; i < k; i++) {
    const [, v2] = split(game, fieldOf(game, t));
    t = tf.concat([tf.slice(t, 0, p), tf.add(tf.slice(t, p, game.players[1]), tf.mul(eta, v2))]) as tf.Tensor1D;
  }
  return t;
}

/**
 * Runs an update rule on a game's field v (see `Game`: ẋ = v, so each player descends its own
 * loss) from a start point, for T steps of size η, and returns every state, s₀ … s_T. Every step
 * is TF.js ops on the tape: the trajectory can be differentiated with respect to the start point.
 *
 * The rules (s = (s₁, s₂): player 1, then player 2 the critic):
 * - 'simultaneous': s ← s + η·v(s).
 * - 'alternating' (k critic steps per generator step): k times s₂ ← s₂ + η·v₂(s₁, s₂), then
 *   s₁ ← s₁ + η·v₁(s₁, s₂) at the new s₂ (Goodfellow et al. 2014, Algorithm 1 with k steps; the
 *   xy game then conserves k·x² + y² + kη·xy, a bounded orbit for kη² < 4).
 * - 'consensus' (γ): s ← s + η·(v − γ∇½‖v‖²) (Mescheder, Nowozin & Geiger 2017, Algorithm 2).
 * - 'extragradient': s̃ = s + η·v(s), s ← s + η·v(s̃) (Korpelevich 1976; Gidel et al. 2019).
 * - 'optimistic': s_{t+1} = s_t + η·(2v(s_t) − v(s_{t−1})), with v(s_{−1}) = v(s₀) (optimistic
 *   mirror descent, Daskalakis, Ilyas, Syrgkanis & Zeng 2018, eq. 5).
 * - 'unrolled' (K): player 2 takes a plain step; player 1 descends the surrogate
 *   L₁(s₁, s₂^K(s₁, s₂)), s₂^{j+1} = s₂^j + η·v₂(s₁, s₂^j), differentiated through the K critic
 *   steps (Metz, Poole, Pfau & Sohl-Dickstein 2017, eq. 4–6, with SGD in the unrolling). K = 0
 *   is 'simultaneous'.
 *
 * @param game the game (its field; 'unrolled' uses its losses)
 * @param start s₀, a finite 1-D tensor of length p + q
 * @param options the rule, η, T and the rule's parameter
 * @returns the states [T + 1, p + q], s₀ first
 */
export function trajectory(game: Game, start: tf.Tensor, options?: TrajectoryOptions): tf.Tensor2D {
  ensureGradients();
  const o = checkTrajectoryOptions(game.spec, options);
  const s0 = checkState(game, start, 'start');
  return tf.tidy(() => runTrajectory(game, s0, o));
}

/** {@link trajectory} on validated arguments. Call inside `tf.tidy`. */
export function runTrajectory(game: Game, s0: tf.Tensor1D, o: CheckedTrajectoryOptions): tf.Tensor2D {
  const { eta } = o;
  const [p, q] = game.players;
  const states: tf.Tensor1D[] = [s0];
  let s = s0;
  let previous: tf.Tensor1D | undefined;
  for (let t = 0; t < o.steps; t++) {
    switch (o.rule) {
      case 'simultaneous':
        s = tf.add(s, tf.mul(eta, fieldOf(game, s))) as tf.Tensor1D;
        break;
      case 'alternating': {
        const c = criticSteps(game, s, eta, o.criticSteps);
        const [v1] = split(game, fieldOf(game, c));
        s = tf.concat([tf.add(tf.slice(c, 0, p), tf.mul(eta, v1)), tf.slice(c, p, q)]) as tf.Tensor1D;
        break;
      }
      case 'consensus': {
        const v = fieldOf(game, s);
        const gradL = gradientOf((x) => tf.mul(0.5, tf.sum(tf.square(fieldOf(game, x)))) as tf.Scalar, s);
        s = tf.add(s, tf.mul(eta, tf.sub(v, tf.mul(o.consensus, gradL)))) as tf.Tensor1D;
        break;
      }
      case 'extragradient': {
        const look = tf.add(s, tf.mul(eta, fieldOf(game, s))) as tf.Tensor1D;
        s = tf.add(s, tf.mul(eta, fieldOf(game, look))) as tf.Tensor1D;
        break;
      }
      case 'optimistic': {
        const v = fieldOf(game, s);
        const before = previous ?? v;
        s = tf.add(s, tf.mul(eta, tf.sub(tf.mul(2, v), before))) as tf.Tensor1D;
        previous = v;
        break;
      }
      case 'unrolled': {
        const [, v2] = split(game, fieldOf(game, s));
        const surrogate = (x: tf.Tensor1D) => game.losses(criticSteps(game, x, eta, o.unroll))[0];
        const g1 = tf.slice(gradientOf(surrogate, s), 0, p);
        s = tf.add(s, tf.mul(eta, tf.concat([tf.neg(g1), v2]))) as tf.Tensor1D;
        break;
      }
    }
    states.push(s);
  }
  return tf.stack(states) as tf.Tensor2D;
}
