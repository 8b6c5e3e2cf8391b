import { fdivSpec } from '../../templates/f-divergence.js';
import type { Spec } from '../../types.js';

export const fdivNeymanChi2: Spec = fdivSpec('neyman-chi2');
