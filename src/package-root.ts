import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The root folder of the ganref package (with a trailing separator) that holds the module at
 * `moduleUrl` (its `import.meta.url`): the nearest folder above it whose package.json is named
 * "ganref". Found by walking up rather than by a fixed `../..`, because the same module runs
 * from `src/<dir>/` in a checkout and from wherever the build's bundler put it under `dist/`.
 * '' when there is none (a module evaluated outside any package, as in the browser page, whose
 * Node built-ins are inert stubs).
 */
export function packageRoot(moduleUrl: string): string {
  let dir: unknown = moduleUrl.startsWith('file:') ? dirname(fileURLToPath(moduleUrl)) : undefined;
  while (typeof dir === 'string' && dir !== '') {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && isGanref(manifest)) return dir.endsWith(sep) ? dir : dir + sep;
    const up: unknown = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return '';
}

function isGanref(manifest: string): boolean {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'ganref';
  } catch {
    return false;
  }
}
