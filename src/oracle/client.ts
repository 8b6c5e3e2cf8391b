/**
 * Client of the ganref oracle (protocol version 1, `oracle/PROTOCOL.md`).
 *
 * {@link OracleClient.spawn} starts the PyTorch oracle as a child process and connects to it;
 * {@link OracleClient.connect} talks to any server already listening on an endpoint. Requests
 * are serialized (a REQ socket strictly alternates send and receive) and follow the zguide's
 * "lazy pirate" pattern: each attempt has a deadline, a timed-out REQ socket is closed (linger 0)
 * and made anew, and the request is retried a bounded number of times. A client that spawned its
 * server also notices when the child dies, and starts a new one before the next attempt.
 *
 * Server failures (`ok: false`) are thrown as {@link OracleError} with the server's code; local
 * failures (timeouts, malformed replies, a server that will not start) as
 * {@link OracleClientError}. Every socket and child is released by {@link OracleClient.close},
 * and, as a last resort, when the Node process exits.
 */
import { spawn as spawnProcess, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Request } from "zeromq";

import {
  CodecError,
  decodeMessage,
  dtypeOf,
  encodeMessage,
  type DecodedMessage,
  type Header,
  type Tensor,
  type TensorData,
} from "./codec.js";
import { ORACLE_DIR, requireOraclePython } from "./python.js";

/** The protocol version this client speaks. */
export const PROTOCOL_VERSION = 1;

/**
 * What an `eval` can ask for: results in a dtype, or `spread32`, each result's float32 rounding
 * spread (float64 data; the reference server's Monte Carlo arithmetic, PROTOCOL.md).
 */
export type ComputeDtype = "float64" | "float32" | "spread32";

/** An error reported by the server in a structured failure reply. */
export class OracleError extends Error {
  override readonly name = "OracleError";
  /** The server's error code (`BAD_REQUEST`, `UNKNOWN_SPEC`, `BAD_PARAMS`, `EVAL_FAILED`, ...). */
  readonly code: string;
  /** The id of the request that failed (null when the server could not read it). */
  readonly requestId: string | null;
  constructor(code: string, message: string, requestId: string | null = null) {
    super(`${code}: ${message}`);
    this.code = code;
    this.requestId = requestId;
  }
}

/** Codes of failures detected by the client itself. */
export type OracleClientErrorCode =
  | "TIMEOUT"
  | "BAD_REPLY"
  | "PROTOCOL_MISMATCH"
  | "SPAWN_FAILED"
  | "SERVER_EXITED"
  | "CLOSED"
  | "BAD_ARGUMENT";

