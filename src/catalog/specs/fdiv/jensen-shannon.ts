import { fdivSpec } from '../../templates/f-divergence.js';
import type { Spec } from '../../types.js';

export const fdivJensenShannon: Spec = fdivSpec('jensen-shannon');
