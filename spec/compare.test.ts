import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compareArrays, compareElement, SPREAD_EVIDENCE } from 'ganref/conformance';

const B_OVER_C = 1e-6 / SPREAD_EVIDENCE; // B of an exact zero at atol 1e-6, over the evidence factor
import { distribution, distributionPair, EDGE_LOGITS, logit, LOGIT_LIMIT } from '../src/catalog/arbitraries.js';
import { CATALOG } from 'ganref/catalog';

// Meta-tests: the harness itself must be able to fail.
const tol = { rtol: 1e-5, atol: 1e-6 };

describe('compareElement', () => {
  test('passes within atol + rtol·|e| and fails just outside', () => {
    expect(compareElement(100 + 0.9e-3, 100, undefined, tol).ratio).toBeLessThanOrEqual(1);
    expect(compareElement(100 + 1.1e-3, 100, undefined, tol).ratio).toBeGreaterThan(1);
  });
  test('uses abs(): a smaller value is as wrong as a larger one', () => {
    expect(compareElement(99, 100, undefined, tol).ratio).toBeGreaterThan(1);
  });
  test('+∞ equals only +∞; −∞ is not close to +∞; NaN equals only NaN', () => {
    expect(compareElement(Infinity, Infinity, undefined, tol).ratio).toBe(0);
    expect(compareElement(-Infinity, Infinity, undefined, tol).ratio).toBe(Infinity);
    expect(compareElement(NaN, NaN, undefined, tol).ratio).toBe(0);
    expect(compareElement(NaN, 1, undefined, tol).ratio).toBe(Infinity);
    expect(compareElement(1, NaN, undefined, tol).ratio).toBe(Infinity);
    expect(compareElement(3e38, Infinity, undefined, tol).ratio).toBe(Infinity);
  });
  test('the float64 tie-break: a reference float32 off beyond the tolerance moves the bound to the float32 error model', () => {
    // torch float32 is off by 1e-3 from float64, which the error model allows at scale 1000 (M = 1e-6 + 1e-5·1000 ≈ 0.01).
    const v = compareElement(1.0015, 1, 1.001, tol, 1000);
    expect(v.tieBreak).toBe(true);
    expect(v.ratio).toBeLessThanOrEqual(1);
    // Ours may be further off than that one float32 sample (another machine's torch may be off by less), but not beyond M.
    expect(compareElement(1.009, 1, 1.001, tol, 1000).ratio).toBeLessThanOrEqual(1);
    expect(compareElement(1.011, 1, 1.001, tol, 1000).ratio).toBeGreaterThan(1);
    expect(compareElement(0.989, 1, 1.001, tol, 1000).ratio).toBeGreaterThan(1);
    // When torch float32 is accurate, no widening happens.
    expect(compareElement(1.0015, 1, 1, tol, 1000).ratio).toBeGreaterThan(1);
    expect(compareElement(1.0015, 1, 1 + 1e-5, tol, 1000).ratio).toBeGreaterThan(1);
  });
  test('the widening is bounded by the float32 error model: a wrong float64 reference fails, as a defect of the reference', () => {
    // The attack: the float64 answer shifted by +1e6, the float32 one left alone, ours right.
    for (const shift of [1e6, 1, 1e-3, 3e-5]) {
      const v = compareElement(0.25, 0.25 + shift, 0.25, tol, 1);
      expect(v.referenceDefect, `shift ${shift}`).toBe(true);
      expect(v.ratio, `shift ${shift}`).toBeGreaterThan(1);
    }
    // Without a declared scale there is no cancellation to explain a float32 error beyond the tolerance.
    expect(compareElement(1.0015, 1, 1.001, tol).referenceDefect).toBe(true);
    // Within the model (σ = 1e3: terms of 1e3 cancelled to give 1), the same numbers are a tie-break.
    expect(compareElement(1.0015, 1, 1.001, tol, 1e3).referenceDefect).toBeUndefined();
    // The widening never exceeds the model's bound, however far the reference float32 is.
    const m = 1e-6 + 1e-5 * 200;
    const w = compareElement(1 + 1.5 * m, 1, 1 + m, tol, 200);
    expect(w.referenceDefect).toBeUndefined();
    expect(w.ratio).toBeCloseTo(1.5, 6);
  });
  test('the ratio is measured against the widened bound whenever the reference float32 widens it (no jump at the tolerance)', () => {
    // An exact zero by cancellation: torch float32 and ours both 2⁻¹⁹ off (objective/least-squares' weight gradient); M = 1e-6 + 2e-5·18.
    const v = compareElement(-(2 ** -19), 0, -(2 ** -19), { rtol: 2e-5, atol: 1e-6 }, 18);
    expect(v.ratio).toBeCloseTo(2 ** -19 / (1e-6 + 2e-5 * 18), 6);
    // Below the tolerance the reference float32 is no evidence of ill-conditioning: measured against B.
    expect(compareElement(-(2 ** -20), 0, -(2 ** -20), { rtol: 2e-5, atol: 1e-6 }, 18).ratio).toBeCloseTo(
      2 ** -20 / 1e-6,
      6,
    );
  });
  test('the rounding spread is evidence of ill-conditioning whatever one float32 sample says, never the bound', () => {
    // objective/least-squares' weight gradient, an exact 0 by cancellation: ours 2⁻²⁰ off (0.95 B), torch
    // float32 the same (under B, so no evidence from it); the spread 1.14e-6 says a float32 computation
    // lands that far: judged by M.
    const ls = { rtol: 2e-5, atol: 1e-6 };
    const v = compareElement(-(2 ** -20), 0, -(2 ** -20), ls, 18, 1.14e-6);
    expect(v.tieBreak).toBe(false); // within B anyway
    expect(v.ratio).toBeCloseTo(2 ** -20 / (1e-6 + 2e-5 * 18), 6);
    // Another machine: torch's float32 exact, ours 2 ulps off; the spread still decides.
    expect(compareElement(-(2 ** -19), 0, 0, ls, 18, 1.14e-6).ratio).toBeLessThanOrEqual(1);
    expect(compareElement(-(2 ** -19), 0, 0, ls, 18).ratio).toBeGreaterThan(1);
    // Evidence only past B / SPREAD_EVIDENCE; below it the bound stays B.
    expect(compareElement(2e-6, 0, 0, ls, 18, B_OVER_C * 0.99).ratio).toBeCloseTo(2, 6);
    expect(compareElement(2e-6, 0, 0, ls, 18, B_OVER_C * 1.01).ratio).toBeLessThan(1);
    // Never the bound: a spread far beyond M widens nothing past M.
    const m = 1e-6 + 2e-5 * 18;
    expect(compareElement(1.5 * m, 0, 0, ls, 18, 1e3).ratio).toBeCloseTo(1.5, 6);
    // A wrong float64 reference still fails as a defect, spread or not.
    expect(compareElement(0.25, 0.25 + 1, 0.25, ls, 1, 1e3).referenceDefect).toBe(true);
    // An overflowing perturbation (spread +∞) is evidence; NaN is none.
    expect(compareElement(2e-6, 0, 0, ls, 18, Infinity).ratio).toBeLessThan(1);
    expect(compareElement(2e-6, 0, 0, ls, 18, NaN).ratio).toBeCloseTo(2, 6);
  });
  test('a non-finite float32 reference neither widens nor is a defect', () => {
    const v = compareElement(3.4e38, 3.4e38, Infinity, tol, 3.4e38);
    expect(v.ratio).toBe(0);
    expect(compareElement(1.0015, 1, Infinity, tol, 1e3).ratio).toBeGreaterThan(1);
  });
  test('compareArrays reports the worst element and refuses shape mismatches', () => {
    const c = compareArrays('k', [1, 2, 3.5], [3], [1, 2, 3], [3], undefined, tol);
    expect(c.index).toBe(2);
    expect(c.ratio).toBeGreaterThan(1);
    expect(compareArrays('k', [1, 2], [2], [1, 2], [1, 2], undefined, tol).ratio).toBe(Infinity);
    expect(compareArrays('k', [1, 2], [2], [1, 2, 3], [2], undefined, tol).ratio).toBe(Infinity);
    // A NaN anywhere is the worst element, wherever it sits.
    expect(compareArrays('k', [NaN, 2, 3.5], [3], [1, 2, 3], [3], undefined, tol).index).toBe(0);
    expect(compareArrays('k', [1, 2, NaN], [3], [1, 2, 3], [3], undefined, tol).ratio).toBe(Infinity);
    // A reference defect is reported on its element.
    const d = compareArrays('k', [1, 2], [2], [1, 2 + 1e6], [2], [1, 2], tol, 2);
    expect(d.referenceDefect).toBe(true);
    expect(d.index).toBe(1);
  });
});

