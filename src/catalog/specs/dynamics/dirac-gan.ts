import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { choice, defineSpec, numberParam } from '../../define.js';
import { f32, uniform, vector } from '../../arbitraries.js';
import { checkAllClose, checkThat, invariant, values } from '../../invariant.js';
import {
  type Dirac64,
  diracEigenvalues64,
  diracField64,
  eig2x2_64,
  DYNAMICS_OUTPUTS,
  fdJacobian64,
  norm2,
  RULE_PARAMS,
  ruleOptions,
  ruleParamsArb,
  STATE_INPUT,
  type Vec2,
} from '../../templates/dynamics.js';
import { t1 } from '../../tensors.js';
import type { Case, Spec } from '../../types.js';
import {
  DIRAC_GAN_ID,
  DIRAC_OBJECTIVES,
  DIRAC_REGULARIZERS,
  diracGan,
  type DiracGanOptions,
  type DiracObjective,
  type DiracRegularizer,
  vectorField,
} from '../../../dynamics/game.js';
import { eigenvalues2x2, jacobian } from '../../../dynamics/jacobian.js';
import { trajectory } from '../../../dynamics/rules.js';
import { InvalidArgumentError } from '../../../errors.js';

const EPS32 = 1.2e-7;

interface DiracDraw extends Dirac64 {
  state: Vec2;
}

/** The library game of a draw (noise as tensors; call inside `tf.tidy`). */
function gameOf(d: Dirac64) {
  const noisy = d.regularizer === 'instance-noise';
  return diracGan({
    objective: d.objective,
    regularizer: d.regularizer,
    gamma: d.gamma,
    lambda: d.lambda,
    sigma: d.sigma,
    ...(noisy ? { noiseReal: t1([...d.noiseReal!]), noiseFake: t1([...d.noiseFake!]) } : {}),
  });
}

function diracCase(d: DiracDraw, rule: Record<string, unknown>, label?: string): Case {
  const noisy = d.regularizer === 'instance-noise';
  return {
    inputs: {
      state: vector(d.state),
      ...(noisy ? { noiseReal: vector([...d.noiseReal!]), noiseFake: vector([...d.noiseFake!]) } : {}),
    },
    params: {
      objective: d.objective,
      regularizer: d.regularizer,
      gamma: d.gamma,
      lambda: d.lambda,
      sigma: d.sigma,
      ...rule,
    },
    grads: true,
    ...(label ? { label } : {}),
  };
}

const noiseArb = (n: number) => fc.array(uniform(-2, 2), { minLength: n, maxLength: n });

/**
 * A configuration and a state. Under 'gradient-penalty' |ψ| ≥ 0.5 (and λ ≤ 2.5): the field is not
 * differentiable at ψ = 0 (|ψ|), where implementations may pick different subgradients, and near
 * it ganref's float32 third derivatives lose accuracy (see `tolerance` below).
 */
const diracDraw = (lo = 1.5): fc.Arbitrary<DiracDraw> =>
  fc
    .record({
      objective: fc.constantFrom(...DIRAC_OBJECTIVES),
      regularizer: fc.constantFrom(...DIRAC_REGULARIZERS),
      gamma: uniform(0.1, 3),
      lambda: uniform(0.1, 2.5),
      sigma: uniform(0, 1.5),
      n: fc.integer({ min: 1, max: 6 }),
      theta: uniform(-lo, lo),
      psi: uniform(-lo, lo),
    })
    .chain((r) => fc.tuple(fc.constant(r), noiseArb(r.n), noiseArb(r.n)))
    .map(([r, a, b]) => {
      const psi =
        r.regularizer === 'gradient-penalty'
          ? f32(Math.sign(r.psi || 1) * (0.5 + (Math.abs(r.psi) * (lo - 0.5)) / lo))
          : r.psi;
      const d: DiracDraw = {
        objective: r.objective,
        regularizer: r.regularizer,
        gamma: r.gamma,
        lambda: r.lambda,
        sigma: r.sigma,
        state: [r.theta, psi],
      };
      return r.regularizer === 'instance-noise' ? { ...d, noiseReal: a, noiseFake: b } : d;
    });

