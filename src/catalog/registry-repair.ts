import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { GRADIENT_CONFIGS, isOurs, registerGradients } from '../autodiff/index.js';
import { checkThat, invariant } from './invariant.js';
import { tensorOf } from './tensors.js';
import type { Invariant, Spec } from './types.js';

/** The name of the invariant every spec of the catalog carries (see {@link registryRepairInvariant}). */
export const REGISTRY_REPAIR = 'repairs the gradient registry another library replaced';

/**
 * Replaces ganref's gradient configs as another library would, makes one call, and checks that
 * the call put them back (throws an InvariantViolation naming `what` otherwise). For specs with
 * several public functions, where one call of the spec's evaluation could repair the registry for
 * another that does not: each function on its own. The registry is left as ganref's.
 */
export function checkRepairs(what: string, call: () => unknown): void {
  try {
    for (const config of GRADIENT_CONFIGS) tf.registerGradient({ ...config });
    tf.tidy(() => {
      call();
    });
    const replaced = GRADIENT_CONFIGS.filter((g) => !isOurs(g.kernelName)).map((g) => g.kernelName);
    checkThat(
      replaced.length === 0,
      `after a call of ${what}, ${replaced.length} of ${GRADIENT_CONFIGS.length} kernels still have another library's gradient config (${replaced.slice(0, 5).join(', ')}${replaced.length > 5 ? ', …' : ''})`,
    );
  } finally {
    registerGradients();
  }
}

/**
 * An invariant every spec carries: after another library replaces TF.js gradient configs that
 * ganref registered (importing `@tensorflow/tfjs` after ganref re-registers the stock ones, which
 * are wrong to second order), one call of the spec's public function puts ganref's back, so its
 * gradients, and the user's, are ganref's again. Replacements here are other objects with the
 * same kernel names (what any re-registration is); the check is the registry's content after the
 * call. The registry is left as ganref's whatever the outcome.
 */
export function registryRepairInvariant(spec: Spec): Invariant {
  return invariant(
    REGISTRY_REPAIR,
    // The check does not depend on the case: a failure is not shrunk (each step would evaluate
    // the spec again, slowly on a software GPU).
    fc.noShrink(spec.sample),
    (c) => {
      const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, a]) => [k, tensorOf(a)]));
      checkRepairs(`${spec.id}'s evaluation`, () => spec.evaluate(inputs, c.params));
    },
    3,
  );
}
