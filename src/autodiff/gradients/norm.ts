import type { GradConfig } from '../util.js';

export const normGradients: GradConfig[] = [];
