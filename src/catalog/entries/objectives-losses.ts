import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { asCriticScores, asLogits, asWeights } from '../../types.js';
import { nonSaturatingDiscriminatorLoss, nonSaturatingGeneratorLoss, wassersteinCriticLoss } from '../../objectives/index.js';
import { leastSquaresDiscriminatorLoss, leastSquaresGeneratorLoss, LEAST_SQUARES_ID } from '../../objectives/least-squares.js';
import { hingeDiscriminatorLoss, hingeGeneratorLoss, HINGE_ID } from '../../objectives/hinge.js';
import { relativisticDiscriminatorLoss, relativisticGeneratorLoss, RELATIVISTIC_ID, type RelativisticVariant } from '../../objectives/relativistic.js';
import { labelSmoothingDiscriminatorLoss, labelSmoothingGeneratorLoss, LABEL_SMOOTHING_ID } from '../../objectives/label-smoothing.js';
import { batch, criticScore, distribution, distributionPair, EDGE_LOGITS, f32, logit, moderateLogit, uniform, vector, weight } from '../arbitraries.js';
import { checkAllClose, checkClose, checkFinite, checkThat, invariant, scalar, values } from '../invariant.js';
import type { Case, Invariant, NDArray, ParamDecl, Spec } from '../types.js';
import type { Reduction } from '../../types.js';
import { gradValues, lossOptions, REDUCTION_PARAM, twoBatchCase, twoBatchCases, twoBatchErrors } from './shared.js';
import { BENCH, benchCase, uniformArray, withBenchmark } from '../bench.js';

const CRITIC_NAMES: [string, string] = ['criticReal', 'criticFake'];
const LOGIT_NAMES: [string, string] = ['logitsReal', 'logitsFake'];

const C = (t: tf.Tensor) => asCriticScores(t);
const L = (t: tf.Tensor) => asLogits(t);
const W = (t: tf.Tensor) => asWeights(t);
const t1 = (xs: number[]) => tf.tensor1d(xs);

/** float64 helpers for closed forms (moderate arguments only). */
const softplus = (t: number) => Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const sumAbs = (xs: number[]) => xs.reduce((a, b) => a + Math.abs(b), 0);

/** Options as the generic helpers pass them; each spec's adapters keep what its function takes. */
type Opts = { reduction?: Reduction; weightsReal?: tf.Tensor; weightsFake?: tf.Tensor };
/** A loss as a function of both batches (a generator that ignores the real batch included). */
type Loss2 = (real: tf.Tensor, fake: tf.Tensor, options?: Opts) => tf.Tensor;

