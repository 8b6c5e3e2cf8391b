/**
 * `ganref/oracle`: the client of the PyTorch oracle (ZeroMQ, the wire codec of
 * `oracle/PROTOCOL.md`), the finding or provisioning of the oracle's Python, and the detection
 * of its BLAS (an optimised one for honest benchmarks). Needs the
 * optional peer dependency `zeromq`.
 */
export * from './blas.js';
export * from './client.js';
export * from './codec.js';
export * from './python.js';
