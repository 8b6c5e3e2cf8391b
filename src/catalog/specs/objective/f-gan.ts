import { choice, requiredParam } from '../../define.js';
import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { batch, distribution, f32, logit, uniform, vector, weight } from '../../arbitraries.js';
import { BENCH, benchCase, uniformArray } from '../../bench.js';
import { REDUCTION_PARAM } from '../../decls.js';
import { checkClose, checkFinite, checkThat, invariant, scalar, values } from '../../invariant.js';
import { sum64 } from '../../reference64.js';
import { alphaArb, D, edgeV, opts, ref, safeV } from '../../templates/f-divergence.js';
import { bareCallInvariant, lossOptions, twoBatchErrors } from '../../templates/two-batch.js';
import { gradValues, t1 } from '../../tensors.js';
import type { Case, ErrorCase, Invariant, NDArray, Spec } from '../../types.js';
import { fDivergence, FDIVERGENCE_NAMES, type FDivergenceName } from '../../../fdiv/index.js';
import {
  F_GAN_ID,
  fGanDiscriminatorLoss,
  fGanGeneratorLoss,
  fGanHeuristicGeneratorLoss,
} from '../../../objectives/f-gan.js';
import {
  minimaxDiscriminatorLoss,
  minimaxGeneratorLoss,
  nonSaturatingGeneratorLoss,
} from '../../../objectives/index.js';
import { asCriticScores, asWeights } from '../../../types.js';

/* ------------------------------------------------------------------ objective/f-gan */

const V_NAMES: [string, string] = ['vReal', 'vFake'];

const C = (xs: number[]) => asCriticScores(tf.tensor1d(xs));

type FGanParams = { divergence: FDivergenceName; alpha?: number };

const divOpts = (d: FDivergenceName, alpha?: number): FGanParams =>
  alpha !== undefined ? { divergence: d, alpha } : { divergence: d };

/** A divergence (and α) with its float64 reference. */
const divergenceArb: fc.Arbitrary<[FDivergenceName, number | undefined]> = fc
  .constantFrom(...FDIVERGENCE_NAMES)
  .chain((d) =>
    d === 'alpha'
      ? alphaArb.map((a) => [d, a] as [FDivergenceName, number | undefined])
      : fc.constant([d, undefined] as [FDivergenceName, number | undefined]),
  );

const fGanSample: fc.Arbitrary<Case> = divergenceArb.chain(([divergence, alpha]) => {
  const b = safeV(ref(divergence, alpha));
  const score = fc.oneof(uniform(-b, b), uniform(-Math.min(b, 4), Math.min(b, 4)));
  return fc
    .record({
      reduction: fc.constantFrom('mean', 'sum', 'none'),
      n: fc.integer({ min: 1, max: 12 }),
      m: fc.integer({ min: 1, max: 12 }),
      weighted: fc.boolean(),
    })
    .chain(({ reduction, n, m, weighted }) => {
      const mm = reduction === 'none' ? n : m;
      return fc
        .record({ r: batch(score, n, n), f: batch(score, mm, mm), wr: batch(weight, n, n), wf: batch(weight, mm, mm) })
        .map(({ r, f, wr, wf }): Case => {
          const inputs: Record<string, NDArray> = { vReal: vector(r), vFake: vector(f) };
          if (weighted) {
            inputs.weightsReal = vector(wr);
            inputs.weightsFake = vector(wf);
          }
          return { inputs, params: { divergence, ...(alpha !== undefined ? { alpha } : {}), reduction }, grads: true };
        });
    });
});

