/**
 * The lab's plots: vega-lite specifications compiled to vega and rendered to SVG in Node, with no
 * canvas (`renderer: 'none'`). vega and vega-lite are optional peer dependencies of ganref, loaded
 * here lazily (dynamic `import()`), so neither the library nor the rest of the harness needs them.
 */
import { GanrefError } from 'ganref';
import { missingPeers, missingPeersMessage } from '../peers.js';

/** The peer dependencies the lab's plots need. */
export const PLOT_PEERS = ['vega', 'vega-lite'] as const;

/** Thrown when vega or vega-lite is not installed: names the packages and the install command. */
export class MissingPlotLibraryError extends GanrefError {
  constructor(missing: readonly string[]) {
    super('ganref lab', 'plots', `rendered by ${PLOT_PEERS.join(' and ')}`, `${missing.join(', ')} not installed`);
    this.message = `ganref lab: ${missingPeersMessage('ganref lab (its plots)', missing)}`;
  }
}

/** A vega-lite specification (top level), as plain data. */
export type VegaLiteSpec = Record<string, unknown>;

interface Renderer {
  compile: (spec: VegaLiteSpec) => { spec: unknown };
  parse: (spec: unknown) => unknown;
  View: new (runtime: unknown, options: { renderer: 'none' }) => { toSVG(): Promise<string>; finalize(): void };
}

let loaded: Promise<Renderer> | undefined;

/** Loads vega and vega-lite once, or throws {@link MissingPlotLibraryError}. */
export function loadPlotLibrary(): Promise<Renderer> {
  loaded ??= (async () => {
    const missing = missingPeers(PLOT_PEERS);
    if (missing.length > 0) throw new MissingPlotLibraryError(missing);
    const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
    return {
      compile: (spec) => vl.compile(spec as never),
      parse: (spec) => vega.parse(spec as never),
      View: vega.View as unknown as Renderer['View'],
    };
  })();
  loaded.catch(() => (loaded = undefined));
  return loaded;
}

/** A standard look for every plot: white background, a readable font size. */
// aria: false leaves out an aria-label per mark: the plots of thousands of points stay small.
const CONFIG = { background: 'white', font: 'sans-serif', aria: false, axis: { labelFontSize: 11, titleFontSize: 12 } };

/**
 * Renders a vega-lite specification to an SVG document (a string starting with `<svg`).
 *
 * @param spec the vega-lite specification, data inline
 * @returns the SVG text
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const r = await loadPlotLibrary();
  const full = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CONFIG, ...spec };
  const view = new r.View(r.parse(r.compile(full).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
