import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize, resolve, sep } from 'node:path';
import { GPU_LOST, type GpuBackendName, type GpuInfo } from '../backends/gpu.js';
import type { SpecReport } from '../conformance/run.js';
import { CATALOG } from '../catalog/index.js';
import type { PageRequest } from './page.js';
import { pageBundle } from './bundle.js';
import { findChromium } from './chromium.js';
import { readFixtureBytes } from '../fixtures/store.js';

/**
 * The Node side of `ganref conform --backend webgl|webgpu`: serves the page bundle and the fixture
 * folder on a loopback HTTP server, drives headless Chromium through playwright-core (a dev
 * dependency, with `executablePath` set to the Chromium found by `findChromium`), and streams the
 * page's rows back. Chromium runs with a software GPU when there is no real one: WebGL2 through
 * ANGLE on SwiftShader, WebGPU on SwiftShader's Vulkan.
 */

/** Chromium's flags: WebGPU enabled, and SwiftShader where no GPU driver is usable. */
export function chromiumArgs(backend: GpuBackendName): string[] {
  const common = [
    '--no-sandbox',
    '--disable-dev-shm-usage',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
  ];
  if (backend === 'webgl')
    return [...common, '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'];
  // Not --disable-vulkan-surface: TF.js's synchronous read (dataSync) copies through a WebGPU
  // canvas, which reads back zeros with that flag (measured with Chromium 156 on SwiftShader).
  return [
    ...common,
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan,WebGPU',
    '--use-vulkan=swiftshader',
    '--use-webgpu-adapter=swiftshader',
    '--use-angle=swiftshader',
    '--enable-unsafe-swiftshader',
    '--ignore-gpu-blocklist',
  ];
}

export interface BrowserConformOptions {
  backend: GpuBackendName;
  /** The catalog ids to check (all when absent). */
  specs?: string[];
  numRuns?: number;
  maxRuns?: number;
  seed?: number;
  fixturesDir: string;
  /** Build the page from src/ even when dist/browser/conform-page.js exists (tests do). */
  freshBundle?: boolean;
  cpuForward?: boolean;
  onProgress?: (what: string) => void;
  onRow?: (row: SpecReport) => void;
  /** Page console lines (warnings and errors), for diagnosis. */
  onConsole?: (line: string) => void;
}

export interface BrowserConformResult {
  info: GpuInfo;
  browser: string;
  rows: SpecReport[];
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.html': 'text/html',
  '.wasm': 'application/wasm',
};

function serve(bundle: string, fixturesDir: string): Promise<Server> {
  const root = resolve(fixturesDir);
  const page =
    '<!doctype html><meta charset="utf-8"><title>ganref conformance</title><script type="module" src="/page.js"></script>';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let file: string | undefined;
    let body: string | Buffer | undefined;
    if (url.pathname === '/') body = page;
    else if (url.pathname === '/favicon.ico') body = '';
    else if (url.pathname === '/page.js') file = bundle;
    else if (url.pathname.startsWith('/fixtures/')) {
      const p = normalize(join(root, decodeURIComponent(url.pathname.slice('/fixtures/'.length))));
      // The packaged fixtures are gzipped (dist/golden): served as the plain bytes they check to.
      if (p.startsWith(root + sep)) {
        try {
          body = readFixtureBytes(p);
        } catch (err) {
          res.writeHead(500, { 'content-type': 'text/plain' }).end((err as Error).message);
          return;
        }
      }
    }
    if (file) body = readFileSync(file);
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    const ext = url.pathname === '/' ? '.html' : url.pathname.slice(url.pathname.lastIndexOf('.'));
    res
      .writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-store' })
      .end(body);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok(server));
  });
}

