import type { Spec, ToleranceTable } from './types.js';

/**
 * Default tolerances for float32 results against a float64 reference, per compared quantity:
 * |actual − expected| ≤ atol + rtol·|expected|. float32 rounds at 6e-8 relative; a value built
 * from O(100) roundings stays well under 1e-5, gradients pass through one more chain of ops, and
 * Hessian-vector products through two.
 */
export const DEFAULT_TOLERANCES: ToleranceTable = {
  value: { rtol: 1e-5, atol: 1e-6 },
  grad: { rtol: 2e-5, atol: 1e-6 },
  hvp: { rtol: 1e-4, atol: 1e-5 },
};

/** The default table with a spec's overrides merged in. */
export function tolerancesFor(spec: Pick<Spec, 'tolerance'>): ToleranceTable {
  const o = spec.tolerance ?? {};
  return {
    value: { ...DEFAULT_TOLERANCES.value, ...o.value },
    grad: { ...DEFAULT_TOLERANCES.grad, ...o.grad },
    hvp: { ...DEFAULT_TOLERANCES.hvp, ...o.hvp },
  };
}