/** A failure detected on the client side (no structured server error involved). */
export class OracleClientError extends Error {
  override readonly name = "OracleClientError";
  readonly code: OracleClientErrorCode;
  constructor(code: OracleClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Options shared by {@link OracleClient.spawn} and {@link OracleClient.connect}. */
export interface OracleClientOptions {
  /** Deadline of one attempt of a request, in milliseconds (default 60 000). */
  timeoutMs?: number;
  /** Further attempts after a timed-out one (default 2). */
  retries?: number;
}

/** Options of {@link OracleClient.spawn}. */
export interface SpawnOptions extends OracleClientOptions {
  /** Interpreter to run; default: found by `python.ts` (`GANREF_PYTHON`, then the defaults). */
  python?: string;
  /** The oracle's package folder, used as cwd and `PYTHONPATH` (default `<project>/oracle`). */
  oracleDir?: string;
  /** Further server arguments, e.g. `["--max-bytes", "1048576"]`. */
  serverArgs?: string[];
  /** How long to wait for the `GANREF_ORACLE READY` line, in milliseconds (default 120 000). */
  startupTimeoutMs?: number;
  /** Extra environment variables for the server. */
  env?: NodeJS.ProcessEnv;
  /**
   * How the client reaches the server it starts: `ipc` (a Unix socket in the temporary folder,
   * reachable only on this machine; the default where available) or `tcp` (a free loopback port).
   */
  transport?: "ipc" | "tcp";
}

/** The reply to `hello`. */
export interface HelloReply {
  protocol: number;
  server: string;
  /** Versions named by the server (`python`, `torch`, `numpy`, `pyzmq`, `zmq` for the PyTorch one). */
  versions: Record<string, string>;
  /** Spec ids the server implements, sorted. */
  specs: string[];
  /** Each spec's parameter defaults, by spec id then parameter name (when the server reports them). */
  defaults?: Record<string, Record<string, unknown>>;
}

/** An input tensor given by name: its data (1-D) or its data and shape. */
export type TensorInput = TensorData | { data: TensorData; shape: readonly number[] };

/** An `eval` request. */
export interface EvalRequest {
  /** Catalog id, e.g. `objective/wasserstein`. */
  spec: string;
  /** The spec's parameters (missing keys take the server's defaults). */
  params?: Record<string, unknown>;
  /** Inputs (and direction tensors), as a list of tensors or by name. */
  tensors: readonly Tensor[] | Readonly<Record<string, TensorInput>>;
  /** Compute dtypes (default `["float64", "float32"]`). */
  compute?: readonly ComputeDtype[];
  /** Inputs to differentiate with respect to (default none). */
  wrt?: readonly string[];
  /** For Hessian-vector products: input name in `wrt` → name of its direction tensor. */
  directions?: Readonly<Record<string, string>>;
}

/** One result tensor of an `eval`. */
export interface ResultTensor {
  /** `o`, `grad:o:x` or `hvp:o:x`. */
  name: string;
  compute: ComputeDtype;
  shape: number[];
  data: Float64Array | Float32Array;
}

/** The results of an `eval`, addressed by name and compute dtype. */
export class EvalResult {
  /** Every result tensor, in the server's order. */
  readonly tensors: readonly ResultTensor[];
  /** The reply header (for fields beyond the tensors). */
  readonly header: Readonly<Header>;
  private readonly index = new Map<string, ResultTensor>();

  constructor(header: Header, tensors: readonly ResultTensor[]) {
    this.header = header;
    this.tensors = tensors;
    for (const t of tensors) {
      const key = `${t.compute}\0${t.name}`;
      if (this.index.has(key)) {
        throw new OracleClientError("BAD_REPLY", `eval reply has ${t.name} (${t.compute}) twice`);
      }
      this.index.set(key, t);
    }
  }

  /** Whether a result named `name` was computed in `compute`. */
  has(name: string, compute: ComputeDtype = "float64"): boolean {
    return this.index.has(`${compute}\0${name}`);
  }

  /**
   * The result named `name` (`o`, `grad:o:x`, `hvp:o:x`) in `compute`.
   *
   * @throws OracleClientError (`BAD_ARGUMENT`) listing the available names when it is absent.
   */
  get(name: string, compute: ComputeDtype = "float64"): ResultTensor {
    const found = this.index.get(`${compute}\0${name}`);
    if (!found) {
      const available = this.tensors.map((t) => `${t.name} (${t.compute})`).join(", ") || "none";
      throw new OracleClientError("BAD_ARGUMENT", `no result ${name} (${compute}); available: ${available}`);
    }
    return found;
  }

  /** The value of output `output`. */
  value(output: string, compute: ComputeDtype = "float64"): ResultTensor {
    return this.get(output, compute);
  }

  /** The gradient of `sum(output)` with respect to input `wrt`. */
  grad(output: string, wrt: string, compute: ComputeDtype = "float64"): ResultTensor {
    return this.get(`grad:${output}:${wrt}`, compute);
  }

  /** The Hessian-vector product of `output` with respect to input `wrt`. */
  hvp(output: string, wrt: string, compute: ComputeDtype = "float64"): ResultTensor {
    return this.get(`hvp:${output}:${wrt}`, compute);
  }

  /**
   * The single element of a one-element result (a scalar output or its gradient wrt a scalar).
   *
   * @throws OracleClientError (`BAD_ARGUMENT`) when the result has more than one element.
   */
  scalar(name: string, compute: ComputeDtype = "float64"): number {
    const t = this.get(name, compute);
    if (t.data.length !== 1) {
      throw new OracleClientError("BAD_ARGUMENT", `${name} (${compute}) has shape [${t.shape.join(", ")}], not one element`);
    }
    return t.data[0];
  }
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_RETRIES = 2;
const DEFAULT_STARTUP_TIMEOUT_MS = 120_000;
const STDERR_TAIL_BYTES = 16_384;
const KILL_GRACE_MS = 2_000;
const READY_LINE = /^GANREF_ORACLE READY (\S+)\s*$/;
/**
 * Unix sockets where the platform has them (a shorter path through the kernel than TCP). A
 * function, not a module constant: this module is also bundled into the browser conformance page,
 * where `process` does not exist.
 */
const defaultTransport = (): "ipc" | "tcp" => (process.platform === "win32" ? "tcp" : "ipc");

/** Clients not yet closed, so that process exit can release their sockets and children. */
const liveClients = new Set<OracleClient>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const client of liveClients) client.closeSync();
  });
}

