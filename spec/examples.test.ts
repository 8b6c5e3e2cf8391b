import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

// The README's examples are files under examples/ that this suite runs, so the README cannot rot:
// each block of the README marked `<!-- example: PATH -->` must equal that file, the files must
// compile as a user's strict TypeScript app (examples/tsconfig.json), and each must train a few
// steps with finite losses and no tensors left behind (the count after 3 steps equals the count
// after 1, once the optimizers' slots exist).
const run = promisify(execFile);
const EXAMPLES = ['examples/wgan-gp.ts', 'examples/non-saturating-r1.ts'];
const env = { ...process.env, TSX_TSCONFIG_PATH: 'examples/tsconfig.json' };

async function train(file: string, steps: number): Promise<Record<string, number>> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', file], {
    env: { ...env, STEPS: String(steps) },
    maxBuffer: 1 << 24,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
}

test('the README shows each example file verbatim', () => {
  const readme = readFileSync('README.md', 'utf8');
  const blocks = [...readme.matchAll(/<!-- example: (\S+) -->\s*```ts\n([\s\S]*?)```/g)];
  expect(blocks.map((b) => b[1])).toEqual(EXAMPLES);
  for (const [, path, code] of blocks)
    expect(code, `${path} differs from its README block`).toBe(readFileSync(path!, 'utf8'));
  for (const path of EXAMPLES)
    expect(readFileSync(path, 'utf8').trimEnd().split('\n').length, `${path} is over 40 lines`).toBeLessThanOrEqual(40);
});

test('the examples compile under strict TypeScript as a user app', async () => {
  await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'examples/tsconfig.json']);
}, 300_000);

describe.each(EXAMPLES)('%s', (file) => {
  test('trains: finite losses, no tensors left behind', async () => {
    const [one, three] = await Promise.all([train(file, 1), train(file, 3)]);
    for (const [key, v] of Object.entries(three)) expect(Number.isFinite(v), `${key} = ${v}`).toBe(true);
    expect(three.tensors).toBe(one.tensors);
  }, 300_000);
});
