/**
 * Finding (and, on request, provisioning) the Python interpreter that runs the ganref oracle.
 *
 * The oracle needs `torch`, `zmq` (pyzmq) and `numpy`. Candidates are probed with a short child
 * process that imports them and reports versions; the answer is cached per process.
 *
 * Search order: `GANREF_PYTHON` when set (and then only it: a broken override is an error, never
 * silently replaced); otherwise `/usr/bin/python3`, `python3`, `python` on `PATH`, then the
 * project's `.venv/bin/python`.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../package-root.js";

/** The modules the oracle imports, by their import names. */
export const REQUIRED_MODULES = ["torch", "zmq", "numpy"] as const;

/** Root of the ganref project (holds `oracle/` and `.venv/`). */
export const PROJECT_ROOT: string = packageRoot(import.meta.url);

/** The oracle's Python package folder: its cwd and `PYTHONPATH`. */
export const ORACLE_DIR: string = join(PROJECT_ROOT, "oracle");

/** Versions reported by a working interpreter. */
export interface OraclePythonVersions {
  python: string;
  torch: string;
  numpy: string;
  pyzmq: string;
  zmq: string;
}

/** An interpreter that imports everything the oracle needs. */
export interface OraclePython {
  /** The command to run (the interpreter's `sys.executable`, or the candidate as given). */
  executable: string;
  /** The candidate it was found as (`GANREF_PYTHON`'s value, `python3`, a path, ...). */
  candidate: string;
  versions: OraclePythonVersions;
}

/** The outcome of probing one candidate. */
export type ProbeResult =
  | { ok: true; python: OraclePython }
  | { ok: false; candidate: string; reason: string; missing: string[] };

/** Thrown when no usable interpreter exists or provisioning fails. */
export class OraclePythonError extends Error {
  override readonly name = "OraclePythonError";
  /** What each candidate lacked, for the message and for callers. */
  readonly probes: readonly ProbeResult[];
  constructor(message: string, probes: readonly ProbeResult[] = []) {
    super(message);
    this.probes = probes;
  }
}

/** Options of {@link findOraclePython}. */
export interface FindOptions {
  /** Environment to read `GANREF_PYTHON` from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Project root whose `.venv` is a candidate (default {@link PROJECT_ROOT}). */
  projectRoot?: string;
  /** Ignore the cache and probe again. */
  refresh?: boolean;
}

const PROBE_SCRIPT = `
import json, sys
out = {"executable": sys.executable or "", "python": sys.version.split()[0], "missing": [], "errors": {}}
for name in ("torch", "zmq", "numpy"):
    try:
        mod = __import__(name)
        out[name] = str(getattr(mod, "__version__", "?"))
        if name == "zmq":
            out["pyzmq"] = str(mod.pyzmq_version())
            out["libzmq"] = str(mod.zmq_version())
    except Exception as exc:
        out["missing"].append(name)
        out["errors"][name] = type(exc).__name__ + ": " + str(exc)
print(json.dumps(out))
`;

const PROBE_TIMEOUT_MS = 120_000;

const cache = new Map<string, Promise<OraclePython | null>>();

/** The default candidates, in order, when `GANREF_PYTHON` is not set. */
export function defaultCandidates(projectRoot: string = PROJECT_ROOT): string[] {
  return ["/usr/bin/python3", "python3", "python", join(projectRoot, ".venv", "bin", "python")];
}

/**
 * Runs `candidate` to check that it imports torch, zmq and numpy, and reports their versions.
 * Never throws: a missing executable or a failed import is a `{ ok: false }` result.
 */
