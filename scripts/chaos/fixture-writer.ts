/**
 * A child process for the chaos script and its test: writes a whole fixture set into a folder
 * with `writeFixtureSet`, and kills itself with SIGKILL at a named step (or is killed by its
 * parent at a random moment). The set is the committed fixtures, with the manifest's seed moved by
 * `version`, so that a reader can tell the old set from the new one.
 *
 *   node --import tsx scripts/chaos/fixture-writer.ts DIR VERSION [STEP|-] [FILES]
 *
 * FILES keeps the first FILES fixture files of the manifest (default all), for a faster run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../../src/fixtures/format.js';
import {
  DEFAULT_FIXTURES_DIR,
  MANIFEST,
  writeFixtureSet,
  WRITE_STEPS,
  type WriteStep,
} from '../../src/fixtures/store.js';

/** The committed fixture files (relative path → text) and their manifest, seed moved by `version`. */
export function fixtureSet(version: number, count = Infinity): { files: Map<string, string>; manifest: Manifest } {
  const manifest = JSON.parse(readFileSync(join(DEFAULT_FIXTURES_DIR, MANIFEST), 'utf8')) as Manifest;
  const entries = manifest.files.slice(0, count);
  const files = new Map<string, string>();
  for (const entry of entries) files.set(entry.path, readFileSync(join(DEFAULT_FIXTURES_DIR, entry.path), 'utf8'));
  return { files, manifest: { ...manifest, files: entries, seed: manifest.seed + version } };
}

const isMain =
  process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\/scripts\//, '/scripts/'));
if (isMain) {
  const [dir, version, step, count] = process.argv.slice(2);
  if (!dir || version === undefined) throw new Error('usage: fixture-writer.ts DIR VERSION [STEP|-] [FILES]');
  const killAt = step === '-' ? undefined : step;
  if (killAt !== undefined && !(WRITE_STEPS as readonly string[]).includes(killAt))
    throw new Error(`unknown step ${killAt}`);
  const { files, manifest } = fixtureSet(Number(version), count === undefined ? Infinity : Number(count));
  process.stdout.write('writing\n');
  writeFixtureSet(dir, files, manifest, {
    onStep: (step: WriteStep) => {
      if (step === killAt) process.kill(process.pid, 'SIGKILL');
    },
  });
  process.stdout.write('done\n');
}
