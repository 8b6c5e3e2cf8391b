import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
// The autodiff module only, not the whole `ganref` entry: a setup file that loaded every library
// module would cache them before a test file's `vi.mock` of one of them (spec/mutation.test.ts).
import { registerGradients } from '../src/autodiff/index.js';
import { useBackend } from 'ganref/backends';
import { testSeed } from './seed.js';

// Quiet TF.js's advice to install tfjs-node.
tf.env().set('IS_TEST', true);
registerGradients();

// One place for fast-check's settings: 100 runs per property unless a test says otherwise, from
// one seed: fixed by default (the same inputs on every run and machine), GANREF_SEED=<n> to
// replay, GANREF_SEED=random to explore (printed, so a failure replays); every failure prints its
// seed and path.
const { seed, explore } = testSeed(process.env.GANREF_SEED);
if (explore) process.stderr.write(`GANREF_SEED=random: this run's seed is ${seed} (replay with GANREF_SEED=${seed})\n`);
fc.configureGlobal({ numRuns: 100, seed });

// A default backend for suites that do not pick one (suites that repeat over backends pick their own).
await useBackend();
