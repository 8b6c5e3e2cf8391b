// `npm run build` after tsc has written the declarations: the package's JavaScript, bundled per entry
// (scripts/bundle-entries.ts); the browser conformance page (dist/browser/conform-page.js.gz) that
// `ganref conform --backend webgl|webgpu` serves to headless Chromium, minified; and the golden
// fixtures gzipped into dist/golden (the package ships those, not the repository's fixtures/,
// which stay plain JSON for review and diffs).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { buildPageBundle, PREBUILT_BUNDLE } from '../src/browser/bundle.js';
import { packFixtures } from '../src/fixtures/store.js';
import { bundleEntries, unlistedSideEffects } from './bundle-entries.js';

const entries = await bundleEntries(process.cwd(), 'dist');
const unlisted = unlistedSideEffects(process.cwd(), entries);
if (unlisted.length > 0) {
  process.stderr.write(`build: package.json's "sideEffects" must name the files of ${unlisted.join(', ')}\n`);
  process.exit(1);
}
const chunks = Object.keys(entries.metafile.outputs).length;
process.stderr.write(
  `wrote dist: ${chunks} files bundled from ${Object.keys(entries.metafile.inputs).length} modules\n`,
);

const plain = PREBUILT_BUNDLE.replace(/\.gz$/, '');
await buildPageBundle(plain, { sourcemap: false, minify: true });
writeFileSync(PREBUILT_BUNDLE, gzipSync(readFileSync(plain), { level: 9 }));
rmSync(plain);
process.stderr.write(`wrote ${PREBUILT_BUNDLE}\n`);
const packed = packFixtures('fixtures', 'dist/golden');
process.stderr.write(`wrote dist/golden: ${packed.files} files, ${(packed.bytes / 2 ** 20).toFixed(1)} MiB gzipped\n`);
