/**
 * Float64 CPU reference of ReActNet's pieces: ApproxSign, RSign, RPReLU and the distributional
 * loss, with their gradients, written from the official code's formulas.
 *
 * @module
 */

/** `torch.sign`: +1, −1, or 0 for 0. */
export function signOf(v: number): number {
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

/** ApproxSign's derivative as the official `BinaryActivation` builds it piecewise. */
export function approxSignSlope(x: number): number {
  if (x < -1) return 0;
  if (x < 0) return 2 + 2 * x;
  if (x < 1) return 2 - 2 * x;
  return 0;
}

/** Channel (axis 1) of flat index `i` in `[N, C, inner]`. */
function chan(i: number, c: number, inner: number): number {
  return Math.floor(i / inner) % c;
}

/** RSign forward and gradients (`g` = upstream) for `x` `[N, C, inner]` and `b` `[C]`. */
export function rsignRef(
  x: ArrayLike<number>,
  b: ArrayLike<number>,
  g: ArrayLike<number>,
  inner: number,
): { y: Float64Array; gx: Float64Array; gb: Float64Array } {
  const c = b.length;
  const y = new Float64Array(x.length);
  const gx = new Float64Array(x.length);
  const gb = new Float64Array(c);
  for (let i = 0; i < x.length; i++) {
    const ch = chan(i, c, inner);
    const z = x[i] + b[ch];
    y[i] = signOf(z);
    gx[i] = g[i] * approxSignSlope(z);
    gb[ch] += gx[i];
  }
  return { y, gx, gb };
}

/** RPReLU `PReLU_β(x + γ) + ζ` forward and gradients for `x` `[N, C, inner]`. */
export function rpreluRef(
  x: ArrayLike<number>,
  p: { gamma: ArrayLike<number>; beta: ArrayLike<number>; zeta: ArrayLike<number> },
  g: ArrayLike<number>,
  inner: number,
): {
  y: Float64Array;
  gx: Float64Array;
  gGamma: Float64Array;
  gBeta: Float64Array;
  gZeta: Float64Array;
} {
  const c = p.gamma.length;
  const y = new Float64Array(x.length);
  const gx = new Float64Array(x.length);
  const gGamma = new Float64Array(c);
  const gBeta = new Float64Array(c);
  const gZeta = new Float64Array(c);
  for (let i = 0; i < x.length; i++) {
    const ch = chan(i, c, inner);
    const u = x[i] + p.gamma[ch];
    y[i] = (u > 0 ? u : p.beta[ch] * u) + p.zeta[ch];
    gx[i] = g[i] * (u > 0 ? 1 : p.beta[ch]);
    gGamma[ch] += gx[i];
    gBeta[ch] += u > 0 ? 0 : g[i] * u;
    gZeta[ch] += g[i];
  }
  return { y, gx, gGamma, gBeta, gZeta };
}

/** Log-softmax of each row of `[n, k]`. */
function logSoftmax(v: ArrayLike<number>, n: number, k: number): Float64Array {
  const out = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, v[r * k + j]);
    let s = 0;
    for (let j = 0; j < k; j++) s += Math.exp(v[r * k + j] - m);
    const lse = m + Math.log(s);
    for (let j = 0; j < k; j++) out[r * k + j] = v[r * k + j] - lse;
  }
  return out;
}

/**
 * `DistributionLoss`: `mean_n(−Σ softmax(t)·log_softmax(s))` and its gradient w.r.t. `s`
 * (times the upstream scalar `g`).
 */
export function distributionLossRef(
  s: ArrayLike<number>,
  t: ArrayLike<number>,
  n: number,
  k: number,
  g = 1,
): { loss: number; gs: Float64Array } {
  const ls = logSoftmax(s, n, k);
  const lt = logSoftmax(t, n, k);
  let loss = 0;
  const gs = new Float64Array(n * k);
  for (let i = 0; i < n * k; i++) loss -= Math.exp(lt[i]) * ls[i];
  for (let i = 0; i < n * k; i++) gs[i] = (g / n) * (Math.exp(ls[i]) - Math.exp(lt[i]));
  return { loss: loss / n, gs };
}