/** Adds parameters drawn from `params` to every case of `cases`. */
function withParams(cases: fc.Arbitrary<Case>, params: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Case> {
  return fc.tuple(cases, params).map(([c, p]) => ({ ...c, params: { ...c.params, ...p } }));
}

/** A two-batch edge case with extra parameters. */
function edge(names: [string, string], real: number[], fake: number[], label: string, params: Record<string, unknown> = {}, grads = true): Case {
  const c = twoBatchCase(names, real, fake, label, (params.reduction as Reduction | undefined) ?? 'mean');
  return { ...c, params: { ...c.params, ...params }, grads };
}

const tolerant = (what: string, actual: number, expected: number, scale: number) => checkClose(what, actual, expected, 2e-5, 1e-5 * (1 + scale));

/**
 * Reductions and weights, for the discriminator and the generator loss alike, on equal batches:
 * 'sum' = n·'mean' without weights; Σ 'none' = 'sum' with and without weights; unit weights
 * change nothing; scaling every weight by k leaves the weighted 'mean' unchanged. Tolerances
 * scale with Σ|terms|, the bound of float32 summation error.
 */
function reductionInvariants(losses: Record<string, Loss2>, score: fc.Arbitrary<number>): Invariant {
  const cases = fc
    .integer({ min: 1, max: 12 })
    .chain((n) => fc.tuple(batch(score, n, n), batch(score, n, n), batch(weight, n, n), batch(weight, n, n), uniform(0.1, 10)));
  return invariant("reductions agree: 'sum' = n·'mean', Σ 'none' = 'sum' (weighted too), unit weights change nothing, weighted 'mean' ignores a common weight scale", cases, ([r, f, wr, wf, k]) => {
    const n = r.length;
    const rt = t1(r);
    const ft = t1(f);
    const w = { weightsReal: t1(wr), weightsFake: t1(wf) };
    const ones = { weightsReal: tf.onesLike(rt), weightsFake: tf.onesLike(ft) };
    const scaled = { weightsReal: t1(wr.map((x) => f32(x * k))), weightsFake: t1(wf.map((x) => f32(x * k))) };
    for (const [name, h] of Object.entries(losses)) {
      const none = values(h(rt, ft, { reduction: 'none' }));
      const noneW = values(h(rt, ft, { reduction: 'none', ...w }));
      const scale = sumAbs(none);
      const scaleW = sumAbs(noneW);
      const m = scalar(h(rt, ft));
      const s = scalar(h(rt, ft, { reduction: 'sum' }));
      tolerant(`${name}: 'sum' vs n·'mean'`, s, n * m, scale);
      tolerant(`${name}: Σ 'none' vs 'sum'`, sum(none), s, scale);
      tolerant(`${name}: weighted Σ 'none' vs 'sum'`, sum(noneW), scalar(h(rt, ft, { reduction: 'sum', ...w })), scaleW);
      tolerant(`${name}: unit weights`, scalar(h(rt, ft, ones)), m, scale / n);
      tolerant(`${name}: weights scaled by ${k}`, scalar(h(rt, ft, scaled)), scalar(h(rt, ft, w)), scaleW);
    }
  });
}

/** Every loss finite, with finite gradients in both batches, for every score up to |s| = 1e4. */
function finiteInvariant(losses: Record<string, Loss2>, score: fc.Arbitrary<number>, paired: boolean): Invariant {
  const cases = paired
    ? fc.integer({ min: 1, max: 16 }).chain((n) => fc.tuple(batch(score, n, n), batch(score, n, n)))
    : fc.tuple(batch(score), batch(score));
  return invariant('every loss is finite with finite gradients for every finite score up to |s| = 1e4', cases, ([r, f]) => {
    for (const [name, h] of Object.entries(losses)) {
      checkFinite(`${name} loss`, values(h(t1(r), t1(f))));
      // + 0·Σx keeps the real batch on the tape for the generator losses that ignore it.
      checkFinite(`${name} d/d real`, gradValues((x) => tf.add(tf.sum(h(x, t1(f))), tf.mul(0, tf.sum(x))), r));
      checkFinite(`${name} d/d fake`, gradValues((x) => h(t1(r), x), f));
    }
  });
}

const twoBatchInputs = (names: [string, string], kind: 'critic-scores' | 'logits', what: string) => ({
  [names[0]]: { kind, doc: `${what} on real data, [n]` },
  [names[1]]: { kind, doc: `${what} on generated data, [m]` },
  weightsReal: { kind: 'weights' as const, optional: true, doc: 'per-example weights of the real batch' },
  weightsFake: { kind: 'weights' as const, optional: true, doc: 'per-example weights of the fake batch' },
});

// ---------------------------------------------------------------------------------------------
// objective/least-squares

type Coding = { a: number; b: number; c: number };
const numberParam = (doc: string, value: number): ParamDecl => ({ doc, default: value });

/** The default 0-1 coding, the χ² coding (a, b, c) = (−1, 1, 0), and random finite codings. */
const coding: fc.Arbitrary<Coding> = fc.oneof(
  fc.constant({ a: 0, b: 1, c: 1 }),
  fc.constant({ a: -1, b: 1, c: 0 }),
  fc.record({ a: uniform(-3, 3), b: uniform(-3, 3), c: uniform(-3, 3) }),
);

const lsD = (o: Partial<Coding> = {}): Loss2 => (r, f, x) => leastSquaresDiscriminatorLoss(C(r), C(f), { ...x, a: o.a, b: o.b } as never);
const lsG = (o: Partial<Coding> = {}): Loss2 => (_r, f, x) => leastSquaresGeneratorLoss(C(f), { reduction: x?.reduction, weightsFake: x?.weightsFake as never, c: o.c });

export const leastSquares: Spec = {
  id: LEAST_SQUARES_ID,
  title: 'Least-squares GAN',
  reference: 'Mao et al. 2017, Least Squares Generative Adversarial Networks, eq. 2 (optimal D eq. 4, χ² theorem §3.2.2)',
  section: 'objectives',
  inputs: twoBatchInputs(CRITIC_NAMES, 'critic-scores', 'raw (linear, no sigmoid) discriminator outputs'),
  params: {
    reduction: REDUCTION_PARAM,
    a: numberParam("the discriminator's target for fake data", 0),
    b: numberParam("the discriminator's target for real data", 1),
    c: numberParam('the value the generator wants D to give fake data', 1),
  },
  outputs: ['discriminator', 'generator'],
  evaluate: (x, p) => {
    const o = lossOptions(x, p);
    return {
      discriminator: leastSquaresDiscriminatorLoss(C(x.criticReal!), C(x.criticFake!), { ...o, a: p.a as number | undefined, b: p.b as number | undefined }),
      generator: leastSquaresGeneratorLoss(C(x.criticFake!), { reduction: o.reduction, weightsFake: o.weightsFake, c: p.c as number | undefined }),
    };
  },
  sample: withParams(twoBatchCases(CRITIC_NAMES, criticScore), coding),
  edges: [
    edge(CRITIC_NAMES, [1e4, -1e4, 0, 1], [-1e4, 1e4, -0, 0], 'edge: ±1e4 scores'),
    edge(CRITIC_NAMES, [1, 1], [0, 0], 'closed form: D on its targets gives 0 (G: ½)'),
    edge(CRITIC_NAMES, [0.5, -0.25, 1], [-1, 0, 0.75], "closed form: the χ² coding a = −1, b = 1, c = 0, 'none'", { a: -1, b: 1, c: 0, reduction: 'none' }),
    edge(CRITIC_NAMES, [3, 3, 3], [3, 3], "edge: ties and a shifted coding, 'sum'", { a: 2.5, b: 3, c: 3, reduction: 'sum' }),
  ],
  secondOrder: true,
  invariants: [
    finiteInvariant({ discriminator: lsD(), generator: lsG(), 'χ² coding discriminator': lsD({ a: -1, b: 1 }) }, criticScore, false),
    invariant('equals ½E[(D_r − b)²] + ½E[(D_f − a)²] and ½E[(D_f − c)²] in float64', fc.tuple(batch(uniform(-50, 50)), batch(uniform(-50, 50)), coding), ([r, f, k]) => {
      const half = (xs: number[], t: number) => mean(xs.map((x) => 0.5 * (x - t) ** 2));
      const d = half(r, k.b) + half(f, k.a);
      checkClose('discriminator', scalar(lsD(k)(t1(r), t1(f))), d, 1e-5, 1e-6);
      checkClose('generator', scalar(lsG(k)(t1(r), t1(f))), half(f, k.c), 1e-5, 1e-6);
      checkAllClose('d/dD_r', gradValues((x) => lsD(k)(x, t1(f)), r), r.map((x) => (x - k.b) / r.length), 1e-5, 1e-6);
      checkAllClose('d/dD_f', gradValues((x) => lsD(k)(t1(r), x), f), f.map((x) => (x - k.a) / f.length), 1e-5, 1e-6);
    }),
    invariant(
      'Mao et al. §3.2.2: with b − c = 1 and b − a = 2, ½E_pd[(D* − c)²] + ½E_pg[(D* − c)²] at D* = (b·p_d + a·p_g)/(p_d + p_g) equals ½·χ²_Pearson(p_d + p_g ‖ 2p_g) = ½Σ(2p_g − (p_d + p_g))²/(p_d + p_g)',
      fc.tuple(distributionPair(1, 12, true), uniform(-3, 3)),
      ([[pd, pg], t]) => {
        const k = { a: f32(t - 1), b: f32(t + 1), c: f32(t) };
        const keep = pd.map((x, i) => x + pg[i]! > 0);
        const d = pd.filter((_, i) => keep[i]);
        const g = pg.filter((_, i) => keep[i]);
        // D* and the χ² reference in float64; D* enters the loss rounded to float32.
        const dStar = d.map((x, i) => f32((k.b * x + k.a * g[i]!) / (x + g[i]!)));
        const chi2 = d.reduce((acc, x, i) => acc + (2 * g[i]! - (x + g[i]!)) ** 2 / (x + g[i]!), 0);
        const criterion = (w: number[]) => scalar(leastSquaresGeneratorLoss(C(t1(dStar)), { c: k.c, reduction: 'sum', weightsFake: W(t1(w)) }));
        checkClose('C(G)', criterion(d) + criterion(g), 0.5 * chi2, 1e-5, 1e-6 * (1 + Math.abs(t)) ** 2);
      },
    ),
    invariant(
      'D* = (b·p_d + a·p_g)/(p_d + p_g) minimises the pointwise discriminator loss ½p_d(D − b)² + ½p_g(D − a)²: zero gradient there, and moving by δ adds exactly ½(p_d + p_g)δ²',
      fc.integer({ min: 1, max: 10 }).chain((k) => fc.tuple(distribution(k), distribution(k), coding, uniform(0.05, 2))),
      ([pd, pg, k, step]) => {
        const dStar = pd.map((x, i) => f32((k.b * x + k.a * pg[i]!) / (x + pg[i]!)));
        const opts = { a: k.a, b: k.b, reduction: 'none' as const, weightsReal: W(t1(pd)), weightsFake: W(t1(pg)) };
        const pointwise = (ds: number[]) => values(leastSquaresDiscriminatorLoss(C(t1(ds)), C(t1(ds)), opts));
        const grad = gradValues((x) => leastSquaresDiscriminatorLoss(C(x), C(x), opts), dStar);
        const spread = 1 + Math.abs(k.a) + Math.abs(k.b);
        grad.forEach((gi, i) => checkThat(Math.abs(gi) <= 1e-5 * (pd[i]! + pg[i]!) * spread, `gradient ${gi} at D* = ${dStar[i]} (p_d = ${pd[i]}, p_g = ${pg[i]})`));
        const base = pointwise(dStar);
        for (const delta of [step, -step]) {
          const moved = pointwise(dStar.map((x) => f32(x + delta)));
          moved.forEach((v, i) => {
            const dd = f32(dStar[i]! + delta) - dStar[i]!;
            checkClose(`loss increase at D* ${delta > 0 ? '+' : '−'} δ [${i}]`, v - base[i]!, 0.5 * (pd[i]! + pg[i]!) * dd * dd, 1e-3, 1e-6 * spread * spread);
          });
        }
      },
    ),
    invariant('non-negative; zero exactly when D_r = b and D_f = a (resp. D_f = c)', fc.tuple(batch(criticScore), batch(criticScore), coding), ([r, f, k]) => {
      checkThat(scalar(lsD(k)(t1(r), t1(f))) >= 0 && scalar(lsG(k)(t1(r), t1(f))) >= 0, 'a negative loss');
      checkThat(scalar(lsD(k)(t1(r.map(() => k.b)), t1(f.map(() => k.a)))) === 0, 'D on its targets does not give 0');
      checkThat(scalar(lsG(k)(t1(r), t1(f.map(() => k.c)))) === 0, 'G on its target does not give 0');
    }),
    reductionInvariants({ discriminator: lsD({ a: -1, b: 1 }), generator: lsG({ c: 0 }) }, uniform(-100, 100)),
  ],
  errors: [
    ...twoBatchErrors(CRITIC_NAMES, (r, f, o) => leastSquaresDiscriminatorLoss(C(r), C(f), o as never), (f, o) => leastSquaresGeneratorLoss(C(f), o as never)),
    { name: 'a = NaN', call: () => leastSquaresDiscriminatorLoss(C(t1([1])), C(t1([0])), { a: NaN }), error: 'InvalidParameterError', argument: 'a' },
    { name: "b = '1' (a string)", call: () => leastSquaresDiscriminatorLoss(C(t1([1])), C(t1([0])), { b: '1' as never }), error: 'InvalidParameterError', argument: 'b' },
    { name: 'c = Infinity', call: () => leastSquaresGeneratorLoss(C(t1([1])), { c: Infinity }), error: 'InvalidParameterError', argument: 'c' },
    { name: 'c given to the discriminator loss', call: () => leastSquaresDiscriminatorLoss(C(t1([1])), C(t1([0])), { c: 0 } as never), error: 'InvalidParameterError', argument: 'c' },
  ],
};

// ---------------------------------------------------------------------------------------------
// objective/hinge

const hD: Loss2 = (r, f, o) => hingeDiscriminatorLoss(C(r), C(f), o as never);
const hG: Loss2 = (_r, f, o) => hingeGeneratorLoss(C(f), { reduction: o?.reduction, weightsFake: o?.weightsFake as never });

/** Hinge cases; a case with a score exactly on a kink (c_r = 1, c_f = −1) compares values only. */
const hingeCases: fc.Arbitrary<Case> = twoBatchCases(CRITIC_NAMES, fc.oneof(criticScore, fc.constantFrom(1, -1, 1.5, -1.5))).map((c) => ({
  ...c,
  grads: !c.inputs.criticReal!.data.includes(1) && !c.inputs.criticFake!.data.includes(-1),
}));

/** Scores that satisfy the margin: c_r ≥ 1 (resp. c_f ≤ −1), the boundary itself included. */
const pastMargin = fc.oneof(fc.constant(1), uniform(1, 10), uniform(1, 1e4));

export const hinge: Spec = {
  id: HINGE_ID,
  title: 'Hinge-loss GAN',
  reference: 'Lim & Ye 2017, Geometric GAN; Miyato et al. 2018, Spectral Normalization for GANs, eq. 16–17',
  section: 'objectives',
  inputs: twoBatchInputs(CRITIC_NAMES, 'critic-scores', 'critic scores'),
  params: { reduction: REDUCTION_PARAM },
  outputs: ['discriminator', 'generator'],
  evaluate: (x, p) => {
    const o = lossOptions(x, p);
    return {
      discriminator: hingeDiscriminatorLoss(C(x.criticReal!), C(x.criticFake!), o),
      generator: hingeGeneratorLoss(C(x.criticFake!), { reduction: o.reduction, weightsFake: o.weightsFake }),
    };
  },
  sample: hingeCases,
  edges: [
    edge(CRITIC_NAMES, [1e4, -1e4, 0.5, 2], [-1e4, 1e4, -0.5, -2], 'edge: ±1e4 scores, both sides of each margin'),
    edge(CRITIC_NAMES, [1.5, 3, 1e4], [-1.5, -2, -1e4], 'closed form: every margin holds, loss and gradients 0'),
    edge(CRITIC_NAMES, [0, 0], [0, 0], "closed form: zero scores give 1 + 1 per example, 'none'", { reduction: 'none' }),
    edge(CRITIC_NAMES, [1, 1, 0], [-1, 0.5, -1], 'edge: scores exactly on the kinks (values only)', {}, false),
  ],
  secondOrder: true,
  invariants: [
    finiteInvariant({ discriminator: hD, generator: hG }, criticScore, false),
    invariant('equals E[max(0, 1 − c_r)] + E[max(0, 1 + c_f)] and −E[c_f] in float64', fc.tuple(batch(criticScore), batch(criticScore)), ([r, f]) => {
      const d = mean(r.map((c) => Math.max(0, 1 - c))) + mean(f.map((c) => Math.max(0, 1 + c)));
      const scale = mean(r.map(Math.abs)) + mean(f.map(Math.abs));
      checkClose('discriminator', scalar(hD(t1(r), t1(f))), d, 1e-5, 1e-6 * (1 + scale));
      checkClose('generator', scalar(hG(t1(r), t1(f))), -mean(f), 1e-5, 1e-6 * (1 + scale));
    }),
    invariant('zero once every margin holds (c_r ≥ 1, c_f ≤ −1), with gradients exactly 0 there', fc.tuple(batch(pastMargin), batch(pastMargin)), ([r, fNeg]) => {
      const f = fNeg.map((x) => -x);
      checkThat(scalar(hD(t1(r), t1(f))) === 0, `loss ${scalar(hD(t1(r), t1(f)))} ≠ 0 with every margin holding`);
      checkThat(gradValues((x) => hD(x, t1(f)), r).every((g) => g === 0), 'a real-score gradient ≠ 0 past the margin');
      checkThat(gradValues((x) => hD(t1(r), x), f).every((g) => g === 0), 'a fake-score gradient ≠ 0 past the margin');
    }),
    invariant('gradients are −1/n where c_r < 1 and 0 where c_r > 1; +1/m where c_f > −1 and 0 where c_f < −1; the generator gradient is −1/m', fc.tuple(batch(criticScore), batch(criticScore)), ([r, f]) => {
      const gr = gradValues((x) => hD(x, t1(f)), r);
      const gf = gradValues((x) => hD(t1(r), x), f);
      r.forEach((c, i) => c !== 1 && checkClose(`d/dc_r[${i}] at ${c}`, gr[i]!, c < 1 ? -1 / r.length : 0, 1e-6, 0));
      f.forEach((c, i) => c !== -1 && checkClose(`d/dc_f[${i}] at ${c}`, gf[i]!, c > -1 ? 1 / f.length : 0, 1e-6, 0));
      checkAllClose('generator d/dc_f', gradValues((x) => hG(t1(r), x), f), f.map(() => -1 / f.length), 1e-6, 0);
    }),
    invariant('the hinge bounds the Wasserstein critic loss: L_D ≥ 2 + (E[c_f] − E[c_r]), with equality when no margin holds', fc.tuple(batch(uniform(-20, 20)), batch(uniform(-20, 20))), ([r, f]) => {
      const hingeLoss = scalar(hD(t1(r), t1(f)));
      const bound = 2 + scalar(wassersteinCriticLoss(C(t1(r)), C(t1(f))));
      checkThat(hingeLoss >= bound - 1e-5 * (1 + Math.abs(bound)), `hinge ${hingeLoss} < 2 + Wasserstein ${bound}`);
      const inside = r.map((c) => Math.min(c, 1));
      const insideF = f.map((c) => Math.max(c, -1));
      checkClose('equality inside the margins', scalar(hD(t1(inside), t1(insideF))), 2 + scalar(wassersteinCriticLoss(C(t1(inside)), C(t1(insideF)))), 1e-5, 1e-5);
    }),
    reductionInvariants({ discriminator: hD, generator: hG }, uniform(-5, 5)),
  ],
  errors: twoBatchErrors(CRITIC_NAMES, (r, f, o) => hingeDiscriminatorLoss(C(r), C(f), o as never), (f, o) => hingeGeneratorLoss(C(f), o as never)),
};

// ---------------------------------------------------------------------------------------------
// objective/relativistic

const VARIANTS: readonly RelativisticVariant[] = ['standard', 'average'];
const rD = (variant: RelativisticVariant): Loss2 => (r, f, o) => relativisticDiscriminatorLoss(C(r), C(f), { ...o, variant } as never);
const rG = (variant: RelativisticVariant): Loss2 => (r, f, o) => relativisticGeneratorLoss(C(r), C(f), { ...o, variant } as never);

/** Relativistic cases: the standard variant pairs samples, so its batches (and 'none') have n = m. */
const relativisticCases: fc.Arbitrary<Case> = fc
  .record({
    variant: fc.constantFrom<RelativisticVariant>('standard', 'average'),
    reduction: fc.constantFrom<Reduction>('mean', 'sum', 'none'),
    n: fc.integer({ min: 1, max: 16 }),
    m: fc.integer({ min: 1, max: 16 }),
    weighted: fc.boolean(),
  })
  .chain(({ variant, reduction, n, m, weighted }) => {
    const k = variant === 'standard' || reduction === 'none' ? n : m;
    return fc.record({ r: batch(criticScore, n, n), f: batch(criticScore, k, k), wr: batch(weight, n, n), wf: batch(weight, k, k) }).map(({ r, f, wr, wf }): Case => {
      const inputs: Record<string, NDArray> = { criticReal: vector(r), criticFake: vector(f) };
      if (weighted) {
        inputs.weightsReal = vector(wr);
        inputs.weightsFake = vector(wf);
      }
      return { inputs, params: { reduction, variant }, grads: true };
    });
  });

/** Values on a 2⁻¹⁰ grid within ±10 and integer shifts within ±100: every C + k is exact in float32. */
const gridScore = fc.integer({ min: -10240, max: 10240 }).map((i) => i / 1024);

/** A pair of batches, equal in length for the standard variant. */
const relativisticBatches = (score: fc.Arbitrary<number>) =>
  fc.constantFrom(...VARIANTS).chain((variant) =>
    fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 })).chain(([n, m]) =>
      fc.tuple(fc.constant(variant), batch(score, n, n), batch(score, variant === 'standard' ? n : m, variant === 'standard' ? n : m)),
    ),
  );