/**
 * Antithetic noise (ε and −ε): the sample mean is 0, so (0, 0) stays an equilibrium of the noisy
 * game (v_ψ(0, 0) = σ(mean ε_r − mean ε_f)/2 vanishes when both means do).
 */
const antithetic = (n: number) => noiseArb(n).map((e) => [...e, ...e.map((x) => -x)]);

/** A configuration at the equilibrium (0, 0), for the closed-form eigenvalues (not WGAN-GP). */
const equilibriumDraw: fc.Arbitrary<DiracDraw> = fc
  .record({
    objective: fc.constantFrom(...DIRAC_OBJECTIVES),
    regularizer: fc.constantFrom<DiracRegularizer>('none', 'r1', 'r2', 'instance-noise', 'consensus'),
    gamma: fc.oneof(uniform(0.1, 4), fc.constantFrom(0.5, 2)),
    sigma: uniform(0, 2),
    n: fc.integer({ min: 1, max: 4 }),
  })
  .chain((r) => fc.tuple(fc.constant(r), antithetic(r.n), antithetic(r.n)))
  .map(([r, a, b]) => ({
    objective: r.objective,
    regularizer: r.regularizer,
    gamma: r.gamma,
    lambda: 1,
    sigma: r.sigma,
    state: [0, 0] as Vec2,
    ...(r.regularizer === 'instance-noise' ? { noiseReal: a, noiseFake: b } : {}),
  }));

const BASE: Omit<DiracDraw, 'objective' | 'regularizer' | 'state'> = { gamma: 1, lambda: 1, sigma: 1 };
const EDGE_NOISE = { noiseReal: [1, -1, 0.5, -0.5], noiseFake: [0.25, -0.25, 1.5, -1.5] };

/** The methods of the paper's convergence table, each with its claimed local behaviour. */
const METHODS: { name: string; d: Dirac64; converges: boolean }[] = [
  { name: 'GAN, unregularized', d: { ...BASE, objective: 'non-saturating', regularizer: 'none' }, converges: false },
  { name: 'WGAN', d: { ...BASE, objective: 'wasserstein', regularizer: 'none' }, converges: false },
  {
    name: 'WGAN, instance noise',
    d: { ...BASE, objective: 'wasserstein', regularizer: 'instance-noise', ...EDGE_NOISE },
    converges: false,
  },
  { name: 'GAN, R1 (γ = 1)', d: { ...BASE, objective: 'non-saturating', regularizer: 'r1' }, converges: true },
  { name: 'GAN, R2 (γ = 1)', d: { ...BASE, objective: 'minimax', regularizer: 'r2' }, converges: true },
  {
    name: 'GAN, instance noise (σ = 1)',
    d: { ...BASE, objective: 'non-saturating', regularizer: 'instance-noise', ...EDGE_NOISE },
    converges: true,
  },
  {
    name: 'GAN, consensus (γ = 1)',
    d: { ...BASE, objective: 'non-saturating', regularizer: 'consensus' },
    converges: true,
  },
  { name: 'WGAN, R1 (γ = 1)', d: { ...BASE, objective: 'wasserstein', regularizer: 'r1' }, converges: true },
];

