/** Regenerates the README's catalog table from the catalog: `npm run docs`. */
import { readFileSync, writeFileSync } from 'node:fs';
import { CATALOG, withCatalogSection } from 'ganref/catalog';

const readme = readFileSync('README.md', 'utf8');
const updated = withCatalogSection(readme, CATALOG);
if (updated !== readme) writeFileSync('README.md', updated);
process.stdout.write(
  `README.md catalog: ${CATALOG.length} specs${updated === readme ? ' (unchanged)' : ' (updated)'}\n`,
);
