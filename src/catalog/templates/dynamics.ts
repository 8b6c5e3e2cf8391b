import * as fc from 'fast-check';
import { choice, numberParam } from '../define.js';
import { f32, uniform } from '../arbitraries.js';
import type { InputDecl } from '../types.js';
import { type DiracObjective, type DiracRegularizer } from '../../dynamics/game.js';
import { type TrajectoryOptions, UPDATE_RULES, type UpdateRule } from '../../dynamics/rules.js';

/**
 * Shared by the `dynamics/*` records: the update-rule parameters, the state input, and float64
 * references (the Dirac-GAN field in closed form, Jacobians by central differences of it, 2×2
 * eigenvalues, linear maps of the bilinear game's rules).
 */

export const STATE_INPUT: InputDecl<'game-state'> = {
  kind: 'game-state',
  doc: 'the state s = (player 1, player 2), [2]',
};

/** The parameters of `trajectory` (the library's defaults). */
export const RULE_PARAMS = {
  rule: choice("the update rule of the 'trajectory' output", 'simultaneous', UPDATE_RULES),
  eta: numberParam('the step size η > 0', 0.1),
  steps: numberParam('T, the number of steps, an integer ≥ 0', 100),
  criticSteps: numberParam("'alternating': k critic steps per generator step, an integer ≥ 1", 1),
  consensus: numberParam("'consensus': γ ≥ 0, the weight of ∇½‖v‖²", 1),
  unroll: numberParam("'unrolled': K unrolled critic steps, an integer ≥ 0", 5),
};

export const DYNAMICS_OUTPUTS = ['field', 'jacobian', 'eigenvalues', 'trajectory'] as const;

/** The trajectory options of a case's parameters. */
export function ruleOptions(p: {
  rule?: UpdateRule;
  eta?: number;
  steps?: number;
  criticSteps?: number;
  consensus?: number;
  unroll?: number;
}): TrajectoryOptions {
  return {
    rule: p.rule,
    eta: p.eta,
    steps: p.steps,
    criticSteps: p.criticSteps,
    consensus: p.consensus,
    unroll: p.unroll,
  };
}

/** Random rule parameters for cross-checks: short trajectories (T ≤ 12) with moderate steps. */
export const ruleParamsArb = fc.record({
  rule: fc.constantFrom(...UPDATE_RULES),
  eta: uniform(0.01, 0.5),
  steps: fc.integer({ min: 0, max: 12 }),
  criticSteps: fc.integer({ min: 1, max: 3 }),
  consensus: uniform(0, 2),
  unroll: fc.integer({ min: 0, max: 3 }),
});

/** A state (two coordinates in [−lo, lo]), rounded to float32. */
export const stateArb = (lo = 2) => fc.tuple(uniform(-lo, lo), uniform(-lo, lo));

// ---------------------------------------------------------------------------------------------
// float64 references
// ---------------------------------------------------------------------------------------------

export type Vec2 = [number, number];
export type Mat2 = [[number, number], [number, number]];

export const norm2 = (s: readonly number[]) => Math.hypot(...s);

export const apply = (m: Mat2, s: Vec2): Vec2 => [m[0][0] * s[0] + m[0][1] * s[1], m[1][0] * s[0] + m[1][1] * s[1]];

/**
 * One step of each rule on the bilinear game v(x, y) = (−y, x), as a 2×2 matrix (float64): every
 * rule is linear there. 'optimistic' is not a one-step map (it has memory) and is left out.
 */
