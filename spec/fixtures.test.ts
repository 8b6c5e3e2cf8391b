import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dumpDom, findChromium } from '../src/browser/chromium.js';
import { CATALOG, getSpec, selectSpecs, tolerancesFor } from 'ganref/catalog';
import {
  crossCheck,
  describeFailure,
  renderHtml,
  conform,
  checkTarget,
  compareArrays,
  fixtureMismatch,
  FLOAT64_TOLERANCES,
} from 'ganref/conformance';
import {
  decodeNumber,
  encodeNumber,
  serializeFixture,
  regenerateFixtures,
  sameVersions,
  FixtureReference,
  DEFAULT_FIXTURES_DIR,
  FixtureError,
  loadFixtures,
  packFixtures,
} from 'ganref/fixtures';
import { OracleClient } from 'ganref/oracle';
import { TEST_BACKENDS, useBackend } from './helpers.js';

/** Every file under a folder with its sha256, for "did anything change" checks. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[p.slice(dir.length)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

const scratch = mkdtempSync(join(tmpdir(), 'ganref-fixtures-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the committed golden fixtures', () => {
  test('load, verify their checksums, and cover exactly the catalog', () => {
    const loaded = loadFixtures(DEFAULT_FIXTURES_DIR);
    expect([...loaded.fixtures.keys()].sort()).toEqual(CATALOG.map((s) => s.id).sort());
    expect(loaded.manifest.oracle.torch).toBeTruthy();
  });

  describe.each(TEST_BACKENDS)('%s backend: every spec agrees with its fixtures (no Python involved)', (backend) => {
    const fixtures = new FixtureReference(loadFixtures(DEFAULT_FIXTURES_DIR));
    beforeAll(async () => {
      await useBackend(backend);
    });
    for (const spec of CATALOG) {
      test(spec.id, async () => {
        const result = await crossCheck(spec, fixtures, { prepared: fixtures.prepared(spec)! });
        expect(
          result.failures.length,
          result.failures
            .slice(0, 3)
            .map((f) => describeFailure(spec.id, f))
            .join('\n'),
        ).toBe(0);
        expect(result.cases).toBeGreaterThan(spec.edges.length);
      });
    }
  });

  test('ganref conform fails, naming the ids, when the catalog and the fixture manifest disagree', () => {
    // A spec renamed in the catalog (a typo, a mutated id): its old fixture has no spec any more
    // and the spec has no fixture. Simulated here in a copy of the fixtures: objective/hinge's
    // fixture moved to objective/no-such-spec (with its manifest entry and checksum).
    const dir = join(scratch, 'mismatch');
    cpSync(DEFAULT_FIXTURES_DIR, dir, { recursive: true });
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      files: { spec: string; path: string; sha256: string; cases: number }[];
    };
    const text = readFileSync(join(dir, 'objective/hinge.json'), 'utf8').replace(
      '"spec":"objective/hinge"',
      '"spec":"objective/no-such-spec"',
    );
    rmSync(join(dir, 'objective/hinge.json'));
    writeFileSync(join(dir, 'objective/no-such-spec.json'), text);
    const entry = manifest.files.find((f) => f.spec === 'objective/hinge')!;
    Object.assign(entry, {
      spec: 'objective/no-such-spec',
      path: 'objective/no-such-spec.json',
      sha256: createHash('sha256').update(text).digest('hex'),
    });
    writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    expect([...loadFixtures(dir).fixtures.keys()]).toContain('objective/no-such-spec');

    const cli = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [
          '--conditions=ganref-source',
          '--import',
          'tsx',
          'src/cli.ts',
          'conform',
          '--fixtures',
          dir,
          '--runs',
          '1',
          ...args,
        ],
        {
          encoding: 'utf8',
        },
      );
    for (const args of [['--spec', 'objective/*'], []]) {
      const r = cli(...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/the catalog and the fixture manifest in .*mismatch disagree/);
      expect(r.stderr).toContain('spec(s) with no fixture: objective/hinge');
      expect(r.stderr).toContain('fixture(s) with no spec in the catalog: objective/no-such-spec');
    }
    // A fixture with no spec, outside the selection, is no concern of a run over other specs.
    const other = cli('--spec', 'divergence/kl');
    expect(other.status, other.stderr).toBe(0);
  }, 300_000);

  test('fixtureMismatch: selected specs need fixtures; fixtures the globs match need specs', () => {
    const catalog = ['a/x', 'a/y', 'b/z'];
    const glob = (id: string, g: string) => (g.endsWith('*') ? id.startsWith(g.slice(0, -1)) : id === g);
    expect(fixtureMismatch(catalog, catalog, ['b/z', 'a/y', 'a/x'], undefined, glob)).toBeNull();
    expect(fixtureMismatch(['a/x', 'a/y'], catalog, ['a/x', 'b/z', 'a/old'], ['a/*'], glob)).toEqual({
      specsWithoutFixture: ['a/y'],
      fixturesWithoutSpec: ['a/old'],
    });
    expect(fixtureMismatch(['b/z'], catalog, ['a/x', 'b/z', 'a/old'], ['b/z'], glob)).toBeNull();
    expect(fixtureMismatch(['b/z'], catalog, ['b/z', 'a/old'], [], glob)).toEqual({
      specsWithoutFixture: [],
      fixturesWithoutSpec: ['a/old'],
    });
  });

  test('a flipped byte is refused, naming the file', () => {
    const dir = join(scratch, 'flipped');
    cpSync(DEFAULT_FIXTURES_DIR, dir, { recursive: true });
    const file = join(dir, 'objective', 'minimax.json');
    const bytes = readFileSync(file);
    const i = bytes.indexOf('0.5'.charCodeAt(0), 200);
    bytes[i] = bytes[i] === 0x31 ? 0x32 : 0x31;
    writeFileSync(file, bytes);
    expect(() => loadFixtures(dir)).toThrow(FixtureError);
    expect(() => loadFixtures(dir)).toThrow(/objective\/minimax\.json does not match its checksum/);
  });

  test('a missing fixture file is refused, naming it', () => {
    const dir = join(scratch, 'missing');
    cpSync(DEFAULT_FIXTURES_DIR, dir, { recursive: true });
    rmSync(join(dir, 'divergence', 'kl.json'));
    expect(() => loadFixtures(dir)).toThrow(/divergence\/kl\.json listed in the manifest is missing/);
  });

  test('a regeneration interrupted between its two renames still loads the previous set', () => {
    const dir = join(scratch, 'interrupted');
    cpSync(DEFAULT_FIXTURES_DIR, `${dir}.previous`, { recursive: true });
    expect(loadFixtures(dir).fixtures.size).toBe(CATALOG.length);
  });

  test('the packaged form (gzipped files, as the npm package ships them) loads to the same set, and is verified the same way', () => {
    const dir = join(scratch, 'packed');
    const packed = packFixtures(DEFAULT_FIXTURES_DIR, dir);
    expect(packed.files).toBe(CATALOG.length);
    expect(existsSync(join(dir, 'objective', 'minimax.json'))).toBe(false);
    const plain = loadFixtures(DEFAULT_FIXTURES_DIR);
    const gz = loadFixtures(dir);
    expect(gz.manifest).toEqual(plain.manifest);
    expect(gz.fixtures).toEqual(plain.fixtures);
    // A changed gzipped file: valid gzip of other bytes fails the checksum; broken gzip is named.
    const file = join(dir, 'objective', 'minimax.json.gz');
    const text = gunzipSync(readFileSync(file)).toString('utf8').replace('0.5', '0.6');
    writeFileSync(file, gzipSync(text));
    expect(() => loadFixtures(dir)).toThrow(/objective\/minimax\.json does not match its checksum/);
    writeFileSync(file, Buffer.from('not gzip'));
    expect(() => loadFixtures(dir)).toThrow(/minimax\.json\.gz is not valid gzip/);
    // Both forms of one file: refused rather than one silently chosen.
    packFixtures(DEFAULT_FIXTURES_DIR, dir);
    cpSync(join(DEFAULT_FIXTURES_DIR, 'divergence', 'kl.json'), join(dir, 'divergence', 'kl.json'));
    expect(() => loadFixtures(dir)).toThrow(/divergence\/kl\.json is there both plain and gzipped/);
  });

  test('NaN and infinities are stored as strings and read back', () => {
    expect([NaN, Infinity, -Infinity, 1.5].map(encodeNumber)).toEqual(['NaN', 'Infinity', '-Infinity', 1.5]);
    expect(['NaN', 'Infinity', '-Infinity', 2].map(decodeNumber)).toEqual([NaN, Infinity, -Infinity, 2]);
    const text = readFileSync(join(DEFAULT_FIXTURES_DIR, 'divergence', 'kl.json'), 'utf8');
    expect(text).toContain('"Infinity"');
  });
});

describe('regeneration from the live oracle', () => {
  let oracle: OracleClient;
  beforeAll(async () => {
    oracle = await OracleClient.spawn({ serverArgs: ['--threads', '1'] });
  });
  afterAll(async () => {
    await oracle?.close();
  });
  const specs = () => [getSpec('objective/minimax')!, getSpec('divergence/kl')!];

  test('is deterministic: two runs give byte-identical files', async () => {
    const a = join(scratch, 'regen-a');
    const b = join(scratch, 'regen-b');
    await regenerateFixtures(a, specs(), oracle, true, { cases: 6 });
    await regenerateFixtures(b, specs(), oracle, true, { cases: 6 });
    const sa = snapshot(a);
    expect(Object.keys(sa).sort()).toEqual(['/divergence/kl.json', '/manifest.json', '/objective/minimax.json']);
    expect(snapshot(b)).toEqual(sa);
  });

  test('reproduces the committed fixtures of a spec: same inputs, results within tolerance', async () => {
    // "Deterministic" promises byte-identical files on one machine (the test above) and results
    // within tolerance across machines: float32 (and float64) kernels may differ in the last
    // bits between CPUs even with the same versions, so this test asks for no more than that.
    const loaded = loadFixtures(DEFAULT_FIXTURES_DIR);
    const spec = getSpec('objective/wasserstein')!;
    const hello = await oracle.hello();
    // The committed fixtures come from the oracle `npm test` provisions (Debian's python3-torch):
    // another torch or numpy is a stale fixture set, not a reason to skip the comparison.
    expect(
      hello.versions,
      'the oracle versions differ from the committed fixtures: regenerate them with `ganref fixtures`',
    ).toEqual(loaded.manifest.oracle);
    expect(sameVersions(hello.versions, loaded.manifest.oracle)).toBe(true);
    const dir = join(scratch, 'regen-one');
    cpSync(DEFAULT_FIXTURES_DIR, dir, { recursive: true });
    await regenerateFixtures(dir, [spec], oracle, false, {
      cases: loaded.manifest.randomCases,
      seed: loaded.manifest.seed,
    });
    const committed = loaded.fixtures.get(spec.id)!;
    const again = loadFixtures(dir).fixtures.get(spec.id)!;
    expect(again.cases.map((c) => [c.label, c.params, c.wrt, c.inputs, c.directions])).toEqual(
      committed.cases.map((c) => [c.label, c.params, c.wrt, c.inputs, c.directions]),
    );
    const f32 = tolerancesFor(spec);
    for (const [i, c] of again.cases.entries()) {
      for (const compute of ['float64', 'float32'] as const) {
        for (const [name, a] of Object.entries(c.results[compute])) {
          const e = committed.cases[i]!.results[compute][name]!;
          const kind = name.startsWith('grad:') ? 'grad' : name.startsWith('hvp:') ? 'hvp' : 'value';
          const tol = compute === 'float64' ? FLOAT64_TOLERANCES[kind] : f32[kind];
          const cmp = compareArrays(
            `${c.label} ${name} (${compute})`,
            a.data.map(decodeNumber),
            a.shape,
            e.data.map(decodeNumber),
            e.shape,
            undefined,
            tol,
          );
          expect(cmp.ratio, cmp.key).toBeLessThanOrEqual(1);
        }
      }
      // The rounding spreads: differences of float64 results ~2⁻²⁴ apart, whose own float64
      // rounding (another BLAS, say) is a relative 1e-9 of them, far inside 1e-3.
      for (const [name, a] of Object.entries(c.results.spread32)) {
        const e = committed.cases[i]!.results.spread32[name]!.data.map(decodeNumber);
        const cmp = compareArrays(
          `${c.label} ${name} (spread32)`,
          a.data.map(decodeNumber),
          a.shape,
          e,
          a.shape,
          undefined,
          {
            rtol: 1e-3,
            atol: 1e-30,
          },
        );
        expect(cmp.ratio, cmp.key).toBeLessThanOrEqual(1);
      }
    }
  });

  test('--spec regenerates one spec right after a full regeneration (versions compared whatever their key order)', async () => {
    const dir = join(scratch, 'regen-then-one');
    await regenerateFixtures(dir, specs(), oracle, true, { cases: 3 });
    const full = snapshot(dir);
    await regenerateFixtures(dir, [getSpec('divergence/kl')!], oracle, false, { cases: 3 });
    expect(snapshot(dir)).toEqual(full);
    // Another seed or case count is still refused, naming what differs.
    await expect(regenerateFixtures(dir, [getSpec('divergence/kl')!], oracle, false, { cases: 4 })).rejects.toThrow(
      /3 random cases \(now 4\)/,
    );
    expect(snapshot(dir)).toEqual(full);
  });

  test('sameVersions ignores key order and nothing else', () => {
    expect(sameVersions({ torch: '1', numpy: '2' }, { numpy: '2', torch: '1' })).toBe(true);
    expect(sameVersions({ torch: '1', numpy: '2' }, { numpy: '2', torch: '1.1' })).toBe(false);
    expect(sameVersions({ torch: '1' }, { torch: '1', numpy: '2' })).toBe(false);
    expect(sameVersions({ torch: '1', numpy: '2' }, { torch: '1', python: '2' })).toBe(false);
  });

  test('refuses to write when the oracle is unreachable, leaving the old fixtures whole', async () => {
    const dir = join(scratch, 'unreachable');
    cpSync(DEFAULT_FIXTURES_DIR, dir, { recursive: true });
    const before = snapshot(dir);
    const dead = await OracleClient.connect('tcp://127.0.0.1:9', { timeoutMs: 300, retries: 0 });
    try {
      await expect(regenerateFixtures(dir, specs(), dead, true, { cases: 2 })).rejects.toThrow();
    } finally {
      await dead.close();
    }
    expect(snapshot(dir)).toEqual(before);
    expect(existsSync(`${dir}.previous`)).toBe(false);
  });

  test('refuses to write when the oracle errs part-way, leaving the old fixtures whole', async () => {
    const dir = join(scratch, 'errs');
    cpSync(DEFAULT_FIXTURES_DIR, dir, { recursive: true });
    const before = snapshot(dir);
    const bogus = {
      ...getSpec('objective/minimax')!,
      edges: [
        {
          inputs: { logitsReal: { shape: [1], data: [0] } },
          params: { reduction: 'avg' },
          grads: false,
          label: 'bad params',
        },
      ],
    };
    await expect(
      regenerateFixtures(dir, [getSpec('divergence/kl')!, bogus], oracle, true, { cases: 1 }),
    ).rejects.toThrow(/BAD_PARAMS|reduction/);
    expect(snapshot(dir)).toEqual(before);
  });

  test('--target: the running oracle passes conformance against the fixtures', async () => {
    const fixtures = new FixtureReference(loadFixtures(DEFAULT_FIXTURES_DIR));
    const target = await OracleClient.connect(oracle.endpoint);
    try {
      const results = await checkTarget([...CATALOG], target, fixtures);
      for (const r of results) {
        expect(r.implemented, r.spec).toBe(true);
        expect(r.error, r.spec).toBeUndefined();
        expect(r.crossCheck!.failures.map((f) => describeFailure(r.spec, f, 'target')).join('\n')).toBe('');
      }
    } finally {
      await target.close();
    }
  });
});

describe('the HTML report', () => {
  test('renders in headless Chromium with the table and the chart', async () => {
    await useBackend('cpu');
    const fixtures = new FixtureReference(loadFixtures(DEFAULT_FIXTURES_DIR));
    const specs = selectSpecs('objective/*');
    const rows = await conform(specs, {
      backends: ['cpu'],
      reference: fixtures,
      preparedFor: (s) => fixtures.prepared(s),
      numRuns: 5,
    });
    const file = join(scratch, 'report.html');
    writeFileSync(
      file,
      renderHtml(rows, { title: 'ganref conformance report', reference: 'fixtures', backends: ['cpu'] }),
    );
    const chromium = findChromium();
    expect(
      chromium,
      'no Chromium: npm test installs one with apt as root (npm run browser:provision), or set GANREF_CHROMIUM',
    ).toBeTruthy();
    const dom = dumpDom(chromium!, `file://${file}`);
    expect(dom).toMatch(/<table id="report">/);
    for (const s of specs) expect(dom).toContain(`<code>${s.id}</code>`);
    expect((dom.match(/<tr class="pass">/g) ?? []).length).toBe(specs.length);
    expect(dom).toMatch(/<svg id="chart"[\s\S]*<rect /);
    expect(dom).toContain(`${specs.length} passed, 0 failed`);
  });
});

test('serializeFixture is canonical: key order in the input does not matter', () => {
  const f = loadFixtures(DEFAULT_FIXTURES_DIR).fixtures.get('objective/wasserstein')!;
  const shuffled = { ...f, cases: f.cases.map((c) => Object.fromEntries(Object.entries(c).reverse()) as typeof c) };
  expect(serializeFixture(shuffled)).toBe(serializeFixture(f));
});
