/**
 * Child process of `main-entry.test.ts`: imports `ganref` as a user does and prints, as JSON, what
 * the TF.js engine looked like before and after. With `cpu` as an argument it first does what a
 * user with the cpu backend does (imports `@tensorflow/tfjs-backend-cpu`, sets it), and after the
 * import runs an op synchronously, which throws if ganref's import had made another backend the
 * active one or the highest-priority one still initialising.
 */
import * as tf from '@tensorflow/tfjs-core';

tf.env().set('IS_TEST', true);
const userBackend = process.argv[2] === 'cpu';
if (userBackend) {
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
}

function engineState(): { backends: string[]; backend: string | null } {
  // `backendName` reads the active backend without initialising one (tf.getBackend() would).
  return { backends: Object.keys(tf.engine().registryFactory).sort(), backend: tf.engine().backendName ?? null };
}

const before = engineState();
const ganref = await import('ganref');
const after = engineState();
let sum: number | null = null;
if (userBackend) sum = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]);
process.stdout.write(
  JSON.stringify({
    before,
    after,
    sum,
    exports: Object.keys(ganref).length,
    gradientPenalty: typeof ganref.gradientPenalty,
  }),
);