/** A spawned server process and what it said. */
interface ServerProcess {
  child: ChildProcess;
  endpoint: string;
  /** The last bytes of its stderr. */
  stderrTail: () => string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  hasExited: () => boolean;
  /** "exited with code N" / "was killed by SIGNAL" / "is running". */
  exitStatus: () => string;
}

/** A client of one oracle server. Create with {@link spawn} or {@link connect}. */
export class OracleClient {
  private endpointValue: string;
  private socket: Request | null = null;
  private server: ServerProcess | null;
  private readonly spawnOptions: SpawnOptions | null;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly idPrefix = randomBytes(4).toString("hex");
  private counter = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private closedValue = false;
  private replacedValue = 0;
  /** Set while a request waits, so that the child's death can cut the wait short. */
  private inFlight: { abort: (reason: string) => void } | null = null;

  private constructor(endpoint: string, options: OracleClientOptions, server: ServerProcess | null, spawnOptions: SpawnOptions | null) {
    this.endpointValue = endpoint;
    this.timeoutMs = positiveInt(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, "timeoutMs");
    this.retries = nonNegativeInt(options.retries ?? DEFAULT_RETRIES, "retries");
    this.server = server;
    this.spawnOptions = spawnOptions;
    if (server) this.watch(server);
    liveClients.add(this);
    installExitHook();
  }

  /**
   * Starts the PyTorch oracle (`python -m ganref_oracle --bind tcp://127.0.0.1:0`, with the
   * oracle folder as cwd and `PYTHONPATH`), waits for its READY line and connects to it.
   *
   * @throws OraclePythonError when no interpreter with torch, zmq and numpy is found;
   * OracleClientError (`SPAWN_FAILED`) when the server exits or stays silent, with its stderr.
   */
  static async spawn(options: SpawnOptions = {}): Promise<OracleClient> {
    const resolved: SpawnOptions = { ...options };
    resolved.python ??= (await requireOraclePython()).executable;
    const server = await startServer(resolved);
    try {
      return new OracleClient(server.endpoint, options, server, resolved);
    } catch (err) {
      server.child.kill("SIGKILL");
      throw err;
    }
  }

  /** A client of a server already listening on `endpoint` (e.g. `tcp://127.0.0.1:5555`). */
  static async connect(endpoint: string, options: OracleClientOptions = {}): Promise<OracleClient> {
    if (typeof endpoint !== "string" || !/^[a-z]+:\/\/\S+$/.test(endpoint)) {
      throw new OracleClientError("BAD_ARGUMENT", `not a ZeroMQ endpoint: ${JSON.stringify(endpoint)}`);
    }
    return new OracleClient(endpoint, options, null, null);
  }

  /** The endpoint currently used (it changes when a spawned server is restarted). */
  get endpoint(): string {
    return this.endpointValue;
  }

  /** The process id of the spawned server, or null (connected client, or closed). */
  get pid(): number | null {
    return this.server?.child.pid ?? null;
  }

  /** Whether {@link close} (or {@link shutdown}) has been called. */
  get closed(): boolean {
    return this.closedValue;
  }

  /** Whether a socket is open right now (false between a timeout and the next attempt). */
  get socketOpen(): boolean {
    return this.socket !== null;
  }

