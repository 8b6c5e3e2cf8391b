import * as fc from 'fast-check';
import { expect, test } from 'vitest';
import { DEFAULT_TEST_SEED, testSeed } from './seed.js';

// Deterministic by default: no environment means one fixed seed, on every run and machine.
test('no GANREF_SEED gives the fixed default seed; a number replays; random explores; anything else is refused', () => {
  expect(testSeed(undefined)).toEqual({ seed: DEFAULT_TEST_SEED, explore: false });
  expect(testSeed('')).toEqual({ seed: DEFAULT_TEST_SEED, explore: false });
  expect(testSeed('-1793089957')).toEqual({ seed: -1793089957, explore: false });
  const r = testSeed('random');
  expect(r.explore).toBe(true);
  expect(Number.isSafeInteger(r.seed)).toBe(true);
  expect(() => testSeed('soon')).toThrow(/GANREF_SEED must be an integer or 'random'/);
});

test("the suite's fast-check runs use the run's seed (spec/setup.ts)", () => {
  const expected = process.env.GANREF_SEED ? Number(process.env.GANREF_SEED) : DEFAULT_TEST_SEED;
  expect(fc.readConfigureGlobal().seed).toBe(expected);
});