describe('arbitraries', () => {
  test('the same seed gives the same values', () => {
    for (const spec of CATALOG) {
      expect(fc.sample(spec.sample, { seed: 42, numRuns: 5 })).toEqual(
        fc.sample(spec.sample, { seed: 42, numRuns: 5 }),
      );
    }
  });
  test('logits stay within ±1e4, are float32, and the edges show up', () => {
    const xs = fc.sample(logit, { seed: 1, numRuns: 2000 });
    expect(xs.every((x) => Math.abs(x) <= LOGIT_LIMIT && Math.fround(x) === x)).toBe(true);
    expect(xs.some((x) => Math.abs(x) > 1000)).toBe(true);
    expect(EDGE_LOGITS.every((e) => xs.some((x) => Object.is(x, e)))).toBe(true);
  });
  test('distributions are non-negative, float32, and sum to 1 within float32 rounding', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }).chain((k) => distribution(k, true)),
        (p) => {
          expect(p.every((x) => x >= 0 && Math.fround(x) === x)).toBe(true);
          expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
        },
      ),
    );
    fc.assert(fc.property(distributionPair(), ([p, q]) => p.length === q.length));
  });
  test('every spec case is float32 and matches its declared shapes and inputs', () => {
    for (const spec of CATALOG) {
      for (const c of [...spec.edges, ...fc.sample(spec.sample, { seed: 3, numRuns: 50 })]) {
        for (const [name, a] of Object.entries(c.inputs)) {
          expect(spec.inputs[name], `${spec.id}: unknown input ${name}`).toBeDefined();
          expect(a.data.length).toBe(a.shape.reduce((x, y) => x * y, 1));
          expect(a.data.every((x) => Math.fround(x) === x)).toBe(true);
        }
        for (const [name, decl] of Object.entries(spec.inputs))
          if (!decl.optional) expect(c.inputs[name], `${spec.id}: missing ${name}`).toBeDefined();
      }
    }
  });
});

