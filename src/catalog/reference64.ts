import { SELU_ALPHA, SELU_SCALE } from '../autodiff/activations.js';
import { P } from './arbitraries/critics.js';
import type { NetSample } from './arbitraries/networks.js';
import type { Activation } from '../nets/index.js';

// float64 references, written from the definitions (term by term, conventions spelled out).

/** Σ q log(q/p): KL(q ‖ p). */
export const reverseKl64 = (p: number[], q: number[]): number => kl64(q, p);

/** ½ Σ |p − q|. */
export const tv64 = (p: number[], q: number[]): number => 0.5 * p.reduce((a, x, i) => a + Math.abs(x - q[i]!), 0);

/** Σ (√p − √q)². */
export const hellinger64 = (p: number[], q: number[]): number =>
  p.reduce((a, x, i) => a + (Math.sqrt(x) - Math.sqrt(q[i]!)) ** 2, 0);

/** Σ (p − q)²/q with 0 where both are 0 and +∞ where q = 0 < p. */
export function pearson64(p: number[], q: number[]): number {
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    if (q[i]! > 0) total += (p[i]! - q[i]!) ** 2 / q[i]!;
    else if (p[i]! > 0) total = Infinity;
  }
  return total;
}

/** Σ (p − q)²/p = χ²_P(q ‖ p). */
export const neyman64 = (p: number[], q: number[]): number => pearson64(q, p);

/** float64 reference Σ p log(p/q) with the conventions of CATALOG.md. */
export function kl64(p: number[], q: number[]): number {
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i]! > 0) total += q[i]! > 0 ? p[i]! * Math.log(p[i]! / q[i]!) : Infinity;
  }
  return total;
}

/** float64 reference JSD. */
export function jsd64(p: number[], q: number[]): number {
  const m = p.map((x, i) => (x + q[i]!) / 2);
  return 0.5 * kl64(p, m) + 0.5 * kl64(q, m);
}

export const softplus64 = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

export const sum64 = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export const sumAbs64 = (xs: number[]) => xs.reduce((a, b) => a + Math.abs(b), 0);

/** A float64 forward pass of a NetSample on rows x (plain JavaScript, independent of TF.js). */
export function mlp64(s: NetSample, prefix: string, x: number[][]): number[][] {
  let h = x;
  const L = s.widths.length - 1;
  for (let l = 0; l < L; l++) {
    const W = s.weights[`${prefix}W${l}`]!;
    const b = s.weights[`${prefix}B${l}`]!;
    const cols = W.shape[1]!;
    const a = l === L - 1 ? s.outputActivation : s.activation;
    h = h.map((row) =>
      Array.from({ length: cols }, (_, j) =>
        act64(
          row.reduce((acc, v, i) => acc + v * W.data[i * cols + j]!, b.data[j]!),
          a,
          s.alpha,
        ),
      ),
    );
  }
  return h;
}

export const mean64 = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export const sigmoid64 = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Derivatives of the activations, from their definitions (PyTorch's one-sided values at kinks). */
export function dact64(z: number, a: Activation, alpha: number): number {
  switch (a) {
    case 'linear':
      return 1;
    case 'relu':
      return z > 0 ? 1 : 0;
    case 'leaky-relu':
      return z > 0 ? 1 : alpha;
    case 'elu':
      return z > 0 ? 1 : Math.exp(z);
    case 'selu':
      return SELU_SCALE * (z > 0 ? 1 : SELU_ALPHA * Math.exp(z));
    case 'tanh':
      return 1 - Math.tanh(z) ** 2;
    case 'sigmoid':
      return sigmoid64(z) * (1 - sigmoid64(z));
    case 'softplus':
      return sigmoid64(z);
    case 'swish':
    case 'silu':
      return sigmoid64(z) * (1 + z * (1 - sigmoid64(z)));
  }
}

/** The critic's score and its input gradient at one point, in float64 (forward pass, then backprop by hand). */
export function critic64(s: NetSample, row: number[]): { value: number; grad: number[] } {
  const L = s.widths.length - 1;
  const zs: number[][] = [];
  let h = row;
  for (let l = 0; l < L; l++) {
    const W = s.weights[`${P}W${l}`]!;
    const b = s.weights[`${P}B${l}`]!;
    const cols = W.shape[1]!;
    const z = Array.from({ length: cols }, (_, j) =>
      h.reduce((acc, v, i) => acc + v * W.data[i * cols + j]!, b.data[j]!),
    );
    zs.push(z);
    h = z.map((v) => act64(v, l === L - 1 ? s.outputActivation : s.activation, s.alpha));
  }
  let delta = [dact64(zs[L - 1]![0]!, s.outputActivation, s.alpha)];
  let grad: number[] = [];
  for (let l = L - 1; l >= 0; l--) {
    const W = s.weights[`${P}W${l}`]!;
    const [rowsW, cols] = W.shape as [number, number];
    const gh = Array.from({ length: rowsW }, (_, i) =>
      delta.reduce((acc, dj, j) => acc + W.data[i * cols + j]! * dj, 0),
    );
    if (l > 0) delta = gh.map((g, i) => g * dact64(zs[l - 1]![i]!, s.activation, s.alpha));
    else grad = gh;
  }
  return { value: h[0]!, grad };
}

/** V(D, G) = Σ p_data log D + p_g log(1 − D) in float64, for a discriminator given pointwise. */
export function value64(pData: number[], pG: number[], d: number[]): number {
  let total = 0;
  for (let i = 0; i < d.length; i++) {
    if (pData[i]! > 0) total += pData[i]! * Math.log(d[i]!);
    if (pG[i]! > 0) total += pG[i]! * Math.log(1 - d[i]!);
  }
  return total;
}

/**
 * Float64 references in plain JavaScript, written from the definitions and independent of
 * TF.js, for invariants that compare ganref's float32 results with the exact value.
 */

/** An activation in float64, with PyTorch's conventions (leaky-relu slope `alpha`, elu α = 1, selu constants). */
export function act64(z: number, a: Activation, alpha: number): number {
  switch (a) {
    case 'linear':
      return z;
    case 'relu':
      return Math.max(z, 0);
    case 'leaky-relu':
      return z > 0 ? z : alpha * z;
    case 'elu':
      return z > 0 ? z : Math.expm1(z);
    case 'selu':
      return SELU_SCALE * (z > 0 ? z : SELU_ALPHA * Math.expm1(z));
    case 'tanh':
      return Math.tanh(z);
    case 'sigmoid':
      return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    case 'softplus':
      return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    case 'swish':
    case 'silu':
      return z * act64(z, 'sigmoid', alpha);
  }
}