function fGanEdges(): Case[] {
  const cases: Case[] = [];
  for (const d of FDIVERGENCE_NAMES) {
    const alpha = d === 'alpha' ? 0.5 : undefined;
    const vs = edgeV(ref(d, alpha));
    cases.push({
      inputs: { vReal: vector(vs), vFake: vector([...vs].reverse()) },
      params: { divergence: d, ...(alpha !== undefined ? { alpha } : {}), reduction: 'mean' },
      grads: true,
      label: `edge: ${d}, extreme V (${vs.length} values up to ±${Math.max(...vs.map(Math.abs))})`,
    });
  }
  // At the optimum g(V) = f'(p/q) on a 3-point space (weights P and Q): discriminator = −D_f.
  const p = [0.2, 0.3, 0.5].map(f32);
  const q = [0.5, 0.25, 0.25].map(f32);
  for (const d of ['kl', 'gan', 'pearson-chi2'] as const) {
    const r = ref(d);
    const v = p.map((x, i) => f32(r.gInv(r.fp(x / q[i]!))));
    cases.push({
      inputs: { vReal: vector(v), vFake: vector(v), weightsReal: vector(p), weightsFake: vector(q) },
      params: { divergence: d, reduction: 'mean' },
      grads: true,
      label: `closed form: ${d} at the optimal V, discriminator = −D_f(P‖Q)`,
    });
  }
  return cases;
}

