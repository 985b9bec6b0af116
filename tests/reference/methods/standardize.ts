/**
 * Float64 reference of per-row standardisation `(x − mean)/sqrt(var + eps)` (unbiased var) and
 * its gradient, as RBNN (eps 0) and SiMaN (eps 1e-5) compute it with autograd.
 *
 * @module
 */

/** Standardised rows of `x` (`rows` rows) and the gradient for upstream `g` (optional). */
export function standardizeRef(
  x: ArrayLike<number>,
  rows: number,
  eps: number,
  g?: ArrayLike<number>,
): { y: Float64Array; gx: Float64Array } {
  const n = x.length / rows;
  const y = new Float64Array(x.length);
  const gx = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let j = 0; j < n; j++) m += x[r * n + j];
    m /= n;
    let v = 0;
    for (let j = 0; j < n; j++) v += (x[r * n + j] - m) ** 2;
    const s = Math.sqrt(v / (n - 1) + eps);
    for (let j = 0; j < n; j++) y[r * n + j] = (x[r * n + j] - m) / s;
    if (!g) continue;
    let mg = 0, gy = 0;
    for (let j = 0; j < n; j++) {
      mg += g[r * n + j] / n;
      gy += g[r * n + j] * y[r * n + j];
    }
    for (let j = 0; j < n; j++) {
      gx[r * n + j] = (g[r * n + j] - mg - (y[r * n + j] * gy) / (n - 1)) / s;
    }
  }
  return { y, gx };
}
