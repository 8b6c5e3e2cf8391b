import { expect, test } from 'vitest';
import { GanrefError } from '../src/errors.js';
import { useBackend } from './helpers.js';
import { gpuSuite } from './gpu.js';

// In Node there is no WebGL: useBackend refuses it by name and says where it does run.
test("useBackend('webgl') in Node is refused with a GanrefError naming the backend", async () => {
  const err = await useBackend('webgl').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GanrefError);
  expect((err as GanrefError).argument).toBe('backend');
  expect((err as Error).message).toMatch(/browser.*headless Chromium/);
});

gpuSuite('webgl');
