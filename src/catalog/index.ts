/**
 * `ganref/catalog`: every spec of ganref as data (its inputs, parameters, evaluation, invariants,
 * error inputs and tolerances), read by the conformance runners, the fixtures and the docs. Needs
 * the optional peer dependency `fast-check` (its invariants are fast-check properties).
 */
import { jensenShannon, kl } from './entries/divergences.js';
import { minimax, nonSaturating, wasserstein } from './entries/objectives.js';
import { optimalDiscriminatorSpec, virtualTrainingCriterionSpec } from './entries/theory.js';
import { SPECS as DISCRETE_DIVERGENCES } from './entries/divergences-discrete.js';
import { SPECS as F_DIVERGENCES } from './entries/f-divergences.js';
import { SPECS as LOSS_OBJECTIVES } from './entries/objectives-losses.js';
import { SPECS as FEATURE_OBJECTIVES } from './entries/objectives-features.js';
import { SPECS as NETWORK_OBJECTIVES } from './entries/objectives-networks.js';
import { SPECS as NETWORKS } from './entries/networks.js';
import { SPECS as GAME_REGULARIZERS } from './entries/regularizers-game.js';
import { SPECS as GRADIENT_REGULARIZERS } from './entries/regularizers-gradient.js';
import { SPECS as LAYER_REGULARIZERS } from './entries/regularizers-layers.js';
import type { Spec } from './types.js';

export type { Case, ErrorCase, InputDecl, InputKind, Invariant, NDArray, ParamDecl, Spec, Tolerance, ToleranceTable } from './types.js';
export { DEFAULT_TOLERANCES, tolerancesFor } from './tolerances.js';
export { catalogMarkdown, withCatalogSection, README_CATALOG_START, README_CATALOG_END } from './markdown.js';

/** Every spec of the catalog, in CATALOG.md order. Ids are unique (checked by the tests). */
export const CATALOG: readonly Spec[] = [
  kl,
  jensenShannon,
  ...DISCRETE_DIVERGENCES,
  ...F_DIVERGENCES,
  optimalDiscriminatorSpec,
  virtualTrainingCriterionSpec,
  minimax,
  nonSaturating,
  wasserstein,
  ...LOSS_OBJECTIVES,
  ...NETWORK_OBJECTIVES,
  ...FEATURE_OBJECTIVES,
  ...GRADIENT_REGULARIZERS,
  ...GAME_REGULARIZERS,
  ...LAYER_REGULARIZERS,
  ...NETWORKS,
];

/** Looks a spec up by id. */
export function getSpec(id: string): Spec | undefined {
  return CATALOG.find((s) => s.id === id);
}

/** Specs whose id matches a glob (`*` any run of characters), e.g. `objective/*`. */
export function selectSpecs(glob?: string): Spec[] {
  if (!glob) return [...CATALOG];
  const re = new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return CATALOG.filter((s) => re.test(s.id));
}
