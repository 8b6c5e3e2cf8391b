import type { Spec } from '../types.js';

/** Catalog entries of this group, in CATALOG.md order. */
export const SPECS: Spec[] = [];
