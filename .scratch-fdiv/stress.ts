import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../src/backend.js';
import { SPECS } from '../src/catalog/entries/f-divergences.js';
import { crossCheck, describeFailure } from '../src/conformance/crosscheck.js';
import { OracleClient } from '../src/oracle/client.js';
await useBackend((process.argv[2] ?? 'cpu') as never); console.log(tf.getBackend());
const oracle = await OracleClient.spawn();
for (const seed of [1, 2, 3]) for (const spec of SPECS) {
  const r = await crossCheck(spec, oracle, { cases: 150, seed });
  console.log(seed, spec.id, r.pass ? 'pass' : `FAIL ${r.failures.length}`, r.worst.toFixed(3));
  for (const f of r.failures.slice(0, 2)) console.log(describeFailure(spec.id, f).slice(0, 1500));
}
await oracle.close();
