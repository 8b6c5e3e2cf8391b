import { EVAL_ERROR, fdivSpec, fnsOf } from '../../templates/f-divergence.js';
import { batch, f32, uniform } from '../../arbitraries.js';
import { checkClose, invariant, values } from '../../invariant.js';
import { t1 } from '../../tensors.js';
import type { Spec } from '../../types.js';

const base = fdivSpec('gan');

/**
 * The conjugate's left tail: f*(t) = −log(1 − eᵗ) ≈ eᵗ for t ≪ 0 is tiny, so the template's
 * absolute tolerances cannot see a form that loses its relative accuracy there (log(1 + x) in
 * place of log1p(x) returns 0 once eᵗ < 2⁻²⁵, t < −17.3). log1mexp (Mächler 2012) keeps it:
 * log1p(−eᵗ) with the corrected log1p is eᵗ's own rounding (½ ulp) plus a few ulp of log and
 * division, within the template's EVAL_ERROR = 32ε relative. t ≥ −80 keeps eᵗ ≥ 1.8e-35, a
 * normal float32 (subnormals carry fewer digits).
 */
const conjugateTail = invariant(
  'f*(t) = −log(1 − eᵗ) keeps full relative accuracy in the left tail −80 ≤ t ≤ −1 (log1mexp, log1p not log(1 + x))',
  batch(uniform(-80, -1).map(f32), 1, 8),
  (t) => {
    values(fnsOf('gan').conjugate(t1(t))).forEach((y, i) =>
      checkClose(`f*(${t[i]})`, y, -Math.log1p(-Math.exp(t[i]!)), EVAL_ERROR, 0),
    );
  },
);

export const fdivGan: Spec = { ...base, invariants: [...base.invariants, conjugateTail] };
