import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CATALOG } from '../src/catalog/index.js';
import type { Case, Spec } from '../src/catalog/types.js';
import { evaluateCase } from '../src/conformance/evaluate.js';
import { OracleClient } from '../src/oracle/client.js';
import { useBackend } from './helpers.js';

// Each default is written in the catalog record, in the oracle's registry and (for most
// parameters) in the library: the three must agree.

const catalogDefaults = (spec: Spec): Record<string, unknown> =>
  Object.fromEntries(Object.entries(spec.params).map(([name, p]) => [name, p.default]));

describe('the oracle reports the same parameter defaults as the catalog', () => {
  let oracle: OracleClient;
  beforeAll(async () => {
    oracle = await OracleClient.spawn();
  });
  afterAll(async () => {
    await oracle?.close();
  });
  test('every spec, every parameter', async () => {
    const hello = await oracle.hello();
    expect(hello.defaults, 'the oracle reports no defaults').toBeDefined();
    const differences: Record<
      string,
      { catalog: Record<string, unknown>; oracle: Record<string, unknown> | undefined }
    > = {};
    for (const spec of CATALOG) {
      const ours = catalogDefaults(spec);
      const theirs = hello.defaults![spec.id];
      if (JSON.stringify(Object.entries(ours).sort()) !== JSON.stringify(Object.entries(theirs ?? {}).sort()))
        differences[spec.id] = { catalog: ours, oracle: theirs };
    }
    expect(differences).toEqual({});
  });
});

/**
 * Parameters whose default lives in the catalog and the oracle only, with the reason (a required
 * parameter, default `null`, is skipped too). Each entry was found by this test.
 */
const NO_LIBRARY_DEFAULT: Record<string, string> = {
  // The games' networks are data: an omitted activation is the network's (nets/mlp.ts), not the
  // catalog's 'tanh' (smooth games for the finite-difference invariants). A default mismatch
  // between library and catalog/oracle, reported; changing either side changes behaviour.
  'penalty/consensus:activation': "nets/mlp.ts defaults to 'relu'",
  'penalty/discriminator-gradient-norm:activation': "nets/mlp.ts defaults to 'relu'",
  'training/unrolled:activation': "nets/mlp.ts defaults to 'relu'",
  // instanceNoise(x, noise, step, schedule) takes the step as a required argument.
  'noise/instance-noise:step': 'a required argument of instanceNoise',
};

/**
 * The case with the parameter set to the default, and the same case with it `undefined`: the
 * records pass an explicitly undefined parameter on to the library (only a missing one takes the
 * catalog's default, see `paramsOf`), so the second call runs on the library's own default.
 */
function withAndWithout(c: Case, name: string, value: unknown): [Case, Case] {
  return [
    { ...c, params: { ...c.params, [name]: value } },
    { ...c, params: { ...c.params, [name]: undefined } },
  ];
}

describe("the library's defaults are the catalog's: leaving a parameter out changes nothing", () => {
  beforeAll(async () => {
    expect(await useBackend('cpu')).toBe('cpu');
  });
  for (const spec of CATALOG) {
    for (const [name, decl] of Object.entries(spec.params)) {
      if (decl.default === null || `${spec.id}:${name}` in NO_LIBRARY_DEFAULT) continue;
      test(`${spec.id}: ${name} = ${JSON.stringify(decl.default)}`, () => {
        const before = tf.memory().numTensors;
        const cases = spec.edges.filter((c) => !(name in c.params) || c.params[name] === decl.default).slice(0, 3);
        const base = cases.length > 0 ? cases : spec.edges.slice(0, 1);
        for (const c of base) {
          const [explicit, omitted] = withAndWithout(c, name, decl.default);
          const a = evaluateCase(spec, explicit, []);
          const b = evaluateCase(spec, omitted, []);
          for (const [o, r] of a)
            expect(Array.from(b.get(o)!.data), `${o} (${c.label ?? 'case'})`).toEqual(Array.from(r.data));
        }
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }
});