export function bilinearStep(
  rule: Exclude<UpdateRule, 'optimistic'>,
  eta: number,
  k: number,
  gamma: number,
  K: number,
): Mat2 {
  switch (rule) {
    case 'simultaneous':
      return [
        [1, -eta],
        [eta, 1],
      ];
    case 'alternating':
      // k critic steps y ← y + ηx, then x ← x − ηy.
      return [
        [1 - k * eta * eta, -eta],
        [k * eta, 1],
      ];
    case 'consensus':
      // w = v − γ∇½‖v‖² = (−y − γx, x − γy).
      return [
        [1 - eta * gamma, -eta],
        [eta, 1 - eta * gamma],
      ];
    case 'extragradient':
      // I + ηA + η²A² with A = [[0, −1], [1, 0]], A² = −I.
      return [
        [1 - eta * eta, -eta],
        [eta, 1 - eta * eta],
      ];
    case 'unrolled':
      // y^K = y + Kηx, surrogate x·y^K, ∂/∂x = y + 2Kηx; the critic steps y ← y + ηx.
      return [
        [1 - 2 * K * eta * eta, -eta],
        [eta, 1],
      ];
  }
}

/** The optimistic recurrence on the bilinear game in float64: s₀ … s_T. */
export function bilinearOptimistic(s0: Vec2, eta: number, steps: number): Vec2[] {
  const v = (s: Vec2): Vec2 => [-s[1], s[0]];
  const out: Vec2[] = [s0];
  let s = s0;
  let prev = v(s0);
  for (let t = 0; t < steps; t++) {
    const cur = v(s);
    s = [s[0] + eta * (2 * cur[0] - prev[0]), s[1] + eta * (2 * cur[1] - prev[1])];
    prev = cur;
    out.push(s);
  }
  return out;
}

const sigmoid = (t: number) => (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)));
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The Dirac-GAN's configuration for the float64 references. */
export interface Dirac64 {
  objective: DiracObjective;
  regularizer: DiracRegularizer;
  gamma: number;
  lambda: number;
  sigma: number;
  noiseReal?: readonly number[];
  noiseFake?: readonly number[];
}

/**
 * The Dirac-GAN's gradient-play field in closed form (float64), derived by hand from the losses
 * (see `diracGan`): with real samples r_i = σε_r,i (or 0) and fake f_i = θ + σε_f,i (or θ),
 * l = ψ·x, v = (−∂_θ L_G, −∂_ψ L_D). Without the 'consensus' modification (see `diracField64`).
 */
function diracGradientPlay64(s: Vec2, c: Dirac64): Vec2 {
  const [theta, psi] = s;
  const noisy = c.regularizer === 'instance-noise';
  const real = noisy ? c.noiseReal!.map((e) => c.sigma * e) : [0];
  const fake = noisy ? c.noiseFake!.map((e) => theta + c.sigma * e) : [theta];
  let dGen: number; // ∂_θ L_G
  let dDisc: number; // ∂_ψ L_D
  switch (c.objective) {
    case 'minimax':
    case 'non-saturating':
      // L_D = mean softplus(−ψr) + mean softplus(ψf)
      dDisc = mean(real.map((r) => -r * sigmoid(-psi * r))) + mean(fake.map((f) => f * sigmoid(psi * f)));
      dGen =
        c.objective === 'minimax'
          ? -mean(fake.map((f) => psi * sigmoid(psi * f))) // L_G = −mean softplus(ψf)
          : -mean(fake.map((f) => psi * sigmoid(-psi * f))); // L_G = mean softplus(−ψf)
      break;
    case 'wasserstein':
      dDisc = mean(fake) - mean(real);
      dGen = -psi;
      break;
    case 'hinge':
      // L_D = mean relu(1 − ψr) + mean relu(1 + ψf)
      dDisc = mean(real.map((r) => (1 - psi * r > 0 ? -r : 0))) + mean(fake.map((f) => (1 + psi * f > 0 ? f : 0)));
      dGen = -psi;
      break;
  }
  if (c.regularizer === 'r1' || c.regularizer === 'r2') dDisc += c.gamma * psi; // γ/2·ψ²
  if (c.regularizer === 'gradient-penalty') dDisc += 2 * c.lambda * (Math.abs(psi) - 1) * Math.sign(psi); // λ(|ψ| − 1)²
  return [-dGen, -dDisc];
}

