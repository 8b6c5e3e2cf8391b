/**
 * Oracle round trip and transport (issue 10's goals: round trip ≤ 150 µs median; 64 MB transport
 * ≤ 2× an in-process copy), over tcp:// and ipc://, interleaved in one run so that the machine's
 * load affects both alike. Medians.
 *
 *   npx tsx scripts/oracle-latency.ts [--rounds N]
 */
import { OracleClient } from '../src/oracle/client.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 5;
  // --baseline DIR: also an oracle package from elsewhere (e.g. an older commit), over tcp.
  const baseline = args.includes('--baseline') ? args[args.indexOf('--baseline') + 1] : undefined;
  const clients: Record<string, OracleClient> = {
    ...(baseline
      ? {
          'tcp, baseline oracle': await OracleClient.spawn({
            serverArgs: ['--threads', '1'],
            transport: 'tcp',
            oracleDir: baseline,
          }),
        }
      : {}),
    tcp: await OracleClient.spawn({ serverArgs: ['--threads', '1'], transport: 'tcp' }),
    ipc: await OracleClient.spawn({ serverArgs: ['--threads', '1'], transport: 'ipc' }),
  };
  const hello: Record<string, number[]> = Object.fromEntries(Object.keys(clients).map((k) => [k, []]));
  const tiny: Record<string, number[]> = Object.fromEntries(Object.keys(clients).map((k) => [k, []]));
  const transport: Record<string, number[]> = Object.fromEntries(Object.keys(clients).map((k) => [k, []]));
  const copies: number[] = [];
  const n = (64 * 1024 * 1024) / 4;
  const big = new Float32Array(n).fill(0.5);
  const kl = {
    spec: 'divergence/kl',
    tensors: { p: new Float64Array([0.5, 0.5]), q: new Float64Array([0.25, 0.75]) },
    compute: ['float64' as const],
  };
  const bigRequest = {
    spec: 'objective/wasserstein',
    params: {},
    tensors: { criticReal: { data: big, shape: [n] }, criticFake: { data: new Float32Array([0]), shape: [1] } },
    compute: ['float32' as const],
    wrt: [],
  };
  for (const c of Object.values(clients)) for (let i = 0; i < 50; i++) await c.hello();
  for (let r = 0; r < rounds; r++) {
    for (const [name, c] of Object.entries(clients)) {
      for (let i = 0; i < 200; i++) {
        const t0 = performance.now();
        await c.hello();
        hello[name]!.push((performance.now() - t0) * 1e3);
      }
      for (let i = 0; i < 200; i++) {
        const t0 = performance.now();
        await c.eval(kl);
        tiny[name]!.push((performance.now() - t0) * 1e3);
      }
      const [inside] = await c.time({ ...bigRequest, repeats: 3, warmup: 1 });
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        await c.eval(bigRequest);
        transport[name]!.push(performance.now() - t0 - median(inside!.seconds) * 1e3);
      }
    }
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      void big.slice();
      copies.push(performance.now() - t0);
    }
  }
  for (const c of Object.values(clients)) await c.close();
  const copy = median(copies);
  for (const name of Object.keys(clients)) {
    process.stdout.write(
      `${name}: hello round trip ${median(hello[name]!).toFixed(0)} µs, tiny eval ${median(tiny[name]!).toFixed(0)} µs, ` +
        `64 MB transport ${median(transport[name]!).toFixed(1)} ms = ${(median(transport[name]!) / copy).toFixed(2)}× an in-process copy (${copy.toFixed(1)} ms)\n`,
    );
  }
}

await main();
