import { numberParam } from '../../define.js';
import { defineSpec } from '../../define.js';
import * as fc from 'fast-check';
import { batch, criticScore, distribution, distributionPair, f32, uniform } from '../../arbitraries.js';
import { REDUCTION_PARAM } from '../../decls.js';
import { checkAllClose, checkClose, checkThat, invariant, scalar, values } from '../../invariant.js';
import { mean64 } from '../../reference64.js';
import {
  benchCritic,
  CRITIC_NAMES,
  edge,
  finiteInvariant,
  type Loss2,
  lossOptions,
  reductionInvariants,
  twoBatchCases,
  twoBatchErrors,
  bareCallInvariant,
  type RawDiscriminator,
  type RawGenerator,
  criticBatchInputs,
  withParams,
} from '../../templates/two-batch.js';
import { gradValues, t1 } from '../../tensors.js';
import type { Spec } from '../../types.js';
import {
  LEAST_SQUARES_ID,
  leastSquaresDiscriminatorLoss,
  leastSquaresGeneratorLoss,
} from '../../../objectives/least-squares.js';
import { asCriticScores, asWeights } from '../../../types.js';

type Coding = { a: number; b: number; c: number };

/** The default 0-1 coding, the χ² coding (a, b, c) = (−1, 1, 0), and random finite codings. */
const coding: fc.Arbitrary<Coding> = fc.oneof(
  fc.constant({ a: 0, b: 1, c: 1 }),
  fc.constant({ a: -1, b: 1, c: 0 }),
  fc.record({ a: uniform(-3, 3), b: uniform(-3, 3), c: uniform(-3, 3) }),
);

const lsD =
  (o: Partial<Coding> = {}): Loss2 =>
  (r, f, x) =>
    leastSquaresDiscriminatorLoss(asCriticScores(r), asCriticScores(f), { ...x, a: o.a, b: o.b } as never);

const lsG =
  (o: Partial<Coding> = {}): Loss2 =>
  (_r, f, x) =>
    leastSquaresGeneratorLoss(asCriticScores(f), {
      reduction: x?.reduction,
      weightsFake: x?.weightsFake as never,
      c: o.c,
    });

const rawD: RawDiscriminator = (r, f, o) =>
  leastSquaresDiscriminatorLoss(asCriticScores(r), asCriticScores(f), o as never);
const rawG: RawGenerator = (f, o) => leastSquaresGeneratorLoss(asCriticScores(f), o as never);

