import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

// The API reference (`npm run docs:api`, TypeDoc over the library entry) builds with no warning:
// every public export has a doc comment (validation.notDocumented) and no {@link} is broken
// (validation.invalidLink), both as errors here; then every relative link of the generated HTML
// must point at a file that exists.
const run = promisify(execFile);

function htmlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? htmlFiles(join(dir, e.name)) : e.name.endsWith('.html') ? [join(dir, e.name)] : [],
  );
}

test('the API reference builds with every export documented and no broken link', async () => {
  const out = mkdtempSync(join(tmpdir(), 'ganref-api-'));
  try {
    await run(
      process.execPath,
      ['node_modules/typedoc/bin/typedoc', '--out', out, '--treatValidationWarningsAsErrors'],
      { maxBuffer: 1 << 24 },
    );
    const pages = htmlFiles(out);
    expect(pages.length).toBeGreaterThan(50);
    const broken: string[] = [];
    for (const page of pages) {
      for (const [, href] of readFileSync(page, 'utf8').matchAll(/href="([^"#?]+)[^"]*"/g)) {
        if (/^[a-z]+:/i.test(href!) || href!.startsWith('//')) continue;
        if (!existsSync(resolve(dirname(page), decodeURI(href!)))) broken.push(`${page.slice(out.length)} → ${href}`);
      }
    }
    expect(broken).toEqual([]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 600_000);
