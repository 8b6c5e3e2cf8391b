/**
 * The BLAS that the oracle's PyTorch runs, and provisioning an optimised one.
 *
 * Debian's `python3-torch` is built with `BLAS_INFO=generic`: it calls whatever `libblas.so.3`
 * the alternatives system points at, by default Netlib's reference BLAS (a 256×512×512 matMul in
 * ≈ 24–50 ms on one core, against ≈ 1.7 ms with OpenBLAS). Installing Debian's
 * `libopenblas0-pthread` switches that alternative to OpenBLAS with no other change. A pip
 * `torch` links MKL statically and needs nothing. Any PyTorch user has an optimised BLAS, so the
 * benchmark's reference must have one too.
 *
 * The library is read from the interpreter's own memory map after importing torch (what really
 * runs, not what a config file claims), and one matMul is timed on one thread as a sanity check.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";

/** The BLAS a torch interpreter runs. */
export interface TorchBlas {
  /** `openblas`, `mkl`, `reference` (Netlib), or `unknown`. */
  kind: "openblas" | "mkl" | "reference" | "unknown";
  /** The shared library loaded (from `/proc/self/maps`), or a note for a statically linked one. */
  library: string;
  /** torch's build setting `BLAS_INFO` (for Debian's torch `generic`: the alternative decides). */
  buildInfo: string;
  /** Median milliseconds of one float32 256×512 · 512×512 matMul on one thread. */
  matMulMs: number;
}

/** Environment that pins every BLAS and OpenMP pool of a child process to `threads` threads. */
export function blasThreadEnv(threads: number): Record<string, string> {
  const n = String(threads);
  return { OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n, OMP_NUM_THREADS: n };
}

const PROBE = `
import json, time, re, torch
torch.set_num_threads(1)
a = torch.randn(256, 512); b = torch.randn(512, 512)
for _ in range(3): a @ b
ts = []
for _ in range(15):
    t0 = time.perf_counter(); a @ b; ts.append(time.perf_counter() - t0)
ts.sort()
libs = []
with open("/proc/self/maps") as f:
    for line in f:
        path = line.split()[-1] if len(line.split()) >= 6 else ""
        name = path.rsplit("/", 1)[-1]
        if re.match(r"lib(open)?blas|libmkl_", name) and path not in libs: libs.append(path)
cfg = torch.__config__.show()
m = re.search(r"BLAS_INFO=([^,\\s]+)", cfg)
print(json.dumps({"libs": libs, "mkl": bool(torch.backends.mkl.is_available()), "blasInfo": m.group(1) if m else "?", "ms": 1e3 * ts[len(ts) // 2]}))
`;

/** Classifies loaded libraries (and torch's own MKL) into a {@link TorchBlas} kind. */
export function classifyBlas(libs: readonly string[], mkl: boolean): { kind: TorchBlas["kind"]; library: string } {
  const open = libs.find((l) => /openblas/i.test(l));
  if (open) return { kind: "openblas", library: open };
  const mklLib = libs.find((l) => /libmkl_/.test(l));
  if (mklLib) return { kind: "mkl", library: mklLib };
  const blas = libs.find((l) => /\/libblas\.so/.test(l));
  // Debian's reference BLAS lives in .../blas/libblas.so.3 (the alternative's default).
  if (blas && /\/blas\/libblas\.so/.test(blas)) return { kind: "reference", library: blas };
  if (mkl) return { kind: "mkl", library: "MKL linked into libtorch" };
  return { kind: "unknown", library: blas ?? "none found in the memory map" };
}

/** Runs `python` once to find which BLAS its torch runs (and how fast one matMul is). */
export function describeTorchBlas(python: string, env: NodeJS.ProcessEnv = process.env): Promise<TorchBlas> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      ["-c", PROBE],
      { env: { ...env, ...blasThreadEnv(1) }, timeout: 120_000, maxBuffer: 1 << 20, windowsHide: true },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${python}: cannot probe torch's BLAS: ${stderr.trim().split("\n").pop() ?? error.message}`));
          return;
        }
        try {
          const r = JSON.parse(stdout.trim().split("\n").pop() ?? "") as { libs: string[]; mkl: boolean; blasInfo: string; ms: number };
          resolve({ ...classifyBlas(r.libs, r.mkl), buildInfo: r.blasInfo, matMulMs: r.ms });
        } catch {
          reject(new Error(`${python}: unexpected BLAS probe output: ${stdout.slice(0, 200)}`));
        }
      },
    );
  });
}

/** Options of {@link provisionOracleBlas}. */
export interface BlasProvisionOptions {
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * Makes sure the oracle's torch runs an optimised BLAS. When it runs the reference BLAS and this
 * process is root on Debian, installs `libopenblas0-pthread` (which switches the system-wide
 * `libblas.so.3` alternative) and probes again. Otherwise it only reports. Never throws for a
 * slow BLAS: the oracle is still right, only the benchmark's reference would be slow, and the
 * benchmark states which BLAS it ran.
 */
export async function provisionOracleBlas(python: string, options: BlasProvisionOptions = {}): Promise<TorchBlas> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const env = options.env ?? process.env;
  const before = await describeTorchBlas(python, env);
  if (before.kind !== "reference") return before;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const apt = ["/usr/bin/apt-get", "/bin/apt-get"].find((p) => existsSync(p));
  if (!isRoot || !apt || !existsSync("/etc/debian_version")) {
    log(`oracle BLAS: torch runs the reference BLAS (${before.library}, 256×512×512 matMul ${before.matMulMs.toFixed(1)} ms); as root on Debian, \`apt-get install libopenblas0-pthread\` makes it ≈ 15–30× faster`);
    return before;
  }
  const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    await run(apt, ["install", "-y", "--no-install-recommends", "libopenblas0-pthread"], aptEnv, log);
  } catch {
    // The package lists may be stale or missing: update once and retry.
    await run(apt, ["update"], aptEnv, log);
    await run(apt, ["install", "-y", "--no-install-recommends", "libopenblas0-pthread"], aptEnv, log);
  }
  return describeTorchBlas(python, env);
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  log(`$ ${[command, ...args].join(" ")}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (chunk: Buffer) => process.stderr.write(chunk));
    child.stderr.on("data", (chunk: Buffer) => process.stderr.write(chunk));
    child.on("error", (err) => reject(new Error(`${command}: ${err.message}`)));
    child.on("close", (code, signal) => (code === 0 ? resolve() : reject(new Error(`${command} ${args[0] ?? ""} exited with ${signal ?? `code ${code}`}`))));
  });
}

/** One line for reports: `OpenBLAS (/usr/lib/…/libblas.so.3), matMul 1.7 ms`. */
export function formatBlas(b: TorchBlas): string {
  const name = { openblas: "OpenBLAS", mkl: "MKL", reference: "reference BLAS (Netlib, unoptimised)", unknown: "unknown BLAS" }[b.kind];
  return `${name} (${b.library}; 256×512×512 matMul ${b.matMulMs.toFixed(2)} ms on one thread)`;
}
