import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { batch, f32, uniform, vector, weight } from '../arbitraries.js';
import { BENCH, benchCase, uniformArray } from '../bench.js';
import { checkClose, checkFinite, checkThat, invariant, scalar, values } from '../invariant.js';
import { sum64, sumAbs64 } from '../reference64.js';
import { gradValues, t1 } from '../tensors.js';
import type { Case, ErrorCase, InputDecl, Invariant, NDArray } from '../types.js';
import { checkRepairs } from '../registry-repair.js';
import type { Reduction, Weights } from '../../types.js';
import { InvalidArgumentError } from '../../errors.js';

/** The two-batch loss family (real and fake batches, reductions, weights): cases, invariants and error inputs. */

export const CRITIC_NAMES: [string, string] = ['criticReal', 'criticFake'];

export const LOGIT_NAMES: [string, string] = ['logitsReal', 'logitsFake'];

/** Options as the generic helpers pass them; each spec's adapters keep what its function takes. */
export type Opts = { reduction?: Reduction; weightsReal?: tf.Tensor; weightsFake?: tf.Tensor };

/** A loss as a function of both batches (a generator that ignores the real batch included). */
export type Loss2 = (real: tf.Tensor, fake: tf.Tensor, options?: Opts) => tf.Tensor;

/** Adds parameters drawn from `params` to every case of `cases`. */
export function withParams(
  cases: fc.Arbitrary<Case>,
  params: fc.Arbitrary<Record<string, unknown>>,
): fc.Arbitrary<Case> {
  return fc.tuple(cases, params).map(([c, p]) => ({ ...c, params: { ...c.params, ...p } }));
}

/** A two-batch edge case with extra parameters. */
export function edge(
  names: [string, string],
  real: number[],
  fake: number[],
  label: string,
  params: Record<string, unknown> & { reduction?: Reduction } = {},
  grads = true,
): Case {
  const c = twoBatchCase(names, real, fake, label, params.reduction ?? 'mean');
  return { ...c, params: { ...c.params, ...params }, grads };
}

export const tolerant = (what: string, actual: number, expected: number, scale: number) =>
  checkClose(what, actual, expected, 2e-5, 1e-5 * (1 + scale));

/**
 * Reductions and weights, for the discriminator and the generator loss alike, on equal batches:
 * 'sum' = n·'mean' without weights; Σ 'none' = 'sum' with and without weights; unit weights
 * change nothing; scaling every weight by k leaves the weighted 'mean' unchanged; all-zero weights
 * give exactly 0 under 'sum' (or are refused, by the losses named in `refuseZeroWeights`);
 * tf.Reduction's MEAN, SUM and NONE (and SUM_BY_NONZERO_WEIGHTS, the mean without weights) give
 * exactly what 'mean', 'sum' and 'none' give. Tolerances scale with Σ|terms|, the bound of float32
 * summation error.
 */
