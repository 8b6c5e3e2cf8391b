/**
 * Reliability (issue 15), each hole reproduced: a fixture loader that accepted what its manifest
 * did not vouch for, a fixture write that could delete the only good copy, a hung oracle that was
 * asked again instead of replaced, a failed respawn reported as FAIL, and a run that waited on an
 * unreachable reference for every spec. (Kills at each step of a fixture write, and at random
 * moments, are in spec/chaos.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { getSpec, selectSpecs } from '../src/catalog/index.js';
import { verdict } from '../src/conformance/report.js';
import { ConformAbortedError, conform } from '../src/conformance/run.js';
import { serializeFixture } from '../src/fixtures/format.js';
import {
  DEFAULT_FIXTURES_DIR,
  FixtureError,
  loadFixtures,
  recoverFixtureSet,
  sha256,
  writeFixtureSet,
} from '../src/fixtures/store.js';
import { OracleClient } from '../src/oracle/client.js';
import { ORACLE_DIR, PROJECT_ROOT } from '../src/oracle/python.js';
import { fixtureSet } from '../scripts/chaos/fixture-writer.js';

const scratch = mkdtempSync(join(tmpdir(), 'ganref-reliability-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let n = 0;
function copyOfFixtures(): string {
  const dir = join(scratch, `f${n++}`, 'fixtures');
  cpSync(DEFAULT_FIXTURES_DIR, dir, { recursive: true });
  return dir;
}

function editManifest(
  dir: string,
  change: (m: { protocol: unknown; files: { path: string; sha256: string }[] }) => void,
): void {
  const path = join(dir, 'manifest.json');
  const m = JSON.parse(readFileSync(path, 'utf8'));
  change(m);
  writeFileSync(path, JSON.stringify(m));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the fixture loader refuses what the manifest does not vouch for', () => {
  test('a file the manifest does not list', () => {
    const dir = copyOfFixtures();
    writeFileSync(join(dir, 'objective', 'extra.json'), '{}');
    expect(() => loadFixtures(dir)).toThrow(FixtureError);
    expect(() => loadFixtures(dir)).toThrow(/objective\/extra\.json, which the manifest does not list/);
  });

  test('a manifest of a protocol it does not speak', () => {
    const dir = copyOfFixtures();
    editManifest(dir, (m) => (m.protocol = 2));
    expect(() => loadFixtures(dir)).toThrow(/records oracle protocol 2; this ganref speaks protocol 1/);
  });

  test('a path outside the folder, even with the right checksum', () => {
    const dir = copyOfFixtures();
    cpSync(join(dir, 'objective', 'minimax.json'), join(dir, '..', 'outside.json'));
    rmSync(join(dir, 'objective', 'minimax.json'));
    editManifest(dir, (m) => {
      for (const f of m.files) if (f.path === 'objective/minimax.json') f.path = '../outside.json';
    });
    expect(() => loadFixtures(dir)).toThrow(
      /lists "\.\.\/outside\.json" for objective\/minimax; its fixture must be objective\/minimax\.json, inside the folder/,
    );
  });

  test('a case without results is named with its file, not a TypeError', () => {
    const dir = copyOfFixtures();
    const f = loadFixtures(DEFAULT_FIXTURES_DIR).fixtures.get('objective/wasserstein')!;
    const text = serializeFixture({
      ...f,
      cases: f.cases.map((c, i) => (i === 2 ? ({ ...c, results: undefined } as unknown as typeof c) : c)),
    });
    writeFileSync(join(dir, 'objective', 'wasserstein.json'), text);
    editManifest(dir, (m) => {
      for (const e of m.files) if (e.path === 'objective/wasserstein.json') e.sha256 = sha256(text);
    });
    expect(() => loadFixtures(dir)).toThrow(FixtureError);
    expect(() => loadFixtures(dir)).toThrow(/objective\/wasserstein\.json: case 2 \(.*\) has no results/);
  });

  test("'only' reads just the fixtures it accepts, and the manifest and listing are still checked whole", () => {
    const dir = copyOfFixtures();
    // A corrupted fixture of a spec not asked for is not read…
    writeFileSync(join(dir, 'objective', 'wasserstein.json'), '{');
    const only = loadFixtures(dir, { only: (id) => id === 'objective/hinge' });
    expect([...only.fixtures.keys()]).toEqual(['objective/hinge']);
    expect(only.fixtures.get('objective/hinge')!.cases.length).toBeGreaterThan(0);
    // …nor is it accepted when asked for, and a file the manifest does not list is refused either way.
    expect(() => loadFixtures(dir, { only: (id) => id === 'objective/wasserstein' })).toThrow(/checksum/);
    writeFileSync(join(dir, 'objective', 'extra.json'), '{}');
    expect(() => loadFixtures(dir, { only: (id) => id === 'objective/hinge' })).toThrow(/does not list/);
  });
});

describe('fixture writes never delete the only good copy', () => {
  test('a set left only in dir.previous (interrupted between the renames) survives the next write', () => {
    // The old writer deleted dir.previous first whenever dir was missing: an interruption after
    // that left no fixtures at all.
    const root = join(scratch, 'only-previous');
    mkdirSync(root, { recursive: true });
    const dir = join(root, 'fixtures');
    cpSync(DEFAULT_FIXTURES_DIR, `${dir}.previous`, { recursive: true });
    const { files, manifest } = fixtureSet(7);
    let sawPrevious = false;
    writeFixtureSet(dir, files, manifest, {
      onStep: (step) => {
        // At the first step the old set must already be back in place, whole.
        if (step === 'staged') sawPrevious = loadFixtures(dir).dir === dir;
      },
    });
    expect(sawPrevious).toBe(true);
    expect(loadFixtures(dir).manifest.seed).toBe(manifest.seed);
    expect(readdirSync(root)).toEqual(['fixtures']);
  });

  test('recovery removes staging folders of dead writers and keeps a live one', () => {
    const root = join(scratch, 'stale');
    const dir = join(root, 'fixtures');
    cpSync(DEFAULT_FIXTURES_DIR, dir, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    mkdirSync(`${dir}.staging-${dead.stdout}-abcd`, { recursive: true });
    mkdirSync(`${dir}.staging-${process.ppid}-live`, { recursive: true });
    cpSync(DEFAULT_FIXTURES_DIR, `${dir}.previous`, { recursive: true });
    recoverFixtureSet(dir);
    expect(readdirSync(root).sort()).toEqual(['fixtures', `fixtures.staging-${process.ppid}-live`]);
  });

  test('a failure (not a kill) before the swap leaves the old set and no staging folder', () => {
    const root = join(scratch, 'throws');
    const dir = join(root, 'fixtures');
    cpSync(DEFAULT_FIXTURES_DIR, dir, { recursive: true });
    const { files, manifest } = fixtureSet(3);
    const old = loadFixtures(dir).manifest.seed;
    expect(() =>
      writeFixtureSet(dir, files, manifest, {
        onStep: (step) => {
          if (step === 'aside') throw new Error('disk full');
        },
      }),
    ).toThrow('disk full');
    expect(loadFixtures(dir).manifest.seed).toBe(old);
    expect(readdirSync(root)).toEqual(['fixtures']);
  });
});

describe('a hung or dead oracle', () => {
  test('a hung server the client started is replaced after the timeout, and the request answered', async () => {
    const client = await OracleClient.spawn({ serverArgs: ['--threads', '1'], timeoutMs: 3000, retries: 1 });
    try {
      await client.hello();
      const hung = client.pid!;
      process.kill(hung, 'SIGSTOP');
      const r = await client.eval({
        spec: 'divergence/kl',
        tensors: { p: new Float64Array([0.5, 0.5]), q: new Float64Array([0.5, 0.5]) },
        compute: ['float64'],
      });
      expect(r.scalar('value')).toBe(0);
      expect(client.pid).not.toBe(hung);
      expect(client.replaced).toBe(1);
      expect(alive(hung)).toBe(false);
    } finally {
      await client.close();
    }
  });

  test('a server that cannot be restarted gives the spec ERROR, not FAIL', async () => {
    // A private copy of the oracle package, removed once the first server runs: the restart
    // after a kill cannot import it.
    const dir = join(scratch, 'oracle-copy');
    cpSync(join(ORACLE_DIR, 'ganref_oracle'), join(dir, 'ganref_oracle'), { recursive: true });
    const client = await OracleClient.spawn({
      serverArgs: ['--threads', '1'],
      oracleDir: dir,
      timeoutMs: 5000,
      retries: 1,
      startupTimeoutMs: 60_000,
    });
    try {
      await client.hello();
      rmSync(join(dir, 'ganref_oracle'), { recursive: true, force: true });
      process.kill(client.pid!, 'SIGKILL');
      const rows = await conform([getSpec('objective/wasserstein')!], {
        backends: ['cpu'],
        reference: client,
        numRuns: 1,
        cases: 1,
      });
      expect(rows[0]!.error).toMatch(/could not be restarted \(2 tries\)/);
      expect(verdict(rows[0]!)).toBe('ERROR');
    } finally {
      await client.close();
    }
  });

  test('a run whose reference does not answer stops after 3 specs, each an ERROR', async () => {
    const dead = await OracleClient.connect('tcp://127.0.0.1:9', { timeoutMs: 200, retries: 0 });
    try {
      const specs = selectSpecs('objective/*').slice(0, 6);
      const run = conform(specs, { backends: ['cpu'], reference: dead, numRuns: 1, cases: 1 });
      await expect(run).rejects.toThrow(ConformAbortedError);
      const err = (await run.catch((e: unknown) => e)) as ConformAbortedError;
      expect(err.message).toMatch(/could not be reached for 3 specs in a row/);
      expect(err.rows.map(verdict)).toEqual(['ERROR', 'ERROR', 'ERROR']);
    } finally {
      await dead.close();
    }
  });

  test('ganref conform --timeout: an unreachable endpoint ends the run with a clear message', () => {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(PROJECT_ROOT, 'src', 'cli.ts'),
        'conform',
        '--spec',
        'objective/*',
        '--reference',
        'tcp://127.0.0.1:9',
        '--timeout',
        '0.2',
        '--runs',
        '1',
      ],
      {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        timeout: 170_000,
      },
    );
    // Each attempt waits 0.2 s, not the default 60 s; the run ends at the first request.
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/no reply to hello from tcp:\/\/127\.0\.0\.1:9 \(3 attempt\(s\) of 200 ms\)/);
  });
});
