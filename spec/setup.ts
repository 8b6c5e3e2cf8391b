import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
// The autodiff module only, not the whole `ganref` entry: a setup file that loaded every library
// module would cache them before a test file's `vi.mock` of one of them (spec/mutation.test.ts).
import { registerGradients } from '../src/autodiff/index.js';
import { useBackend } from 'ganref/backends';

// Quiet TF.js's advice to install tfjs-node.
tf.env().set('IS_TEST', true);
registerGradients();

// One place for fast-check's settings: 100 runs per property unless a test says otherwise;
// GANREF_SEED replays a whole run; every failure prints its seed and path.
const seed = process.env.GANREF_SEED ? Number(process.env.GANREF_SEED) : undefined;
fc.configureGlobal({ numRuns: 100, ...(seed !== undefined ? { seed } : {}) });

// A default backend for suites that do not pick one (suites that repeat over backends pick their own).
await useBackend();
