import { useBackend, type BackendName } from 'ganref/backends';

/** The backends every suite repeats over. `tensorflow` joins when a tfjs-node package is installed. */
export const TEST_BACKENDS: BackendName[] = (process.env.GANREF_TEST_BACKENDS?.split(',') as
  BackendName[] | undefined) ?? ['cpu', 'wasm'];

export { useBackend };
