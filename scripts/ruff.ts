/**
 * ruff for the oracle's Python, run by `npm run lint` (`--check`) and `npm run format`.
 *
 * Debian 12 packages no ruff and this project reaches no PyPI, so this runs ruff's own WebAssembly
 * build (`@astral-sh/ruff-wasm-nodejs`, published by Astral on npm): the same linter and formatter
 * as the ruff command, with the settings of `oracle/ruff.toml` (read here: flat keys and
 * `[lint]`/`[format]` tables of strings, numbers, booleans and arrays of strings, which is all
 * that file uses; anything else is refused rather than ignored).
 *
 *   tsx scripts/ruff.ts --check   lint, and list the files the formatter would change; exit 1 if any
 *   tsx scripts/ruff.ts           format the files in place, then lint
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PositionEncoding, Workspace } from '@astral-sh/ruff-wasm-nodejs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ORACLE = join(ROOT, 'oracle');
const CONFIG = join(ORACLE, 'ruff.toml');

type Value = string | number | boolean | string[];
type Settings = Record<string, Value | Record<string, Value>>;

/** The subset of TOML that `oracle/ruff.toml` uses, as ruff's settings object. */
export function parseRuffToml(text: string, file = CONFIG): Settings {
  const settings: Settings = {};
  let table: Record<string, Value | Record<string, Value>> = settings;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const header = /^\[([a-z-]+)\]$/.exec(line);
    if (header) {
      const next: Record<string, Value> = {};
      settings[header[1]] = next;
      table = next;
      return;
    }
    const kv = /^([a-z0-9-]+)\s*=\s*(.+)$/.exec(line);
    if (!kv) throw new Error(`${file}:${i + 1}: not a key = value line or a [table]: ${raw}`);
    const value = JSON.parse(kv[2]) as unknown;
    const ok =
      ['string', 'number', 'boolean'].includes(typeof value) ||
      (Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (!ok) throw new Error(`${file}:${i + 1}: unsupported value ${kv[2]}`);
    table[kv[1]] = value as Value;
  });
  return settings;
}

function pythonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name.startsWith('.') || e.name === '__pycache__') return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return pythonFiles(path);
    return e.name.endsWith('.py') ? [path] : [];
  });
}

interface RuffDiagnostic {
  code: string | null;
  message: string;
  start_location: { row: number; column: number };
}

function main(): number {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  const workspace = new Workspace(parseRuffToml(readFileSync(CONFIG, 'utf8')), PositionEncoding.Utf16);
  let problems = 0;
  const files = pythonFiles(ORACLE);
  for (const path of files) {
    const name = relative(ROOT, path);
    let source = readFileSync(path, 'utf8');
    const formatted = workspace.format(source);
    if (formatted !== source) {
      if (values.check) {
        process.stderr.write(`${name}: not formatted (npm run format)\n`);
        problems++;
      } else {
        writeFileSync(path, formatted);
        source = formatted;
      }
    }
    for (const d of workspace.check(source) as RuffDiagnostic[]) {
      process.stderr.write(`${name}:${d.start_location.row}:${d.start_location.column} ${d.code ?? ''} ${d.message}\n`);
      problems++;
    }
  }
  process.stderr.write(`ruff ${Workspace.version()}: ${files.length} files, ${problems} problems\n`);
  return problems === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main();
