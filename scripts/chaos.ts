/**
 * `npm run chaos`: the reliability campaign of issue 15, bounded in time and count, on loopback
 * only. One summary line per goal:
 *
 *   fuzz       malformed and hostile messages to a live oracle: no crash, no malformed reply, the
 *              server still answers and its memory stays flat
 *   live       kills (SIGKILL) and stops (SIGSTOP: a hung server) of the oracle during live
 *              cross-checks: no wrong verdict, every request answered by a replacement server
 *   fixtures   fixture writes killed at each step and at random moments: always one whole set
 *              (old or new), no staging folder left after recovery
 *   tamper     changed fixture folders: every one refused with a FixtureError naming the file
 *   comparator a wrong reference (one result moved just past its tolerance, or a sign flipped): every
 *              cross-check FAILs
 *   processes  no child process, no oracle left behind
 *
 *   npx tsx scripts/chaos.ts [--short] [--seed N] [--messages N]
 *
 * `--short` is the version `npm test` runs (spec/chaos.test.ts). Exit status 0 when every goal is
 * met.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { Request } from 'zeromq';
import { registerGradients } from '../src/autodiff/index.js';
import { useBackend } from 'ganref/backends';
import { CATALOG, getSpec } from '../src/catalog/index.js';
import { tolerancesFor } from '../src/catalog/tolerances.js';
import { crossCheck, requestOf, toEvalRequest, type Reference } from '../src/conformance/crosscheck.js';
import { serializeFixture } from '../src/fixtures/format.js';
import { FixtureReference, requestKey } from '../src/fixtures/reference.js';
import {
  DEFAULT_FIXTURES_DIR,
  FixtureError,
  loadFixtures,
  recoverFixtureSet,
  sha256,
  WRITE_STEPS,
} from '../src/fixtures/store.js';
import { EvalResult, OracleClient, type EvalRequest } from '../src/oracle/client.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ERROR_CODES = new Set([
  'BAD_FRAME',
  'BAD_PROTOCOL',
  'BAD_REQUEST',
  'BAD_TENSOR',
  'TOO_LARGE',
  'UNKNOWN_SPEC',
  'BAD_PARAMS',
  'EVAL_FAILED',
]);

export interface ChaosOptions {
  short?: boolean;
  seed?: number;
  /** Fuzz messages (default 10,000; short: 1,500). */
  messages?: number;
  log?: (line: string) => void;
}

export interface GoalResult {
  goal: string;
  ok: boolean;
  line: string;
}

/** A small seeded generator (mulberry32). */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function statusKib(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return line ? Number(line.split(/\s+/)[1]) : NaN;
}