/** Central-difference Jacobian of a field in float64 (h = 1e-6: error O(h²·v‴ + ε/h) ≈ 1e-10). */
export function fdJacobian64(field: (s: Vec2) => Vec2, s: Vec2, h = 1e-6): Mat2 {
  const col = (j: 0 | 1): Vec2 => {
    const p: Vec2 = [...s];
    const m: Vec2 = [...s];
    p[j] += h;
    m[j] -= h;
    const a = field(p);
    const b = field(m);
    return [(a[0] - b[0]) / (2 * h), (a[1] - b[1]) / (2 * h)];
  };
  const c0 = col(0);
  const c1 = col(1);
  return [
    [c0[0], c1[0]],
    [c0[1], c1[1]],
  ];
}

/** The Dirac-GAN's field in float64, consensus included: w = v − γ·v′ᵀv (v′ by central differences). */
export function diracField64(s: Vec2, c: Dirac64): Vec2 {
  const v = diracGradientPlay64(s, c);
  if (c.regularizer !== 'consensus') return v;
  const J = fdJacobian64((t) => diracGradientPlay64(t, c), s, 1e-5);
  return [v[0] - c.gamma * (J[0][0] * v[0] + J[1][0] * v[1]), v[1] - c.gamma * (J[0][1] * v[0] + J[1][1] * v[1])];
}

/** Eigenvalues of a real 2×2 matrix in float64, in `eigenvalues2x2`'s order: [[re, im], [re, im]]. */
export function eig2x2_64(m: Mat2): [Vec2, Vec2] {
  const h = (m[0][0] + m[1][1]) / 2;
  const det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
  const delta = h * h - det;
  if (delta >= 0) {
    const r = Math.sqrt(delta);
    return [
      [h + r, 0],
      [h - r, 0],
    ];
  }
  const r = Math.sqrt(-delta);
  return [
    [h, r],
    [h, -r],
  ];
}

/** The closed-form eigenvalues of the Dirac-GAN's Jacobian at (0, 0) (Mescheder et al. 2018; see `diracGan`). */
export function diracEigenvalues64(c: Dirac64): [Vec2, Vec2] {
  const a = c.objective === 'wasserstein' || c.objective === 'hinge' ? 1 : 0.5; // f′(0)
  const f2 = c.objective === 'wasserstein' || c.objective === 'hinge' ? 0 : -0.25; // f″(0)
  switch (c.regularizer) {
    case 'none':
      return [
        [0, a],
        [0, -a],
      ];
    case 'r1':
    case 'r2': {
      // −γ/2 ± √(γ²/4 − f′(0)²)
      const d = (c.gamma * c.gamma) / 4 - a * a;
      return d >= 0
        ? [
            [-c.gamma / 2 + Math.sqrt(d), 0],
            [-c.gamma / 2 - Math.sqrt(d), 0],
          ]
        : [
            [-c.gamma / 2, Math.sqrt(-d)],
            [-c.gamma / 2, -Math.sqrt(-d)],
          ];
    }
    case 'instance-noise': {
      // J = [[0, a], [−a, f″(0)σ²(m_r + m_f)]]: h = f″(0)σ²(m_r + m_f)/2, eigenvalues h ± √(h² − a²)
      const m2 = (xs: readonly number[]) => mean(xs.map((e) => e * e));
      const h = (f2 * c.sigma * c.sigma * (m2(c.noiseReal!) + m2(c.noiseFake!))) / 2;
      const d = h * h - a * a;
      return d >= 0
        ? [
            [h + Math.sqrt(d), 0],
            [h - Math.sqrt(d), 0],
          ]
        : [
            [h, Math.sqrt(-d)],
            [h, -Math.sqrt(-d)],
          ];
    }
    case 'consensus':
      // J − γJᵀJ = [[−γa², a], [−a, −γa²]]: −γa² ± i·a
      return [
        [-c.gamma * a * a, a],
        [-c.gamma * a * a, -a],
      ];
    case 'gradient-penalty':
      throw new Error('WGAN-GP: the field is not differentiable at the equilibrium (0, 0)');
  }
}

/** Rounds a list to float32. */
export const f32s = (xs: readonly number[]) => xs.map(f32);
