/**
 * Dense symmetric linear algebra in float64 for the metrics (the Fréchet distance's matrix square
 * roots). Matrices are row-major `Float64Array`s of size d·d.
 */

/** An eigendecomposition A = V·diag(values)·Vᵀ of a symmetric matrix: `vectors` holds V row-major (columns are eigenvectors). */
export interface SymmetricEigen {
  values: Float64Array;
  vectors: Float64Array;
}

/**
 * The eigendecomposition of a symmetric d×d matrix by the cyclic Jacobi method (Golub & Van Loan,
 * Matrix Computations, 4th ed., §8.5): plane rotations annihilate each off-diagonal element in
 * turn until the off-diagonal mass is below 1e-30 of the matrix's Frobenius norm squared (float64
 * roundoff level) or 100 sweeps have run (it converges quadratically, typically in 6–10 sweeps).
 * Jacobi is chosen for its accuracy: it finds small eigenvalues of a positive semi-definite matrix
 * to high relative accuracy (Demmel & Veselić 1992), which the square roots near a singular
 * covariance need. Cost O(d³) per sweep. `a` is read, not modified; only its upper triangle and
 * diagonal are used after symmetrising (a + aᵀ)/2.
 */
export function symmetricEigen(a: Float64Array, d: number): SymmetricEigen {
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m[i * d + j] = 0.5 * (a[i * d + j]! + a[j * d + i]!);
  // Vᵀ, row r = eigenvector r, so that each rotation updates two contiguous rows.
  const vt = new Float64Array(d * d);
  for (let i = 0; i < d; i++) vt[i * d + i] = 1;
  let total = 0;
  for (let i = 0; i < d * d; i++) total += m[i]! * m[i]!;
  const stop = 1e-30 * total;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += 2 * m[p * d + q]! * m[p * d + q]!;
    if (off <= stop || off === 0) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = m[p * d + q]!;
        if (apq === 0) continue;
        const app = m[p * d + p]!;
        const aqq = m[q * d + q]!;
        // The rotation angle θ with cot 2θ = (a_qq − a_pp) / (2 a_pq); t = tan θ, the smaller root.
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← JᵀAJ on the symmetric matrix: rows p and q for every k ∉ {p, q} (contiguous),
        // mirrored into columns p and q; the 2×2 block in closed form (a_pq becomes 0).
        const rp = p * d;
        const rq = q * d;
        for (let k = 0; k < d; k++) {
          if (k === p || k === q) continue;
          const mpk = m[rp + k]!;
          const mqk = m[rq + k]!;
          const np = c * mpk - s * mqk;
          const nq = s * mpk + c * mqk;
          m[rp + k] = np;
          m[rq + k] = nq;
          m[k * d + p] = np;
          m[k * d + q] = nq;
        }
        m[rp + p] = app - t * apq;
        m[rq + q] = aqq + t * apq;
        m[rp + q] = 0;
        m[rq + p] = 0;
        for (let k = 0; k < d; k++) {
          const vpk = vt[rp + k]!;
          const vqk = vt[rq + k]!;
          vt[rp + k] = c * vpk - s * vqk;
          vt[rq + k] = s * vpk + c * vqk;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = m[i * d + i]!;
  const vectors = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) vectors[i * d + j] = vt[j * d + i]!;
  return { values, vectors };
}

/** V·diag(f(λ))·Vᵀ: a function of a symmetric matrix from its eigendecomposition. */
export function spectralFunction(e: SymmetricEigen, d: number, f: (lambda: number) => number): Float64Array {
  const fl = Array.from(e.values, f);
  const out = new Float64Array(d * d);
  const v = e.vectors;
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += v[i * d + k]! * fl[k]! * v[j * d + k]!;
      out[i * d + j] = s;
      out[j * d + i] = s;
    }
  }
  return out;
}

/** The product of two d×d row-major matrices. */
export function matMul64(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j] += aik * b[k * d + j]!;
    }
  }
  return out;
}

/** The trace of a d×d row-major matrix. */
export function trace64(a: Float64Array, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += a[i * d + i]!;
  return s;
}
