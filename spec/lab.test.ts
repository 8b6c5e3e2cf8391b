/**
 * The lab (`ganref lab`, src/lab): the seeds' claims as experiments, asserted qualitatively on
 * fixed seeds with small budgets (never timings), its plots as SVG, and its place outside the
 * library entry. One backend (wasm, the lab's default): the claims are the same on cpu.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { useBackend } from 'ganref/backends';
import { diracExperiment, DIRAC_METHODS, trajectoryVerdict, type DiracResult } from '../src/lab/dirac.js';
import { runLabCommand } from '../src/lab/cli.js';
import { EXPERIMENTS, MissingPlotLibraryError, renderSvg, runExperiment } from '../src/lab/index.js';
import { lossesExperiment, pearson, type LossesResult } from '../src/lab/losses.js';
import { mixturesExperiment, type MixturesResult } from '../src/lab/mixtures.js';
import { saturationExperiment } from '../src/lab/saturation.js';
import { XY_CLAIMS, xyExperiment, type XyResult } from '../src/lab/xy.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'ganref-lab-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  expect(await useBackend('wasm')).toBe('wasm');
});

/** A rough well-formedness check of an SVG document, and how many marks of each vega class it holds. */
function svgMarks(svg: string): Record<string, number> {
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect(svg.match(/<g\b/g)?.length).toBe(svg.match(/<\/g>/g)?.length);
  const marks: Record<string, number> = {};
  for (const m of svg.matchAll(/class="mark-(\w+) role-mark/g)) marks[m[1]!] = (marks[m[1]!] ?? 0) + 1;
  return marks;
}

describe('dirac: the convergence table of Mescheder, Geiger & Nowozin 2018', () => {
  let result: DiracResult;
  let svgs: Record<string, string>;
  beforeAll(async () => {
    const out = await runExperiment(diracExperiment, join(work, 'dirac'), { seeds: 1, steps: 150 });
    result = out.result as DiracResult;
    svgs = out.svgs;
  }, 120_000);

  test('every method: the eigenvalue verdict equals the trajectory verdicts (simultaneous and alternating)', () => {
    expect(result.rows.map((r) => r.id)).toEqual(DIRAC_METHODS.map((m) => m.id));
    for (const r of result.rows) {
      expect(r.simultaneousVerdict, r.id).toBe(r.eigenVerdict);
      if (r.id !== 'unrolled') expect(r.alternatingVerdict, r.id).toBe(r.eigenVerdict);
      expect(r.agree, r.id).toBe(true);
    }
  });

  test("the verdicts are the paper's: unregularized GAN, WGAN, WGAN-GP do not converge; consensus, instance noise, R1, R2 do", () => {
    const verdict = Object.fromEntries(result.rows.map((r) => [r.id, r.eigenVerdict]));
    for (const id of ['gan', 'ns-gan', 'wgan', 'wgan-gp']) expect(verdict[id], id).toBe('does not converge');
    for (const id of ['consensus', 'instance-noise', 'r1', 'r2']) expect(verdict[id], id).toBe('converges');
    for (const r of result.rows) if (r.paper) expect(r.eigenVerdict, r.id).toBe(r.paper);
    // Not in the paper's list; what the closed forms say: f″(0) = 0 makes instance noise useless for WGAN.
    expect(verdict['wgan-instance-noise']).toBe('does not converge');
    expect(verdict['unrolled']).toBe('converges');
  });

  test('the eigenvalues are the closed forms (§2.2, §3, §4 of the paper)', () => {
    const eig = Object.fromEntries(result.rows.map((r) => [r.id, r.eigenvalues]));
    const close = (id: string, want: [number, number][]) => {
      for (const [k, [re, im]] of want.entries()) {
        expect(eig[id]![k]![0], id).toBeCloseTo(re, 3);
        expect(eig[id]![k]![1], id).toBeCloseTo(im, 3);
      }
    };
    close('gan', [
      [0, 0.5],
      [0, -0.5],
    ]);
    close('wgan', [
      [0, 1],
      [0, -1],
    ]);
    close('consensus', [
      [-0.25, 0.5],
      [-0.25, -0.5],
    ]); // −γf′² ± i f′
    close('instance-noise', [
      [-0.25, Math.sqrt(3) / 4],
      [-0.25, -Math.sqrt(3) / 4],
    ]); // f″σ² ± √(f″²σ⁴ − f′²)
    close('r1', [
      [-0.5, 0],
      [-0.5, 0],
    ]); // −γ/2 ± √(γ²/4 − f′²)
    close('wgan-r1', [
      [-0.5, Math.sqrt(3) / 2],
      [-0.5, -Math.sqrt(3) / 2],
    ]);
  });

  test('a slow, sublinear creep inwards is no convergence; a linear rate is', () => {
    expect(trajectoryVerdict(0.3, 0.71)).toBe('does not converge');
    expect(trajectoryVerdict(0.005, 0.71)).toBe('does not converge');
    expect(trajectoryVerdict(0.005, 0.05)).toBe('converges');
    expect(trajectoryVerdict(1e-12, 1)).toBe('converges');
  });

  test('plots: trajectories (a line per method and rule) and eigenvalues (points) as SVG', () => {
    const t = svgMarks(svgs['dirac-trajectories']!);
    // A line per method and update rule (unrolled has one rule, the others two).
    expect(t.line).toBe(DIRAC_METHODS.reduce((n, m) => n + (m.unroll ? 1 : 2), 0));
    for (const m of DIRAC_METHODS) expect(svgs['dirac-trajectories']).toContain(m.label.replace(/&/g, '&amp;'));
    const e = svgMarks(svgs['dirac-eigenvalues']!);
    expect(e.symbol).toBe(DIRAC_METHODS.length);
    expect(e.rule).toBe(DIRAC_METHODS.length);
    expect(existsSync(join(work, 'dirac', 'result.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(work, 'dirac', 'result.json'), 'utf8')).rows).toHaveLength(
      DIRAC_METHODS.length,
    );
  });
});

describe('xy: the bilinear game', () => {
  let result: XyResult;
  let svgs: Record<string, string>;
  beforeAll(async () => {
    const out = await runExperiment(xyExperiment, join(work, 'xy'), { seeds: 1, steps: 300 });
    result = out.result as XyResult;
    svgs = out.svgs;
  }, 120_000);

  test('simultaneous GD diverges, alternating stays bounded, consensus, extragradient, optimistic and unrolled converge', () => {
    const behaviour = Object.fromEntries(result.rows.map((r) => [r.rule, r.behaviour]));
    expect(behaviour).toEqual(XY_CLAIMS);
    expect(behaviour.simultaneous).toBe('diverges');
    expect(behaviour.alternating).toBe('bounded');
    for (const rule of ['consensus', 'extragradient', 'optimistic']) expect(behaviour[rule], rule).toBe('converges');
  });

  test('simultaneous GD grows ‖(x, y)‖ by √(1 + η²) per step; alternating GD keeps x² + y² + ηxy', () => {
    const sim = result.rows.find((r) => r.rule === 'simultaneous')!;
    expect(Math.abs(sim.growthPerStep / result.simultaneousGrowth - 1)).toBeLessThan(1e-5);
    expect(result.alternatingInvariantDrift).toBeLessThan(1e-4);
    expect(result.rows.find((r) => r.rule === 'alternating')!.maxRatio).toBeLessThan(1.2);
  });

  test('plots: a trajectory per rule and the norms on a log scale', () => {
    const t = svgMarks(svgs['xy-trajectories']!);
    expect(t.line).toBe(6);
    const n = svgMarks(svgs['xy-norms']!);
    expect(n.line).toBe(6);
    for (const rule of Object.keys(XY_CLAIMS)) expect(svgs['xy-norms']).toContain(rule);
  });
});

test('saturation: as D improves, the minimax generator gradient falls far below the non-saturating one', async () => {
  const { result } = await saturationExperiment.run({ seeds: 1, steps: 150 });
  expect(result.sameDiscriminator).toBe(true);
  // At the start D is undecided (D(G(z)) near ½) and both gradients are of a size…
  expect(result.initialRatio[0]).toBeGreaterThan(0.2);
  expect(result.initialRatio[0]).toBeLessThan(5);
  // …then D wins, D(G(z)) → 0, and the minimax gradient vanishes while the non-saturating one stays.
  expect(result.checkpoints.at(-1)!.meanDFake).toBeLessThan(0.05);
  expect(result.finalRatio[0]).toBeLessThan(0.05);
  expect(result.checkpoints.at(-1)!.nonSaturating).toBeGreaterThan(0.1 * result.checkpoints[0]!.nonSaturating);
}, 60_000);

test('mixtures at a tiny budget: a well-formed table for both mixtures, every method and seed; samples plotted over the modes', async () => {
  const out = await runExperiment(mixturesExperiment, join(work, 'mixtures'), { seeds: 2, steps: 3 });
  const result = out.result as MixturesResult;
  expect(result.datasets.map((d) => [d.id, d.modes])).toEqual([
    ['ring', 8],
    ['grid', 25],
  ]);
  for (const d of result.datasets) {
    expect(d.rows.map((r) => r.method)).toEqual(['ns-gan', 'unrolled', 'wgan-gp']);
    for (const r of d.rows) {
      expect(r.perSeed.map((s) => s.seed)).toEqual([1, 2]);
      for (const s of r.perSeed) {
        expect(Number.isInteger(s.modes) && s.modes >= 0 && s.modes <= d.modes).toBe(true);
        expect(s.highQuality).toBeGreaterThanOrEqual(0);
        expect(s.highQuality).toBeLessThanOrEqual(1);
      }
      expect(r.modes.std).toBeGreaterThanOrEqual(0);
    }
    const svg = out.svgs[`mixtures-${d.id}`]!;
    // Per method, a layer of samples and a layer of the true modes.
    expect(svgMarks(svg).symbol).toBe(6);
    expect(svg.match(/stroke="#e45756"/g)?.length).toBe(3 * d.modes);
    // 1000 samples per method, some of them outside the plotted square (clipped, still drawn).
    expect(svg.match(/fill="#4c78a8"/g)?.length).toBe(3 * 1000);
  }
}, 60_000);

test('losses at a tiny budget: the log, coverage checks, their correlation, and both panels plotted', async () => {
  const out = await runExperiment(lossesExperiment, join(work, 'losses'), { seeds: 1, steps: 30 });
  const r = out.result as LossesResult;
  expect(r.losses.map((l) => l.step)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  expect(r.coverage.map((c) => c.step)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  expect(Math.abs(r.correlation[0]!.generatorLossVsModes)).toBeLessThanOrEqual(1);
  const marks = svgMarks(out.svgs.losses!);
  expect(marks.line).toBe(3); // two losses, one coverage line
  expect(marks.rule).toBe(1); // the equilibrium value 2 ln 2
  expect(pearson([1, 2, 3], [2, 4, 7])).toBeGreaterThan(0.98);
  expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
  expect(pearson([1, 2, 3], [5, 5, 5])).toBe(0);
}, 60_000);

test('renderSvg draws a vega-lite spec; a missing plot library is named with its install command', async () => {
  const svg = await renderSvg({
    data: {
      values: [
        { a: 1, b: 1 },
        { a: 2, b: 10 },
      ],
    },
    mark: 'line',
    encoding: {
      x: { field: 'a', type: 'quantitative' },
      y: { field: 'b', type: 'quantitative', scale: { type: 'log' } },
    },
  });
  expect(svgMarks(svg)).toEqual({ line: 1 });
  const e = new MissingPlotLibraryError(['vega-lite']);
  expect(e.message).toContain('npm install --save-dev vega-lite');
  expect(e.spec).toBe('ganref lab');
});

test('the lab is not in the library entry: nothing that src/index.ts imports reaches src/lab or vega', () => {
  const seen = new Set<string>();
  const specifiers = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g)) {
      const spec = m[1] ?? m[2]!;
      if (!spec.startsWith('.')) {
        specifiers.add(spec);
        continue;
      }
      visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
    }
  };
  visit(join(ROOT, 'src', 'index.ts'));
  expect(seen.size).toBeGreaterThan(50);
  expect([...seen].filter((f) => f.includes(`${join('src', 'lab')}`))).toEqual([]);
  expect([...specifiers].filter((s) => s.startsWith('vega'))).toEqual([]);
  // …and the walk does find the lab where it is: from the command line.
  expect(readFileSync(join(ROOT, 'src', 'cli.ts'), 'utf8')).toContain("import('./lab/cli.js')");
});

test('ganref lab: --list names every experiment; a run writes result.json and plots, progress as plain lines off a TTY', async () => {
  const run = promisify(execFile);
  const bin = ['--conditions=ganref-source', '--import', 'tsx', join(ROOT, 'src', 'bin.ts'), 'lab'];
  const out = join(work, 'cli-xy');
  const r = await run(process.execPath, [...bin, 'xy', '--seeds', '1', '--steps', '30', '--out', out], { cwd: ROOT });
  expect(r.stdout.trim().split('\n')).toEqual([
    join(out, 'result.json'),
    join(out, 'xy-trajectories.svg'),
    join(out, 'xy-norms.svg'),
  ]);
  expect(r.stderr).toMatch(/\[100%\] 6\/6 plots/);
  expect(r.stderr).not.toContain('\r');
  // The listing and an unknown experiment, in this process (a child each would only cost time).
  const written: string[] = [];
  const capture = (chunk: unknown) => (written.push(String(chunk)), true);
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const progress = { update: () => {}, end: () => {} };
  try {
    expect(await runLabCommand(['--list'], progress)).toBe(0);
    expect(await runLabCommand(['no-such-experiment'], progress)).toBe(2);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  for (const e of EXPERIMENTS) expect(written.join('')).toContain(`${e.name} `);
  expect(written.join('')).toContain("unknown experiment 'no-such-experiment'");
  const json = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as XyResult & { command: string };
  expect(json.command).toBe(`ganref lab xy --seeds 1 --steps 30 --out ${out}`);
  expect(json.steps).toBe(30);
}, 60_000);