export const relativistic: Spec = {
  id: RELATIVISTIC_ID,
  title: 'Relativistic GAN (RSGAN, RaSGAN)',
  reference: 'Jolicoeur-Martineau 2018, The relativistic discriminator: a key element missing from standard GAN, §4 (RSGAN; RaSGAN)',
  section: 'objectives',
  inputs: twoBatchInputs(CRITIC_NAMES, 'critic-scores', 'raw critic outputs C (before any sigmoid)'),
  params: {
    reduction: REDUCTION_PARAM,
    variant: { doc: "'standard' (RSGAN: paired samples, n = m) or 'average' (RaSGAN: each against the other batch's mean)", default: 'standard', choices: VARIANTS },
  },
  outputs: ['discriminator', 'generator'],
  evaluate: (x, p) => {
    const o = { ...lossOptions(x, p), variant: p.variant as RelativisticVariant | undefined };
    return {
      discriminator: relativisticDiscriminatorLoss(C(x.criticReal!), C(x.criticFake!), o),
      generator: relativisticGeneratorLoss(C(x.criticReal!), C(x.criticFake!), o),
    };
  },
  sample: relativisticCases,
  edges: [
    edge(CRITIC_NAMES, [1e4, -1e4, 0, 104], [-1e4, 1e4, 0, -104], 'edge: ±1e4 paired scores'),
    edge(CRITIC_NAMES, [1e4, -1e4, 5], [-1e4, 1e4, 1e4, 0], 'edge: ±1e4 scores, average', { variant: 'average' }),
    edge(CRITIC_NAMES, [2, 2, 2], [2, 2, 2], "closed form: equal critics give log 2 (standard), 'none'", { reduction: 'none' }),
    edge(CRITIC_NAMES, [-3, -3], [-3, -3, -3], 'closed form: equal critics give 2·log 2 (average)', { variant: 'average' }),
  ],
  secondOrder: true,
  invariants: [
    finiteInvariant({ 'standard discriminator': rD('standard'), 'standard generator': rG('standard'), 'average discriminator': rD('average'), 'average generator': rG('average') }, criticScore, true),
    invariant('equals the float64 RSGAN / RaSGAN formulas', relativisticBatches(uniform(-15, 15)), ([variant, r, f]) => {
      let d: number;
      let g: number;
      if (variant === 'standard') {
        d = mean(r.map((x, i) => softplus(-(x - f[i]!))));
        g = mean(r.map((x, i) => softplus(-(f[i]! - x))));
      } else {
        const mr = mean(r);
        const mf = mean(f);
        d = mean(r.map((x) => softplus(-(x - mf)))) + mean(f.map((x) => softplus(x - mr)));
        g = mean(f.map((x) => softplus(-(x - mr)))) + mean(r.map((x) => softplus(x - mf)));
      }
      checkClose(`${variant} discriminator`, scalar(rD(variant)(t1(r), t1(f))), d, 1e-5, 1e-6);
      checkClose(`${variant} generator`, scalar(rG(variant)(t1(r), t1(f))), g, 1e-5, 1e-6);
    }),
    invariant('invariant to adding a constant to the critic (both variants, both losses)', fc.tuple(relativisticBatches(gridScore), fc.integer({ min: -100, max: 100 })), ([[variant, r, f], k]) => {
      for (const [name, h] of [['discriminator', rD(variant)], ['generator', rG(variant)]] as const) {
        const base = scalar(h(t1(r), t1(f)));
        const shifted = scalar(h(t1(r.map((x) => x + k)), t1(f.map((x) => x + k))));
        checkClose(`${variant} ${name} shifted by ${k}`, shifted, base, 2e-6, 1e-6);
      }
    }),
    invariant('the gradients sum to 0 over both batches (shift invariance, infinitesimally)', relativisticBatches(criticScore), ([variant, r, f]) => {
      for (const [name, h] of [['discriminator', rD(variant)], ['generator', rG(variant)]] as const) {
        const g = [...gradValues((x) => h(x, t1(f)), r), ...gradValues((x) => h(t1(r), x), f)];
        checkClose(`${variant} ${name}: Σ gradients`, sum(g), 0, 0, 1e-6 * (1 + sumAbs(g)));
      }
    }),
    invariant('the generator loss is the discriminator loss with real and fake swapped (weights too)', relativisticBatches(criticScore).chain(([v, r, f]) => fc.tuple(fc.constant(v), fc.constant(r), fc.constant(f), batch(weight, r.length, r.length), batch(weight, f.length, f.length))), ([variant, r, f, wr, wf]) => {
      const g = scalar(relativisticGeneratorLoss(C(t1(r)), C(t1(f)), { variant, weightsReal: W(t1(wr)), weightsFake: W(t1(wf)) }));
      const d = scalar(relativisticDiscriminatorLoss(C(t1(f)), C(t1(r)), { variant, weightsReal: W(t1(wf)), weightsFake: W(t1(wr)) }));
      checkThat(g === d, `${variant}: generator ${g} ≠ swapped discriminator ${d}`);
    }),
    invariant('RSGAN pairs samples (n = m): permuting the pairs changes nothing, and with one pair RaSGAN = 2·RSGAN', fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(batch(criticScore, n, n), batch(criticScore, n, n), fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }))), ([r, f, perm]) => {
      for (const [name, h] of [['discriminator', rD], ['generator', rG]] as const) {
        const base = scalar(h('standard')(t1(r), t1(f)));
        const permuted = scalar(h('standard')(t1(perm.map((i) => r[i]!)), t1(perm.map((i) => f[i]!))));
        checkClose(`${name}: permuted pairs`, permuted, base, 1e-5, 1e-6);
        const one = [t1([r[0]!]), t1([f[0]!])] as const;
        checkClose(`${name}: one pair`, scalar(h('average')(...one)), 2 * scalar(h('standard')(...one)), 1e-6, 1e-7);
      }
    }),
    reductionInvariants({ 'standard discriminator': rD('standard'), 'standard generator': rG('standard'), 'average discriminator': rD('average'), 'average generator': rG('average') }, uniform(-10, 10)),
  ],
  errors: [
    ...twoBatchErrors(
      CRITIC_NAMES,
      (r, f, o) => relativisticDiscriminatorLoss(C(r), C(f), o as never),
      (f, o) => relativisticGeneratorLoss(C(tf.fill([f.size], 0.5)), C(f), o as never),
    ),
    { name: "variant 'avg'", call: () => relativisticDiscriminatorLoss(C(t1([1])), C(t1([0])), { variant: 'avg' as never }), error: 'InvalidParameterError', argument: 'variant' },
    { name: 'unpaired batches (n ≠ m) for the standard variant', call: () => relativisticGeneratorLoss(C(t1([1, 2])), C(t1([0]))), error: 'InvalidArgumentError', argument: 'criticFake' },
    {
      name: "pair weights wr·wf that sum to 0 under 'mean'",
      call: () => relativisticDiscriminatorLoss(C(t1([1, 2])), C(t1([0, 1])), { weightsReal: W(t1([1, 0])), weightsFake: W(t1([0, 1])) }),
      error: 'InvalidArgumentError',
      argument: 'weightsFake',
    },
    {
      name: "all-zero weights for the average variant's inner mean, even under 'sum'",
      call: () => relativisticDiscriminatorLoss(C(t1([1, 2])), C(t1([0])), { variant: 'average', reduction: 'sum', weightsReal: W(t1([0, 0])) }),
      error: 'InvalidArgumentError',
      argument: 'weightsReal',
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// objective/label-smoothing

const alphaArb: fc.Arbitrary<number> = fc.oneof(fc.constant(0.9), fc.constant(1), uniform(0.5, 1), uniform(0.01, 1)).filter((a) => a > 0);
const lsmD = (alpha?: number): Loss2 => (r, f, o) => labelSmoothingDiscriminatorLoss(L(r), L(f), { ...o, alpha } as never);
const lsmG: Loss2 = (_r, f, o) => labelSmoothingGeneratorLoss(L(f), { reduction: o?.reduction, weightsFake: o?.weightsFake as never });
const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));
const logitOf = (p: number) => Math.log(p) - Math.log1p(-p);