/** Runs `ganref conform` for one GPU backend inside headless Chromium. */
export async function conformInBrowser(options: BrowserConformOptions): Promise<BrowserConformResult> {
  const found = findChromium();
  const executablePath =
    found && !found.includes('/')
      ? (process.env.PATH ?? '')
          .split(':')
          .map((d) => join(d, found))
          .find((p) => existsSync(p))
      : found;
  if (!executablePath)
    throw new Error(
      'no Chromium found for the GPU backends: install one (Debian: apt-get install chromium, or npm run browser:provision) or set GANREF_CHROMIUM',
    );
  let playwright: typeof import('playwright-core');
  try {
    playwright = await import('playwright-core');
  } catch {
    throw new Error(
      "the GPU backends run in Chromium through the package 'playwright-core' (a dev dependency of ganref): npm install playwright-core",
    );
  }
  const tmp = mkdtempSync(join(tmpdir(), 'ganref-browser-'));
  let server: Server;
  try {
    server = await serve(await pageBundle(tmp, { fresh: options.freshBundle }), options.fixturesDir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true }); // a failed page build leaves no temp folder
    throw err;
  }
  try {
    // A lost GPU device (seen with WebGPU on SwiftShader) ends a browser session: the specs left,
    // the one that was running included, go to a fresh browser, at most MAX_RESTARTS times.
    const all = options.specs ?? CATALOG.map((s) => s.id);
    const rows: SpecReport[] = [];
    let info: GpuInfo | undefined;
    let version = '';
    const lostDuring = new Map<string, number>();
    for (let restart = 0; ; restart++) {
      const left = all.filter((id) => !rows.some((r) => r.spec === id));
      if (left.length === 0) break;
      try {
        const got = await session(playwright, executablePath, server, { ...options, specs: left }, (row) =>
          rows.push(row),
        );
        info = got.info;
        version = got.browser;
        break;
      } catch (err) {
        const message = (err as Error).message;
        if (!message.includes(GPU_LOST) || restart >= MAX_RESTARTS) throw err;
        // SwiftShader's WebGPU loses its device now and then (every fresh run of npm test so far lost
        // it once, always in the same spec, and the retry passed). A spec is retried in a fresh
        // browser; the third loss during the same spec fails it (with the reason).
        const during = /during (\S+) \(/.exec(message)?.[1];
        const losses = during ? (lostDuring.get(during) ?? 0) + 1 : 0;
        if (during && losses >= MAX_LOSSES_PER_SPEC) {
          const row: SpecReport = {
            spec: during,
            backend: options.backend,
            invariants: [],
            errors: [],
            leaked: 0,
            pass: false,
            problems: [`${message} (${losses} times: not retried)`],
            seconds: 0,
          };
          rows.push(row);
          options.onRow?.(row);
        }
        if (during) lostDuring.set(during, losses);
        process.stderr.write(
          `ganref: ${options.backend}: ${(err as Error).message}; restarting Chromium for the ${all.length - rows.length} spec(s) left\n`,
        );
      }
    }
    return { info: info!, browser: version, rows };
  } finally {
    await new Promise<void>((ok) => server.close(() => ok()));
    rmSync(tmp, { recursive: true, force: true });
  }
}

const MAX_RESTARTS = 6;
const MAX_LOSSES_PER_SPEC = 3;

async function session(
  playwright: typeof import('playwright-core'),
  executablePath: string,
  server: Server,
  options: BrowserConformOptions,
  push: (row: SpecReport) => void,
): Promise<{ info: GpuInfo; browser: string }> {
  const browser = await playwright.chromium.launch({
    executablePath,
    headless: true,
    args: chromiumArgs(options.backend),
  });
  try {
    const page = await browser.newPage();
    const rows: SpecReport[] = [];
    let pageError: Error | undefined;
    page.on('pageerror', (err) => (pageError ??= err));
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') options.onConsole?.(`${msg.type()}: ${msg.text()}`);
    });
    await page.exposeFunction('ganrefProgress', (_done: number, _total: number, what: string) =>
      options.onProgress?.(what),
    );
    await page.exposeFunction('ganrefRow', (row: SpecReport) => {
      rows.push(row);
      push(row);
      options.onRow?.(row);
    });
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`);
    const loaded = page.waitForFunction(
      () => (window as unknown as { ganrefReady?: boolean }).ganrefReady === true || undefined,
      undefined,
      { timeout: 120_000 },
    );
    const failed = new Promise<never>((_ok, fail) => page.once('pageerror', (err) => fail(err)));
    await Promise.race([loaded, failed]).catch((err: Error) => {
      throw new Error(`the conformance page did not load: ${pageError?.message ?? err.message}`);
    });
    const request: PageRequest = {
      backend: options.backend,
      specs: options.specs,
      numRuns: options.numRuns,
      maxRuns: options.maxRuns,
      seed: options.seed,
      cpuForward: options.cpuForward,
    };
    const result = await page.evaluate(
      (req) =>
        (
          window as unknown as { ganrefConform: (r: PageRequest) => Promise<{ info: GpuInfo; rows: number }> }
        ).ganrefConform(req),
      request,
    );
    if (result.rows !== rows.length)
      throw new Error(`the page ran ${result.rows} spec(s) but ${rows.length} row(s) came back`);
    return { info: result.info, browser: browser.version() };
  } finally {
    await browser.close().catch(() => undefined);
  }
}
