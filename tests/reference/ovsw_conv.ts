/**
 * Float64 CPU reference of the OvSW binary convolution (docs/method.md §2), forward and backward,
 * written from the spec with plain loops (conv products from `dense.ts`).
 *
 * @module
 */
import { type Arr, conv2dGradInputRef, conv2dGradWeightRef, conv2dRef } from "./dense.ts";

/** Weight estimators by name: forward value and gradient mask given the row mean |w|. */
const EST: Record<
  string,
  { f: (w: number, m: number) => number; b: (g: number, w: number, m: number) => number }
> = {
  ste: { f: (w) => Math.sign(w), b: (g) => g },
  hardtanh: { f: (w) => Math.sign(w), b: (g, w) => (Math.abs(w) < 1 ? g : 0) },
  ste_v2: { f: (w, m) => Math.sign(w) * m, b: (g) => g },
  hardtanhv2: { f: (w) => Math.sign(w), b: (g, w, m) => (Math.abs(w) < m ? g : 0) },
};

/** Options of the reference. */
export interface OvswConvRefOptions {
  /** Stride. */
  stride: number;
  /** Padding. */
  padding: number;
  /** Training mode (per-sample input normalisation of the backward window). */
  training: boolean;
  /** Weight estimator name. */
  estimator: string;
  /** Learned α (else from the standardised weights). */
  alpha?: ArrayLike<number>;
}

/** Results of {@link ovswConvRef}. */
export interface OvswConvRef {
  /** Output. */
  y: Arr;
  /** α used. */
  alpha: Float64Array;
  /** ∂L/∂x for the upstream gradient given. */
  gx: Float64Array;
  /** ∂L/∂W. */
  gw: Float64Array;
  /** ∂L/∂α (meaningful for a learned α). */
  galpha: Float64Array;
}

/** Forward and backward of the OvSW conv for upstream gradient `gy` (same shape as y). */
export function ovswConvRef(
  x: Arr,
  w: Arr,
  gyValues: ArrayLike<number> | null,
  o: OvswConvRefOptions,
): OvswConvRef {
  const est = EST[o.estimator];
  const [N] = x.shape;
  const per = x.data.length / N;
  const [O] = w.shape;
  const n = w.data.length / O;
  const eps = 1e-5;
  // per-sample std
  const inv = new Float64Array(N).fill(1);
  if (o.training) {
    for (let b = 0; b < N; b++) {
      let s = 0;
      for (let j = 0; j < per; j++) s += x.data[b * per + j];
      const mean = s / per;
      let q = 0;
      for (let j = 0; j < per; j++) q += (x.data[b * per + j] - mean) ** 2;
      inv[b] = 1 / Math.sqrt(q / (per - 1) + eps);
    }
  }
  // α and mean|W_o|
  const alpha = new Float64Array(O);
  const meanAbs = new Float64Array(O);
  for (let r = 0; r < O; r++) {
    let s = 0;
    let sa = 0;
    for (let j = 0; j < n; j++) {
      s += w.data[r * n + j];
      sa += Math.abs(w.data[r * n + j]);
    }
    const mean = s / n;
    meanAbs[r] = sa / n;
    let q = 0;
    for (let j = 0; j < n; j++) q += (w.data[r * n + j] - mean) ** 2;
    const std = Math.sqrt(q / (n - 1) + eps);
    let z = 0;
    for (let j = 0; j < n; j++) z += Math.abs((w.data[r * n + j] - mean) / std);
    alpha[r] = o.alpha ? o.alpha[r] : z / n;
  }
  const a: Arr = { data: x.data.map(Math.sign), shape: x.shape };
  const b: Arr = {
    data: w.data.map((v, i) => est.f(v, meanAbs[Math.floor(i / n)])),
    shape: w.shape,
  };
  const conv = { stride: o.stride, padding: o.padding };
  const y0 = conv2dRef(a, b, conv);
  const [, , OH, OW] = y0.shape;
  const hw = OH * OW;
  const y = { data: y0.data.map((v, i) => v * alpha[Math.floor(i / hw) % O]), shape: y0.shape };
  const gx = new Float64Array(x.data.length);
  const gw = new Float64Array(w.data.length);
  const galpha = new Float64Array(O);
  if (gyValues) {
    const gy: Arr = { data: Float64Array.from(gyValues), shape: y0.shape };
    const bScaled: Arr = {
      data: b.data.map((v, i) => v * alpha[Math.floor(i / n)]),
      shape: w.shape,
    };
    const ga = conv2dGradInputRef(gy, bScaled, x.shape, conv);
    for (let i = 0; i < gx.length; i++) {
      const s = inv[Math.floor(i / per)];
      gx[i] = ga.data[i] * s * Math.max(0, 2 - 2 * Math.abs(x.data[i] * s));
    }
    const G = conv2dGradWeightRef(a, gy, w.shape, conv);
    for (let i = 0; i < gw.length; i++) {
      const r = Math.floor(i / n);
      gw[i] = est.b(alpha[r] * G.data[i], w.data[i], meanAbs[r]);
      galpha[r] += G.data[i] * b.data[i];
    }
  }
  return { y, alpha, gx, gw, galpha };
}
