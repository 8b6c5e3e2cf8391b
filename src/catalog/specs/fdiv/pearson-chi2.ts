import { fdivSpec } from '../../templates/f-divergence.js';
import type { Spec } from '../../types.js';

export const fdivPearsonChi2: Spec = fdivSpec('pearson-chi2');