  /**
   * Asks the server who it is.
   *
   * @throws OracleClientError (`PROTOCOL_MISMATCH`) when it does not speak protocol 1.
   */
  async hello(): Promise<HelloReply> {
    const { header } = await this.request("hello", {}, [], true);
    if (header.protocol !== PROTOCOL_VERSION) {
      throw new OracleClientError(
        "PROTOCOL_MISMATCH",
        `server at ${this.endpointValue} speaks protocol ${JSON.stringify(header.protocol)}, this client ${PROTOCOL_VERSION}`,
      );
    }
    const versions = header.versions;
    const specs = header.specs;
    if (typeof versions !== "object" || versions === null || Array.isArray(versions)) {
      throw new OracleClientError("BAD_REPLY", "hello reply lacks a versions object");
    }
    if (!Array.isArray(specs) || !specs.every((s) => typeof s === "string")) {
      throw new OracleClientError("BAD_REPLY", "hello reply lacks a list of spec ids");
    }
    return {
      protocol: header.protocol,
      server: typeof header.server === "string" ? header.server : "",
      versions: Object.fromEntries(Object.entries(versions).map(([k, v]) => [k, String(v)])),
      specs: [...(specs as string[])],
      ...(typeof header.defaults === "object" && header.defaults !== null && !Array.isArray(header.defaults)
        ? { defaults: header.defaults as Record<string, Record<string, unknown>> }
        : {}),
    };
  }

  /**
   * Times the work of an `eval` inside the server (op `time`, so transport is excluded): `warmup`
   * untimed runs, then `repeats` timed ones, per compute dtype. Returns the seconds of each run.
   */
  async time(request: EvalRequest & { repeats: number; warmup?: number }): Promise<{ compute: ComputeDtype; seconds: number[]; threads: number }[]> {
    const tensors = toTensorList(request.tensors);
    const fields: Header = {
      spec: request.spec,
      params: request.params ?? {},
      compute: [...(request.compute ?? ["float32"])],
      wrt: [...(request.wrt ?? [])],
      repeats: request.repeats,
      warmup: request.warmup ?? 0,
    };
    if (request.directions !== undefined) fields.directions = { ...request.directions };
    const reply = await this.request("time", fields, tensors, true);
    const timings = reply.header.timings;
    if (!Array.isArray(timings)) throw new OracleClientError("BAD_REPLY", "time reply has no timings");
    return timings as { compute: ComputeDtype; seconds: number[]; threads: number }[];
  }

  /**
   * Evaluates a spec: its outputs, their gradients wrt `wrt`, and Hessian-vector products when
   * `directions` is given, once per compute dtype.
   *
   * @throws OracleError for a structured server failure (`UNKNOWN_SPEC`, `BAD_PARAMS`, ...).
   */
  async eval(request: EvalRequest): Promise<EvalResult> {
    const tensors = toTensorList(request.tensors);
    const fields: Header = {
      spec: request.spec,
      params: request.params ?? {},
      compute: [...(request.compute ?? ["float64", "float32"])],
      wrt: [...(request.wrt ?? [])],
    };
    if (request.directions !== undefined) fields.directions = { ...request.directions };
    const reply = await this.request("eval", fields, tensors, true);
    const results = reply.tensors.map((t): ResultTensor => {
      const compute = t.descriptor.compute;
      if (compute !== "float64" && compute !== "float32" && compute !== "spread32") {
        throw new OracleClientError("BAD_REPLY", `eval result ${t.name} has no valid "compute" field`);
      }
      if (t.dtype !== (compute === "spread32" ? "float64" : compute)) {
        throw new OracleClientError("BAD_REPLY", `eval result ${t.name} is ${t.dtype} but computed in ${compute}`);
      }
      return { name: t.name, compute, shape: [...t.shape], data: t.data as Float64Array | Float32Array };
    });
    return new EvalResult(reply.header, results);
  }

  /**
   * Asks the server to exit, waits for a spawned one to do so, and closes this client. A server
   * that does not answer is killed (when spawned) all the same.
   */
  async shutdown(): Promise<void> {
    if (this.closedValue) return;
    try {
      await this.request("shutdown", {}, [], false);
      const server = this.server;
      if (server) await waitForExit(server, KILL_GRACE_MS);
    } finally {
      await this.close();
    }
  }

