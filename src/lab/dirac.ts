/**
 * `ganref lab dirac`: the Dirac-GAN convergence table of Mescheder, Geiger & Nowozin 2018
 * ("Which Training Methods for GANs do actually Converge?", §2.2–§4): for each training method, the
 * verdict of the eigenvalues of the Jacobian v′ at the equilibrium (θ, ψ) = (0, 0) (every real
 * part < 0: locally convergent) and the verdict of simulated trajectories (simultaneous and
 * alternating gradient steps from seeded starting points), side by side.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  diracGan,
  eigenvalues2x2,
  jacobian,
  Random,
  trajectory,
  type DiracGanOptions,
  type Game,
  type UpdateRule,
} from 'ganref';
import { fieldOf, gradientOf } from '../dynamics/game.js';
import { countOption, type Experiment, norm, round, rowsOf, thin } from './common.js';

/** A verdict on local convergence. */
export type Verdict = 'converges' | 'does not converge';

/** A row of the table: a training method on the Dirac-GAN. */
export interface DiracMethod {
  id: string;
  label: string;
  game: DiracGanOptions;
  /** 'unrolled': the generator's step through K unrolled critic steps (Metz et al. 2017). */
  unroll?: number;
  /** The paper's verdict, where the paper states one; null where it does not cover the method. */
  paper: Verdict | null;
}

/** The instance-noise batches: ε = ±1, whose mean is 0 and mean square 1 (E ε² of unit noise), exactly. */
const NOISE = [-1, 1];

/** The methods of the table (γ, λ, σ = 1; consensus γ = 1; unrolled K = 5). */
export const DIRAC_METHODS: readonly DiracMethod[] = [
  { id: 'gan', label: 'GAN (minimax)', game: { objective: 'minimax' }, paper: 'does not converge' },
  { id: 'ns-gan', label: 'non-saturating GAN', game: { objective: 'non-saturating' }, paper: 'does not converge' },
  { id: 'wgan', label: 'WGAN', game: { objective: 'wasserstein' }, paper: 'does not converge' },
  {
    id: 'wgan-gp',
    label: 'WGAN-GP (λ = 1)',
    game: { objective: 'wasserstein', regularizer: 'gradient-penalty', lambda: 1 },
    paper: 'does not converge',
  },
  { id: 'hinge', label: 'hinge', game: { objective: 'hinge' }, paper: null },
  {
    id: 'consensus',
    label: 'consensus optimization (γ = 1)',
    game: { objective: 'non-saturating', regularizer: 'consensus', gamma: 1 },
    paper: 'converges',
  },
  {
    id: 'instance-noise',
    label: 'instance noise (σ = 1)',
    game: { objective: 'non-saturating', regularizer: 'instance-noise', sigma: 1 },
    paper: 'converges',
  },
  {
    id: 'wgan-instance-noise',
    label: 'WGAN + instance noise (σ = 1)',
    game: { objective: 'wasserstein', regularizer: 'instance-noise', sigma: 1 },
    paper: null,
  },
  {
    id: 'r1',
    label: 'R1 (γ = 1)',
    game: { objective: 'non-saturating', regularizer: 'r1', gamma: 1 },
    paper: 'converges',
  },
  {
    id: 'r2',
    label: 'R2 (γ = 1)',
    game: { objective: 'non-saturating', regularizer: 'r2', gamma: 1 },
    paper: 'converges',
  },
  {
    id: 'wgan-r1',
    label: 'WGAN + R1 (γ = 1)',
    game: { objective: 'wasserstein', regularizer: 'r1', gamma: 1 },
    paper: null,
  },
  { id: 'unrolled', label: 'unrolled GAN (K = 5)', game: { objective: 'non-saturating' }, unroll: 5, paper: null },
];

/** The step size of every trajectory. */
export const DIRAC_ETA = 0.2;
/**
 * A trajectory converges when it ends within this share of its starting distance from (0, 0) and
 * its second half shrank it by as much again as {@link DIRAC_HALF} (a linear, i.e. exponential,
 * rate: the paper's local convergence), or it reached {@link DIRAC_FLOOR}. The non-saturating GAN
 * under alternating steps, for instance, creeps inwards like t^(−1/2): no linear rate, no
 * convergence in this sense, whatever the budget.
 */
export const DIRAC_CONVERGED = 1e-2;
/** See {@link DIRAC_CONVERGED}: ‖s_T‖ ≤ this · ‖s_{T/2}‖. */
export const DIRAC_HALF = 0.1;
/** See {@link DIRAC_CONVERGED}: a distance ratio this small counts as arrived. */
export const DIRAC_FLOOR = 1e-9;
/** The eigenvalues say "converges" when every real part is below −this (float32 noise is ~1e-7). */
export const DIRAC_REAL_MARGIN = 1e-4;