describe('catalog', () => {
  test('every benchmark case matches its declared inputs and evaluates to finite outputs', () => {
    for (const s of CATALOG) {
      if (!s.benchmark) continue;
      const c = s.benchmark();
      for (const [name, a] of Object.entries(c.inputs)) {
        expect(s.inputs[name], `${s.id}: unknown input ${name}`).toBeDefined();
        expect(a.data.length, `${s.id}: ${name}`).toBe(a.shape.reduce((x, y) => x * y, 1));
      }
      tf.tidy(() => {
        const inputs = Object.fromEntries(
          Object.entries(c.inputs).map(([n, a]) => [n, tf.tensor(a.data, a.shape, 'float32')]),
        );
        const out = s.evaluate(inputs, c.params);
        for (const o of s.outputs)
          expect(Array.from(out[o]!.dataSync()).every(Number.isFinite), `${s.id}: ${o}`).toBe(true);
      });
    }
  });

  test('ids are unique, and every spec has a reference, invariants, error inputs and edge cases', () => {
    const ids = CATALOG.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of CATALOG) {
      expect(s.reference.length, s.id).toBeGreaterThan(10);
      expect(s.invariants.length, s.id).toBeGreaterThanOrEqual(3);
      expect(s.errors.length, s.id).toBeGreaterThanOrEqual(3);
      expect(s.edges.length, s.id).toBeGreaterThanOrEqual(2);
    }
  });
});
