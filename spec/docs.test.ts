import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { CATALOG } from '../src/catalog/index.js';
import { withCatalogSection } from '../src/catalog/markdown.js';

test("the README's catalog table is generated from the catalog and up to date (npm run docs)", () => {
  const readme = readFileSync('README.md', 'utf8');
  expect(withCatalogSection(readme, CATALOG)).toBe(readme);
  for (const s of CATALOG) expect(readme).toContain(`\`${s.id}\``);
});