  /**
   * Closes the socket (linger 0) and stops a spawned server (SIGTERM, then SIGKILL after a
   * grace period). Idempotent; pending and later requests reject with `CLOSED`.
   */
  async close(): Promise<void> {
    const server = this.server;
    this.closeSync(false);
    if (server && !server.hasExited()) {
      server.child.kill("SIGTERM");
      if (!(await waitForExit(server, KILL_GRACE_MS))) {
        server.child.kill("SIGKILL");
        await waitForExit(server, KILL_GRACE_MS);
      }
    }
    if (this.server === server) this.server = null;
  }

  /**
   * Synchronous close for process exit: closes the socket and kills the child with SIGKILL
   * (or leaves the kill to {@link close} when `kill` is false).
   * @internal
   */
  closeSync(kill = true): void {
    if (!this.closedValue) {
      this.closedValue = true;
      liveClients.delete(this);
      this.inFlight?.abort("client closed");
      this.dropSocket();
    }
    if (kill && this.server && !this.server.hasExited()) this.server.child.kill("SIGKILL");
    if (kill) this.server = null;
  }

  /** Sends one request (serialized after any pending one) and returns its decoded reply. */
  private request(op: string, fields: Header, tensors: readonly Tensor[], retry: boolean): Promise<DecodedMessage> {
    const run = (): Promise<DecodedMessage> => this.attempts(op, fields, tensors, retry);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async attempts(op: string, fields: Header, tensors: readonly Tensor[], retry: boolean): Promise<DecodedMessage> {
    const attempts = retry ? this.retries + 1 : 1;
    const problems: string[] = [];
    for (let attempt = 1; attempt <= attempts; attempt++) {
      this.assertOpen();
      await this.ensureServer();
      const id = `${this.idPrefix}-${++this.counter}`;
      let frames: Buffer[];
      try {
        frames = encodeMessage({ protocol: PROTOCOL_VERSION, id, op, ...fields }, tensors);
      } catch (err) {
        throw new OracleClientError("BAD_ARGUMENT", (err as Error).message, { cause: err });
      }
      const outcome = await this.exchange(frames, id);
      if (outcome.kind === "reply") return outcome.message;
      problems.push(`attempt ${attempt}: ${outcome.reason}`);
      this.assertOpen();
      // A server of ours that let the deadline pass is hung (stopped, or stuck in a computation):
      // it is replaced before the next attempt rather than asked again.
      if (outcome.timedOut) await this.replaceHungServer(`no reply within ${this.timeoutMs} ms`);
    }
    throw new OracleClientError(
      "TIMEOUT",
      `no reply to ${op} from ${this.endpointValue} (${attempts} attempt(s) of ${this.timeoutMs} ms): ${problems.join("; ")}`,
    );
  }

  /**
   * One attempt: sends on the current socket and waits for the matching reply. A lost attempt
   * (timeout, mismatched id, server death) closes the socket, as a confused REQ socket must be.
   */
  private async exchange(
    frames: Buffer[],
    id: string,
  ): Promise<{ kind: "reply"; message: DecodedMessage } | { kind: "lost"; reason: string; timedOut?: boolean }> {
    const socket = this.openSocket();
    const deadline = Date.now() + this.timeoutMs;
    const state: { aborted: string | null } = { aborted: null };
    this.inFlight = {
      abort: (reason) => {
        state.aborted = reason;
        this.dropSocket();
      },
    };
    try {
      socket.sendTimeout = this.timeoutMs;
      await socket.send(frames);
      socket.receiveTimeout = Math.max(1, deadline - Date.now());
      const raw = await socket.receive();
      let message: DecodedMessage;
      try {
        message = decodeMessage(raw);
      } catch (err) {
        this.dropSocket();
        const detail = err instanceof CodecError ? err.message : String(err);
        throw new OracleClientError("BAD_REPLY", `malformed reply from ${this.endpointValue}: ${detail}`, { cause: err });
      }
      const header = message.header;
      // A failure to a request the server could not read carries id null; it is still ours.
      if (header.id !== id && !(header.id === null && header.ok === false)) {
        this.dropSocket();
        return { kind: "lost", reason: `discarded a reply for id ${JSON.stringify(header.id)}, expected ${id}` };
      }
      if (header.ok === false) throw toOracleError(header);
      if (header.ok !== true) {
        throw new OracleClientError("BAD_REPLY", `reply from ${this.endpointValue} has no boolean "ok"`);
      }
      return { kind: "reply", message };
    } catch (err) {
      if (err instanceof OracleError || err instanceof OracleClientError) throw err;
      this.dropSocket();
      if (this.closedValue) throw new OracleClientError("CLOSED", "the oracle client was closed");
      if (state.aborted !== null) return { kind: "lost", reason: state.aborted };
      if ((err as { code?: unknown }).code === "EAGAIN") return { kind: "lost", reason: `timed out after ${this.timeoutMs} ms`, timedOut: true };
      throw err;
    } finally {
      this.inFlight = null;
    }
  }

  private openSocket(): Request {
    if (!this.socket) {
      const socket = new Request({ linger: 0 });
      socket.connect(this.endpointValue);
      this.socket = socket;
    }
    return this.socket;
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }

  private assertOpen(): void {
    if (this.closedValue) throw new OracleClientError("CLOSED", "the oracle client was closed");
  }

  /** Kills a spawned server that does not answer (the next attempt starts a new one). */
  private async replaceHungServer(why: string): Promise<void> {
    const server = this.server;
    if (!this.spawnOptions || !server || server.hasExited()) return;
    this.replacedValue++;
    process.emitWarning(`ganref oracle: the server (pid ${server.child.pid}) is hung (${why}); starting a new one`, { code: "GANREF_ORACLE_HUNG" });
    server.child.kill("SIGKILL");
    await waitForExit(server, KILL_GRACE_MS);
  }

  /** How many hung servers this client has replaced. */
  get replaced(): number {
    return this.replacedValue;
  }

  /** Restarts a spawned server that has died (one further try if the restart fails). */
  private async ensureServer(): Promise<void> {
    if (!this.spawnOptions || (this.server && !this.server.hasExited())) return;
    this.dropSocket();
    let server: ServerProcess;
    try {
      server = await startServer(this.spawnOptions);
    } catch (first) {
      this.assertOpen();
      try {
        server = await startServer(this.spawnOptions);
      } catch (second) {
        throw new OracleClientError("SPAWN_FAILED", `the oracle server died and could not be restarted (2 tries): ${(second as Error).message}`, { cause: first });
      }
    }
    if (this.closedValue) {
      server.child.kill("SIGKILL");
      this.assertOpen();
    }
    this.server = server;
    this.endpointValue = server.endpoint;
    this.watch(server);
  }

  /** Cuts a pending request short when the spawned server dies. */
  private watch(server: ServerProcess): void {
    void server.exited.then(() => {
      if (this.server === server && this.inFlight) {
        this.inFlight.abort(`the oracle server (pid ${server.child.pid}) ${server.exitStatus()}${lastLines(server.stderrTail())}`);
      }
    });
  }
}

/** Starts the server and waits for its READY line. */
function startServer(options: SpawnOptions): Promise<ServerProcess> {
  const python = options.python;
  if (!python) throw new OracleClientError("BAD_ARGUMENT", "no python interpreter given");
  const oracleDir = options.oracleDir ?? ORACLE_DIR;
  const startupTimeoutMs = positiveInt(options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS, "startupTimeoutMs");
  // --exit-with-parent: the server stops when its stdin pipe closes, so it dies with this process
  // even when this process is killed by a signal and no exit hook runs.
  const transport = options.transport ?? defaultTransport();
  const socketPath = transport === "ipc" ? join(tmpdir(), `ganref-oracle-${process.pid}-${randomBytes(6).toString("hex")}.sock`) : null;
  const bind = socketPath ? `ipc://${socketPath}` : "tcp://127.0.0.1:0";
  const args = ["-m", "ganref_oracle", "--bind", bind, "--exit-with-parent", ...(options.serverArgs ?? [])];
  const basePath = options.env?.PYTHONPATH ?? process.env.PYTHONPATH;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    PYTHONPATH: basePath ? `${oracleDir}:${basePath}` : oracleDir,
    PYTHONUNBUFFERED: "1",
  };
  const command = `${python} ${args.join(" ")}`;

