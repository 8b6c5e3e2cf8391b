import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import type { Densities } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { checkSameShape, checkTensor, valuesChecked } from '../validate.js';

/** The catalog id of this spec, `theory/optimal-discriminator`; errors from these functions name it. */
export const OPTIMAL_DISCRIMINATOR_ID = 'theory/optimal-discriminator';

/**
 * The optimal discriminator for a fixed generator (Goodfellow et al. 2014, Proposition 1):
 *
 *   D*_G(x) = p_data(x) / (p_data(x) + p_g(x))
 *
 * It maximises V(D, G) = E_{p_data}[log D] + E_{p_g}[log(1 − D)] pointwise. Works on densities
 * or on masses of discrete distributions, elementwise; p_data = p_g gives D* ≡ ½.
 *
 * @param pData p_data(x) ≥ 0, any shape
 * @param pG p_g(x) ≥ 0, same shape; p_data(x) and p_g(x) may not both be 0 (D* is undefined there)
 * @returns D*(x) in [0, 1], same shape
 */
export function optimalDiscriminator(pData: Densities, pG: Densities): tf.Tensor {
  ensureGradients();
  const spec = OPTIMAL_DISCRIMINATOR_ID;
  const rule = { finite: true, min: 0, domain: 'finite and ≥ 0' };
  const a = checkTensor(spec, 'pData', pData, rule);
  const b = checkTensor(spec, 'pG', pG, rule);
  checkSameShape(spec, ['pData', a], ['pG', b]);
  if (valuesChecked()) {
    const da = a.dataSync();
    const db = b.dataSync();
    for (let i = 0; i < da.length; i++) {
      if (da[i] === 0 && db[i] === 0) {
        throw new InvalidArgumentError(
          spec,
          'pG',
          'positive wherever pData is 0 (D* = 0/0 is undefined)',
          `pData = pG = 0 at flat index ${i}`,
        );
      }
    }
  }
  return tf.tidy(() => tf.div(a, tf.add(a, b)));
}
