/**
 * The one module of the library with a side effect: importing it registers ganref's
 * second-order-correct gradient configs with `@tensorflow/tfjs-core` (see `autodiff/index.ts`).
 * It registers no backend and touches nothing else of the user's engine. The build bundles it into
 * `dist/index.js`, which `package.json` lists under `"sideEffects"` so that bundlers keep it while
 * tree-shaking the rest (the build checks where it landed: scripts/bundle-entries.ts).
 */
import { registerGradients } from './autodiff/index.js';

registerGradients();