  return new Promise((resolve, reject) => {
    const child = spawnProcess(python, args, { cwd: oracleDir, env, stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
    let stderr = "";
    let exitedFlag = false;
    let status = "is running";
    let settled = false;
    const exited = new Promise<void>((done) => {
      child.once("exit", (code, signal) => {
        // A server killed by a signal leaves its socket file behind.
        if (socketPath) rmSync(socketPath, { force: true });
        exitedFlag = true;
        status = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        done();
      });
      child.once("error", () => {
        exitedFlag = true;
        done();
      });
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    });
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      lines.close();
      if (!exitedFlag) child.kill("SIGKILL");
      // Give stderr a moment to drain so that the message shows why the server failed.
      void Promise.race([exited, delay(500)]).then(() => {
        const tail = stderr.trim();
        reject(
          new OracleClientError(
            "SPAWN_FAILED",
            `the oracle server did not start: ${why}\n  command: ${command}\n  cwd: ${oracleDir}` +
              (tail ? `\n  stderr:\n${indent(tail)}` : "\n  (no stderr)"),
          ),
        );
      });
    };
    const timer = setTimeout(() => fail(`no READY line within ${startupTimeoutMs} ms`), startupTimeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      if (settled) return;
      const match = READY_LINE.exec(line.trim());
      if (!match) return;
      settled = true;
      clearTimeout(timer);
      // Keep draining stdout so the server never blocks on a full pipe, but let neither the
      // child nor its pipes keep this process alive: close() and the exit hook end the child.
      child.unref();
      unrefStream(child.stdin);
      unrefStream(child.stdout);
      unrefStream(child.stderr);
      resolve({
        child,
        endpoint: match[1],
        stderrTail: () => stderr,
        exited,
        hasExited: () => exitedFlag,
        exitStatus: () => status,
      });
    });
    child.once("error", (err) => fail(`cannot run ${python}: ${err.message}`));
    child.once("exit", (code, signal) => fail(`it exited with ${signal ?? `code ${code}`} before printing READY`));
  });
}

