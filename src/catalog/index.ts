/**
 * `ganref/catalog`: every spec of ganref as data (its inputs, parameters, evaluation, invariants,
 * error inputs and tolerances), read by the conformance runners, the fixtures and the docs. Needs
 * the optional peer dependency `fast-check` (its invariants are fast-check properties).
 */
import { kl } from './specs/divergence/kl.js';
import { jensenShannon } from './specs/divergence/jensen-shannon.js';
import { reverseKl } from './specs/divergence/reverse-kl.js';
import { totalVariation } from './specs/divergence/total-variation.js';
import { squaredHellinger } from './specs/divergence/squared-hellinger.js';
import { pearsonChi2 } from './specs/divergence/pearson-chi2.js';
import { neymanChi2 } from './specs/divergence/neyman-chi2.js';
import { wasserstein1dSpec } from './specs/divergence/wasserstein-1d.js';
import { fdivKl } from './specs/fdiv/kl.js';
import { fdivReverseKl } from './specs/fdiv/reverse-kl.js';
import { fdivPearsonChi2 } from './specs/fdiv/pearson-chi2.js';
import { fdivNeymanChi2 } from './specs/fdiv/neyman-chi2.js';
import { fdivSquaredHellinger } from './specs/fdiv/squared-hellinger.js';
import { fdivJensenShannon } from './specs/fdiv/jensen-shannon.js';
import { fdivGan } from './specs/fdiv/gan.js';
import { fdivTotalVariation } from './specs/fdiv/total-variation.js';
import { fdivAlpha } from './specs/fdiv/alpha.js';
import { fGan } from './specs/objective/f-gan.js';
import { optimalDiscriminatorSpec } from './specs/theory/optimal-discriminator.js';
import { virtualTrainingCriterionSpec } from './specs/theory/virtual-training-criterion.js';
import { minimax } from './specs/objective/minimax.js';
import { nonSaturating } from './specs/objective/non-saturating.js';
import { wasserstein } from './specs/objective/wasserstein.js';
import { leastSquares } from './specs/objective/least-squares.js';
import { hinge } from './specs/objective/hinge.js';
import { relativistic } from './specs/objective/relativistic.js';
import { labelSmoothing } from './specs/objective/label-smoothing.js';
import { energyBased } from './specs/objective/energy-based.js';
import { modeRegularized } from './specs/objective/mode-regularized.js';
import { mixGan } from './specs/objective/mix-gan.js';
import { neuralNetDistanceSpec } from './specs/theory/neural-net-distance.js';
import { lossSensitive } from './specs/objective/loss-sensitive.js';
import { featureMatching } from './specs/objective/feature-matching.js';
import { gradientPenaltySpec } from './specs/penalty/gradient-penalty.js';
import { draganSpec } from './specs/penalty/dragan.js';
import { r1Spec } from './specs/penalty/r1.js';
import { r2Spec } from './specs/penalty/r2.js';
import { noiseInducedSpec } from './specs/penalty/noise-induced.js';
import { consensus } from './specs/penalty/consensus.js';
import { discriminatorGradientNorm } from './specs/penalty/discriminator-gradient-norm.js';
import { historicalAveraging } from './specs/penalty/historical-averaging.js';
import { unrolled } from './specs/training/unrolled.js';
import { pullingAway } from './specs/penalty/pulling-away.js';
import { weightClipping } from './specs/constraint/weight-clipping.js';
import { spectralNorm } from './specs/constraint/spectral-norm.js';
import { minibatchDiscriminationSpec } from './specs/layer/minibatch-discrimination.js';
import { virtualBatchNormSpec } from './specs/layer/virtual-batch-norm.js';
import { instanceNoiseSpec } from './specs/noise/instance-noise.js';
import { mlpCriticSpec } from './specs/network/mlp.js';
import { convCriticSpec } from './specs/network/conv.js';
import { bilinear } from './specs/dynamics/bilinear.js';
import { diracGanSpec } from './specs/dynamics/dirac-gan.js';
import { inceptionScoreSpec } from './specs/metric/inception-score.js';
import { frechetDistanceSpec } from './specs/metric/frechet-distance.js';
import { parzenLogLikelihoodSpec } from './specs/metric/parzen-log-likelihood.js';
import { modeCoverageSpec } from './specs/metric/mode-coverage.js';
import { registryRepairInvariant, REGISTRY_REPAIR } from './registry-repair.js';
import type { Spec } from './types.js';