export const labelSmoothing: Spec = {
  id: LABEL_SMOOTHING_ID,
  title: 'One-sided label smoothing',
  reference: 'Salimans et al. 2016, Improved Techniques for Training GANs, §3.4',
  section: 'objectives',
  inputs: twoBatchInputs(LOGIT_NAMES, 'logits', 'discriminator logits'),
  params: {
    reduction: REDUCTION_PARAM,
    alpha: { doc: 'the target for real data, in (0, 1]; fakes keep 0 (TF-GAN label_smoothing s = 2(1 − α))', default: 0.9 },
  },
  outputs: ['discriminator', 'generator'],
  evaluate: (x, p) => {
    const o = lossOptions(x, p);
    return {
      discriminator: labelSmoothingDiscriminatorLoss(L(x.logitsReal!), L(x.logitsFake!), { ...o, alpha: p.alpha as number | undefined }),
      generator: labelSmoothingGeneratorLoss(L(x.logitsFake!), { reduction: o.reduction, weightsFake: o.weightsFake }),
    };
  },
  sample: withParams(twoBatchCases(LOGIT_NAMES, logit), alphaArb.map((alpha) => ({ alpha }))),
  edges: [
    edge(LOGIT_NAMES, EDGE_LOGITS, [...EDGE_LOGITS].reverse(), 'edge: extreme logits ±1e4, ±104, ±88.7, ±20, ±0'),
    edge(LOGIT_NAMES, [1e4, -1e4, 30], [1e4, -1e4, 30], "edge: ±1e4 with α close to 1, 'none'", { alpha: f32(0.999), reduction: 'none' }),
    edge(LOGIT_NAMES, [0], [0], 'closed form: D = ½ gives 2·log 2 for every α', { alpha: 0.5 }),
    edge(LOGIT_NAMES, [2, -1], [0.5, 3], 'closed form: α = 1 is the non-saturating loss', { alpha: 1 }),
  ],
  secondOrder: true,
  invariants: [
    finiteInvariant({ discriminator: lsmD(), 'α = 0.01 discriminator': lsmD(f32(0.01)), 'α = 1 discriminator': lsmD(1), generator: lsmG }, logit, false),
    invariant('equals −E[α·log D_r + (1 − α)·log(1 − D_r)] − E[log(1 − D_f)] in float64, with gradient (σ(l_r) − α)/n', fc.tuple(batch(moderateLogit), batch(moderateLogit), alphaArb), ([r, f, alpha]) => {
      const d = mean(r.map((l) => -alpha * Math.log(sigmoid(l)) - (1 - alpha) * Math.log(1 - sigmoid(l)))) + mean(f.map((l) => -Math.log(1 - sigmoid(l))));
      checkClose('discriminator', scalar(lsmD(alpha)(t1(r), t1(f))), d, 1e-5, 1e-6);
      checkAllClose('d/dl_r', gradValues((x) => lsmD(alpha)(x, t1(f)), r), r.map((l) => (sigmoid(l) - alpha) / r.length), 1e-5, 1e-7);
    }),
    invariant('α = 1 equals the non-saturating discriminator loss; the generator loss is the non-saturating one for every α', fc.tuple(batch(logit), batch(logit)), ([r, f]) => {
      checkClose('α = 1', scalar(lsmD(1)(t1(r), t1(f))), scalar(nonSaturatingDiscriminatorLoss(L(t1(r)), L(t1(f)))), 1e-7, 0);
      checkClose('generator', scalar(lsmG(t1(r), t1(f))), scalar(nonSaturatingGeneratorLoss(L(t1(f)))), 1e-7, 0);
    }),
    invariant(
      'the optimal discriminator moves to D* = α·p_d/(p_d + p_g): zero gradient at logit(D*), and D* minimises the pointwise loss p_d·[α·softplus(−l) + (1 − α)·softplus(l)] + p_g·softplus(l) over a grid of D = σ(l)',
      fc.integer({ min: 1, max: 6 }).chain((k) => fc.tuple(distribution(k), distribution(k), alphaArb)),
      ([pd, pg, alpha]) => {
        const dStar = pd.map((x, i) => (alpha * x) / (x + pg[i]!));
        const lStar = dStar.map((d) => f32(logitOf(d)));
        const opts = { alpha, reduction: 'none' as const, weightsReal: W(t1(pd)), weightsFake: W(t1(pg)) };
        const grad = gradValues((x) => labelSmoothingDiscriminatorLoss(L(x), L(x), opts), lStar);
        grad.forEach((g, i) => checkThat(Math.abs(g) <= 2e-6 * (pd[i]! + pg[i]!), `gradient ${g} at l* = ${lStar[i]} (D* = ${dStar[i]}, p_d = ${pd[i]}, p_g = ${pg[i]}, α = ${alpha})`));
        // The loss is convex in D, so its minimum over the grid D = j/N lies within one step of D*.
        const N = 400;
        const grid = [...Array(N - 1).keys()].map((j) => f32(logitOf((j + 1) / N)));
        pd.forEach((x, i) => {
          const pointwise = values(
            labelSmoothingDiscriminatorLoss(L(t1(grid)), L(t1(grid)), { alpha, reduction: 'none', weightsReal: W(tf.fill([grid.length], x)), weightsFake: W(tf.fill([grid.length], pg[i]!)) }),
          );
          const best = pointwise.indexOf(Math.min(...pointwise));
          const dBest = sigmoid(grid[best]!);
          checkThat(Math.abs(dBest - dStar[i]!) <= 1 / N + 1e-6, `grid minimiser D = ${dBest}, expected α·p_d/(p_d + p_g) = ${dStar[i]} (p_d = ${x}, p_g = ${pg[i]}, α = ${alpha})`);
        });
      },
      50,
    ),
    invariant('smoothing costs the discriminator at confident real logits: for l_r > 0 the loss rises as α falls', fc.tuple(batch(uniform(0.1, 15)), batch(moderateLogit), uniform(0.05, 0.95)), ([r, f, alpha]) => {
      const smooth = scalar(lsmD(alpha)(t1(r), t1(f)));
      const plain = scalar(lsmD(1)(t1(r), t1(f)));
      checkThat(smooth > plain, `α = ${alpha} gives ${smooth} ≤ the unsmoothed ${plain}`);
    }),
    reductionInvariants({ discriminator: lsmD(f32(0.8)), generator: lsmG }, uniform(-20, 20)),
  ],
  errors: [
    ...twoBatchErrors(LOGIT_NAMES, (r, f, o) => labelSmoothingDiscriminatorLoss(L(r), L(f), o as never), (f, o) => labelSmoothingGeneratorLoss(L(f), o as never)),
    { name: 'alpha = 0', call: () => labelSmoothingDiscriminatorLoss(L(t1([1])), L(t1([0])), { alpha: 0 }), error: 'InvalidParameterError', argument: 'alpha' },
    { name: 'alpha = 1.5', call: () => labelSmoothingDiscriminatorLoss(L(t1([1])), L(t1([0])), { alpha: 1.5 }), error: 'InvalidParameterError', argument: 'alpha' },
    { name: 'alpha = NaN', call: () => labelSmoothingDiscriminatorLoss(L(t1([1])), L(t1([0])), { alpha: NaN }), error: 'InvalidParameterError', argument: 'alpha' },
    { name: 'alpha given to the generator loss', call: () => labelSmoothingGeneratorLoss(L(t1([1])), { alpha: 0.9 } as never), error: 'InvalidParameterError', argument: 'alpha' },
  ],
};

/** Catalog entries of this group, in CATALOG.md order. */
const benchCritic = (params: Record<string, unknown> = {}) => () => benchCase({ criticReal: uniformArray([BENCH.batch], -3, 3, 1), criticFake: uniformArray([BENCH.batch], -3, 3, 2) }, { reduction: 'mean', ...params });

export const SPECS: Spec[] = [
  withBenchmark(leastSquares, benchCritic()),
  withBenchmark(hinge, benchCritic()),
  withBenchmark(relativistic, benchCritic({ variant: 'average' })),
  withBenchmark(labelSmoothing, () => benchCase({ logitsReal: uniformArray([BENCH.batch], -8, 8, 1), logitsFake: uniformArray([BENCH.batch], -8, 8, 2) }, { reduction: 'mean' })),
];