export function probePython(candidate: string): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(
      candidate,
      ["-c", PROBE_SCRIPT],
      { timeout: PROBE_TIMEOUT_MS, windowsHide: true, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error && !stdout) {
          const code = (error as NodeJS.ErrnoException).code;
          const reason = code === "ENOENT" ? "not found" : `failed to run: ${firstLine(stderr) || error.message}`;
          resolve({ ok: false, candidate, reason, missing: [...REQUIRED_MODULES] });
          return;
        }
        let report: Record<string, unknown>;
        try {
          report = JSON.parse(stdout.trim().split("\n").pop() ?? "") as Record<string, unknown>;
        } catch {
          resolve({ ok: false, candidate, reason: `unexpected probe output: ${firstLine(stdout)}`, missing: [...REQUIRED_MODULES] });
          return;
        }
        const missing = Array.isArray(report.missing) ? report.missing.map(String) : [];
        if (missing.length > 0) {
          resolve({ ok: false, candidate, reason: `cannot import ${missing.join(", ")}`, missing });
          return;
        }
        const str = (key: string): string => (typeof report[key] === "string" ? (report[key] as string) : "?");
        resolve({
          ok: true,
          python: {
            executable: str("executable") !== "?" && str("executable") !== "" ? str("executable") : candidate,
            candidate,
            versions: {
              python: str("python"),
              torch: str("torch"),
              numpy: str("numpy"),
              pyzmq: str("pyzmq"),
              zmq: str("libzmq"),
            },
          },
        });
      },
    );
  });
}

/**
 * Finds the oracle's interpreter (see the module comment for the order), or `null` when no
 * default candidate works. The result is cached per `GANREF_PYTHON` value and project root.
 *
 * @throws OraclePythonError when `GANREF_PYTHON` is set but cannot import what the oracle needs.
 */
