import type { InputKind } from '../types.js';

/** Helpers shared by the specs on samples and features: the loss-sensitive GAN and feature matching. */

/** The input kinds of these specs. */
export const KIND = {
  sampleLosses: 'sample-losses',
  samples: 'samples',
  features: 'features',
} as const satisfies Record<string, InputKind>;

/** The scale of a comparison: max(1, |x|) over every value. */
export const maxAbs = (...xss: number[][]) => Math.max(1, ...xss.flat().map(Math.abs));
