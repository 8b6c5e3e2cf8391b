import { useBackend } from './src/backend.js';
await useBackend('cpu' as never);
import { CATALOG } from './src/catalog/index.js';
import { casesFor } from './src/conformance/crosscheck.js';
const [id, seed, label] = process.argv.slice(2);
const spec = CATALOG.find((s) => s.id === id)!;
const c = casesFor(spec, 150, Number(seed)).find((k) => k.label === label)!;
console.log(JSON.stringify(c));
