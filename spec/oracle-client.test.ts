/**
 * The oracle client: its wire codec, its timeout and retry logic against an in-process ZeroMQ
 * server, and its conversation with the real PyTorch oracle that it spawns.
 *
 * The oracle tests need a Python with torch, pyzmq and numpy; when none is found they fail with
 * the finder's message (provision one with `npx tsx scripts/provision-oracle.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Reply } from 'zeromq';

import {
  CodecError,
  HOST_LITTLE_ENDIAN,
  decodeMessage,
  encodeMessage,
  fromWireBytes,
  tensor,
  toWireBytes,
  type Tensor,
  OracleClient,
  OracleClientError,
  OracleError,
  OraclePythonError,
  findOraclePython,
  requireOraclePython,
} from 'ganref/oracle';

/** Whether a process with this pid is still alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return condition();
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i] - expected[i]), `element ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tol);
  }
}

describe('oracle codec', () => {
  it('round-trips headers and tensors of every dtype, scalars and empty tensors', () => {
    const tensors: Tensor[] = [
      tensor('a', new Float64Array([1.5, -2, Number.NaN, Infinity, -0, 1e-310]), [2, 3]),
      tensor('b', new Float32Array([0.1, -3.25])),
      tensor('c', new Int32Array([7, -8, 2 ** 31 - 1]), [3]),
      tensor('s', new Float64Array([42]), []),
      tensor('e', new Float32Array([]), [0, 4]),
    ];
    const frames = encodeMessage({ protocol: 1, id: 'x', op: 'eval' }, tensors);
    expect(frames).toHaveLength(1 + tensors.length);
    const { header, tensors: back } = decodeMessage(frames);
    expect(header).toMatchObject({ protocol: 1, id: 'x', op: 'eval' });
    expect(header.tensors).toEqual([
      { name: 'a', dtype: 'float64', shape: [2, 3], nbytes: 48 },
      { name: 'b', dtype: 'float32', shape: [2], nbytes: 8 },
      { name: 'c', dtype: 'int32', shape: [3], nbytes: 12 },
      { name: 's', dtype: 'float64', shape: [], nbytes: 8 },
      { name: 'e', dtype: 'float32', shape: [0, 4], nbytes: 0 },
    ]);
    back.forEach((t, i) => {
      expect(t.name).toBe(tensors[i].name);
      expect(t.dtype).toBe(tensors[i].dtype);
      expect(t.shape).toEqual(tensors[i].shape);
      expect(t.data.constructor).toBe(tensors[i].data.constructor);
      expect(Array.from(t.data)).toEqual(Array.from(tensors[i].data));
    });
    expect(Object.is(back[0].data[4], -0)).toBe(true);
  });

  it('keeps extra descriptor fields such as compute', () => {
    const data = Buffer.from(new Float64Array([3]).buffer);
    const header = {
      ok: true,
      tensors: [{ name: 'value', dtype: 'float64', shape: [], nbytes: 8, compute: 'float64' }],
    };
    const { tensors } = decodeMessage([Buffer.from(JSON.stringify(header)), data]);
    expect(tensors[0].descriptor.compute).toBe('float64');
    expect(tensors[0].data[0]).toBe(3);
  });

  it('writes little-endian bytes, as views without copying on a little-endian host', () => {
    const data = new Float64Array([1, 2.5]);
    const [, frame] = encodeMessage({}, [tensor('x', data)]);
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    expect(view.getFloat64(0, true)).toBe(1);
    expect(view.getFloat64(8, true)).toBe(2.5);
    if (HOST_LITTLE_ENDIAN) {
      expect(frame.buffer).toBe(data.buffer);
      data[0] = 9;
      expect(view.getFloat64(0, true)).toBe(9);
    }
  });

  it('swaps bytes on a big-endian host, both ways', () => {
    for (const data of [
      new Float64Array([1, -2.75, 1e300]),
      new Float32Array([1, -2.75]),
      new Int32Array([1, -2, 0x01020304]),
    ]) {
      const native = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const swapped = toWireBytes(data, false);
      const size = data.BYTES_PER_ELEMENT;
      for (let i = 0; i < data.length; i++) {
        for (let b = 0; b < size; b++) expect(swapped[i * size + b]).toBe(native[i * size + size - 1 - b]);
      }
      const dtype = data instanceof Float64Array ? 'float64' : data instanceof Float32Array ? 'float32' : 'int32';
      expect(Array.from(fromWireBytes(swapped, dtype, false))).toEqual(Array.from(data));
    }
  });

  it('decodes frames at unaligned offsets into fresh aligned arrays', () => {
    const bytes = Buffer.alloc(17);
    bytes.writeDoubleLE(6.5, 1);
    bytes.writeDoubleLE(-1, 9);
    const out = fromWireBytes(bytes.subarray(1), 'float64');
    expect(Array.from(out)).toEqual([6.5, -1]);
  });

  it('refuses inconsistent tensors when encoding', () => {
    const f64 = new Float64Array([1, 2]);
    expect(() =>
      encodeMessage({}, [{ name: 'x', dtype: 'float32', shape: [2], data: f64 } as unknown as Tensor]),
    ).toThrow(/dtype float32 but its data is a Float64Array/);
    expect(() => encodeMessage({}, [tensor('x', f64, [3])])).toThrow(
      /shape \[3\] has 3 element\(s\) but its data has 2/,
    );
    expect(() => encodeMessage({}, [tensor('x', f64), tensor('x', f64)])).toThrow(/duplicate tensor name "x"/);
    expect(() => encodeMessage({}, [tensor('x', f64, [-2])])).toThrow(CodecError);
    expect(() => encodeMessage({}, [tensor('x', f64, [2.5])])).toThrow(/non-negative integers/);
    expect(() => encodeMessage({}, [tensor('', f64)])).toThrow(/non-empty string/);
    expect(() => encodeMessage({}, [tensor('x', new Float64Array(1), [1, 1, 1, 1, 1, 1, 1, 1, 1])])).toThrow(/rank 9/);
  });

  it('refuses malformed messages when decoding, naming the disagreement', () => {
    const desc = (over: Record<string, unknown> = {}) => ({
      name: 'v',
      dtype: 'float64',
      shape: [2],
      nbytes: 16,
      ...over,
    });
    const head = (tensors: unknown) => Buffer.from(JSON.stringify({ ok: true, tensors }));
    const sixteen = Buffer.alloc(16);
    expect(() => decodeMessage([])).toThrow(/no header frame/);
    expect(() => decodeMessage([Buffer.from([0xff, 0xfe])])).toThrow(/not valid UTF-8/);
    expect(() => decodeMessage([Buffer.from('{nope')])).toThrow(/not JSON/);
    expect(() => decodeMessage([Buffer.from('[1]')])).toThrow(/must be a JSON object/);
    expect(() => decodeMessage([head([desc()])])).toThrow(/lists 1 tensor\(s\) but 0 tensor frame\(s\)/);
    expect(() => decodeMessage([head([]), sixteen])).toThrow(/lists 0 tensor\(s\) but 1/);
    expect(() => decodeMessage([Buffer.from('{}'), sixteen])).toThrow(/lists no tensors but 1/);
    expect(() => decodeMessage([head([desc()]), Buffer.alloc(8)])).toThrow(/says 16 bytes but its frame has 8/);
    expect(() => decodeMessage([head([desc({ nbytes: 8 })]), Buffer.alloc(8)])).toThrow(/nbytes 8 disagrees/);
    expect(() => decodeMessage([head([desc({ dtype: 'float16' })]), sixteen])).toThrow(/unknown dtype "float16"/);
    expect(() => decodeMessage([head([desc({ shape: '2' })]), sixteen])).toThrow(/shape must be a list/);
    expect(() => decodeMessage([head([desc({ name: 3 })]), sixteen])).toThrow(/"name" must be a non-empty string/);
    expect(() => decodeMessage([head({}), sixteen])).toThrow(/"tensors" must be a list/);
  });
});

describe('oracle client against an in-process ZeroMQ server', () => {
  let server: Reply | null = null;
  let client: OracleClient | null = null;

  afterEach(async () => {
    await client?.close();
    server?.close();
    client = null;
    server = null;
  });

  async function bindServer(): Promise<Reply> {
    server = new Reply({ linger: 0 });
    await server.bind('tcp://127.0.0.1:*');
    return server;
  }

  it('times out on a server that never answers, retries a bounded number of times and leaves nothing open', async () => {
    const rep = await bindServer();
    let received = 0;
    // Take the first request and never answer it. The REP socket then owes that reply, so the
    // retry (sent from a new REQ socket) stays queued unread.
    void rep.receive().then(
      () => received++,
      () => undefined,
    );
    client = await OracleClient.connect(rep.lastEndpoint!, { timeoutMs: 300, retries: 1 });
    const start = Date.now();
    const error = await client.hello().catch((e: unknown) => e);
    const elapsed = Date.now() - start;
    expect(error).toBeInstanceOf(OracleClientError);
    expect((error as OracleClientError).code).toBe('TIMEOUT');
    expect((error as Error).message).toMatch(/2 attempt\(s\) of 300 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(2000);
    expect(client.socketOpen).toBe(false);
    expect(received).toBe(1);
    await client.close();
    expect(client.closed).toBe(true);
    await expect(client.hello()).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('discards a reply whose id does not match and retries on a fresh socket', async () => {
    const rep = await bindServer();
    const ids: string[] = [];
    void (async () => {
      try {
        for (;;) {
          const [head] = await rep.receive();
          const { id } = JSON.parse(head.toString()) as { id: string };
          ids.push(id);
          const echoed = ids.length === 1 ? 'stale-id' : id;
          await rep.send(
            JSON.stringify({ protocol: 1, id: echoed, ok: true, server: 'test', versions: { v: '1' }, specs: ['a'] }),
          );
        }
      } catch {
        /* closed */
      }
    })();
    client = await OracleClient.connect(rep.lastEndpoint!, { timeoutMs: 2000, retries: 2 });
    const hello = await client.hello();
    expect(hello).toEqual({ protocol: 1, server: 'test', versions: { v: '1' }, specs: ['a'] });
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('turns a structured failure into an OracleError and a wrong protocol into PROTOCOL_MISMATCH', async () => {
    const rep = await bindServer();
    let n = 0;
    void (async () => {
      try {
        for (;;) {
          const [head] = await rep.receive();
          const { id } = JSON.parse(head.toString()) as { id: string };
          n++;
          const reply =
            n === 1
              ? { protocol: 1, id, ok: false, error: { code: 'BAD_REQUEST', message: 'unknown op' } }
              : { protocol: 2, id, ok: true, server: 'future', versions: {}, specs: [] };
          await rep.send(JSON.stringify(reply));
        }
      } catch {
        /* closed */
      }
    })();
    client = await OracleClient.connect(rep.lastEndpoint!, { timeoutMs: 2000 });
    const failure = await client.hello().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OracleError);
    expect(failure).toMatchObject({ code: 'BAD_REQUEST', message: 'BAD_REQUEST: unknown op' });
    await expect(client.hello()).rejects.toMatchObject({ code: 'PROTOCOL_MISMATCH' });
  });
});

