/**
 * The one module of the library with a side effect: importing it registers ganref's
 * second-order-correct gradient configs with `@tensorflow/tfjs-core` (see `autodiff/index.ts`).
 * It registers no backend and touches nothing else of the user's engine. `package.json` lists it
 * under `"sideEffects"` so that bundlers keep it while tree-shaking the rest.
 */
import { registerGradients } from './autodiff/index.js';

registerGradients();
