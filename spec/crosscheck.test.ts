import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CATALOG } from 'ganref/catalog';
import { crossCheck, describeFailure } from 'ganref/conformance';
import { OracleClient } from 'ganref/oracle';
import { TEST_BACKENDS, useBackend } from './helpers.js';

// The oracle cross-check template: every spec's values, gradients and Hessian-vector products in
// float32 on each backend against the live PyTorch oracle in float64 (float32 as the tie-break).
let oracle: OracleClient;

beforeAll(async () => {
  oracle = await OracleClient.spawn();
});
afterAll(async () => {
  await oracle?.close();
});

test('the TypeScript catalog and the oracle registry name the same specs', async () => {
  const hello = await oracle.hello();
  const ours = CATALOG.map((s) => s.id).sort();
  expect({
    onlyInTypeScript: ours.filter((id) => !hello.specs.includes(id)),
    onlyInOracle: hello.specs.filter((id) => !ours.includes(id)),
  }).toEqual({ onlyInTypeScript: [], onlyInOracle: [] });
});

describe.each(TEST_BACKENDS)('%s backend', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });
  for (const spec of CATALOG) {
    test(`${spec.id} agrees with the oracle (values, gradients${spec.secondOrder ? ', second order' : ''})`, async () => {
      const result = await crossCheck(spec, oracle, { cases: 24 });
      const report = result.failures
        .slice(0, 5)
        .map((f) => describeFailure(spec.id, f))
        .join('\n\n');
      expect(result.failures.length, report).toBe(0);
      expect(result.comparisons).toBeGreaterThan(result.cases);
    });
  }
});
