/**
 * `ganref/oracle`: the client of the PyTorch oracle (ZeroMQ, the wire codec of
 * `oracle/PROTOCOL.md`) and the finding or provisioning of the oracle's Python. Needs the
 * optional peer dependency `zeromq`.
 */
export * from './client.js';
export * from './codec.js';
export * from './python.js';
