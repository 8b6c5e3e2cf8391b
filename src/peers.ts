/**
 * The optional peer dependencies of ganref's harness. The library (`ganref`) needs only
 * `@tensorflow/tfjs-core`; the catalog, the conformance runners, the oracle client, the backends
 * entry and the command line need more, and a library-only install does not pull them in. This
 * module names which entry needs which package and says how to install what is missing.
 */

/** Which optional peer dependencies each harness entry point imports. */
export const PEERS_OF = {
  'ganref/backends': ['@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm'],
  'ganref/catalog': ['fast-check'],
  'ganref/conformance': ['fast-check', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm'],
  'ganref/fixtures': ['fast-check', 'zeromq', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm'],
  'ganref/oracle': ['zeromq'],
  'the ganref command': ['fast-check', 'zeromq', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm'],
} as const satisfies Record<string, readonly string[]>;

/**
 * The packages among `@tensorflow/tfjs-core` and `names` that cannot be resolved from ganref's
 * own location, which is where Node looks for its peers.
 */
export function missingPeers(names: readonly string[]): string[] {
  const missing: string[] = [];
  for (const name of ['@tensorflow/tfjs-core', ...names]) {
    try {
      import.meta.resolve(name);
    } catch {
      missing.push(name);
    }
  }
  return missing;
}

/** The message for `what` (an entry point or the command line) when `missing` are not installed. */
export function missingPeersMessage(what: string, missing: readonly string[]): string {
  return (
    `${what} needs ${missing.join(', ')}, not installed: ganref keeps its harness's dependencies ` +
    `optional (peer dependencies) so that the library alone installs no test framework and no ` +
    `native addon. Install them beside ganref: npm install --save-dev ${missing.join(' ')}`
  );
}