export function reductionInvariants(
  losses: Record<string, Loss2>,
  score: fc.Arbitrary<number>,
  options: {
    /** Losses whose weighted inner means (RaSGAN's) refuse all-zero weights under every reduction. */
    refuseZeroWeights?: readonly string[];
  } = {},
): Invariant {
  const cases = fc
    .integer({ min: 1, max: 12 })
    .chain((n) =>
      fc.tuple(batch(score, n, n), batch(score, n, n), batch(weight, n, n), batch(weight, n, n), uniform(0.1, 10)),
    );
  return invariant(
    "reductions agree: 'sum' = n·'mean', Σ 'none' = 'sum' (weighted too), unit weights change nothing, weighted 'mean' ignores a common weight scale, zero weights sum to 0, tf.Reduction's names mean the same",
    cases,
    ([r, f, wr, wf, k]) => {
      const n = r.length;
      const rt = t1(r);
      const ft = t1(f);
      const w = { weightsReal: t1(wr), weightsFake: t1(wf) };
      const ones = { weightsReal: tf.onesLike(rt), weightsFake: tf.onesLike(ft) };
      const scaled = { weightsReal: t1(wr.map((x) => f32(x * k))), weightsFake: t1(wf.map((x) => f32(x * k))) };
      for (const [name, h] of Object.entries(losses)) {
        const none = values(h(rt, ft, { reduction: 'none' }));
        const noneW = values(h(rt, ft, { reduction: 'none', ...w }));
        const scale = sumAbs64(none);
        const scaleW = sumAbs64(noneW);
        const m = scalar(h(rt, ft));
        const s = scalar(h(rt, ft, { reduction: 'sum' }));
        tolerant(`${name}: 'sum' vs n·'mean'`, s, n * m, scale);
        tolerant(`${name}: Σ 'none' vs 'sum'`, sum64(none), s, scale);
        tolerant(
          `${name}: weighted Σ 'none' vs 'sum'`,
          sum64(noneW),
          scalar(h(rt, ft, { reduction: 'sum', ...w })),
          scaleW,
        );
        tolerant(`${name}: unit weights`, scalar(h(rt, ft, ones)), m, scale / n);
        tolerant(`${name}: weights scaled by ${k}`, scalar(h(rt, ft, scaled)), scalar(h(rt, ft, w)), scaleW);
        const zeros = { weightsReal: tf.zerosLike(rt), weightsFake: tf.zerosLike(ft) };
        if (options.refuseZeroWeights?.includes(name)) {
          let refused = false;
          try {
            h(rt, ft, { reduction: 'sum', ...zeros }).dispose();
          } catch (err) {
            refused = err instanceof InvalidArgumentError;
          }
          checkThat(refused, `${name}: all-zero weights are refused under 'sum' too`);
        } else
          checkThat(
            scalar(h(rt, ft, { reduction: 'sum', ...zeros })) === 0,
            `${name}: all-zero weights under 'sum' give 0`,
          );
        // tf.losses' reduction enum, as a TF.js user passes it (its values are numbers).
        const byEnum = (r: tf.Reduction) => h(rt, ft, { reduction: r as unknown as Reduction });
        checkThat(scalar(byEnum(tf.Reduction.MEAN)) === m, `${name}: tf.Reduction.MEAN is 'mean'`);
        checkThat(scalar(byEnum(tf.Reduction.SUM)) === s, `${name}: tf.Reduction.SUM is 'sum'`);
        checkThat(
          scalar(byEnum(tf.Reduction.SUM_BY_NONZERO_WEIGHTS)) === m,
          `${name}: tf.Reduction.SUM_BY_NONZERO_WEIGHTS without weights is 'mean'`,
        );
        const noneEnum = values(byEnum(tf.Reduction.NONE));
        checkThat(
          noneEnum.length === none.length && noneEnum.every((x, i) => Object.is(x, none[i])),
          `${name}: tf.Reduction.NONE is 'none'`,
        );
      }
    },
  );
}

/** Every loss finite, with finite gradients in both batches, for every score up to |s| = 1e4. */
export function finiteInvariant(
  losses: Record<string, Loss2>,
  score: fc.Arbitrary<number>,
  paired: boolean,
): Invariant {
  const cases = paired
    ? fc.integer({ min: 1, max: 16 }).chain((n) => fc.tuple(batch(score, n, n), batch(score, n, n)))
    : fc.tuple(batch(score), batch(score));
  return invariant(
    'every loss is finite with finite gradients for every finite score up to |s| = 1e4',
    cases,
    ([r, f]) => {
      for (const [name, h] of Object.entries(losses)) {
        checkFinite(`${name} loss`, values(h(t1(r), t1(f))));
        // + 0·Σx keeps the real batch on the tape for the generator losses that ignore it.
        checkFinite(
          `${name} d/d real`,
          gradValues((x) => tf.add(tf.sum(h(x, t1(f))), tf.mul(0, tf.sum(x))), r),
        );
        checkFinite(
          `${name} d/d fake`,
          gradValues((x) => h(t1(r), x), f),
        );
      }
    },
  );
}

