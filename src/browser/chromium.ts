import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Finds a headless-capable Chromium for rendering checks of the HTML report: `GANREF_CHROMIUM`,
 * else the usual names on PATH. `provisionChromium` installs Debian's `chromium` with apt when
 * none is found and we are root on Debian (the only way this project's machines can get one: a
 * browser download from the web is not possible there).
 */
const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function works(cmd: string): boolean {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 && /chrom/i.test(r.stdout);
}

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.GANREF_CHROMIUM) {
    if (!works(env.GANREF_CHROMIUM))
      throw new Error(`GANREF_CHROMIUM=${env.GANREF_CHROMIUM} does not run as Chromium (--version failed)`);
    return env.GANREF_CHROMIUM;
  }
  for (const c of CANDIDATES) if (works(c)) return c;
  return null;
}

export function provisionChromium(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): string {
  const found = findChromium();
  if (found) return found;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && existsSync('/usr/bin/apt-get')) {
    log('chromium: not found; installing Debian package chromium with apt-get');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
    const now = findChromium();
    if (now) return now;
  }
  throw new Error(
    'no Chromium found: install one (Debian: apt-get install chromium) or set GANREF_CHROMIUM; the HTML report test renders the page in it',
  );
}

/** Renders a page headlessly and returns the DOM after load, as HTML text. */
export function dumpDom(chromium: string, url: string): string {
  return execFileSync(
    chromium,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${process.env.TMPDIR ?? '/tmp'}/ganref-chromium-${process.pid}`,
      '--dump-dom',
      url,
    ],
    { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] },
  );
}