const fGanInvariants: Invariant[] = [
  // Both generator losses at once (their sum): each is called with and without options.
  bareCallInvariant(
    logit,
    (r, f, o) => fGanDiscriminatorLoss(asCriticScores(r), asCriticScores(f), o as never),
    (f, o) =>
      tf.add(
        fGanGeneratorLoss(asCriticScores(f), o as never),
        fGanHeuristicGeneratorLoss(asCriticScores(f), o as never),
      ),
    { discriminator: { divergence: 'gan', reduction: 'mean' }, generator: { divergence: 'gan', reduction: 'mean' } },
  ),
  invariant(
    "at the optimal V (g_f(V) = f'(p/q)) the discriminator loss equals −D_f(P‖Q), for every divergence",
    fc.tuple(
      divergenceArb,
      fc.integer({ min: 1, max: 10 }).chain((k) => fc.tuple(distribution(k), distribution(k))),
    ),
    ([[d, alpha], [p, q]]) => {
      const r = ref(d, alpha);
      const v = p.map((x, i) => f32(r.gInv(r.fp(x / q[i]!))));
      if (!v.every(Number.isFinite)) return;
      const loss = scalar(
        fGanDiscriminatorLoss(C(v), C(v), {
          ...divOpts(d, alpha),
          weightsReal: asWeights(t1(p)),
          weightsFake: asWeights(t1(q)),
        }),
      );
      const df = scalar(fDivergence(d, D(p), D(q), opts(alpha)));
      checkClose(
        `${d}${alpha !== undefined ? ` α = ${alpha}` : ''}: discriminator at the optimum`,
        loss,
        -df,
        1e-4,
        2e-5,
      );
    },
  ),
  invariant(
    'for any V the discriminator loss is ≥ −D_f(P‖Q) (the variational lower bound)',
    fc
      .tuple(divergenceArb, fc.integer({ min: 1, max: 10 }))
      .chain(([da, k]) =>
        fc.tuple(
          fc.constant(da),
          distribution(k),
          distribution(k),
          batch(uniform(-Math.min(safeV(ref(da[0], da[1])), 8), Math.min(safeV(ref(da[0], da[1])), 8)), k, k),
        ),
      ),
    ([[d, alpha], p, q, v]) => {
      const loss = scalar(
        fGanDiscriminatorLoss(C(v), C(v), {
          ...divOpts(d, alpha),
          weightsReal: asWeights(t1(p)),
          weightsFake: asWeights(t1(q)),
        }),
      );
      const df = scalar(fDivergence(d, D(p), D(q), opts(alpha)));
      checkThat(loss >= -df - 1e-5 * (1 + Math.abs(df) + Math.abs(loss)), `discriminator loss ${loss} < −D_f = ${-df}`);
    },
  ),
  invariant(
    'the GAN divergence is the original GAN: discriminator = minimax BCE, generator = saturating, heuristic = non-saturating, for every logit',
    fc.tuple(batch(logit), batch(logit)),
    ([r, f]) => {
      checkClose(
        'discriminator',
        scalar(fGanDiscriminatorLoss(C(r), C(f), { divergence: 'gan' })),
        scalar(minimaxDiscriminatorLoss(C(r) as never, C(f) as never)),
        1e-6,
        1e-6,
      );
      checkClose(
        'generator',
        scalar(fGanGeneratorLoss(C(f), { divergence: 'gan' })),
        scalar(minimaxGeneratorLoss(C(f) as never)),
        1e-6,
        1e-6,
      );
      checkClose(
        'heuristic',
        scalar(fGanHeuristicGeneratorLoss(C(f))),
        scalar(nonSaturatingGeneratorLoss(C(f) as never)),
        1e-6,
        1e-6,
      );
    },
  ),
  invariant(
    'discriminator(V_r, V_f) = heuristic(V_r) − generator(V_f) (eq. 6 splits into its two terms), under every reduction',
    fc
      .tuple(divergenceArb, fc.constantFrom('mean', 'sum', 'none'), fc.integer({ min: 1, max: 10 }))
      .chain(([da, red, n]) => {
        const b = Math.min(safeV(ref(da[0], da[1])), 10);
        return fc.tuple(fc.constant(da), fc.constant(red), batch(uniform(-b, b), n, n), batch(uniform(-b, b), n, n));
      }),
    ([[d, alpha], reduction, r, f]) => {
      const o = { ...divOpts(d, alpha), reduction: reduction as 'mean' };
      const disc = values(fGanDiscriminatorLoss(C(r), C(f), o));
      const heur = values(fGanHeuristicGeneratorLoss(C(r), o));
      const gen = values(fGanGeneratorLoss(C(f), o));
      disc.forEach((x, i) =>
        checkClose(`[${i}]`, x, heur[i]! - gen[i]!, 1e-5, 1e-5 * (1 + Math.abs(heur[i]!) + Math.abs(gen[i]!))),
      );
    },
  ),
  invariant(
    'losses and gradients are finite for every finite V up to ±1e4 for the bounded divergences (GAN, Jensen–Shannon, total variation)',
    fc.tuple(fc.constantFrom<FDivergenceName>('gan', 'jensen-shannon', 'total-variation'), batch(logit), batch(logit)),
    ([d, r, f]) => {
      checkFinite('discriminator', values(fGanDiscriminatorLoss(C(r), C(f), { divergence: d })));
      checkFinite('generator', values(fGanGeneratorLoss(C(f), { divergence: d })));
      checkFinite('heuristic', values(fGanHeuristicGeneratorLoss(C(f), { divergence: d })));
      checkFinite(
        'd/dV_r',
        gradValues((x) => fGanDiscriminatorLoss(asCriticScores(x), C(f), { divergence: d }), r),
      );
      checkFinite(
        'd/dV_f',
        gradValues((x) => fGanDiscriminatorLoss(C(r), asCriticScores(x), { divergence: d }), f),
      );
    },
  ),
  invariant(
    'the heuristic loss moves against E_Q[g_f(V)] and the saddle loss against E_Q[f*(g_f(V))] as every fake V rises (g_f is monotone: increasing, or decreasing for 1 − eᵛ)',
    fc.tuple(divergenceArb, fc.integer({ min: 1, max: 8 })).chain(([da, n]) => {
      const b = Math.min(safeV(ref(da[0], da[1])), 10);
      return fc.tuple(fc.constant(da), batch(uniform(-b, b - 1), n, n), uniform(0.1, 1));
    }),
    ([[d, alpha], f, delta]) => {
      const o = divOpts(d, alpha);
      const r = ref(d, alpha);
      const up = f.map((x) => f32(x + delta));
      const mean = (xs: number[]) => sum64(xs) / xs.length;
      const dg = mean(up.map(r.g)) - mean(f.map(r.g));
      const dfused = mean(up.map(r.fused)) - mean(f.map(r.fused));
      const dh = scalar(fGanHeuristicGeneratorLoss(C(up), o)) - scalar(fGanHeuristicGeneratorLoss(C(f), o));
      const ds = scalar(fGanGeneratorLoss(C(up), o)) - scalar(fGanGeneratorLoss(C(f), o));
      checkThat(dh * dg <= 1e-6 * Math.abs(dg), `heuristic changed by ${dh} while E[g] changed by ${dg}`);
      checkThat(
        ds * dfused <= 1e-6 * Math.abs(dfused),
        `saddle loss changed by ${ds} while E[f*(g)] changed by ${dfused}`,
      );
    },
  ),
];