/** A two-batch loss as the public API takes it: the options argument passed on as given (absent included). */
export type RawDiscriminator = (real: tf.Tensor, fake: tf.Tensor, options?: Record<string, unknown>) => unknown;
/** A generator loss as the public API takes it (the fake batch and the options as given). */
export type RawGenerator = (fake: tf.Tensor, options?: Record<string, unknown>) => unknown;

/**
 * The options argument is optional: each loss called with none at all (as users call it) gives
 * the same value and the same gradients, bit for bit, as with an empty options object and as with
 * its documented defaults spelled out (`defaults`, the spec's declared defaults). Batches of equal
 * length, so paired losses take them too.
 */
export function bareCallInvariant(
  score: fc.Arbitrary<number>,
  discriminator: RawDiscriminator,
  generator: RawGenerator,
  defaults: { discriminator?: Record<string, unknown>; generator?: Record<string, unknown> } = {},
): Invariant {
  const dDefaults = defaults.discriminator ?? { reduction: 'mean' };
  const gDefaults = defaults.generator ?? { reduction: 'mean' };
  const cases = fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(batch(score, n, n), batch(score, n, n)));
  return invariant(
    'called with no options argument, every loss equals its call with {} and with the documented defaults (values and gradients), and each loss alone repairs the gradient registry',
    cases,
    ([r, f]) => {
      const d = (o?: Record<string, unknown>) => (x: tf.Tensor, y: tf.Tensor) =>
        (o === undefined ? discriminator(x, y) : discriminator(x, y, o)) as tf.Tensor;
      const g = (o?: Record<string, unknown>) => (y: tf.Tensor) =>
        (o === undefined ? generator(y) : generator(y, o)) as tf.Tensor;
      const outcome = (od?: Record<string, unknown>, og?: Record<string, unknown>) => [
        scalar(d(od)(t1(r), t1(f))),
        ...gradValues((x) => d(od)(x, t1(f)), r),
        ...gradValues((y) => d(od)(t1(r), y), f),
        scalar(g(og)(t1(f))),
        ...gradValues((y) => g(og)(y), f),
      ];
      const bare = outcome();
      checkFinite('bare call', bare);
      checkRepairs('the discriminator loss', () => d()(t1(r), t1(f)));
      checkRepairs('the generator loss', () => g()(t1(f)));
      for (const [what, od, og] of [
        ['{}', {}, {}],
        [`${JSON.stringify(dDefaults)} and ${JSON.stringify(gDefaults)}`, dDefaults, gDefaults],
      ] as const) {
        const other = outcome(od, og);
        checkThat(
          other.every((v, i) => Object.is(v, bare[i])),
          `no options gave [${bare.join(', ')}], ${what} gave [${other.join(', ')}] (value, d/d real, d/d fake, generator value, generator d/d fake)`,
        );
      }
    },
  );
}

/** The optional per-example weights of a two-batch loss. */
export const WEIGHT_INPUTS = {
  weightsReal: { kind: 'weights', optional: true, doc: 'per-example weights of the real batch' },
  weightsFake: { kind: 'weights', optional: true, doc: 'per-example weights of the fake batch' },
} as const satisfies Record<string, InputDecl>;

/** Inputs of a two-batch loss on critic scores: `criticReal`, `criticFake` and optional weights. */
export const criticBatchInputs = (what: string) =>
  ({
    criticReal: { kind: 'critic-scores', doc: `${what} on real data, [n]` },
    criticFake: { kind: 'critic-scores', doc: `${what} on generated data, [m]` },
    ...WEIGHT_INPUTS,
  }) as const satisfies Record<string, InputDecl>;

/** Inputs of a two-batch loss on logits: `logitsReal`, `logitsFake` and optional weights. */
export const logitBatchInputs = (what: string) =>
  ({
    logitsReal: { kind: 'logits', doc: `${what} on real data, [n]` },
    logitsFake: { kind: 'logits', doc: `${what} on generated data, [m]` },
    ...WEIGHT_INPUTS,
  }) as const satisfies Record<string, InputDecl>;

