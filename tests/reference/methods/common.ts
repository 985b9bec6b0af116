/**
 * Float64 CPU helpers shared by the BNN methods' references: per-row statistics, sign,
 * conv with bias/scale, and the backward of a per-row standardisation.
 *
 * @module
 */
import {
  type Arr,
  conv2dGradInputRef,
  conv2dGradWeightRef,
  conv2dRef,
  type ConvGeom,
} from "../dense.ts";
import { signRef } from "../binary_conv.ts";

export { signRef };

/** Number of rows (first axis) and row length of a shape. */
export function rowsOf(shape: readonly number[]): [number, number] {
  const r = shape[0];
  return [r, shape.reduce((a, d) => a * d, 1) / r];
}

/** Per-row mean. */
export function rowMeanRef(x: ArrayLike<number>, rows: number): Float64Array {
  const n = x.length / rows;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += x[r * n + j];
    out[r] = s / n;
  }
  return out;
}

/** Per-row variance (unbiased unless told). */
export function rowVarRef(x: ArrayLike<number>, rows: number, unbiased = true): Float64Array {
  const n = x.length / rows;
  const m = rowMeanRef(x, rows);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += (x[r * n + j] - m[r]) ** 2;
    out[r] = s / (unbiased ? n - 1 : n);
  }
  return out;
}

/** Element-wise map into a new Float64Array. */
export function mapRef(x: ArrayLike<number>, f: (v: number, i: number) => number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i], i);
  return out;
}

/**
 * Backward of `z = (x − mean_r x)/s_r` with `s_r = sqrt(var_r(x) + eps)` (unbiased or not),
 * differentiable through the mean and s: given `gz`, returns `gx`.
 */
export function standardiseBackward(
  x: ArrayLike<number>,
  gz: ArrayLike<number>,
  rows: number,
  eps: number,
  unbiased = true,
): Float64Array {
  const n = x.length / rows;
  const m = rowMeanRef(x, rows);
  const v = rowVarRef(x, rows, unbiased);
  const d = unbiased ? n - 1 : n;
  const gx = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    const s = Math.sqrt(v[r] + eps);
    let gc = 0; // Σ gz·c
    for (let j = 0; j < n; j++) {
      gc += gz[r * n + j] * (x[r * n + j] - m[r]);
    }
    // dz_i/dc_j = δ_ij/s − c_i c_j/(s³ d); then subtract the mean (centring).
    const gcent = new Float64Array(n);
    let mean = 0;
    for (let j = 0; j < n; j++) {
      const c = x[r * n + j] - m[r];
      gcent[j] = gz[r * n + j] / s - c * gc / (s * s * s * d);
      mean += gcent[j];
    }
    mean /= n;
    for (let j = 0; j < n; j++) gx[r * n + j] = gcent[j] - mean;
  }
  return gx;
}

/** `y = conv(x, w)` (+ bias[o]) (· scale[o]) and the three gradients for `gy`. */
export function convRef(
  x: Arr,
  w: Arr,
  geom: ConvGeom,
  gy: ArrayLike<number>,
  extra: { bias?: ArrayLike<number>; scale?: ArrayLike<number> } = {},
): { y: Arr; gx: Float64Array; gw: Float64Array; gbias: Float64Array; gscale: Float64Array } {
  const raw = conv2dRef(x, w, geom);
  const [N, O, OH, OW] = raw.shape;
  const hw = OH * OW;
  const y = new Float64Array(raw.data.length);
  const gz = new Float64Array(raw.data.length); // ∂L/∂(conv + bias)
  const gbias = new Float64Array(O);
  const gscale = new Float64Array(O);
  for (let i = 0; i < y.length; i++) {
    const o = Math.floor(i / hw) % O;
    const z = raw.data[i] + (extra.bias?.[o] ?? 0);
    const s = extra.scale?.[o] ?? 1;
    y[i] = z * s;
    gz[i] = gy[i] * s;
    gscale[o] += gy[i] * z;
    gbias[o] += gz[i];
  }
  void N;
  const gza: Arr = { data: gz, shape: raw.shape };
  return {
    y: { data: y, shape: raw.shape },
    gx: conv2dGradInputRef(gza, w, x.shape, geom).data,
    gw: conv2dGradWeightRef(x, gza, w.shape, geom).data,
    gbias,
    gscale,
  };
}

/** `W − mean over dim 1` (also the backward of that centring, applied to a gradient). */
export function centreDim1Ref(w: ArrayLike<number>, shape: number[]): Float64Array {
  const [O, C] = shape;
  const s = w.length / (O * C);
  const out = new Float64Array(w.length);
  for (let o = 0; o < O; o++) {
    for (let r = 0; r < s; r++) {
      let m = 0;
      for (let c = 0; c < C; c++) m += w[(o * C + c) * s + r] / C;
      for (let c = 0; c < C; c++) out[(o * C + c) * s + r] = w[(o * C + c) * s + r] - m;
    }
  }
  return out;
}
