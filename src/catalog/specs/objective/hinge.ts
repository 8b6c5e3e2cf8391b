import { defineSpec } from '../../define.js';
import * as fc from 'fast-check';
import { batch, criticScore, uniform } from '../../arbitraries.js';
import { REDUCTION_PARAM } from '../../decls.js';
import { checkAllClose, checkClose, checkThat, invariant, scalar } from '../../invariant.js';
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
} from '../../templates/two-batch.js';
import { gradValues, t1 } from '../../tensors.js';
import type { Case, Spec } from '../../types.js';
import { HINGE_ID, hingeDiscriminatorLoss, hingeGeneratorLoss } from '../../../objectives/hinge.js';
import { wassersteinCriticLoss } from '../../../objectives/index.js';
import { asCriticScores } from '../../../types.js';

const hD: Loss2 = (r, f, o) => hingeDiscriminatorLoss(asCriticScores(r), asCriticScores(f), o as never);

const hG: Loss2 = (_r, f, o) =>
  hingeGeneratorLoss(asCriticScores(f), { reduction: o?.reduction, weightsFake: o?.weightsFake as never });

/** Hinge cases; a case with a score exactly on a kink (c_r = 1, c_f = −1) compares values only. */
const hingeCases: fc.Arbitrary<Case> = twoBatchCases(
  CRITIC_NAMES,
  fc.oneof(criticScore, fc.constantFrom(1, -1, 1.5, -1.5)),
).map((c) => ({
  ...c,
  grads: !c.inputs.criticReal!.data.includes(1) && !c.inputs.criticFake!.data.includes(-1),
}));

/** Scores that satisfy the margin: c_r ≥ 1 (resp. c_f ≤ −1), the boundary itself included. */
const pastMargin = fc.oneof(fc.constant(1), uniform(1, 10), uniform(1, 1e4));

const rawD: RawDiscriminator = (r, f, o) => hingeDiscriminatorLoss(asCriticScores(r), asCriticScores(f), o as never);
const rawG: RawGenerator = (f, o) => hingeGeneratorLoss(asCriticScores(f), o as never);

export const hinge: Spec = defineSpec({
  id: HINGE_ID,
  title: 'Hinge-loss GAN',
  reference: 'Lim & Ye 2017, Geometric GAN; Miyato et al. 2018, Spectral Normalization for GANs, eq. 16–17',
  section: 'objectives',
  inputs: criticBatchInputs('critic scores'),
  params: { reduction: REDUCTION_PARAM },
  outputs: ['discriminator', 'generator'],
  evaluate: (x, p) => {
    const o = lossOptions(x, p);
    return {
      discriminator: hingeDiscriminatorLoss(x.criticReal, x.criticFake, o),
      generator: hingeGeneratorLoss(x.criticFake, { reduction: o.reduction, weightsFake: o.weightsFake }),
    };
  },
  sample: hingeCases,
  edges: [
    edge(CRITIC_NAMES, [1e4, -1e4, 0.5, 2], [-1e4, 1e4, -0.5, -2], 'edge: ±1e4 scores, both sides of each margin'),
    edge(CRITIC_NAMES, [1.5, 3, 1e4], [-1.5, -2, -1e4], 'closed form: every margin holds, loss and gradients 0'),
    edge(CRITIC_NAMES, [0, 0], [0, 0], "closed form: zero scores give 1 + 1 per example, 'none'", {
      reduction: 'none',
    }),
    edge(CRITIC_NAMES, [1, 1, 0], [-1, 0.5, -1], 'edge: scores exactly on the kinks (values only)', {}, false),
  ],
  secondOrder: true,
  invariants: [
    bareCallInvariant(criticScore, rawD, rawG),
    finiteInvariant({ discriminator: hD, generator: hG }, criticScore, false),
    invariant(
      'equals E[max(0, 1 − c_r)] + E[max(0, 1 + c_f)] and −E[c_f] in float64',
      fc.tuple(batch(criticScore), batch(criticScore)),
      ([r, f]) => {
        const d = mean64(r.map((c) => Math.max(0, 1 - c))) + mean64(f.map((c) => Math.max(0, 1 + c)));
        const scale = mean64(r.map(Math.abs)) + mean64(f.map(Math.abs));
        checkClose('discriminator', scalar(hD(t1(r), t1(f))), d, 1e-5, 1e-6 * (1 + scale));
        checkClose('generator', scalar(hG(t1(r), t1(f))), -mean64(f), 1e-5, 1e-6 * (1 + scale));
      },
    ),
    invariant(
      'zero once every margin holds (c_r ≥ 1, c_f ≤ −1), with gradients exactly 0 there',
      fc.tuple(batch(pastMargin), batch(pastMargin)),
      ([r, fNeg]) => {
        const f = fNeg.map((x) => -x);
        checkThat(scalar(hD(t1(r), t1(f))) === 0, `loss ${scalar(hD(t1(r), t1(f)))} ≠ 0 with every margin holding`);
        checkThat(
          gradValues((x) => hD(x, t1(f)), r).every((g) => g === 0),
          'a real-score gradient ≠ 0 past the margin',
        );
        checkThat(
          gradValues((x) => hD(t1(r), x), f).every((g) => g === 0),
          'a fake-score gradient ≠ 0 past the margin',
        );
      },
    ),
    invariant(
      'gradients are −1/n where c_r < 1 and 0 where c_r > 1; +1/m where c_f > −1 and 0 where c_f < −1; the generator gradient is −1/m',
      fc.tuple(batch(criticScore), batch(criticScore)),
      ([r, f]) => {
        const gr = gradValues((x) => hD(x, t1(f)), r);
        const gf = gradValues((x) => hD(t1(r), x), f);
        r.forEach((c, i) => c !== 1 && checkClose(`d/dc_r[${i}] at ${c}`, gr[i]!, c < 1 ? -1 / r.length : 0, 1e-6, 0));
        f.forEach((c, i) => c !== -1 && checkClose(`d/dc_f[${i}] at ${c}`, gf[i]!, c > -1 ? 1 / f.length : 0, 1e-6, 0));
        checkAllClose(
          'generator d/dc_f',
          gradValues((x) => hG(t1(r), x), f),
          f.map(() => -1 / f.length),
          1e-6,
          0,
        );
      },
    ),
    invariant(
      'the hinge bounds the Wasserstein critic loss: L_D ≥ 2 + (E[c_f] − E[c_r]), with equality when no margin holds',
      fc.tuple(batch(uniform(-20, 20)), batch(uniform(-20, 20))),
      ([r, f]) => {
        const hingeLoss = scalar(hD(t1(r), t1(f)));
        const bound = 2 + scalar(wassersteinCriticLoss(asCriticScores(t1(r)), asCriticScores(t1(f))));
        checkThat(hingeLoss >= bound - 1e-5 * (1 + Math.abs(bound)), `hinge ${hingeLoss} < 2 + Wasserstein ${bound}`);
        const inside = r.map((c) => Math.min(c, 1));
        const insideF = f.map((c) => Math.max(c, -1));
        checkClose(
          'equality inside the margins',
          scalar(hD(t1(inside), t1(insideF))),
          2 + scalar(wassersteinCriticLoss(asCriticScores(t1(inside)), asCriticScores(t1(insideF)))),
          1e-5,
          1e-5,
        );
      },
    ),
    reductionInvariants({ discriminator: hD, generator: hG }, uniform(-5, 5)),
  ],
  errors: twoBatchErrors(CRITIC_NAMES, rawD, rawG),
  benchmark: benchCritic(),
});
