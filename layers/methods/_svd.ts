/**
 * Small float64 linear algebra on the CPU for RBNN's per-epoch rotation update: a one-sided
 * Jacobi SVD of a square matrix and a Haar-random orthogonal matrix.
 *
 * Matrices are row-major `Float64Array`s of n×n values.
 *
 * @module
 */
import type { Prng } from "@ovsw/init";

/** The SVD `A = U·diag(S)·Vᵀ` of a square matrix (U, V orthogonal, S ≥ 0). */
export interface Svd {
  /** Left singular vectors as columns, n×n. */
  u: Float64Array;
  /** Singular values, descending. */
  s: Float64Array;
  /** Right singular vectors as columns, n×n. */
  v: Float64Array;
}

/** Completes the columns of `q` (n×n) marked `missing` to an orthonormal basis (Gram-Schmidt). */
function completeBasis(q: Float64Array, n: number, missing: boolean[]): void {
  let e = 0;
  for (let j = 0; j < n; j++) {
    while (missing[j] && e < n) {
      const c = new Float64Array(n);
      c[e++] = 1;
      for (let k = 0; k < n; k++) {
        if (missing[k]) continue;
        let d = 0;
        for (let i = 0; i < n; i++) d += q[i * n + k] * c[i];
        for (let i = 0; i < n; i++) c[i] -= d * q[i * n + k];
      }
      const norm = Math.hypot(...c);
      if (norm > 1e-6) {
        for (let i = 0; i < n; i++) q[i * n + j] = c[i] / norm;
        missing[j] = false;
      }
    }
  }
}

/**
 * SVD of the n×n row-major matrix `a` by one-sided Jacobi rotations (float64; accurate to
 * about 1e-12 relative). Used once per epoch per layer, so plain CPU code is fine.
 *
 * @example
 * ```ts
 * import { svd } from "./_svd.ts";
 * const { s } = svd(Float64Array.from([3, 0, 0, -2]), 2);
 * console.log(Array.from(s)); // [3, 2]
 * ```
 */
export function svd(a: Float64Array, n: number): Svd {
  if (a.length !== n * n) throw new RangeError(`svd: ${a.length} values for ${n}×${n}`);
  const w = Float64Array.from(a); // columns are orthogonalised in place → U·S
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0, beta = 0, gamma = 0;
        for (let i = 0; i < n; i++) {
          const x = w[i * n + p], y = w[i * n + q];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        off = Math.max(off, Math.abs(gamma) / Math.sqrt(alpha * beta));
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), s = c * t;
        for (let i = 0; i < n; i++) {
          const x = w[i * n + p], y = w[i * n + q];
          w[i * n + p] = c * x - s * y;
          w[i * n + q] = s * x + c * y;
          const vx = v[i * n + p], vy = v[i * n + q];
          v[i * n + p] = c * vx - s * vy;
          v[i * n + q] = s * vx + c * vy;
        }
      }
    }
    if (off < 1e-15) break;
  }
  const norms = Array.from({ length: n }, (_, j) => {
    let ss = 0;
    for (let i = 0; i < n; i++) ss += w[i * n + j] ** 2;
    return Math.sqrt(ss);
  });
  const order = norms.map((_, j) => j).sort((x, y) => norms[y] - norms[x]);
  const u = new Float64Array(n * n), vs = new Float64Array(n * n), s = new Float64Array(n);
  const tiny = (norms[order[0]] || 1) * 1e-13;
  const missing: boolean[] = [];
  order.forEach((j, k) => {
    s[k] = norms[j];
    missing[k] = norms[j] <= tiny;
    for (let i = 0; i < n; i++) {
      u[i * n + k] = missing[k] ? 0 : w[i * n + j] / norms[j];
      vs[i * n + k] = v[i * n + j];
    }
  });
  if (missing.some(Boolean)) completeBasis(u, n, missing);
  return { u, s, v: vs };
}

/**
 * A Haar-random n×n orthogonal matrix: the Q of the QR factorisation of a standard Gaussian
 * matrix, with each column's sign fixed by the sign of R's diagonal (Mezzadri 2007), drawn
 * from `rng`.
 *
 * @example
 * ```ts
 * import { Prng } from "@ovsw/init";
 * import { haarOrthogonal } from "./_svd.ts";
 * const q = haarOrthogonal(3, new Prng(0));
 * console.log(q.length); // 9
 * ```
 */
export function haarOrthogonal(n: number, rng: Prng): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) a[i] = rng.normal();
  const q = new Float64Array(n * n);
  // Modified Gram-Schmidt on the columns: q_j = (a_j − Σ q_k r_kj)/r_jj with r_jj > 0, which
  // is the sign-fixed Q.
  for (let j = 0; j < n; j++) {
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = a[i * n + j];
    for (let k = 0; k < j; k++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += q[i * n + k] * c[i];
      for (let i = 0; i < n; i++) c[i] -= d * q[i * n + k];
    }
    const norm = Math.hypot(...c);
    for (let i = 0; i < n; i++) q[i * n + j] = c[i] / norm;
  }
  return q;
}
