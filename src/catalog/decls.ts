import type { InputDecl, InputKind, ParamDecl } from './types.js';
import type { Reduction } from '../types.js';
import { type Activation, ACTIVATIONS } from '../nets/mlp.js';

/** Parameter and input declarations shared by several catalog records. */

export const ACTIVATION_DOC = `one of ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')}`;

export const activationParam = (doc: string, def: Activation): ParamDecl<Activation> => ({
  doc: `${doc}: ${ACTIVATION_DOC}`,
  default: def,
  choices: ACTIVATIONS,
});

/** Input kinds of the network specs. */
export const SAMPLES = 'samples' satisfies InputKind;

export const NETWORK_WEIGHTS = 'network-weights' satisfies InputKind;

export const ALPHA_PARAM: ParamDecl<number> = { doc: "negative slope of 'leaky-relu', ≥ 0", default: 0.2 };

export function weightDecls(
  prefix: string,
  what: string,
  layers: number,
  optionalLayers = 0,
): Record<string, InputDecl<typeof NETWORK_WEIGHTS>> {
  const out: Record<string, InputDecl<typeof NETWORK_WEIGHTS>> = {};
  for (let l = 0; l < layers + optionalLayers; l++) {
    const optional = l >= layers ? { optional: true } : {};
    out[`${prefix}W${l}`] = { kind: NETWORK_WEIGHTS, ...optional, doc: `${what}, layer ${l} weight [in, out]` };
    out[`${prefix}B${l}`] = { kind: NETWORK_WEIGHTS, ...optional, doc: `${what}, layer ${l} bias [out]` };
  }
  return out;
}

export const REDUCTION_PARAM: ParamDecl<Reduction> = {
  doc: "'mean' (Σ wℓ / Σ w), 'sum' (Σ wℓ) or 'none' (per example wℓ)",
  default: 'mean',
  choices: ['mean', 'sum', 'none'],
};
