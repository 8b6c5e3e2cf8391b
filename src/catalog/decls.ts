import type { InputKind, ParamDecl } from './types.js';
import { type Activation, ACTIVATIONS } from '../nets/mlp.js';

/** Parameter and input declarations shared by several catalog records. */

export const ACTIVATION_DOC = `one of ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')}`;

export const activationParam = (doc: string, def: Activation): ParamDecl => ({ doc: `${doc}: ${ACTIVATION_DOC}`, default: def, choices: ACTIVATIONS });

/** Input kinds of the network specs. */
export const SAMPLES: InputKind = 'samples';

export const NETWORK_WEIGHTS: InputKind = 'network-weights';

export const ALPHA_PARAM: ParamDecl = { doc: "negative slope of 'leaky-relu', ≥ 0", default: 0.2 };

export function weightDecls(prefix: string, what: string, layers: number, optionalLayers = 0): Record<string, { kind: InputKind; optional?: boolean; doc: string }> {
  const out: Record<string, { kind: InputKind; optional?: boolean; doc: string }> = {};
  for (let l = 0; l < layers + optionalLayers; l++) {
    const optional = l >= layers ? { optional: true } : {};
    out[`${prefix}W${l}`] = { kind: NETWORK_WEIGHTS, ...optional, doc: `${what}, layer ${l} weight [in, out]` };
    out[`${prefix}B${l}`] = { kind: NETWORK_WEIGHTS, ...optional, doc: `${what}, layer ${l} bias [out]` };
  }
  return out;
}

export const REDUCTION_PARAM: ParamDecl = {
  doc: "'mean' (Σ wℓ / Σ w), 'sum' (Σ wℓ) or 'none' (per example wℓ)",
  default: 'mean',
  choices: ['mean', 'sum', 'none'],
};