describe('oracle python discovery', () => {
  it('rejects a GANREF_PYTHON that cannot run the oracle, naming it', async () => {
    const error = await findOraclePython({ env: { GANREF_PYTHON: '/nonexistent/python3' }, refresh: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OraclePythonError);
    expect((error as Error).message).toMatch(/GANREF_PYTHON=\/nonexistent\/python3 .*not found/);
  });
});

describe('oracle client against the PyTorch oracle', () => {
  let python = '';
  let client: OracleClient | null = null;

  beforeAll(async () => {
    // Fails, with what each candidate lacked and how to provision one, when none is usable.
    python = (await requireOraclePython()).executable;
    client = await OracleClient.spawn({ python, timeoutMs: 60_000 });
  }, 180_000);

  afterAll(async () => {
    await client?.close();
  });

  function oracle(): OracleClient {
    if (!client) throw new Error('the oracle did not start (see the beforeAll failure)');
    return client;
  }

  it('says hello with protocol 1, its versions and a sorted spec list', async () => {
    const hello = await oracle().hello();
    expect(hello.protocol).toBe(1);
    for (const key of ['python', 'torch', 'numpy', 'pyzmq', 'zmq']) {
      expect(hello.versions[key], `version of ${key}`).toMatch(/\d/);
    }
    expect(hello.specs).toContain('objective/wasserstein');
    expect(hello.specs).toEqual([...hello.specs].sort());
  });

  it('evaluates objective/wasserstein with its gradients in float64 and float32', async () => {
    const criticReal = new Float64Array([1, 2, 3]);
    const criticFake = new Float32Array([0.5, -1]);
    const result = await oracle().eval({
      spec: 'objective/wasserstein',
      tensors: { criticReal, criticFake },
      wrt: ['criticReal', 'criticFake'],
    });
    for (const compute of ['float64', 'float32'] as const) {
      const tol = compute === 'float64' ? 1e-12 : 1e-6;
      const d = result.value('discriminator', compute);
      expect(d.shape).toEqual([]);
      expect(d.data).toBeInstanceOf(compute === 'float64' ? Float64Array : Float32Array);
      // discriminator = mean(c_f) - mean(c_r) = -0.25 - 2; generator = -mean(c_f) = 0.25
      expectClose(d.data, [-2.25], tol);
      expect(result.scalar('generator', compute)).toBeCloseTo(0.25, 6);
      expectClose(result.grad('discriminator', 'criticReal', compute).data, [-1 / 3, -1 / 3, -1 / 3], tol);
      expectClose(result.grad('discriminator', 'criticFake', compute).data, [0.5, 0.5], tol);
      // The generator loss does not depend on the real scores: its gradient is returned as zeros.
      expectClose(result.grad('generator', 'criticReal', compute).data, [0, 0, 0], 0);
      expectClose(result.grad('generator', 'criticFake', compute).data, [-0.5, -0.5], tol);
    }
  });

  it('passes parameters and directions: reduction sum and a zero Hessian-vector product', async () => {
    const result = await oracle().eval({
      spec: 'objective/wasserstein',
      params: { reduction: 'sum' },
      tensors: {
        criticReal: new Float64Array([1, 2, 3]),
        criticFake: new Float64Array([0.5, -1]),
        vReal: new Float64Array([1, -1, 2]),
        vFake: new Float64Array([3, 4]),
      },
      compute: ['float64'],
      wrt: ['criticReal', 'criticFake'],
      directions: { criticReal: 'vReal', criticFake: 'vFake' },
    });
    expect(result.scalar('discriminator')).toBeCloseTo(-6.5, 12);
    expectClose(result.grad('discriminator', 'criticReal').data, [-1, -1, -1], 1e-12);
    // The objective is linear in the scores, so every Hessian-vector product is zero.
    expectClose(result.hvp('discriminator', 'criticReal').data, [0, 0, 0], 1e-12);
    expectClose(result.hvp('generator', 'criticFake').data, [0, 0], 1e-12);
    expect(result.has('discriminator', 'float32')).toBe(false);
  });

  it('reports an unknown spec as a structured OracleError and keeps serving', async () => {
    const error = await oracle()
      .eval({ spec: 'objective/no-such-spec', tensors: { x: new Float64Array([1]) } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OracleError);
    expect((error as OracleError).code).toBe('UNKNOWN_SPEC');
    const badParams = await oracle()
      .eval({
        spec: 'objective/wasserstein',
        params: { reduction: 'bogus' },
        tensors: { criticReal: new Float64Array([1]), criticFake: new Float64Array([2]) },
      })
      .catch((e: unknown) => e);
    expect(badParams).toMatchObject({ code: 'BAD_PARAMS' });
    expect((await oracle().hello()).protocol).toBe(1);
  });

  it('serializes concurrent requests on its one socket', async () => {
    const inputs = (k: number) => [
      tensor('criticReal', new Float64Array([k])),
      tensor('criticFake', new Float64Array([2 * k])),
    ];
    const [hello, a, b] = await Promise.all([
      oracle().hello(),
      oracle().eval({ spec: 'objective/wasserstein', tensors: inputs(1), compute: ['float64'] }),
      oracle().eval({ spec: 'objective/wasserstein', tensors: inputs(5), compute: ['float64'] }),
    ]);
    expect(hello.protocol).toBe(1);
    expect(a.scalar('discriminator')).toBe(1);
    expect(b.scalar('discriminator')).toBe(5);
  });

  it('recovers from a killed server by spawning a new one', async () => {
    const first = oracle().pid!;
    expect(alive(first)).toBe(true);
    process.kill(first, 'SIGKILL');
    const hello = await oracle().hello();
    expect(hello.protocol).toBe(1);
    const second = oracle().pid!;
    expect(second).not.toBe(first);
    expect(alive(second)).toBe(true);
  }, 180_000);

  it('closes idempotently, stopping its server', async () => {
    const own = await OracleClient.spawn({ python, timeoutMs: 60_000 });
    const pid = own.pid!;
    await own.hello();
    await own.close();
    await own.close();
    expect(own.closed).toBe(true);
    expect(own.socketOpen).toBe(false);
    expect(own.pid).toBeNull();
    expect(await waitFor(() => !alive(pid), 5_000)).toBe(true);
    await expect(own.hello()).rejects.toMatchObject({ code: 'CLOSED' });
  }, 180_000);

  it('shuts the server down on request', async () => {
    const own = await OracleClient.spawn({ python, timeoutMs: 60_000 });
    const pid = own.pid!;
    await own.shutdown();
    expect(own.closed).toBe(true);
    expect(await waitFor(() => !alive(pid), 5_000)).toBe(true);
  }, 180_000);

  it("fails to spawn with the server's stderr when the oracle package is absent", async () => {
    const empty = mkdtempSync(join(tmpdir(), 'ganref-no-oracle-'));
    try {
      const error = await OracleClient.spawn({ python, oracleDir: empty, startupTimeoutMs: 60_000 }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(OracleClientError);
      expect((error as OracleClientError).code).toBe('SPAWN_FAILED');
      expect((error as Error).message).toMatch(/No module named ganref_oracle/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a spawned oracle never outlives its parent', () => {
  it('exits when the Node process that spawned it is killed with SIGKILL (no exit hook runs)', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = [
      `import { OracleClient } from ${JSON.stringify(join(process.cwd(), 'src/oracle/client.ts'))};`,
      'const c = await OracleClient.spawn();',
      'console.log(c.pid);',
      "process.kill(process.pid, 'SIGKILL');",
    ].join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'ganref-orphan-'));
    try {
      const file = join(dir, 'parent.mts');
      (await import('node:fs')).writeFileSync(file, script);
      const run = spawnSync(process.execPath, ['--import', 'tsx', file], {
        encoding: 'utf8',
        cwd: process.cwd(),
        timeout: 120_000,
      });
      const pid = Number(run.stdout.trim());
      expect(
        Number.isInteger(pid) && pid > 0,
        `parent printed ${JSON.stringify(run.stdout)}; stderr ${run.stderr}`,
      ).toBe(true);
      const alive = () => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      const deadline = Date.now() + 15_000;
      while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(alive(), `oracle ${pid} still running after its parent died`).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
