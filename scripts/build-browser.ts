// `npm run build` step: the browser conformance page (dist/browser/page.js) that `ganref conform
// --backend webgl|webgpu` serves to headless Chromium.
import { buildPageBundle, PREBUILT_BUNDLE } from '../src/browser/bundle.js';

await buildPageBundle(PREBUILT_BUNDLE, { sourcemap: false });
process.stderr.write(`wrote ${PREBUILT_BUNDLE}\n`);