export const leastSquares: Spec = defineSpec({
  id: LEAST_SQUARES_ID,
  title: 'Least-squares GAN',
  reference:
    'Mao et al. 2017, Least Squares Generative Adversarial Networks, eq. 2 (optimal D eq. 4, χ² theorem §3.2.2)',
  section: 'objectives',
  inputs: criticBatchInputs('raw (linear, no sigmoid) discriminator outputs'),
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
      discriminator: leastSquaresDiscriminatorLoss(x.criticReal, x.criticFake, { ...o, a: p.a, b: p.b }),
      generator: leastSquaresGeneratorLoss(x.criticFake, {
        reduction: o.reduction,
        weightsFake: o.weightsFake,
        c: p.c,
      }),
    };
  },
  sample: withParams(twoBatchCases(CRITIC_NAMES, criticScore), coding),
  edges: [
    edge(CRITIC_NAMES, [1e4, -1e4, 0, 1], [-1e4, 1e4, -0, 0], 'edge: ±1e4 scores'),
    edge(CRITIC_NAMES, [1, 1], [0, 0], 'closed form: D on its targets gives 0 (G: ½)'),
    edge(CRITIC_NAMES, [0.5, -0.25, 1], [-1, 0, 0.75], "closed form: the χ² coding a = −1, b = 1, c = 0, 'none'", {
      a: -1,
      b: 1,
      c: 0,
      reduction: 'none',
    }),
    edge(CRITIC_NAMES, [3, 3, 3], [3, 3], "edge: ties and a shifted coding, 'sum'", {
      a: 2.5,
      b: 3,
      c: 3,
      reduction: 'sum',
    }),
  ],
  secondOrder: true,
  invariants: [
    bareCallInvariant(criticScore, rawD, rawG, {
      discriminator: { reduction: 'mean', a: 0, b: 1 },
      generator: { reduction: 'mean', c: 1 },
    }),
    finiteInvariant(
      { discriminator: lsD(), generator: lsG(), 'χ² coding discriminator': lsD({ a: -1, b: 1 }) },
      criticScore,
      false,
    ),
    invariant(
      'equals ½E[(D_r − b)²] + ½E[(D_f − a)²] and ½E[(D_f − c)²] in float64',
      fc.tuple(batch(uniform(-50, 50)), batch(uniform(-50, 50)), coding),
      ([r, f, k]) => {
        const half = (xs: number[], t: number) => mean64(xs.map((x) => 0.5 * (x - t) ** 2));
        const d = half(r, k.b) + half(f, k.a);
        checkClose('discriminator', scalar(lsD(k)(t1(r), t1(f))), d, 1e-5, 1e-6);
        checkClose('generator', scalar(lsG(k)(t1(r), t1(f))), half(f, k.c), 1e-5, 1e-6);
        checkAllClose(
          'd/dD_r',
          gradValues((x) => lsD(k)(x, t1(f)), r),
          r.map((x) => (x - k.b) / r.length),
          1e-5,
          1e-6,
        );
        checkAllClose(
          'd/dD_f',
          gradValues((x) => lsD(k)(t1(r), x), f),
          f.map((x) => (x - k.a) / f.length),
          1e-5,
          1e-6,
        );
      },
    ),
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
        const criterion = (w: number[]) =>
          scalar(
            leastSquaresGeneratorLoss(asCriticScores(t1(dStar)), {
              c: k.c,
              reduction: 'sum',
              weightsFake: asWeights(t1(w)),
            }),
          );
        checkClose('C(G)', criterion(d) + criterion(g), 0.5 * chi2, 1e-5, 1e-6 * (1 + Math.abs(t)) ** 2);
      },
    ),
    invariant(
      'D* = (b·p_d + a·p_g)/(p_d + p_g) minimises the pointwise discriminator loss ½p_d(D − b)² + ½p_g(D − a)²: zero gradient there, and moving by δ adds exactly ½(p_d + p_g)δ²',
      fc
        .integer({ min: 1, max: 10 })
        .chain((k) => fc.tuple(distribution(k), distribution(k), coding, uniform(0.05, 2))),
      ([pd, pg, k, step]) => {
        const dStar = pd.map((x, i) => f32((k.b * x + k.a * pg[i]!) / (x + pg[i]!)));
        const opts = {
          a: k.a,
          b: k.b,
          reduction: 'none' as const,
          weightsReal: asWeights(t1(pd)),
          weightsFake: asWeights(t1(pg)),
        };
        const pointwise = (ds: number[]) =>
          values(leastSquaresDiscriminatorLoss(asCriticScores(t1(ds)), asCriticScores(t1(ds)), opts));
        const grad = gradValues(
          (x) => leastSquaresDiscriminatorLoss(asCriticScores(x), asCriticScores(x), opts),
          dStar,
        );
        const spread = 1 + Math.abs(k.a) + Math.abs(k.b);
        grad.forEach((gi, i) =>
          checkThat(
            Math.abs(gi) <= 1e-5 * (pd[i]! + pg[i]!) * spread,
            `gradient ${gi} at D* = ${dStar[i]} (p_d = ${pd[i]}, p_g = ${pg[i]})`,
          ),
        );
        const base = pointwise(dStar);
        for (const delta of [step, -step]) {
          const moved = pointwise(dStar.map((x) => f32(x + delta)));
          moved.forEach((v, i) => {
            const dd = f32(dStar[i]! + delta) - dStar[i]!;
            checkClose(
              `loss increase at D* ${delta > 0 ? '+' : '−'} δ [${i}]`,
              v - base[i]!,
              0.5 * (pd[i]! + pg[i]!) * dd * dd,
              1e-3,
              1e-6 * spread * spread,
            );
          });
        }
      },
    ),
    invariant(
      'non-negative; zero exactly when D_r = b and D_f = a (resp. D_f = c)',
      fc.tuple(batch(criticScore), batch(criticScore), coding),
      ([r, f, k]) => {
        checkThat(scalar(lsD(k)(t1(r), t1(f))) >= 0 && scalar(lsG(k)(t1(r), t1(f))) >= 0, 'a negative loss');
        checkThat(scalar(lsD(k)(t1(r.map(() => k.b)), t1(f.map(() => k.a)))) === 0, 'D on its targets does not give 0');
        checkThat(scalar(lsG(k)(t1(r), t1(f.map(() => k.c)))) === 0, 'G on its target does not give 0');
      },
    ),
    reductionInvariants({ discriminator: lsD({ a: -1, b: 1 }), generator: lsG({ c: 0 }) }, uniform(-100, 100)),
  ],
  errors: [
    ...twoBatchErrors(CRITIC_NAMES, rawD, rawG),
    {
      name: 'a = NaN',
      call: () => leastSquaresDiscriminatorLoss(asCriticScores(t1([1])), asCriticScores(t1([0])), { a: NaN }),
      error: 'InvalidParameterError',
      argument: 'a',
    },
    {
      name: "b = '1' (a string)",
      call: () => leastSquaresDiscriminatorLoss(asCriticScores(t1([1])), asCriticScores(t1([0])), { b: '1' as never }),
      error: 'InvalidParameterError',
      argument: 'b',
    },
    {
      name: 'c = Infinity',
      call: () => leastSquaresGeneratorLoss(asCriticScores(t1([1])), { c: Infinity }),
      error: 'InvalidParameterError',
      argument: 'c',
    },
    {
      name: 'c given to the discriminator loss',
      call: () => leastSquaresDiscriminatorLoss(asCriticScores(t1([1])), asCriticScores(t1([0])), { c: 0 } as never),
      error: 'InvalidParameterError',
      argument: 'c',
    },
  ],
  benchmark: benchCritic(),
});
