/**
 * Finds, or installs with apt as root on Debian, a Chromium for the HTML report test.
 * Usage: npx tsx scripts/provision-chromium.ts
 */
import { provisionChromium } from '../src/browser/chromium.js';

try {
  const chromium = provisionChromium();
  process.stdout.write(`chromium: ${chromium}\n`);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
