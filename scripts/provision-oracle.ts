/**
 * Makes sure the ganref oracle has a Python interpreter with torch, pyzmq and numpy, installing
 * them when needed (Debian's packages as root, else a project `.venv`), that its torch runs an
 * optimised BLAS (Debian, as root: `libopenblas0-pthread`; see src/oracle/blas.ts), and prints
 * what it found.
 *
 * Usage: `npx tsx scripts/provision-oracle.ts`
 * Exit status: 0 with the interpreter printed on stdout, 1 with the reason on stderr.
 */
import { formatBlas, OraclePythonError, provisionOracleBlas, provisionOraclePython } from 'ganref/oracle';

async function main(): Promise<number> {
  try {
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const python = await provisionOraclePython({ log });
    const v = python.versions;
    const blas = await provisionOracleBlas(python.executable, { log });
    process.stdout.write(
      [
        `python: ${python.executable}`,
        `versions: python ${v.python}, torch ${v.torch}, numpy ${v.numpy}, pyzmq ${v.pyzmq}, libzmq ${v.zmq}`,
        `blas: ${formatBlas(blas)}`,
      ].join('\n') + '\n',
    );
    return 0;
  } catch (err) {
    const message = err instanceof OraclePythonError ? err.message : String((err as Error)?.stack ?? err);
    process.stderr.write(`provision-oracle: ${message}\n`);
    return 1;
  }
}

process.exitCode = await main();
