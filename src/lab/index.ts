/**
 * `ganref lab`: the seeds' claims about GAN training as experiments, each writing a JSON result
 * and SVG plots (vega-lite, rendered by vega in Node). A harness module: the library entry
 * (`ganref`) never loads it, and its plotting libraries are optional peer dependencies loaded on
 * first use.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Experiment, ExperimentOptions } from './common.js';
import { diracExperiment } from './dirac.js';
import { lossesExperiment } from './losses.js';
import { mixturesExperiment } from './mixtures.js';
import { renderSvg } from './plot.js';
import { saturationExperiment } from './saturation.js';
import { xyExperiment } from './xy.js';

export type { Experiment, ExperimentOptions, ExperimentOutput } from './common.js';
export { renderSvg, loadPlotLibrary, MissingPlotLibraryError, type VegaLiteSpec } from './plot.js';
export { DIRAC_METHODS, type DiracResult, type DiracRow, type Verdict } from './dirac.js';
export { XY_CLAIMS, type XyResult, type XyRow } from './xy.js';
export { MIXTURE_METHODS, MIXTURES, PUBLISHED, type MixturesResult } from './mixtures.js';
export type { SaturationResult } from './saturation.js';
export type { LossesResult } from './losses.js';

/** Every experiment of `ganref lab`, by name. */
export const EXPERIMENTS: readonly Experiment[] = [
  diracExperiment,
  xyExperiment,
  mixturesExperiment,
  saturationExperiment,
  lossesExperiment,
] as Experiment[];

/** The experiment called `name`, or undefined. */
export function experimentNamed(name: string): Experiment | undefined {
  return EXPERIMENTS.find((e) => e.name === name);
}

/** What {@link runExperiment} wrote. */
export interface LabOutput {
  result: unknown;
  /** The files written: `result.json` and one `.svg` per plot. */
  files: string[];
  /** The SVG text of each plot, by file stem. */
  svgs: Record<string, string>;
}

/**
 * Runs an experiment and writes `<out>/result.json` and `<out>/<plot>.svg`.
 *
 * @param experiment the experiment
 * @param out the folder to write into (created)
 * @param options seeds, steps, progress, and what to record beside the result (backend, command)
 */
export async function runExperiment(
  experiment: Experiment,
  out: string,
  options: ExperimentOptions & { meta?: Record<string, unknown> } = {},
): Promise<LabOutput> {
  const { meta, ...rest } = options;
  const started = Date.now();
  const { result, plots } = await experiment.run(rest);
  const seconds = (Date.now() - started) / 1000;
  mkdirSync(out, { recursive: true });
  const files: string[] = [];
  const svgs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(plots)) {
    const svg = await renderSvg(spec);
    svgs[name] = svg;
    const file = join(out, `${name}.svg`);
    writeFileSync(file, svg);
    files.push(file);
  }
  const json = join(out, 'result.json');
  writeFileSync(json, `${JSON.stringify({ ...meta, seconds, ...(result as object) }, null, 2)}\n`);
  files.unshift(json);
  return { result, files, svgs };
}
