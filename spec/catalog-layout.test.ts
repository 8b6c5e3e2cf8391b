import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';
import { CATALOG } from '../src/catalog/index.js';

// The catalog is cut by spec id: src/catalog/specs/<prefix>/<name>.ts holds `<prefix>/<name>`,
// mirroring fixtures/<prefix>/<name>.json, and the index lists every one of them.

const SPECS_DIR = 'src/catalog/specs';
const files = readdirSync(SPECS_DIR).flatMap((prefix) =>
  readdirSync(join(SPECS_DIR, prefix)).map((f) => `${prefix}/${f.replace(/\.ts$/, '')}`),
);

test('one catalog file per spec id, each listed by the index', () => {
  expect(CATALOG.map((s) => s.id).sort()).toEqual([...files].sort());
  const index = readFileSync('src/catalog/index.ts', 'utf8');
  for (const f of files)
    expect(index, `src/catalog/index.ts does not import ./specs/${f}.js`).toContain(`'./specs/${f}.js'`);
});

test('each catalog file defines the spec its path names', async () => {
  for (const f of files) {
    const module: Record<string, unknown> = await import(
      /* @vite-ignore */ pathToFileURL(resolve(SPECS_DIR, `${f}.ts`)).href
    );
    const ids = Object.values(module).flatMap((v) =>
      typeof v === 'object' && v !== null && 'id' in v ? [(v as { id: unknown }).id] : [],
    );
    expect(ids, `${SPECS_DIR}/${f}.ts`).toEqual([f]);
  }
});

test('the fixtures mirror the catalog files', () => {
  const fixtures = readdirSync('fixtures', { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join('fixtures', d.name)).map((f) => `${d.name}/${f.replace(/\.json$/, '')}`));
  expect([...fixtures].sort()).toEqual([...files].sort());
});
