// Loader hooks for the main-entry test: every module URL that the ESM loader resolves is appended,
// one a line, to the file named by GANREF_GRAPH_FILE. Registered with `node --import` in a child
// process, so the record starts empty and holds exactly what that process imported.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';

if (!process.env.GANREF_GRAPH_FILE) throw new Error('record-graph.mjs needs GANREF_GRAPH_FILE');

register(import.meta.url, { data: process.env.GANREF_GRAPH_FILE });

let file;

export function initialize(data) {
  file = data;
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (file) appendFileSync(file, `${result.url}\n`);
  return result;
}