export async function findOraclePython(options: FindOptions = {}): Promise<OraclePython | null> {
  const env = options.env ?? process.env;
  const root = options.projectRoot ?? PROJECT_ROOT;
  const override = env.GANREF_PYTHON?.trim() || undefined;
  const key = `${override ?? ""}\0${root}`;
  if (options.refresh) cache.delete(key);
  let pending = cache.get(key);
  if (!pending) {
    pending = override ? probeOverride(override) : probeDefaults(root);
    cache.set(key, pending);
    // A thrown override error is not cached: fixing the interpreter and retrying must work.
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

/**
 * Like {@link findOraclePython}, but throws an {@link OraclePythonError} that says what each
 * candidate lacked and how to provision one when none is found.
 */
export async function requireOraclePython(options: FindOptions = {}): Promise<OraclePython> {
  const found = await findOraclePython(options);
  if (found) return found;
  const probes = await Promise.all(defaultCandidates(options.projectRoot).map(probePython));
  throw new OraclePythonError(
    `No Python interpreter for the ganref oracle: it needs ${REQUIRED_MODULES.join(", ")}.\n` +
      `${describeProbes(probes)}\n` +
      "Provision one with `npx tsx scripts/provision-oracle.ts`, or set GANREF_PYTHON to an interpreter that has them.",
    probes,
  );
}

async function probeOverride(candidate: string): Promise<OraclePython> {
  const probe = await probePython(candidate);
  if (probe.ok) return probe.python;
  throw new OraclePythonError(
    `GANREF_PYTHON=${candidate} cannot run the ganref oracle: ${probe.reason}. ` +
      `It must import ${REQUIRED_MODULES.join(", ")}; install them into it or unset GANREF_PYTHON.`,
    [probe],
  );
}

async function probeDefaults(root: string): Promise<OraclePython | null> {
  for (const candidate of defaultCandidates(root)) {
    const probe = await probePython(candidate);
    if (probe.ok) return probe.python;
  }
  return null;
}

/** Options of {@link provisionOraclePython}. */
export interface ProvisionOptions {
  /** Where progress lines go (default: stderr). */
  log?: (line: string) => void;
  /** Project root for `.venv` (default {@link PROJECT_ROOT}). */
  projectRoot?: string;
  /** Environment (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Makes sure an oracle interpreter exists and returns it.
 *
 * 1. If one is found already, it is returned.
 * 2. Running as root on Debian (apt-get present): `apt-get update`, then
 *    `apt-get install -y python3-torch python3-zmq python3-numpy` (noninteractive).
 * 3. Otherwise, or if that did not suffice: `python3 -m venv --system-site-packages .venv` in the
 *    project and `pip install torch pyzmq numpy` into it (system packages that are present are
 *    reused, pip installs what is missing).
 *
 * Each command is logged before it runs and its output is shown.
 *
 * @throws OraclePythonError naming what is still missing when every step has been tried, or
 * when `GANREF_PYTHON` is set (it is never modified).
 */
export async function provisionOraclePython(options: ProvisionOptions = {}): Promise<OraclePython> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const root = options.projectRoot ?? PROJECT_ROOT;
  const env = options.env ?? process.env;
  const find = (): Promise<OraclePython | null> => findOraclePython({ env, projectRoot: root, refresh: true });

  const existing = await find();
  if (existing) {
    log(`oracle python: ${existing.executable} already has ${REQUIRED_MODULES.join(", ")}`);
    return existing;
  }
  const failures: string[] = [];

  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const apt = ["/usr/bin/apt-get", "/bin/apt-get"].find((p) => existsSync(p));
  if (isRoot && apt && existsSync("/etc/debian_version")) {
    const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
    try {
      await runLogged(apt, ["update"], { env: aptEnv, log });
      await runLogged(apt, ["install", "-y", "python3-torch", "python3-zmq", "python3-numpy"], { env: aptEnv, log });
    } catch (err) {
      failures.push(`apt-get: ${(err as Error).message}`);
    }
    const afterApt = await find();
    if (afterApt) return report(afterApt, log);
  } else {
    log(
      `oracle python: not using apt-get (${!isRoot ? "not root" : !apt ? "apt-get not found" : "not Debian"}); trying a virtual environment`,
    );
  }

  const venv = join(root, ".venv");
  const venvPython = join(venv, "bin", "python");
  try {
    if (!existsSync(venvPython)) {
      await runLogged("python3", ["-m", "venv", "--system-site-packages", venv], { env, log });
    }
    await runLogged(venvPython, ["-m", "pip", "install", "torch", "pyzmq", "numpy"], { env, log });
  } catch (err) {
    failures.push(`venv: ${(err as Error).message}`);
  }
  const afterVenv = await find();
  if (afterVenv) return report(afterVenv, log);

  const probes = await Promise.all(defaultCandidates(root).map(probePython));
  throw new OraclePythonError(
    `Could not provision a Python interpreter for the ganref oracle (it needs ${REQUIRED_MODULES.join(", ")}).\n` +
      `${describeProbes(probes)}\n` +
      (failures.length ? `Steps that failed:\n${failures.map((f) => `  - ${f}`).join("\n")}\n` : "") +
      "Install python3 with torch, pyzmq and numpy (for example Debian's python3-torch python3-zmq python3-numpy) " +
      "or set GANREF_PYTHON to an interpreter that has them.",
    probes,
  );
}

function report(python: OraclePython, log: (line: string) => void): OraclePython {
  log(`oracle python: ${python.executable} (torch ${python.versions.torch}, numpy ${python.versions.numpy}, pyzmq ${python.versions.pyzmq})`);
  return python;
}

/** Runs a command with its output passed through to this process's stderr; rejects on failure. */
function runLogged(
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; log: (line: string) => void },
): Promise<void> {
  options.log(`$ ${[command, ...args].join(" ")}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (chunk: Buffer) => process.stderr.write(chunk));
    child.stderr.on("data", (chunk: Buffer) => process.stderr.write(chunk));
    child.on("error", (err) => reject(new Error(`${command}: ${err.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args[0] ?? ""} exited with ${signal ?? `code ${code}`}`));
    });
  });
}

function describeProbes(probes: readonly ProbeResult[]): string {
  return probes
    .map((p) => (p.ok ? `  - ${p.python.candidate}: ok` : `  - ${p.candidate}: ${p.reason}`))
    .join("\n");
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}
