/**
 * Float64 reference of SiMaN (lmbxmu/SiMaN `BinarizeConv2d`, median branch): numpy's
 * percentile, the in-place clipping, the lower-median mask and the layer's forward and
 * gradients.
 *
 * @module
 */
import { arr, conv2dGradInputRef, conv2dGradWeightRef, conv2dRef } from "../dense.ts";
import { approxSignSlope, signOf } from "./react.ts";
import { standardizeRef } from "./standardize.ts";

/** `np.percentile(v, q)` (linear method, numpy's lerp). */
export function percentileRef(v: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(v).sort();
  const pos = (q / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  const t = pos - lo;
  const d = s[hi] - s[lo];
  return t >= 0.5 ? s[hi] - d * (1 - t) : s[lo] + d * t;
}

/** The in-place step: `clamp(|w1|, L, H)·sign(w1)` with `w1 = w − mean_o`. */
export function clipRef(w: ArrayLike<number>, rows: number, percent: number): Float64Array {
  const n = w.length / rows;
  const w1 = new Float64Array(w.length);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let j = 0; j < n; j++) m += w[r * n + j] / n;
    for (let j = 0; j < n; j++) w1[r * n + j] = w[r * n + j] - m;
  }
  const abs = w1.map(Math.abs);
  const L = percentileRef(abs, percent), H = percentileRef(abs, 100 - percent);
  return w1.map((v) => Math.min(Math.max(Math.abs(v), L), H) * signOf(v));
}

/** `1[x > lower median of the row]` per row. */
export function medianMaskRef(x: ArrayLike<number>, rows: number): Float64Array {
  const n = x.length / rows;
  const out = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    const row = Float64Array.from({ length: n }, (_, j) => x[r * n + j]);
    const med = Float64Array.from(row).sort()[Math.floor((n - 1) / 2)];
    row.forEach((v, j) => (out[r * n + j] = v > med ? 1 : 0));
  }
  return out;
}

/** SimanConv2d forward and gradients on the already clipped weight `w`. */
export function simanConvRef(p: {
  x: ArrayLike<number>;
  xShape: number[];
  w: ArrayLike<number>;
  wShape: number[];
  alpha: ArrayLike<number>;
  /** Stored B (used in eval). */
  b: ArrayLike<number>;
  training: boolean;
  stride: number;
  padding: number;
  g: ArrayLike<number>;
}) {
  const [O] = p.wShape;
  const N = p.xShape[0];
  const geom = { stride: p.stride, padding: p.padding };
  const w2 = standardizeRef(p.w, O, 1e-5).y;
  const B = p.training ? medianMaskRef(w2.map(Math.abs), O) : Float64Array.from(p.b);
  const bw = arr(B.map((v) => 2 * v - 1), p.wShape);
  const a1 = standardizeRef(p.x, N, 1e-5).y;
  const ba = arr(a1.map(signOf), p.xShape);
  const y0 = conv2dRef(ba, bw, geom);
  const S = y0.data.length / (N * O);
  const ch = (i: number) => Math.floor(i / S) % O;
  const y = y0.data.map((v, i) => v * p.alpha[ch(i)]);
  const gAlpha = new Float64Array(O);
  y0.data.forEach((v, i) => (gAlpha[ch(i)] += v * p.g[i]));
  const gy0 = arr(Array.from(p.g, (v, i) => v * p.alpha[ch(i)]), y0.shape);
  const gBa = conv2dGradInputRef(gy0, bw, p.xShape, geom).data;
  const gx = standardizeRef(p.x, N, 1e-5, gBa.map((v, i) => v * approxSignSlope(a1[i]))).gx;
  const gBw = conv2dGradWeightRef(ba, gy0, p.wShape, geom).data;
  const gw = standardizeRef(p.w, O, 1e-5, gBw.map((v, i) => v * signOf(w2[i]))).gx;
  return { y, B, a1, gx, gw, gAlpha };
}