export const benchCritic =
  (params: Record<string, unknown> = {}) =>
  () =>
    benchCase(
      { criticReal: uniformArray([BENCH.batch], -3, 3, 1), criticFake: uniformArray([BENCH.batch], -3, 3, 2) },
      { reduction: 'mean', ...params },
    );

/**
 * Cases for a two-batch loss: real and fake batches of scores, a reduction, and optional weights;
 * with reduction 'none' both batches have the same length.
 */
export function twoBatchCases(names: [string, string], score: fc.Arbitrary<number>): fc.Arbitrary<Case> {
  return fc
    .record({
      reduction: fc.constantFrom<Reduction>('mean', 'sum', 'none'),
      n: fc.integer({ min: 1, max: 16 }),
      m: fc.integer({ min: 1, max: 16 }),
      weighted: fc.boolean(),
    })
    .chain(({ reduction, n, m, weighted }) => {
      const fakeLength = reduction === 'none' ? n : m;
      return fc
        .record({
          real: batch(score, n, n),
          fake: batch(score, fakeLength, fakeLength),
          weightsReal: batch(weight, n, n),
          weightsFake: batch(weight, fakeLength, fakeLength),
        })
        .map(({ real, fake, weightsReal, weightsFake }): Case => {
          const inputs: Record<string, NDArray> = { [names[0]]: vector(real), [names[1]]: vector(fake) };
          if (weighted) {
            inputs.weightsReal = vector(weightsReal);
            inputs.weightsFake = vector(weightsFake);
          }
          return { inputs, params: { reduction }, grads: true };
        });
    });
}

/** A case of two plain batches with the default reduction. */
export function twoBatchCase(
  names: [string, string],
  real: number[],
  fake: number[],
  label: string,
  reduction: Reduction = 'mean',
): Case {
  return { inputs: { [names[0]]: vector(real), [names[1]]: vector(fake) }, params: { reduction }, grads: true, label };
}

/**
 * The error inputs every two-batch loss must refuse: a non-tensor, an int32 tensor, a scalar, a
 * NaN or ±∞ in either batch (every tensor argument is tried, the fake batch of the discriminator
 * loss as well as the real one), an unknown reduction, an unknown option, options that are not
 * an object (null, a number), negative weights (summing to 0 and not), infinite weights (tensor
 * and number), mismatched weights, all-zero weights under 'mean', and unequal batches under
 * 'none'. The adapters pass the options argument on as given.
 */
