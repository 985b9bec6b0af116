/**
 * Float64 CPU references of the optimizer pieces (docs/method.md §3–§5, PyTorch SGD/Adam), used by
 * the optim tests. Arrays are flat row-major; a weight `[O, …]` has `n = size / O` per channel.
 *
 * @module
 */

/** AGS on one tensor; returns the scaled gradient and the per-channel ratios/flags. */
export function agsRef(
  g: ArrayLike<number>,
  w: ArrayLike<number>,
  channels: number,
  delta: number,
): { g: Float64Array; ratio: Float64Array; scaled: Float64Array } {
  const n = g.length / channels;
  const out = Float64Array.from(g);
  const ratio = new Float64Array(channels);
  const scaled = new Float64Array(channels);
  for (let o = 0; o < channels; o++) {
    let a = 0;
    let b = 0;
    for (let i = o * n; i < (o + 1) * n; i++) {
      a += g[i] * g[i];
      b += w[i] * w[i];
    }
    const gn = Math.max(Math.sqrt(a), 1e-6);
    const pn = Math.max(Math.sqrt(b), 1e-3);
    ratio[o] = gn / pn;
    if (gn / pn < delta) {
      scaled[o] = 1;
      const f = delta * pn / gn;
      for (let i = o * n; i < (o + 1) * n; i++) out[i] = f * g[i];
    }
  }
  return { g: out, ratio, scaled };
}

/** SAD state of one tensor for {@link sadRef}. */
export interface SadRefState {
  /** Flip tracker. */
  tracker: Float64Array;
  /** Previous weights. */
  prev: Float64Array;
}

/** One SAD step in place on `state`; returns the new gradient and the silent fraction. */
export function sadRef(
  g: ArrayLike<number>,
  w: ArrayLike<number>,
  state: SadRefState,
  o: { lambda: number; m: number; tau: number },
): { g: Float64Array; silent: number } {
  const out = new Float64Array(g.length);
  let silent = 0;
  for (let i = 0; i < g.length; i++) {
    const flipped = Math.sign(w[i]) !== Math.sign(state.prev[i]) ? 1 : 0;
    state.tracker[i] = o.m * state.tracker[i] + (1 - o.m) * flipped;
    const mask = state.tracker[i] < o.tau;
    out[i] = g[i] + (mask ? o.lambda * w[i] : 0);
    state.prev[i] = w[i];
    if (mask) silent++;
  }
  return { g: out, silent: silent / g.length };
}

/** PyTorch SGD momentum buffers (null until the first step) for {@link sgdRef}. */
export type SgdRefState = Float64Array | null;

/**
 * One `torch.optim.SGD` step in place on `w`: `d = g + wd·w`; `buf = d` first, else
 * `μ·buf + d`; `w −= lr·buf` (Nesterov `w −= lr·(d + μ·buf)`). Returns the new buffer.
 */
export function sgdRef(
  w: Float64Array,
  g: ArrayLike<number>,
  buf: SgdRefState,
  o: { lr: number; momentum: number; wd: number; nesterov?: boolean },
): SgdRefState {
  const d = Float64Array.from(g, (x, i) => x + o.wd * w[i]);
  if (o.momentum === 0) {
    for (let i = 0; i < w.length; i++) w[i] -= o.lr * d[i];
    return null;
  }
  const b = buf === null ? Float64Array.from(d) : buf.map((x, i) => o.momentum * x + d[i]);
  for (let i = 0; i < w.length; i++) {
    w[i] -= o.lr * (o.nesterov ? d[i] + o.momentum * b[i] : b[i]);
  }
  return b;
}

/** Adam moments for {@link adamRef}. */
export interface AdamRefState {
  /** First moment. */
  m: Float64Array;
  /** Second moment. */
  v: Float64Array;
  /** Steps taken. */
  t: number;
}

/** One `torch.optim.Adam` (`decoupled` false) or `AdamW` (true) step in place on `w`. */
export function adamRef(
  w: Float64Array,
  g: ArrayLike<number>,
  s: AdamRefState,
  o: { lr: number; b1: number; b2: number; eps: number; wd: number; decoupled: boolean },
): void {
  s.t++;
  const bc1 = 1 - o.b1 ** s.t;
  const bc2 = 1 - o.b2 ** s.t;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i] + (o.decoupled ? 0 : o.wd * w[i]);
    if (o.decoupled) w[i] *= 1 - o.lr * o.wd;
    s.m[i] = o.b1 * s.m[i] + (1 - o.b1) * gi;
    s.v[i] = o.b2 * s.v[i] + (1 - o.b2) * gi * gi;
    w[i] -= (o.lr / bc1) * s.m[i] / (Math.sqrt(s.v[i]) / Math.sqrt(bc2) + o.eps);
  }
}
