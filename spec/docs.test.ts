import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { CATALOG, withCatalogSection } from 'ganref/catalog';

test("the README's catalog table is generated from the catalog and up to date (npm run docs)", () => {
  const readme = readFileSync('README.md', 'utf8');
  expect(withCatalogSection(readme, CATALOG)).toBe(readme);
  for (const s of CATALOG) expect(readme).toContain(`\`${s.id}\``);
});