/** One row of the result. */
export interface DiracRow {
  id: string;
  label: string;
  /** The eigenvalues of v′(0, 0) as [re, im] pairs. */
  eigenvalues: [number, number][];
  eigenVerdict: Verdict;
  /** The largest ‖s_T‖/‖s_0‖ over the starting points, simultaneous steps (unrolled: its own rule). */
  simultaneousRatio: number;
  /** The largest ‖s_T‖/‖s_{T/2}‖ over the starting points, likewise. */
  simultaneousHalfRatio: number;
  simultaneousVerdict: Verdict;
  /** The same under alternating steps (null for unrolled, which has its own rule). */
  alternatingRatio: number | null;
  alternatingHalfRatio: number | null;
  alternatingVerdict: Verdict | null;
  paper: Verdict | null;
  /** Eigenvalues and trajectories agree (and the paper, where it has a verdict). */
  agree: boolean;
}

/** The result of `ganref lab dirac`. */
export interface DiracResult {
  experiment: 'dirac';
  eta: number;
  steps: number;
  seeds: number[];
  starts: [number, number][];
  rows: DiracRow[];
}

/** A Dirac-GAN for a method, its noise batches made (the caller disposes `dispose`). */
function gameOf(m: DiracMethod): { game: Game; dispose: () => void } {
  if (m.game.regularizer !== 'instance-noise') return { game: diracGan(m.game), dispose: () => {} };
  const noiseReal = tf.tensor1d(NOISE);
  const noiseFake = tf.tensor1d(NOISE);
  return { game: diracGan({ ...m.game, noiseReal, noiseFake }), dispose: () => tf.dispose([noiseReal, noiseFake]) };
}

/**
 * The field of the unrolled rule as a game of its own: the critic's part is v₂; the generator's
 * is −∂/∂θ L₁(θ, ψ^K(θ, ψ)), ψ^{j+1} = ψ^j + η·v₂(θ, ψ^j) (the rule 'unrolled' of `trajectory`).
 */
function unrolledField(base: Game, k: number, eta: number): Game {
  const critic = (s: tf.Tensor1D): tf.Tensor1D => {
    let t = s;
    for (let j = 0; j < k; j++) {
      const v2 = tf.slice(fieldOf(base, t), 1, 1);
      t = tf.concat([tf.slice(t, 0, 1), tf.add(tf.slice(t, 1, 1), tf.mul(eta, v2))]) as tf.Tensor1D;
    }
    return t;
  };
  return {
    ...base,
    field: (s) => {
      const g1 = tf.slice(
        gradientOf((x) => base.losses(critic(x))[0], s),
        0,
        1,
      );
      return tf.concat([tf.neg(g1), tf.slice(fieldOf(base, s), 1, 1)]) as tf.Tensor1D;
    },
  };
}

/** The eigenvalues of v′(0, 0) for a method. */
function eigenvaluesOf(m: DiracMethod): [number, number][] {
  const { game, dispose } = gameOf(m);
  try {
    const g = m.unroll ? unrolledField(game, m.unroll, DIRAC_ETA) : game;
    const values = tf.tidy(() => eigenvalues2x2(jacobian(g, tf.zeros([2]))).dataSync());
    return [
      [values[0]!, values[1]!],
      [values[2]!, values[3]!],
    ];
  } finally {
    dispose();
  }
}

/** A trajectory of a method from a start: its states. */
function simulate(m: DiracMethod, rule: UpdateRule, start: [number, number], steps: number): number[][] {
  const { game, dispose } = gameOf(m);
  try {
    const options = { rule, eta: DIRAC_ETA, steps, unroll: m.unroll ?? 5 };
    return rowsOf(
      tf.tidy(() => trajectory(game, tf.tensor1d(start), options).dataSync()),
      2,
    );
  } finally {
    dispose();
  }
}

/** Seeded starting points on the unit circle around the equilibrium. */
export function diracStarts(seeds: readonly number[]): [number, number][] {
  return seeds.map((seed) => {
    const u = tf.tidy(() => new Random(seed).uniform([1]).dataSync()[0]!);
    return [Math.cos(2 * Math.PI * u), Math.sin(2 * Math.PI * u)];
  });
}

/** The trajectory verdict from ‖s_T‖/‖s_0‖ and ‖s_T‖/‖s_{T/2}‖ (see {@link DIRAC_CONVERGED}). */
export function trajectoryVerdict(ratio: number, half: number): Verdict {
  return ratio <= DIRAC_FLOOR || (ratio <= DIRAC_CONVERGED && half <= DIRAC_HALF) ? 'converges' : 'does not converge';
}