function toOracleError(header: Header): OracleError {
  const error = header.error as { code?: unknown; message?: unknown } | undefined;
  const code = typeof error?.code === "string" ? error.code : "UNKNOWN";
  const message = typeof error?.message === "string" ? error.message : "the server reported a failure without a message";
  return new OracleError(code, message, typeof header.id === "string" ? header.id : null);
}

function toTensorList(tensors: EvalRequest["tensors"]): Tensor[] {
  if (Array.isArray(tensors)) return [...(tensors as readonly Tensor[])];
  return Object.entries(tensors as Readonly<Record<string, TensorInput>>).map(([name, input]) => {
    const { data, shape } = ArrayBuffer.isView(input) ? { data: input, shape: [input.length] } : input;
    try {
      return { name, dtype: dtypeOf(data), shape: [...shape], data } as Tensor;
    } catch (err) {
      throw new OracleClientError("BAD_ARGUMENT", `input ${name}: ${(err as Error).message}`, { cause: err });
    }
  });
}

/** The last few stderr lines, as a suffix for an error message (empty when there are none). */
function lastLines(tail: string, count = 5): string {
  const lines = tail.trim().split("\n").filter((l) => l.length > 0);
  return lines.length ? `; its stderr ended with:\n${indent(lines.slice(-count).join("\n"))}` : "";
}

function unrefStream(stream: unknown): void {
  const s = stream as { unref?: () => void } | null;
  s?.unref?.();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits up to `ms` for a server to exit; true when it did. The timer keeps the event loop alive
 * (the child itself is unref'd), so a script ending in `await client.close()` waits for it.
 */
function waitForExit(server: ServerProcess, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void server.exited.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}

function positiveInt(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new OracleClientError("BAD_ARGUMENT", `${name} must be a positive number, got ${value}`);
  return Math.ceil(value);
}

function nonNegativeInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw new OracleClientError("BAD_ARGUMENT", `${name} must be a non-negative integer, got ${value}`);
  return value;
}
