/**
 * `ganref lab xy`: the bilinear game f(x, y) = xy (Salimans et al. 2016, §3; Mescheder, Nowozin &
 * Geiger 2017; Gidel et al. 2019; Daskalakis et al. 2018): simultaneous gradient steps spiral out,
 * alternating steps stay on a bounded orbit, and consensus optimization, extragradient, optimistic
 * and unrolled steps converge to the equilibrium (0, 0).
 */
import * as tf from '@tensorflow/tfjs-core';
import { bilinearGame, trajectory, type UpdateRule } from 'ganref';
import { countOption, type Experiment, norm, round, rowsOf, thin } from './common.js';
import { diracStarts, trajectoryVerdict } from './dirac.js';

/** What a rule does on xy. */
export type XyBehaviour = 'diverges' | 'bounded' | 'converges';

/** The step size of every xy trajectory. */
export const XY_ETA = 0.2;
/** γ of consensus optimization, K of the unrolled rule. */
export const XY_CONSENSUS = 1;
export const XY_UNROLL = 5;
/** A trajectory diverges when it ends this many times farther out than it started, still growing over its second half. */
export const XY_DIVERGED = 2;
/** See {@link XY_DIVERGED}: ‖s_T‖ ≥ this · ‖s_{T/2}‖. */
export const XY_GROWING = 1.25;

/** The behaviour the literature states for each rule (the claims the experiment checks). */
export const XY_CLAIMS: Record<UpdateRule, XyBehaviour> = {
  simultaneous: 'diverges',
  alternating: 'bounded',
  consensus: 'converges',
  extragradient: 'converges',
  optimistic: 'converges',
  unrolled: 'converges',
};

/** One rule's row. */
export interface XyRow {
  rule: UpdateRule;
  behaviour: XyBehaviour;
  claim: XyBehaviour;
  /** The largest ‖s_T‖/‖s_0‖ over the starting points. */
  ratio: number;
  /** The largest ‖s_T‖/‖s_{T/2}‖. */
  halfRatio: number;
  /** The largest ‖s_t‖/‖s_0‖ along the way. */
  maxRatio: number;
  /** The measured growth per step (ratio^(1/T)) of the first start; √(1 + η²) in theory for simultaneous steps. */
  growthPerStep: number;
}

/** The result of `ganref lab xy`. */
export interface XyResult {
  experiment: 'xy';
  eta: number;
  steps: number;
  seeds: number[];
  starts: [number, number][];
  /** √(1 + η²), simultaneous steps' exact growth per step. */
  simultaneousGrowth: number;
  /** Alternating steps conserve x² + y² + η·xy (k = 1): its largest relative change along the first trajectory. */
  alternatingInvariantDrift: number;
  rows: XyRow[];
}

function behaviourOf(ratio: number, half: number): XyBehaviour {
  if (trajectoryVerdict(ratio, half) === 'converges') return 'converges';
  return ratio >= XY_DIVERGED && half >= XY_GROWING ? 'diverges' : 'bounded';
}

/** Runs the experiment: every update rule from every seeded start. */
async function run(options: Parameters<Experiment['run']>[0]) {
  const nSeeds = countOption('seeds', options.seeds, xyExperiment.defaults.seeds);
  const steps = countOption('steps', options.steps, xyExperiment.defaults.steps);
  const seeds = Array.from({ length: nSeeds }, (_, i) => i + 1);
  const starts = diracStarts(seeds);
  const game = bilinearGame();
  const rules = Object.keys(XY_CLAIMS) as UpdateRule[];
  const rows: XyRow[] = [];
  const paths: Record<string, unknown>[] = [];
  let drift = 0;
  for (const [i, rule] of rules.entries()) {
    options.onProgress?.(i, rules.length, rule);
    let [ratio, half, maxRatio, growth] = [0, 0, 0, 0];
    for (const [j, start] of starts.entries()) {
      const o = { rule, eta: XY_ETA, steps, consensus: XY_CONSENSUS, unroll: XY_UNROLL };
      const states = rowsOf(
        tf.tidy(() => trajectory(game, tf.tensor1d(start), o).dataSync()),
        2,
      );
      const r0 = norm(start);
      const norms = states.map((s) => norm(s) / r0);
      ratio = Math.max(ratio, norms.at(-1)!);
      half = Math.max(half, norms.at(-1)! / Math.max(norms[Math.floor(steps / 2)]!, Number.MIN_VALUE));
      maxRatio = Math.max(maxRatio, ...norms);
      if (j > 0) continue;
      growth = norms.at(-1)! ** (1 / steps);
      for (const [step, [x, y]] of thin(states.map((s, t) => [t, s] as const)))
        paths.push({ rule, step, x, y, norm: norms[step]! * r0 });
      if (rule === 'alternating') {
        const q = ([x, y]: number[]) => x! * x! + y! * y! + XY_ETA * x! * y!;
        drift = Math.max(...states.map((s) => Math.abs(q(s) - q(start)) / q(start)));
      }
    }
    const behaviour = behaviourOf(ratio, half);
    rows.push({
      rule,
      behaviour,
      claim: XY_CLAIMS[rule],
      ratio: round(ratio),
      halfRatio: round(half),
      maxRatio: round(maxRatio),
      growthPerStep: round(growth, 7),
    });
  }
  options.onProgress?.(rules.length, rules.length, 'plots');
  const result: XyResult = {
    experiment: 'xy',
    eta: XY_ETA,
    steps,
    seeds,
    starts,
    simultaneousGrowth: round(Math.sqrt(1 + XY_ETA ** 2), 7),
    alternatingInvariantDrift: round(drift),
    rows,
  };
  return { result, plots: xyPlots(paths, rules) };
}

function xyPlots(paths: Record<string, unknown>[], rules: UpdateRule[]) {
  return {
    'xy-trajectories': {
      title: `The xy game: trajectories per update rule from the same start, η = ${XY_ETA}`,
      data: { values: paths },
      facet: { field: 'rule', type: 'nominal', sort: rules, title: null },
      columns: 3,
      resolve: { scale: { x: 'independent', y: 'independent' } },
      spec: {
        width: 180,
        height: 180,
        layer: [
          {
            mark: { type: 'line', strokeWidth: 1 },
            encoding: {
              x: { field: 'x', type: 'quantitative', title: 'x (player 1)' },
              y: { field: 'y', type: 'quantitative', title: 'y (player 2)' },
              order: { field: 'step', type: 'quantitative' },
            },
          },
          {
            transform: [{ filter: 'datum.step === 0' }],
            mark: { type: 'point', filled: true, color: '#e45756', size: 50 },
            encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
          },
          {
            transform: [{ filter: 'datum.step === 0' }],
            mark: { type: 'point', shape: 'cross', color: 'black', size: 60 },
            encoding: { x: { datum: 0 }, y: { datum: 0 } },
          },
        ],
      },
    },
    'xy-norms': {
      title: '‖(x, y)‖ over steps (log scale)',
      width: 480,
      height: 300,
      data: { values: paths },
      mark: { type: 'line' },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'norm', type: 'quantitative', title: '‖(x, y)‖', scale: { type: 'log' } },
        color: { field: 'rule', type: 'nominal', sort: rules, title: 'update rule' },
      },
    },
  };
}

/** The experiment `xy`. */
export const xyExperiment: Experiment<XyResult> = {
  name: 'xy',
  summary:
    'the bilinear game: simultaneous GD diverges, alternating stays bounded, consensus/extragradient/optimistic converge',
  defaults: { seeds: 3, steps: 500 },
  run,
};