export type {
  Case,
  ErrorCase,
  InputDecl,
  InputKind,
  Invariant,
  NDArray,
  ParamDecl,
  Spec,
  Tolerance,
  ToleranceTable,
} from './types.js';
export { DEFAULT_TOLERANCES, tolerancesFor } from './tolerances.js';
export { catalogMarkdown, specCard, withCatalogSection, README_CATALOG_START, README_CATALOG_END } from './markdown.js';

/** Every spec of the catalog, in CATALOG.md order. Ids are unique (checked by the tests). */
export const CATALOG: readonly Spec[] = withRegistryRepair([
  kl,
  jensenShannon,
  reverseKl,
  totalVariation,
  squaredHellinger,
  pearsonChi2,
  neymanChi2,
  wasserstein1dSpec,
  fdivKl,
  fdivReverseKl,
  fdivPearsonChi2,
  fdivNeymanChi2,
  fdivSquaredHellinger,
  fdivJensenShannon,
  fdivGan,
  fdivTotalVariation,
  fdivAlpha,
  fGan,
  optimalDiscriminatorSpec,
  virtualTrainingCriterionSpec,
  minimax,
  nonSaturating,
  wasserstein,
  leastSquares,
  hinge,
  relativistic,
  labelSmoothing,
  energyBased,
  modeRegularized,
  mixGan,
  neuralNetDistanceSpec,
  lossSensitive,
  featureMatching,
  gradientPenaltySpec,
  draganSpec,
  r1Spec,
  r2Spec,
  noiseInducedSpec,
  consensus,
  discriminatorGradientNorm,
  historicalAveraging,
  unrolled,
  pullingAway,
  weightClipping,
  spectralNorm,
  minibatchDiscriminationSpec,
  virtualBatchNormSpec,
  instanceNoiseSpec,
  mlpCriticSpec,
  convCriticSpec,
  bilinear,
  diracGanSpec,
  inceptionScoreSpec,
  frechetDistanceSpec,
  parzenLogLikelihoodSpec,
  modeCoverageSpec,
]);

/** Gives every spec the invariant that its public function repairs the gradient registry. */
function withRegistryRepair(specs: Spec[]): Spec[] {
  for (const s of specs)
    if (!s.invariants.some((i) => i.name === REGISTRY_REPAIR)) s.invariants.push(registryRepairInvariant(s));
  return specs;
}

/** Looks a spec up by id. */
export function getSpec(id: string): Spec | undefined {
  return CATALOG.find((s) => s.id === id);
}

/** Whether a spec id matches a glob (`*` any run of characters), e.g. `objective/*`. */
export function matchesGlob(id: string, glob: string): boolean {
  const re = new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(id);
}

/** Specs whose id matches a glob (`*` any run of characters), e.g. `objective/*`. */
export function selectSpecs(glob?: string): Spec[] {
  if (!glob) return [...CATALOG];
  return CATALOG.filter((s) => matchesGlob(s.id, glob));
}

/**
 * Specs whose id matches any of several globs, each once and in catalog order (every spec for no
 * glob), and the globs that match no spec at all (a typo, to be refused rather than run as nothing).
 */
export function selectSpecsAny(globs: readonly string[] | undefined): { specs: Spec[]; unmatched: string[] } {
  if (!globs || globs.length === 0) return { specs: [...CATALOG], unmatched: [] };
  const unmatched = globs.filter((g) => selectSpecs(g).length === 0);
  return { specs: CATALOG.filter((s) => globs.some((g) => matchesGlob(s.id, g))), unmatched };
}