export function twoBatchErrors(
  names: [string, string],
  discriminator: RawDiscriminator,
  generator: RawGenerator,
): ErrorCase[] {
  const [r, f] = names;
  const ok = () => tf.tensor1d([0.5, -1]);
  return [
    {
      name: 'a plain array',
      call: () => discriminator([1, 2] as unknown as tf.Tensor, ok()),
      error: 'InvalidArgumentError',
      argument: r,
    },
    {
      name: 'an int32 tensor',
      call: () => discriminator(ok(), tf.tensor1d([1, 2], 'int32')),
      error: 'InvalidArgumentError',
      argument: f,
    },
    { name: 'a scalar batch', call: () => generator(tf.scalar(1)), error: 'InvalidArgumentError', argument: f },
    {
      name: 'a NaN score',
      call: () => discriminator(tf.tensor1d([0, NaN]), ok()),
      error: 'InvalidArgumentError',
      argument: r,
    },
    {
      name: 'a NaN in the fake batch of the discriminator loss',
      call: () => discriminator(ok(), tf.tensor1d([NaN, 0])),
      error: 'InvalidArgumentError',
      argument: f,
    },
    {
      name: 'an infinite score in the real batch',
      call: () => discriminator(tf.tensor1d([1, -Infinity]), ok()),
      error: 'InvalidArgumentError',
      argument: r,
    },
    {
      name: 'an infinite score',
      call: () => generator(tf.tensor1d([Infinity])),
      error: 'InvalidArgumentError',
      argument: f,
    },
    {
      name: 'null options',
      call: () => discriminator(ok(), ok(), null as never),
      error: 'InvalidParameterError',
      argument: 'options',
    },
    {
      name: 'numeric options (weights passed positionally, as tf.losses.* take them)',
      call: () => generator(ok(), 2 as never),
      error: 'InvalidParameterError',
      argument: 'options',
    },
    {
      name: 'numeric options to the discriminator loss',
      call: () => discriminator(ok(), ok(), 0 as never),
      error: 'InvalidParameterError',
      argument: 'options',
    },
    {
      name: "reduction 'avg'",
      call: () => discriminator(ok(), ok(), { reduction: 'avg' }),
      error: 'InvalidParameterError',
      argument: 'reduction',
    },
    {
      name: 'an unknown option',
      call: () => generator(ok(), { reduce: 'sum' }),
      error: 'InvalidParameterError',
      argument: 'reduce',
    },
    {
      name: 'negative weights',
      call: () => discriminator(ok(), ok(), { weightsReal: tf.tensor1d([1, -1]) }),
      error: 'InvalidArgumentError',
      argument: 'weightsReal',
    },
    {
      name: 'negative weights with a positive sum, [2, −1], on the fake batch',
      call: () => discriminator(ok(), ok(), { weightsFake: tf.tensor1d([2, -1]), reduction: 'sum' }),
      error: 'InvalidArgumentError',
      argument: 'weightsFake',
    },
    {
      name: 'infinite weights',
      call: () => discriminator(ok(), ok(), { weightsReal: tf.tensor1d([Infinity, 1]) }),
      error: 'InvalidArgumentError',
      argument: 'weightsReal',
    },
    {
      name: 'an infinite number as weights',
      call: () => generator(ok(), { weightsFake: Infinity }),
      error: 'InvalidParameterError',
      argument: 'weightsFake',
    },
    {
      name: 'weights of another shape',
      call: () => generator(ok(), { weightsFake: tf.tensor1d([1, 1, 1]) }),
      error: 'InvalidArgumentError',
      argument: 'weightsFake',
    },
    {
      name: "all-zero weights under 'mean'",
      call: () => generator(ok(), { weightsFake: tf.tensor1d([0, 0]) }),
      error: 'InvalidArgumentError',
      argument: 'weightsFake',
    },
    {
      name: 'tf.Reduction.SUM_BY_NONZERO_WEIGHTS with weights on the real batch only',
      call: () =>
        discriminator(ok(), ok(), {
          reduction: tf.Reduction.SUM_BY_NONZERO_WEIGHTS,
          weightsReal: tf.tensor1d([1, 2]),
        }),
      error: 'InvalidParameterError',
      argument: 'reduction',
    },
    {
      name: 'tf.Reduction.SUM_BY_NONZERO_WEIGHTS with weights on the fake batch only, in the discriminator loss',
      call: () =>
        discriminator(ok(), ok(), {
          reduction: tf.Reduction.SUM_BY_NONZERO_WEIGHTS,
          weightsFake: tf.tensor1d([1, 2]),
        }),
      error: 'InvalidParameterError',
      argument: 'reduction',
    },
    {
      name: 'tf.Reduction.SUM_BY_NONZERO_WEIGHTS with weights on the fake batch only, in the generator loss',
      call: () =>
        generator(ok(), {
          reduction: tf.Reduction.SUM_BY_NONZERO_WEIGHTS,
          weightsFake: tf.tensor1d([1, 2]),
        }),
      error: 'InvalidParameterError',
      argument: 'reduction',
    },
    {
      name: "batches of unequal length under 'none'",
      call: () => discriminator(ok(), tf.tensor1d([1, 2, 3]), { reduction: 'none' }),
      error: 'InvalidArgumentError',
      argument: f,
    },
  ];
}

/** Splits a two-batch case's tensors into the options object of the public API. */
export function lossOptions(x: { weightsReal?: Weights; weightsFake?: Weights }, p: { reduction: Reduction }) {
  return { reduction: p.reduction, weightsReal: x.weightsReal, weightsFake: x.weightsFake };
}