/** Processes whose environment carries this run's token (the oracles this run started, however). */
function processesWithToken(token: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${name}/environ`, 'latin1');
      const state = readFileSync(`/proc/${name}/stat`, 'latin1').split(') ')[1]?.[0];
      if (env.includes(`GANREF_CHAOS=${token}`) && state !== 'Z') out.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// fuzz

type Frames = Buffer[];
const json = (x: unknown) => Buffer.from(JSON.stringify(x));
const f64 = (values: number[]) => Buffer.from(new Float64Array(values).buffer);

/** Kinds of hostile messages; each returns the frames of one message. */
function fuzzKinds(next: () => number): Record<string, () => Frames> {
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const specIds = CATALOG.map((s) => s.id);
  const base = (extra: Record<string, unknown> = {}) => ({
    protocol: 1,
    id: `f${int(1e9)}`,
    op: 'eval',
    spec: 'divergence/kl',
    params: {},
    compute: ['float64'],
    wrt: [],
    tensors: [],
    ...extra,
  });
  const desc = (name: string, shape: unknown, dtype: unknown = 'float64', nbytes?: unknown) => ({
    name,
    dtype,
    shape,
    nbytes: nbytes ?? (Array.isArray(shape) ? shape.reduce((a: number, b: number) => a * b, 1) * 8 : 0),
  });
  const randomShape = () => Array.from({ length: int(4) }, () => pick([0, 1, 2, 3, 5, 8, 1 << 20, 2 ** 31, 2 ** 53]));
  const randomValue = (): unknown =>
    pick([0, -1, 1e308, -1e308, 2 ** 63, 1.5, 'x', '', null, true, [], {}, [1, 2], { a: 1 }, 'NaN', 'Infinity']);
  const kinds: Record<string, () => Frames> = {
    'empty frame': () => [Buffer.alloc(0)],
    'bad utf-8': () => [Buffer.from([0xff, 0xfe, 0x7b, 0x80])],
    'not json': () => [Buffer.from(`{"protocol": 1, "id": "x", ${'['.repeat(int(3))}`)],
    'json not an object': () => [json(pick([1, 'hello', [1, 2], null, true]))],
    'NaN constant': () => [Buffer.from('{"protocol": 1, "id": "x", "op": "hello", "n": NaN}')],
    'duplicate keys': () => [Buffer.from('{"protocol": 1, "protocol": 1, "id": "x", "op": "hello"}')],
    'deep nesting': () => [
      Buffer.from(`{"protocol":1,"id":"x","op":"hello","d":${'['.repeat(100000)}${']'.repeat(100000)}}`),
    ],
    'wrong protocol': () => [json({ protocol: pick([0, 2, '1', 1.0000001, null]), id: 'x', op: 'hello' })],
    'missing id': () => [json({ protocol: 1, op: 'hello' })],
    'unknown op': () => [json({ protocol: 1, id: 'x', op: pick(['eval2', '', 'HELLO', 'shutdownx', 'time']) })],
    'hello with frames': () => [json({ protocol: 1, id: 'x', op: 'hello' }), Buffer.alloc(8)],
    'fields of wrong types': () => [
      json(base({ [pick(['spec', 'params', 'tensors', 'compute', 'wrt', 'directions'])]: randomValue() })),
    ],
    'bad compute': () => [json(base({ compute: pick([[], ['float16'], ['float64', 'float64'], ['int32']]) }))],
    'descriptor of wrong types': () => {
      const d = { ...desc('p', [2]), [pick(['name', 'dtype', 'shape', 'nbytes'])]: randomValue() };
      return [json(base({ tensors: [d, desc('q', [2])] })), f64([0.5, 0.5]), f64([0.5, 0.5])];
    },
    'nbytes that lie': () => [
      json(base({ tensors: [desc('p', [2], 'float64', 8 * int(5)), desc('q', [2])] })),
      f64([0.5, 0.5]),
      f64([0.5, 0.5]),
    ],
    'frames that lie': () => [
      json(base({ tensors: [desc('p', [2]), desc('q', [2])] })),
      f64([0.5]),
      f64([0.5, 0.5, 0.1]),
    ],
    'huge declared shapes': () => [
      json(base({ tensors: [desc('p', [2 ** 40, 2 ** 40]), desc('q', [2])] })),
      Buffer.alloc(0),
      f64([0.5, 0.5]),
    ],
    'rank over the limit': () => [
      json(base({ tensors: [desc('p', Array(9).fill(1)), desc('q', [1])] })),
      f64([1]),
      f64([1]),
    ],
    'frame count mismatch': () => [json(base({ tensors: [desc('p', [1]), desc('q', [1])] })), f64([1])],
    'too many frames': () => [
      json({ protocol: 1, id: 'x', op: 'hello' }),
      ...Array.from({ length: 66 + int(100) }, () => Buffer.alloc(16)),
    ],
    'pickle frame': () => [
      json(base({ tensors: [desc('p', [2]), desc('q', [2])] })),
      Buffer.from('\x80\x04\x95cos\nsystem\n(S"true"\ntR.'.padEnd(16, '.')),
      f64([0.5, 0.5]),
    ],
    'unknown spec': () => [json(base({ spec: pick(['', 'divergence/kl/../x', 'os/system', '__import__']) }))],
    'unknown params': () => [json(base({ params: { [pick(['__class__', 'x', 'iterations'])]: randomValue() } }))],
    'work parameters out of range': () => [
      json(
        base({
          spec: 'constraint/spectral-norm',
          params: { iterations: pick([1e9, 2 ** 53, 1001, -1, 0.5]) },
          tensors: [desc('weight', [2, 2]), desc('u', [2])],
        }),
      ),
      f64([1, 0, 0, 1]),
      f64([1, 1]),
    ],
    'a zero beside a huge dimension': () => {
      const n = pick([4194304, 1 << 22, 1 << 26]);
      const spec = pick(['network/mlp', 'layer/minibatch-discrimination', 'penalty/pulling-away']);
      const tensors =
        spec === 'network/mlp'
          ? [
              desc('x', [n, 0]),
              desc('denseW0', [0, 16]),
              desc('denseB0', [16]),
              desc('denseW1', [16, 1]),
              desc('denseB1', [1]),
            ]
          : spec === 'penalty/pulling-away'
            ? [desc('representations', [n, 0])]
            : [desc('features', [n >> 10, 0]), desc('tensor', [0, 3, 2])];
      const frames = tensors.map((t) => Buffer.alloc((t.shape as number[]).reduce((a, b) => a * b, 1) * 8));
      return [json(base({ spec, tensors })), ...frames];
    },
    'random shapes for every spec': () => {
      const spec = getSpec(pick(specIds))!;
      const names = Object.keys(spec.edges[0]?.inputs ?? {});
      const tensors = names.map((n) => {
        const shape = Array.from({ length: 1 + int(3) }, () => pick([0, 1, 2, 3, 4, 7]));
        return desc(n, shape);
      });
      const frames = tensors.map((t) => {
        const size = (t.shape as number[]).reduce((a, b) => a * b, 1);
        return f64(
          Array.from({ length: size }, () => pick([0, 1, -1, 0.5, 1e-300, 1e300, NaN, Infinity, next() * 4 - 2])),
        );
      });
      const wrt = next() < 0.5 ? names.slice(0, int(names.length + 1)) : [];
      return [
        json(base({ spec: spec.id, tensors, wrt, compute: pick([['float64'], ['float32'], ['float64', 'float32']]) })),
        ...frames,
      ];
    },
    'random shapes, random params': () => {
      const spec = getSpec(pick(specIds))!;
      const edge = spec.edges[0];
      if (!edge) return [json(base())];
      const names = Object.keys(edge.inputs);
      const tensors = names.map((n) => desc(n, edge.inputs[n]!.shape));
      const frames = names.map((n) => f64(edge.inputs[n]!.data));
      const params = Object.fromEntries(
        Object.keys(edge.params).map((k) => [k, next() < 0.5 ? randomValue() : edge.params[k]]),
      );
      return [json(base({ spec: spec.id, tensors, params })), ...frames];
    },
    random: () =>
      Array.from({ length: 1 + int(3) }, () => Buffer.from(Array.from({ length: int(64) }, () => int(256)))),
  };
  void randomShape;
  return kinds;
}

async function fuzz(count: number, seed: number, log: (l: string) => void, token: string): Promise<GoalResult> {
  const next = rng(seed);
  const kinds = fuzzKinds(next);
  const names = Object.keys(kinds);
  const oracle = await OracleClient.spawn({
    serverArgs: ['--threads', '1'],
    env: { GANREF_CHAOS: token },
    timeoutMs: 30_000,
  });
  const pid = oracle.pid!;
  let malformed = 0;
  let noReply = 0;
  const examples: string[] = [];
  let socket = new Request({ linger: 0, receiveTimeout: 30_000, sendTimeout: 30_000 });
  socket.connect(oracle.endpoint);
  const rssBefore = statusKib(pid, 'VmRSS');
  let sent = 0;
  try {
    for (; sent < count; sent++) {
      const kind = names[sent % names.length]!;
      const frames = kinds[kind]!();
      try {
        await socket.send(frames);
        const reply = await socket.receive();
        const header = JSON.parse(reply[0]!.toString('utf8')) as Record<string, unknown>;
        const good =
          header.protocol === 1 &&
          typeof header.ok === 'boolean' &&
          (header.ok === true
            ? Array.isArray(header.tensors)
              ? header.tensors.length === reply.length - 1
              : reply.length === 1
            : reply.length === 1 && ERROR_CODES.has(String((header.error as { code?: unknown })?.code)));
        if (!good) {
          malformed++;
          if (examples.length < 3) examples.push(`${kind}: ${reply[0]!.toString('utf8').slice(0, 200)}`);
        }
      } catch (err) {
        noReply++;
        if (examples.length < 3) examples.push(`${kind}: no reply (${(err as Error).message})`);
        socket.close();
        socket = new Request({ linger: 0, receiveTimeout: 30_000, sendTimeout: 30_000 });
        socket.connect(oracle.endpoint);
      }
      if (!alive(pid)) break;
      if (sent % 2000 === 1999) log(`  fuzz: ${sent + 1} messages`);
    }
  } finally {
    socket.close();
  }
  const crashed = !alive(pid) || oracle.pid !== pid;
  let answers = false;
  try {
    answers =
      (await oracle.hello()).protocol === 1 &&
      (
        await oracle.eval({
          spec: 'divergence/kl',
          tensors: { p: new Float64Array([0.5, 0.5]), q: new Float64Array([0.25, 0.75]) },
        })
      ).has('value');
  } catch {
    answers = false;
  }
  const grownMib = (statusKib(pid, 'VmRSS') - rssBefore) / 1024;
  await oracle.close();
  const ok = !crashed && malformed === 0 && noReply === 0 && answers && grownMib < 64;
  return {
    goal: 'fuzz',
    ok,
    line: `fuzz: ${sent} messages of ${names.length} kinds, ${crashed ? 1 : 0} crashes, ${malformed} malformed replies, ${noReply} unanswered, server ${answers ? 'answered' : 'did NOT answer'} hello and eval afterwards, resident memory ${grownMib >= 0 ? '+' : ''}${grownMib.toFixed(1)} MiB${examples.length ? ` (e.g. ${examples.join(' | ')})` : ''}`,
  };
}

// ---------------------------------------------------------------------------------------------
// live: kills and stops during cross-checks

async function live(
  kills: number,
  stops: number,
  seed: number,
  log: (l: string) => void,
  token: string,
): Promise<GoalResult> {
  const next = rng(seed + 1);
  await useBackend('cpu');
  const specs = [
    'objective/minimax',
    'divergence/kl',
    'penalty/r1',
    'objective/wasserstein',
    'layer/minibatch-discrimination',
  ].map((id) => getSpec(id)!);
  const oracle = await OracleClient.spawn({
    serverArgs: ['--threads', '1'],
    env: { GANREF_CHAOS: token },
    timeoutMs: 4_000,
    retries: 3,
  });
  let wrong = 0;
  let errors = 0;
  let checks = 0;
  let evals = 0;
  const during = { kill: 0, stop: 0 };
  const seen = new Set<number>();
  const counting: Reference = {
    eval: async (r: EvalRequest) => {
      evals++;
      return oracle.eval(r);
    },
  };
  try {
    const plan = [
      ...Array.from({ length: kills }, () => 'kill' as const),
      ...Array.from({ length: stops }, () => 'stop' as const),
    ];
    for (const [i, what] of plan.entries()) {
      const spec = specs[i % specs.length]!;
      const pid = oracle.pid!;
      seen.add(pid);
      // Early enough to land inside the check (a check of 4 to 6 cases takes a few hundred ms).
      const delay = 5 + Math.floor(next() * 120);
      let landed = false;
      const timer = setTimeout(() => {
        if (!alive(pid)) return;
        process.kill(pid, what === 'kill' ? 'SIGKILL' : 'SIGSTOP');
        landed = true;
      }, delay);
      try {
        const result = await crossCheck(spec, counting, { cases: 4, seed: seed + i });
        checks++;
        if (landed) during[what]++;
        if (!result.pass) {
          wrong++;
          log(`  live: ${spec.id} FAILED after a ${what}: ${result.failures[0]?.label}`);
        }
      } catch (err) {
        errors++;
        log(`  live: ${spec.id} raised after a ${what}: ${(err as Error).message.split('\n')[0]}`);
      } finally {
        clearTimeout(timer);
        if (what === 'stop' && alive(pid)) {
          // A stop that came after the check ended: let it go on (its replacement happens at the
          // next request that times out), but never leave a stopped process behind.
          process.kill(pid, 'SIGKILL');
        }
      }
    }
  } finally {
    await oracle.close();
  }
  const ok = wrong === 0 && errors === 0;
  return {
    goal: 'live',
    ok,
    line: `live: ${kills} SIGKILLs and ${stops} SIGSTOPs of the oracle (${during.kill} and ${during.stop} of them in the middle of a cross-check) over ${checks + errors} cross-checks (${evals} evals, ${seen.size} server processes, ${oracle.replaced} hung ones replaced): ${wrong} wrong verdicts, ${errors} errors`,
  };
}

// ---------------------------------------------------------------------------------------------
// fixtures: interrupted writes

let writerFiles = Infinity;

function runWriter(
  dir: string,
  version: number,
  killAt: string | undefined,
  killAfterMs: number | undefined,
  token: string,
): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolveRun) => {
    const args = [
      '--import',
      'tsx',
      join(ROOT, 'scripts/chaos/fixture-writer.ts'),
      dir,
      String(version),
      killAt ?? '-',
      String(writerFiles),
    ];
    const child: ChildProcess = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, GANREF_CHAOS: token },
    });
    let timer: NodeJS.Timeout | undefined;
    child.stdout!.on('data', (chunk: Buffer) => {
      if (killAfterMs !== undefined && chunk.toString().includes('writing') && timer === undefined) {
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolveRun({ code, signal });
    });
  });
}

/** Folders beside `dir` that a write leaves behind (staging, previous). */
function leftovers(dir: string): string[] {
  const base = basename(dir);
  return readdirSync(dirname(dir)).filter((n) => n.startsWith(`${base}.`));
}

async function fixtures(
  randomKills: number,
  repeatSteps: number,
  seed: number,
  log: (l: string) => void,
  token: string,
): Promise<GoalResult> {
  const next = rng(seed + 2);
  const scratch = mkdtempSync(join(tmpdir(), 'ganref-chaos-'));
  const dir = join(scratch, 'fixtures');
  const baseSeed = loadFixtures(DEFAULT_FIXTURES_DIR).manifest.seed;
  let corrupt = 0;
  let missing = 0;
  let left = 0;
  let kills = 0;
  let version = 0;
  let completed = 0;
  try {
    const first = await runWriter(dir, version, undefined, undefined, token);
    if (first.code !== 0) throw new Error(`the first fixture write failed (${first.signal ?? first.code})`);
    const check = (expected: number[]): void => {
      recoverFixtureSet(dir);
      try {
        const got = loadFixtures(dir).manifest.seed - baseSeed;
        if (!expected.includes(got)) {
          corrupt++;
          log(`  fixtures: found version ${got}, expected one of ${expected.join(', ')}`);
        } else version = got;
      } catch (err) {
        if (err instanceof FixtureError && !existsSync(dir)) missing++;
        else corrupt++;
        log(`  fixtures: ${(err as Error).message.split('\n')[0]}`);
      }
      const rest = leftovers(dir);
      left += rest.length;
      if (rest.length) log(`  fixtures: left behind after recovery: ${rest.join(', ')}`);
    };
    // A kill at each step, twice in a row at each (the second before any recovery ran).
    for (const step of WRITE_STEPS) {
      for (let twice = 0; twice < repeatSteps; twice++) {
        const target = version + 1;
        const r = await runWriter(dir, target, step, undefined, token);
        if (r.signal === 'SIGKILL') kills++;
        else completed++;
      }
      check([version, version + 1]);
    }
    // Kills at random moments of a write (the child writes and flushes about 50 files).
    for (let i = 0; i < randomKills; i++) {
      const target = version + 1;
      const r = await runWriter(dir, target, undefined, Math.floor(next() * 400), token);
      if (r.signal === 'SIGKILL') kills++;
      else completed++;
      if (i % 2 === 1 || i === randomKills - 1) check([version, target]);
      else {
        // two interruptions in a row without a recovery between them
        const r2 = await runWriter(dir, target, undefined, Math.floor(next() * 400), token);
        if (r2.signal === 'SIGKILL') kills++;
        else completed++;
        check([version, target]);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const ok = corrupt === 0 && missing === 0 && left === 0;
  return {
    goal: 'fixtures',
    ok,
    line: `fixtures: ${kills} writes of ${writerFiles === Infinity ? 'every' : writerFiles} fixture files killed (at each of the ${WRITE_STEPS.length} steps${repeatSteps > 1 ? `, ${repeatSteps} times in a row` : ''}; ${randomKills} at random moments, some back to back) and ${completed} completed: ${corrupt} corrupt and ${missing} missing fixture sets, ${left} staging or previous folders left after recovery`,
  };
}

// ---------------------------------------------------------------------------------------------
// tamper

function tamper(log: (l: string) => void): GoalResult {
  const scratch = mkdtempSync(join(tmpdir(), 'ganref-tamper-'));
  const rewriteManifest = (dir: string, change: (m: Record<string, unknown>) => void) => {
    const path = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    change(m);
    writeFileSync(path, JSON.stringify(m));
  };
  const rechecksum = (dir: string, rel: string, text: string) => {
    writeFileSync(join(dir, rel), text);
    rewriteManifest(dir, (m) => {
      for (const f of m.files as { path: string; sha256: string }[]) if (f.path === rel) f.sha256 = sha256(text);
    });
  };
  const cases: [string, string, (dir: string) => void][] = [
    [
      'a flipped byte',
      'objective/minimax.json',
      (d) => {
        const p = join(d, 'objective/minimax.json');
        const b = readFileSync(p);
        b[300] = b[300] === 0x31 ? 0x32 : 0x31;
        writeFileSync(p, b);
      },
    ],
    [
      'a truncated file',
      'divergence/kl.json',
      (d) => writeFileSync(join(d, 'divergence/kl.json'), readFileSync(join(d, 'divergence/kl.json')).subarray(0, 100)),
    ],
    ['a deleted file', 'penalty/r1.json', (d) => rmSync(join(d, 'penalty/r1.json'))],
    ['an unlisted file', 'objective/extra.json', (d) => writeFileSync(join(d, 'objective/extra.json'), '{}')],
    ['an unlisted file outside the specs', 'notes.txt', (d) => writeFileSync(join(d, 'notes.txt'), 'hello')],
    ['a manifest of another protocol', 'manifest.json', (d) => rewriteManifest(d, (m) => (m.protocol = 2))],
    ['a manifest that is not JSON', 'manifest.json', (d) => writeFileSync(join(d, 'manifest.json'), '{"format":')],
    [
      'a path outside the folder',
      'manifest.json',
      (d) => {
        cpSync(join(d, 'objective/minimax.json'), join(dirname(d), 'outside.json'));
        rewriteManifest(d, (m) => {
          for (const f of m.files as { path: string }[])
            if (f.path === 'objective/minimax.json') f.path = '../outside.json';
        });
        rmSync(join(d, 'objective/minimax.json'));
      },
    ],
    [
      'a case without results (re-checksummed)',
      'objective/wasserstein.json',
      (d) => {
        const f = loadFixtures(DEFAULT_FIXTURES_DIR).fixtures.get('objective/wasserstein')!;
        const broken = { ...f, cases: f.cases.map((c, i) => (i === 1 ? { ...c, results: undefined as never } : c)) };
        rechecksum(d, 'objective/wasserstein.json', serializeFixture(broken));
      },
    ],
    [
      'a fixture of another spec (re-checksummed)',
      'divergence/kl.json',
      (d) => rechecksum(d, 'divergence/kl.json', readFileSync(join(d, 'divergence/jensen-shannon.json'), 'utf8')),
    ],
  ];
  let accepted = 0;
  let unnamed = 0;
  try {
    for (const [i, [what, file, change]] of cases.entries()) {
      const dir = join(scratch, `t${i}`, 'fixtures');
      cpSync(DEFAULT_FIXTURES_DIR, dir, { recursive: true });
      change(dir);
      try {
        loadFixtures(dir);
        accepted++;
        log(`  tamper: ${what} was ACCEPTED`);
      } catch (err) {
        const named = err instanceof FixtureError && err.message.includes(file.replace('../', ''));
        if (!named) {
          unnamed++;
          log(`  tamper: ${what}: the error does not name ${file}: ${(err as Error).message}`);
        }
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return {
    goal: 'tamper',
    ok: accepted === 0 && unnamed === 0,
    line: `tamper: ${cases.length} kinds of changed fixture folders: ${accepted} accepted, ${unnamed} refused without naming the file`,
  };
}

// ---------------------------------------------------------------------------------------------
// comparator: a wrong reference

export async function comparator(perSpec: number, seed: number, log: (l: string) => void): Promise<GoalResult> {
  const next = rng(seed + 3);
  await useBackend('cpu');
  const fixturesRef = new FixtureReference(loadFixtures(DEFAULT_FIXTURES_DIR));
  let probes = 0;
  let passed = 0;
  const ids = [
    'objective/minimax',
    'objective/wasserstein',
    'divergence/kl',
    'divergence/jensen-shannon',
    'penalty/gradient-penalty',
    'penalty/r1',
    'network/mlp',
    'fdiv/kl',
    'layer/virtual-batch-norm',
    'objective/feature-matching',
  ];
  for (const id of ids) {
    const spec = getSpec(id);
    if (!spec) continue;
    const prepared = fixturesRef.prepared(spec)!;
    for (let k = 0; k < perSpec; k++) {
      const caseIndex = Math.floor(next() * prepared.length);
      const mode = k % 2 === 0 ? 'past tolerance' : 'sign';
      // The reference is right everywhere but in one element of one result of one case.
      const target = prepared[caseIndex]!;
      const key = keyOf(toEvalRequest(requestOf(spec, target)));
      const moved: Reference = {
        eval: async (r: EvalRequest) => {
          const right = await fixturesRef.eval(r);
          if (keyOf(r) !== key) return right;
          const tensors = right.tensors.map((t) => ({
            ...t,
            shape: [...t.shape],
            data: t.data.slice() as Float64Array | Float32Array,
          }));
          const compared = tensors.filter((t) => t.compute === 'float64' && t.data.length > 0);
          if (compared.length === 0) return right;
          const ref = compared[Math.floor(next() * compared.length)]!;
          const kind = ref.name.startsWith('grad:') ? 'grad' : ref.name.startsWith('hvp:') ? 'hvp' : 'value';
          const { rtol, atol } = tolerancesFor(spec)[kind];
          // The largest finite element (or the first, when none is finite).
          let j = 0;
          for (let i = 0; i < ref.data.length; i++)
            if (Number.isFinite(ref.data[i]!) && !(Math.abs(ref.data[i]!) <= Math.abs(ref.data[j]!))) j = i;
          const x = ref.data[j]!;
          // Ten times the element's tolerance away (a right answer is within one); or its sign
          // flipped (the classic comparison without abs()) where that is as far.
          const margin = 10 * (atol + rtol * Math.abs(x));
          const wrong = !Number.isFinite(x)
            ? 0
            : mode === 'sign' && 2 * Math.abs(x) > margin
              ? -x
              : x + margin * (Math.sign(x) || 1);
          // Its float64 and float32 answers, both wrong the same way; its rounding spread is left
          // as it is (the spread of the formulas, not an answer).
          for (const t of tensors) if (t.name === ref.name && t.compute !== 'spread32') t.data[j] = wrong;
          return new EvalResult({ ok: true }, tensors);
        },
      };
      probes++;
      const result = await crossCheck(spec, moved, { prepared: [target] });
      if (result.pass) {
        passed++;
        log(`  comparator: ${id} case ${caseIndex} (${mode}) PASSED against a wrong reference`);
      }
    }
  }
  return {
    goal: 'comparator',
    ok: passed === 0,
    line: `comparator: ${probes} cross-checks against a wrong reference (one element moved 10 tolerances away, or its sign flipped): ${passed} wrong verdicts (passes)`,
  };
}

function keyOf(r: EvalRequest): string {
  const tensors = Object.fromEntries(
    Object.entries(r.tensors as Record<string, { data: ArrayLike<number>; shape: readonly number[] }>).map(([n, t]) => [
      n,
      { shape: t.shape, data: t.data },
    ]),
  );
  return requestKey({ spec: r.spec, params: r.params, tensors, wrt: r.wrt, directions: r.directions });
}

// ---------------------------------------------------------------------------------------------

export async function chaos(options: ChaosOptions = {}): Promise<GoalResult[]> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const short = options.short ?? false;
  const seed = options.seed ?? 20261202;
  const token = `${process.pid}-${Date.now()}`;
  tf.env().set('IS_TEST', true);
  registerGradients();
  const results: GoalResult[] = [];
  const started = performance.now();
  const run = async (goal: () => Promise<GoalResult> | GoalResult) => {
    const t0 = performance.now();
    const r = await goal();
    results.push(r);
    log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.line} [${((performance.now() - t0) / 1000).toFixed(1)} s]`);
  };
  writerFiles = short ? 6 : Infinity;
  await run(() => fuzz(options.messages ?? (short ? 1000 : 10_000), seed, log, token));
  await run(() => live(short ? 1 : 10, short ? 1 : 3, seed, log, token));
  await run(() => fixtures(short ? 1 : 10, short ? 1 : 2, seed, log, token));
  await run(() => tamper(log));
  await run(() => comparator(short ? 1 : 4, seed, log));
  // Every oracle this run started, and every writer, is gone.
  await sleep(500);
  const leaked = processesWithToken(token);
  for (const pid of leaked) process.kill(pid, 'SIGKILL');
  await run(() => ({
    goal: 'processes',
    ok: leaked.length === 0,
    line: `processes: ${leaked.length} leaked (oracles and writers started by this run still running)`,
  }));
  log(
    `chaos: ${results.every((r) => r.ok) ? 'every goal met' : 'GOALS MISSED'} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  return results;
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  chaos({ short: args.includes('--short'), seed: value('--seed'), messages: value('--messages') }).then(
    (results) => process.exit(results.every((r) => r.ok) ? 0 : 1),
    (err) => {
      process.stderr.write(`chaos: ${(err as Error).stack ?? err}\n`);
      process.exit(2);
    },
  );
}
