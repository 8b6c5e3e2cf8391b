import { spawnSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { ORACLE_DIR, requireOraclePython } from 'ganref/oracle';

// The oracle's own suite (Python unittest): protocol robustness, every error code, values on
// closed forms, gradients and Hessian-vector products against finite differences in float64.
test('the oracle passes its own Python test suite', async () => {
  const python = await requireOraclePython();
  const run = spawnSync(python.executable, ['-m', 'unittest', 'discover', '-s', 'tests'], {
    cwd: ORACLE_DIR,
    encoding: 'utf8',
    timeout: 170_000,
  });
  expect(run.status, `${run.stdout}\n${run.stderr}`.slice(-6000)).toBe(0);
  expect(run.stderr).toMatch(/Ran \d+ tests/);
});
