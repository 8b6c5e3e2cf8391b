/**
 * `ganref/conformance`: the runners behind `ganref conform`. Invariants (fast-check properties),
 * error inputs, cross-checks of values, gradients and Hessian-vector products against a reference
 * (golden fixtures or a live oracle), checks of another implementation of the protocol, and the
 * text, JSON and HTML reports. Needs the optional peer dependency `fast-check`, and the entries it
 * builds on (`ganref/catalog`, `ganref/backends`).
 */
export * from './compare.js';
export * from './crosscheck.js';
export * from './evaluate.js';
export * from './html.js';
export * from './invariants.js';
export * from './report.js';
export * from './run.js';
export * from './target.js';