export const diracGanSpec: Spec = defineSpec({
  id: DIRAC_GAN_ID,
  title: 'The Dirac-GAN: field, Jacobian, eigenvalues and update rules under each objective and regularizer',
  reference:
    'Mescheder, Geiger & Nowozin 2018, Which Training Methods for GANs do actually Converge?, §2.2 (Dirac-GAN), §3 (WGAN, WGAN-GP, instance noise, consensus), §4 eq. 9–10 (R1, R2)',
  section: 'dynamics',
  inputs: {
    state: { ...STATE_INPUT, doc: 'the state s = (θ, ψ): the generator’s point and the discriminator’s slope, [2]' },
    noiseReal: { kind: 'noise', optional: true, doc: "'instance-noise': ε of the real samples σε, [n]" },
    noiseFake: { kind: 'noise', optional: true, doc: "'instance-noise': ε of the generated samples θ + σε, [n]" },
  },
  params: {
    objective: choice('the objective', 'non-saturating', DIRAC_OBJECTIVES),
    regularizer: choice('the regularizer', 'none', DIRAC_REGULARIZERS),
    gamma: numberParam("γ ≥ 0 of 'r1', 'r2' and 'consensus'", 1),
    lambda: numberParam("λ ≥ 0 of 'gradient-penalty'", 1),
    sigma: numberParam("σ ≥ 0 of 'instance-noise'", 1),
    ...RULE_PARAMS,
  },
  outputs: DYNAMICS_OUTPUTS,
  evaluate: (x, p) => {
    const options: DiracGanOptions = {
      objective: p.objective,
      regularizer: p.regularizer,
      gamma: p.gamma,
      lambda: p.lambda,
      sigma: p.sigma,
      ...(x.noiseReal ? { noiseReal: x.noiseReal } : {}),
      ...(x.noiseFake ? { noiseFake: x.noiseFake } : {}),
    };
    const game = diracGan(options);
    const J = jacobian(game, x.state);
    return {
      field: vectorField(game, x.state),
      jacobian: J,
      eigenvalues: eigenvalues2x2(J),
      trajectory: trajectory(game, x.state, ruleOptions(p)),
    };
  },
  sample: fc
    .tuple(
      diracDraw(),
      ruleParamsArb.map((r) => ({ ...r, steps: Math.min(r.steps, 6) })),
    )
    .map(([d, r]) => diracCase(d, r)),
  edges: [
    diracCase(
      { ...BASE, objective: 'non-saturating', regularizer: 'none', state: [0.5, -0.25] },
      { rule: 'simultaneous', eta: 0.1, steps: 8 },
      'non-saturating, unregularized',
    ),
    diracCase(
      { ...BASE, objective: 'minimax', regularizer: 'none', state: [0, 0] },
      { rule: 'alternating', eta: 0.2, steps: 4, criticSteps: 2 },
      'closed form: minimax at the equilibrium, eigenvalues ±i/2',
    ),
    diracCase(
      { ...BASE, objective: 'wasserstein', regularizer: 'none', state: [1, 0.5] },
      { rule: 'extragradient', eta: 0.2, steps: 6 },
      'closed form: WGAN, v = (ψ, −θ)',
    ),
    diracCase(
      { ...BASE, gamma: 2, objective: 'non-saturating', regularizer: 'r1', state: [0, 0] },
      { rule: 'simultaneous', eta: 0.2, steps: 6 },
      'closed form: R1 (γ = 2) at the equilibrium, eigenvalues −1 ± √3/2',
    ),
    diracCase(
      { ...BASE, gamma: 0.5, objective: 'minimax', regularizer: 'r2', state: [0.3, 0.6] },
      { rule: 'optimistic', eta: 0.2, steps: 6 },
      'R2 (γ = 0.5)',
    ),
    diracCase(
      { ...BASE, objective: 'wasserstein', regularizer: 'gradient-penalty', lambda: 2, state: [0.4, 0.3] },
      { rule: 'simultaneous', eta: 0.1, steps: 6 },
      'WGAN-GP (λ = 2), ψ away from the kink at 0',
    ),
    diracCase(
      { ...BASE, sigma: 0.7, objective: 'non-saturating', regularizer: 'instance-noise', state: [0, 0], ...EDGE_NOISE },
      { rule: 'unrolled', eta: 0.2, steps: 4, unroll: 2 },
      'closed form: instance noise (σ = 0.7) at the equilibrium',
    ),
    diracCase(
      { ...BASE, gamma: 1.5, objective: 'non-saturating', regularizer: 'consensus', state: [0.2, -0.4] },
      { rule: 'simultaneous', eta: 0.1, steps: 4 },
      'consensus (γ = 1.5)',
    ),
    diracCase(
      { ...BASE, objective: 'hinge', regularizer: 'r1', state: [0.3, 0.2] },
      { rule: 'consensus', eta: 0.1, steps: 4, consensus: 0.5 },
      'hinge with R1, consensus rule',
    ),
  ],
  // Gradients here are up to third derivatives of the losses: grad:jacobian:* always, and
  // grad:trajectory:* under the 'consensus' rule or regularizer (the step holds v′ᵀv, its
  // derivative v″) — the chains the default table gives Hessian-vector products, hence their rtol
  // 1e-4. A T-step trajectory's gradient is a product of T such Jacobians of the step map, each
  // ≈ 20 roundings: a relative error ≲ T·20u ≈ 7e-6 for T ≤ 6, amplified where the product's
  // terms cancel (measured: 2.4e-5 relative on a 150-case live run, with the oracle's own float32
  // off by 1.8e-5, on a consensus/WGAN-GP case whose gradient is 191; rtol 2e-5 failed it by 1.2).
  // atol: under 'gradient-penalty' the penalty λ(‖∇ₓD‖ − 1)² reaches ψ through the norm
  // ‖ψ‖ = |ψ|, whose second and third derivatives are 0 in exact arithmetic but are formed by
  // ganref's norm gradients from terms of size λ/|ψ| and λ/ψ² that cancel: float32 leaves
  // ≈ 5u·λ/ψ² of them (u = 2⁻²⁴; measured 2.3–4.8 u·λ/ψ² on four cases with |ψ| ≥ 0.05), which
  // the oracle's closed form does not have, so no tie-break applies. The sampled GP cases keep
  // λ/ψ² ≤ 10 (|ψ| ≥ 0.5, λ ≤ 2.5): ≤ 3e-6, and atol 1e-5 covers it with a margin of 3; it only
  // matters for gradients that are 0 in exact arithmetic.
  // value rtol: a trajectory's last states carry the rounding of every step amplified by the
  // step maps, ≈ u·A with A = ‖∂s_T/∂s₀‖ (the oracle's own float32 shows the same). Measured: a
  // consensus/WGAN-GP case with A ≈ 191 is off by 1.06e-5 relative (u·A = 1.1e-5), 0.91× of the
  // default bound 1e-5 relative + 1e-6 absolute; 3e-5 holds A up to ≈ 500. This bound is
  // measured (fixtures and two 150-case live runs, seeds 777 and 31337), not proven: a sampled
  // case with a larger A would need the conditioning of its own trajectory.
  tolerance: { value: { rtol: 3e-5 }, grad: { rtol: 1e-4, atol: 1e-5 } },
  secondOrder: false,
  invariants: [
    invariant(
      'the field v = (−∂_θ L_G, −∂_ψ L_D) equals its closed form in float64 for every objective and regularizer',
      diracDraw(2),
      (d) => {
        const want = diracField64(d.state, d);
        // A few float32 roundings (a sigmoid, a product, a batch mean of ≤ 6 terms) per term;
        // consensus adds v′ᵀv, a product of terms of size ≤ (1 + γ)(1 + |θ| + |ψ|)²: 1e-5
        // relative to that scale covers ≈ 80 roundings.
        const scale = (1 + d.gamma + d.lambda) * (1 + norm2(d.state) + d.sigma * 2) ** 2;
        checkAllClose('v', values(vectorField(gameOf(d), t1(d.state))), want, 1e-5, 1e-5 * scale);
      },
      60,
    ),
    invariant(
      'the Jacobian v′ by autodiff equals central differences of the float64 closed-form field',
      diracDraw(2),
      (d) => {
        const J = values(jacobian(gameOf(d), t1(d.state)));
        const want = fdJacobian64((s) => diracField64(s, d), d.state).flat();
        // Central differences with h = 1e-6 in float64: truncation h²·|v‴|/6 ≲ 1e-11 and
        // cancellation 1e-16·|v|/h ≲ 1e-9 (consensus: its inner differences with h = 1e-5 add
        // 1e-16·|v|/1e-10 ≈ 1e-6·|v|, hence the 1e-5 absolute term). The float32 Jacobian is a
        // second derivative (a third with consensus): ≈ 100 roundings, 1e-4 relative to the
        // scale of its largest terms.
        const scale = (1 + d.gamma + d.lambda) * (1 + norm2(d.state) + d.sigma * 2) ** 3;
        checkAllClose('v′', J, want, 1e-4, 1e-5 * scale);
      },
      40,
    ),
    invariant(
      'at the equilibrium (0, 0): v = 0 and the eigenvalues of v′ equal the paper’s closed forms (±i·f′(0); R1/R2: −γ/2 ± √(γ²/4 − f′(0)²); instance noise: f″(0)σ²m ± √(…); consensus: −γf′(0)² ± i·f′(0))',
      equilibriumDraw,
      (d) => {
        const game = gameOf(d);
        const zero = tf.zeros([2]);
        checkAllClose('v(0, 0)', values(vectorField(game, zero)), [0, 0], 0, 1e-6);
        const J = values(jacobian(game, zero));
        const got = values(eigenvalues2x2(tf.tensor2d(J, [2, 2])));
        const want = diracEigenvalues64(d).flat();
        // The eigenvalues are h ± √Δ with Δ = h² − det J: J's float32 entries (≈ 20 roundings of
        // terms of size s = h² + |det|) put an error a ≈ 40ε·s on Δ, hence on √Δ at most
        // min(√a, a/(2√|Δ|)) (√ is steep near a double eigenvalue); the mean h is accurate.
        const h = (J[0]! + J[3]!) / 2;
        const det = J[0]! * J[3]! - J[1]! * J[2]!;
        const a = 40 * EPS32 * (h * h + Math.abs(det));
        const delta = Math.abs(h * h - det);
        const atol = 1e-6 + Math.min(Math.sqrt(a), a / (2 * Math.sqrt(delta) || 1));
        checkAllClose(`eigenvalues (${d.objective}, ${d.regularizer})`, got, want, 1e-5, atol);
      },
      60,
    ),
    invariant(
      "the paper's convergence table from trajectories: simultaneous GD (η = 0.2, 300 steps, from near (0, 0)) converges exactly when the eigenvalues λ of v′(0, 0) give |1 + ηλ| < 1",
      fc.tuple(fc.constantFrom(...METHODS), uniform(0.05, 0.2), uniform(-0.2, 0.2)),
      ([m, theta, psi]) => {
        const game = gameOf(m.d);
        const eta = 0.2;
        const ev = values(eigenvalues2x2(jacobian(game, tf.zeros([2]))));
        const radius = Math.max(Math.hypot(1 + eta * ev[0]!, eta * ev[1]!), Math.hypot(1 + eta * ev[2]!, eta * ev[3]!));
        checkThat(
          radius < 1 === m.converges,
          `${m.name}: spectral radius ${radius} of I + ηv′ disagrees with the paper`,
        );
        const start: Vec2 = [theta, psi];
        const xs = values(trajectory(game, t1(start), { eta, steps: 300 }));
        const end = norm2([xs[600]!, xs[601]!]);
        if (m.converges)
          checkThat(
            end < 0.05 * norm2(start),
            `${m.name}: ‖s_300‖ = ${end} from ‖s₀‖ = ${norm2(start)}; should converge`,
          );
        else
          checkThat(end > norm2(start), `${m.name}: ‖s_300‖ = ${end} from ‖s₀‖ = ${norm2(start)}; should not converge`);
      },
      8,
    ),
    invariant(
      'WGAN-GP is not locally convergent: from near (0, 0) simultaneous GD ends far from it (the penalty drives |ψ| away from 0)',
      fc.tuple(uniform(-0.2, 0.2), uniform(0.02, 0.2), fc.constantFrom(-1, 1), uniform(0.5, 2)),
      ([theta, psi, sign, lambda]) => {
        const game = diracGan({ objective: 'wasserstein', regularizer: 'gradient-penalty', lambda });
        const start: Vec2 = [theta, sign * psi];
        const xs = values(trajectory(game, t1(start), { eta: 0.1, steps: 200 }));
        const end = norm2([xs[400]!, xs[401]!]);
        checkThat(end > 0.5, `‖s_200‖ = ${end} from ‖s₀‖ = ${norm2(start)}`);
      },
      6,
    ),
    invariant(
      'instance noise leaves the WGAN and hinge eigenvalues at ±i (f″(0) = 0), and the consensus Jacobian at the equilibrium is v′ − γ·v′ᵀv′',
      fc.tuple(fc.constantFrom<DiracObjective>(...DIRAC_OBJECTIVES), uniform(0.1, 3), antithetic(3)),
      ([objective, gamma, eps]) => {
        const zero = tf.zeros([2]);
        if (objective === 'wasserstein' || objective === 'hinge') {
          const g = diracGan({
            objective,
            regularizer: 'instance-noise',
            sigma: 1.5,
            noiseReal: t1(eps),
            noiseFake: t1(eps),
          });
          checkAllClose('eigenvalues', values(eigenvalues2x2(jacobian(g, zero))), [0, 1, 0, -1], 0, 1e-6);
        }
        const J = values(jacobian(diracGan({ objective }), zero));
        const Jc = values(jacobian(diracGan({ objective, regularizer: 'consensus', gamma }), zero));
        // (JᵀJ)_ij = Σ_k J_ki J_kj
        const jtj = [0, 1, 2, 3].map((e) => {
          const i = e >> 1;
          const j = e & 1;
          return J[i]! * J[j]! + J[2 + i]! * J[2 + j]!;
        });
        checkAllClose(
          'v′_consensus',
          Jc,
          J.map((x, e) => x - gamma * jtj[e]!),
          1e-5,
          1e-6,
        );
      },
      12,
    ),
    invariant(
      'eigenvalues2x2 equals the float64 closed form on any real 2×2 matrix (real and complex pairs, in its order) and refuses a non-2×2 or non-finite one',
      fc.array(uniform(-3, 3), { minLength: 4, maxLength: 4 }),
      (m) => {
        const [a, b, c, d] = m as [number, number, number, number];
        const want = eig2x2_64([
          [a, b],
          [c, d],
        ]).flat();
        const h = (a + d) / 2;
        const det = a * d - b * c;
        const delta = Math.abs(h * h - det);
        // The error model of the equilibrium invariant above, for J's exact float32 entries:
        // ≈ 6 roundings on Δ, at most min(√e, e/(2√|Δ|)) on √Δ.
        const e = 8 * EPS32 * (h * h + Math.abs(det) + 1e-30);
        const atol = 1e-7 + Math.min(Math.sqrt(e), e / (2 * Math.sqrt(delta) || 1));
        checkAllClose('eigenvalues', values(eigenvalues2x2(tf.tensor2d(m, [2, 2]))), want, 1e-6, atol);
        for (const bad of [tf.zeros([3, 3]), tf.zeros([4]), tf.tensor2d([NaN, 0, 0, 0], [2, 2])]) {
          let thrown: unknown;
          try {
            eigenvalues2x2(bad);
          } catch (err) {
            thrown = err;
          }
          checkThat(
            thrown instanceof InvalidArgumentError && thrown.argument === 'matrix',
            `eigenvalues2x2 accepted a [${bad.shape.join(', ')}] matrix or threw ${String(thrown)}`,
          );
        }
      },
      40,
    ),
  ],
  errors: [
    {
      name: 'an unknown objective',
      call: () => diracGan({ objective: 'least-squares' as DiracObjective }),
      error: 'InvalidParameterError',
      argument: 'objective',
    },
    {
      name: 'an unknown regularizer',
      call: () => diracGan({ regularizer: 'dragan' as DiracRegularizer }),
      error: 'InvalidParameterError',
      argument: 'regularizer',
    },
    {
      name: 'a negative γ',
      call: () => diracGan({ regularizer: 'r1', gamma: -1 }),
      error: 'InvalidParameterError',
      argument: 'gamma',
    },
    {
      name: 'a NaN σ',
      call: () => diracGan({ sigma: NaN }),
      error: 'InvalidParameterError',
      argument: 'sigma',
    },
    {
      name: "noise without 'instance-noise'",
      call: () => diracGan({ regularizer: 'r1', noiseReal: tf.zeros([2]) }),
      error: 'InvalidArgumentError',
      argument: 'noiseReal',
    },
    {
      name: "'instance-noise' without noiseFake",
      call: () => diracGan({ regularizer: 'instance-noise', noiseReal: tf.zeros([2]) }),
      error: 'InvalidArgumentError',
      argument: 'noiseFake',
    },
    {
      name: 'noise of rank 2',
      call: () => diracGan({ regularizer: 'instance-noise', noiseReal: tf.zeros([2, 1]), noiseFake: tf.zeros([2]) }),
      error: 'InvalidArgumentError',
      argument: 'noiseReal',
    },
    {
      name: 'an infinite state',
      call: () => vectorField(diracGan(), tf.tensor1d([Infinity, 0])),
      error: 'InvalidArgumentError',
      argument: 'state',
    },
    {
      name: 'a start of the wrong length',
      call: () => trajectory(diracGan(), tf.zeros([1])),
      error: 'InvalidArgumentError',
      argument: 'start',
    },
  ],
});
