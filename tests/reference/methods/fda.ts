/**
 * Float64 reference of FDA-BNN as BiBench's `FDAConv2d` computes it: the Fourier-series sign
 * slope, the noise adapters (`NoiseAdaption`, `NoiseAdaption_a`) and the layer's forward and
 * gradients.
 *
 * @module
 */
import { arr, type ConvGeom } from "../dense.ts";
import { convRef, signRef } from "./common.ts";

/** `(4ω/π)·Σ_{i=0}^{n} cos((2i+1)ωz)`, 0 where |z| > 1. */
export function fourierSlope(z: number, n: number, omega = 0.1): number {
  if (z > 1 || z < -1) return 0;
  let s = 0;
  for (let i = 0; i <= n; i++) s += Math.cos((2 * i + 1) * omega * z);
  return ((4 * omega) / Math.PI) * s;
}

/** What {@link noiseRef} returns. */
export interface NoiseRef {
  /** `fc2(relu(fc1 X)) + 0.1·sin X`, rows × d. */
  e: Float64Array;
  /** ∂L/∂X. */
  gX: Float64Array;
  /** ∂L/∂fc1 (`[m, d]`). */
  gFc1: Float64Array;
  /** ∂L/∂fc2 (`[d, m]`). */
  gFc2: Float64Array;
}

/** The noise MLP on `rows` rows of width d, and its gradients for upstream `g` (rows × d). */
export function noiseRef(
  X: ArrayLike<number>,
  rows: number,
  fc1: ArrayLike<number> | null,
  fc2: ArrayLike<number> | null,
  g: ArrayLike<number>,
): NoiseRef {
  const d = X.length / rows;
  const m = fc1 ? fc1.length / d : 0;
  const e = new Float64Array(X.length);
  const gX = new Float64Array(X.length);
  const gFc1 = new Float64Array(m * d);
  const gFc2 = new Float64Array(d * m);
  for (let r = 0; r < rows; r++) {
    const x = (j: number) => X[r * d + j];
    const h = new Float64Array(m);
    for (let k = 0; k < m; k++) for (let j = 0; j < d; j++) h[k] += fc1![k * d + j] * x(j);
    const rl = h.map((v) => Math.max(v, 0));
    const gr = new Float64Array(m);
    for (let j = 0; j < d; j++) {
      let v = 0.1 * Math.sin(x(j));
      const gj = g[r * d + j];
      for (let k = 0; k < m; k++) {
        v += fc2![j * m + k] * rl[k];
        gFc2[j * m + k] += gj * rl[k];
        gr[k] += gj * fc2![j * m + k];
      }
      e[r * d + j] = v;
      gX[r * d + j] = 0.1 * Math.cos(x(j)) * gj;
    }
    for (let k = 0; k < m; k++) {
      const gh = h[k] > 0 ? gr[k] : 0;
      for (let j = 0; j < d; j++) {
        gFc1[k * d + j] += gh * x(j);
        gX[r * d + j] += gh * fc1![k * d + j];
      }
    }
  }
  return { e, gX, gFc1, gFc2 };
}

/** NCHW → (N·H·W) × C rows (one per position) and back. */
function positions(x: ArrayLike<number>, shape: number[], back = false): Float64Array {
  const [N, C, H, W] = shape;
  const hw = H * W;
  const out = new Float64Array(x.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let p = 0; p < hw; p++) {
        const nchw = (n * C + c) * hw + p;
        const rowMajor = (n * hw + p) * C + c;
        if (back) out[nchw] = x[rowMajor];
        else out[rowMajor] = x[nchw];
      }
    }
  }
  return out;
}

/** The activation noise (`NoiseAdaption_a`) on NCHW `a`, with its gradients for `g` (NCHW). */
export function actNoiseRef(
  a: ArrayLike<number>,
  shape: number[],
  fc1: ArrayLike<number> | null,
  fc2: ArrayLike<number> | null,
  g: ArrayLike<number>,
): NoiseRef {
  const rows = shape[0] * shape[2] * shape[3];
  const r = noiseRef(positions(a, shape), rows, fc1, fc2, positions(g, shape));
  return { ...r, e: positions(r.e, shape, true), gX: positions(r.gX, shape, true) };
}

/** FdaConv2d's forward and gradients (`sum(y·g)`). */
export function fdaConvRef(p: {
  x: ArrayLike<number>;
  xShape: number[];
  w: ArrayLike<number>;
  wShape: number[];
  /** Weight adapter (null: zero width or no noise). */
  wFc1: ArrayLike<number> | null;
  wFc2: ArrayLike<number> | null;
  /** Activation adapter. */
  aFc1: ArrayLike<number> | null;
  aFc2: ArrayLike<number> | null;
  noise: boolean;
  eta: number;
  n: number;
  geom: ConvGeom;
  g: ArrayLike<number>;
}): {
  y: Float64Array;
  gx: Float64Array;
  gw: Float64Array;
  gWFc1: Float64Array;
  gWFc2: Float64Array;
} {
  const O = p.wShape[0];
  const d = p.w.length / O;
  const eta = p.noise ? p.eta : 0;
  const zeros = (len: number) => new Float64Array(len);
  // Forward: the noise does not depend on g; run the MLPs once with g = 0 for e.
  const ew = noiseRef(p.w, O, p.wFc1, p.wFc2, zeros(p.w.length)).e;
  const ea = actNoiseRef(p.x, p.xShape, p.aFc1, p.aFc2, zeros(p.x.length)).e;
  const bw = Float64Array.from(p.w, (v, i) => signRef(v) + eta * ew[i]);
  const ba = Float64Array.from(p.x, (v, i) => signRef(v) + eta * ea[i]);
  const s = new Float64Array(O);
  for (let o = 0; o < O; o++) for (let j = 0; j < d; j++) s[o] += Math.abs(p.w[o * d + j]) / d;
  const c = convRef(arr(ba, p.xShape), arr(bw, p.wShape), p.geom, p.g, { scale: s });
  const gBa = c.gx;
  const gBw = c.gw; // ∂L/∂bw (s is applied as an output scale, the same product)
  const nw = noiseRef(p.w, O, p.wFc1, p.wFc2, gBw.map((v) => eta * v));
  const na = actNoiseRef(p.x, p.xShape, p.aFc1, p.aFc2, gBa.map((v) => eta * v));
  const gw = Float64Array.from(p.w, (v, i) => fourierSlope(v, p.n) * gBw[i] + nw.gX[i]);
  const gx = Float64Array.from(p.x, (v, i) => fourierSlope(v, p.n) * gBa[i] + na.gX[i]);
  return { y: c.y.data, gx, gw, gWFc1: nw.gFc1, gWFc2: nw.gFc2 };
}