const withKl = (o: unknown) => (o !== null && typeof o === 'object' ? { divergence: 'kl', ...o } : o);

const fGanErrors: ErrorCase[] = [
  // With the KL divergence when the options are an object; options that are not one (null, a
  // number) are passed on as given, for the loss to refuse.
  ...twoBatchErrors(
    V_NAMES,
    (r, f, o) => fGanDiscriminatorLoss(asCriticScores(r), asCriticScores(f), withKl(o) as never),
    (f, o) => fGanGeneratorLoss(asCriticScores(f), withKl(o) as never),
  ),
  {
    name: 'the heuristic generator loss: a NaN score',
    call: () => fGanHeuristicGeneratorLoss(C([0, NaN])),
    error: 'InvalidArgumentError',
    argument: 'vFake',
  },
  {
    name: 'an unknown divergence',
    call: () => fGanDiscriminatorLoss(C([0]), C([0]), { divergence: 'wasserstein' as FDivergenceName }),
    error: 'InvalidParameterError',
    argument: 'divergence',
  },
  {
    name: "divergence 'alpha' without α",
    call: () => fGanGeneratorLoss(C([0]), { divergence: 'alpha' }),
    error: 'InvalidParameterError',
    argument: 'alpha',
  },
  {
    name: 'α = 1',
    call: () => fGanHeuristicGeneratorLoss(C([0]), { divergence: 'alpha', alpha: 1 }),
    error: 'InvalidParameterError',
    argument: 'alpha',
  },
  {
    name: 'an α with the KL divergence',
    call: () => fGanDiscriminatorLoss(C([0]), C([0]), { divergence: 'kl', alpha: 2 }),
    error: 'InvalidParameterError',
    argument: 'alpha',
  },
];

export const fGan: Spec = defineSpec({
  id: F_GAN_ID,
  title: 'f-GAN (variational divergence minimisation)',
  reference: 'Nowozin, Cseke & Tomioka 2016, f-GAN, eq. 6 (saddle form) and §3.2 (heuristic generator loss)',
  section: 'objectives',
  inputs: {
    vReal: { kind: 'critic-scores', doc: 'raw variational outputs V on real data, [n]' },
    vFake: { kind: 'critic-scores', doc: 'raw variational outputs V on generated data, [m]' },
    weightsReal: { kind: 'weights', optional: true, doc: 'per-example weights of the real batch' },
    weightsFake: { kind: 'weights', optional: true, doc: 'per-example weights of the fake batch' },
  },
  params: {
    divergence: choice('the f-divergence', 'gan', FDIVERGENCE_NAMES),
    alpha: requiredParam<number>("α, only (and required) with divergence 'alpha'"),
    reduction: REDUCTION_PARAM,
  },
  outputs: ['discriminator', 'generator', 'generatorHeuristic'],
  evaluate: (x, p) => {
    const o = lossOptions(x, p);
    const d = divOpts(p.divergence, (p.alpha ?? undefined) as number | undefined);
    const g = { ...d, reduction: o.reduction, weightsFake: o.weightsFake };
    return {
      discriminator: fGanDiscriminatorLoss(x.vReal, x.vFake, { ...d, ...o }),
      generator: fGanGeneratorLoss(x.vFake, g),
      generatorHeuristic: fGanHeuristicGeneratorLoss(x.vFake, g),
    };
  },
  sample: fGanSample,
  edges: fGanEdges(),
  secondOrder: true,
  invariants: fGanInvariants,
  errors: fGanErrors,
  benchmark: () =>
    benchCase(
      { vReal: uniformArray([BENCH.batch], -3, 3, 1), vFake: uniformArray([BENCH.batch], -3, 3, 2) },
      { divergence: 'gan', reduction: 'mean' },
    ),
});