/** Runs the experiment: every method's eigenvalues and trajectories. */
async function run(options: Parameters<Experiment['run']>[0]) {
  const nSeeds = countOption('seeds', options.seeds, diracExperiment.defaults.seeds);
  const steps = countOption('steps', options.steps, diracExperiment.defaults.steps);
  const seeds = Array.from({ length: nSeeds }, (_, i) => i + 1);
  const starts = diracStarts(seeds);
  const rows: DiracRow[] = [];
  const paths: Record<string, unknown>[] = [];
  const total = DIRAC_METHODS.length;
  for (const [i, m] of DIRAC_METHODS.entries()) {
    options.onProgress?.(i, total, m.id);
    const eigenvalues = eigenvaluesOf(m);
    const eigenVerdict: Verdict = eigenvalues.every(([re]) => re < -DIRAC_REAL_MARGIN)
      ? 'converges'
      : 'does not converge';
    const ratios: Record<string, [number, number]> = {};
    const rules: [string, UpdateRule][] = m.unroll
      ? [['simultaneous', 'unrolled']]
      : [
          ['simultaneous', 'simultaneous'],
          ['alternating', 'alternating'],
        ];
    for (const [column, rule] of rules) {
      const worst: [number, number] = [0, 0];
      for (const [j, start] of starts.entries()) {
        const states = simulate(m, rule, start, steps);
        const end = norm(states.at(-1)!);
        worst[0] = Math.max(worst[0], end / norm(start));
        worst[1] = Math.max(worst[1], end / Math.max(norm(states[Math.floor(steps / 2)]!), Number.MIN_VALUE));
        if (j === 0)
          for (const [step, [theta, psi]] of thin(states.map((s, t) => [t, s] as const)))
            paths.push({ method: m.label, rule: m.unroll ? 'unrolled' : column, step, theta, psi });
      }
      ratios[column] = worst;
    }
    const sim = trajectoryVerdict(...ratios.simultaneous!);
    const alt = ratios.alternating ? trajectoryVerdict(...ratios.alternating) : null;
    rows.push({
      id: m.id,
      label: m.label,
      eigenvalues: eigenvalues.map(([re, im]) => [round(re), round(im)]),
      eigenVerdict,
      simultaneousRatio: round(ratios.simultaneous![0]),
      simultaneousHalfRatio: round(ratios.simultaneous![1]),
      simultaneousVerdict: sim,
      alternatingRatio: ratios.alternating ? round(ratios.alternating[0]) : null,
      alternatingHalfRatio: ratios.alternating ? round(ratios.alternating[1]) : null,
      alternatingVerdict: alt,
      paper: m.paper,
      agree:
        sim === eigenVerdict && (alt ?? eigenVerdict) === eigenVerdict && (m.paper ?? eigenVerdict) === eigenVerdict,
    });
  }
  options.onProgress?.(total, total, 'plots');
  const result: DiracResult = { experiment: 'dirac', eta: DIRAC_ETA, steps, seeds, starts, rows };
  return { result, plots: diracPlots(rows, paths) };
}

/** The trajectories in (θ, ψ) per method, and the eigenvalues in the complex plane per method. */
function diracPlots(rows: DiracRow[], paths: Record<string, unknown>[]) {
  const order = DIRAC_METHODS.map((m) => m.label);
  const eig = rows.flatMap((r) =>
    r.eigenvalues.map(([re, im]) => ({ method: r.label, re, im, verdict: r.eigenVerdict })),
  );
  return {
    'dirac-trajectories': {
      title: `Dirac-GAN trajectories from (θ, ψ) = start, η = ${DIRAC_ETA}`,
      data: { values: paths },
      facet: { field: 'method', type: 'nominal', sort: order, title: null },
      columns: 4,
      spec: {
        width: 170,
        height: 170,
        mark: { type: 'line', strokeWidth: 1, clip: true },
        encoding: {
          x: { field: 'theta', type: 'quantitative', title: 'θ (generator)', scale: { domain: [-2, 2] } },
          y: { field: 'psi', type: 'quantitative', title: 'ψ (discriminator)', scale: { domain: [-2, 2] } },
          order: { field: 'step', type: 'quantitative' },
          color: { field: 'rule', type: 'nominal', title: 'update rule' },
        },
      },
    },
    'dirac-eigenvalues': {
      title: 'Eigenvalues of the Jacobian v′(0, 0): a real part < 0 means local convergence',
      data: { values: eig },
      facet: { field: 'method', type: 'nominal', sort: order, title: null },
      columns: 4,
      spec: {
        width: 170,
        height: 150,
        layer: [
          {
            transform: [{ filter: 'datum.im >= 0' }],
            mark: { type: 'rule', color: '#999' },
            encoding: { x: { datum: 0 } },
          },
          {
            mark: { type: 'point', filled: true, size: 80 },
            encoding: {
              x: { field: 're', type: 'quantitative', title: 'Re λ', scale: { domain: [-1.5, 0.5] } },
              y: { field: 'im', type: 'quantitative', title: 'Im λ', scale: { domain: [-1.2, 1.2] } },
              color: { field: 'verdict', type: 'nominal', title: 'eigenvalue verdict' },
            },
          },
        ],
      },
    },
  };
}

/** The experiment `dirac`. */
export const diracExperiment: Experiment<DiracResult> = {
  name: 'dirac',
  summary: 'the Dirac-GAN convergence table (Mescheder et al. 2018): eigenvalues against trajectories',
  defaults: { seeds: 2, steps: 400 },
  run,
};
