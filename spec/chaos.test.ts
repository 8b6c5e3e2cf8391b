/**
 * The short version of `npm run chaos` (scripts/chaos.ts): the oracle fuzzed with 1,000 hostile
 * messages, killed and stopped during live cross-checks, fixture writes killed at each step and at
 * a random moment, tampered fixture folders, a wrong reference for the comparator, and no process
 * left behind. Counts are fixed and every seed pinned; nothing here is timed.
 */
import { expect, test } from 'vitest';
import { chaos } from '../scripts/chaos.js';

test('chaos (short): every goal met', async () => {
  const lines: string[] = [];
  const results = await chaos({ short: true, log: (l) => lines.push(l) });
  expect(results.map((r) => r.goal)).toEqual(['fuzz', 'live', 'fixtures', 'tamper', 'comparator', 'processes']);
  expect(
    results.filter((r) => !r.ok).map((r) => r.line),
    lines.join('\n'),
  ).toEqual([]);
}, 300_000);
