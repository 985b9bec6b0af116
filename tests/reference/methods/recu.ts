/**
 * Float64 reference of ReCU's `BinarizeConv2d` (standardisation, rectified clamp, activation
 * normalisation in training, learned α).
 *
 * @module
 */
import type { Arr, ConvGeom } from "../dense.ts";
import {
  convRef,
  mapRef,
  rowMeanRef,
  rowsOf,
  rowVarRef,
  signRef,
  standardiseBackward,
} from "./common.ts";

const S = 2 * Math.SQRT2;

/** `w1` (std 2√2) and `Q_τ` (Infinity for τ ≥ 1). */
export function recuWeightRef(w: ArrayLike<number>, shape: number[], tau: number) {
  const [O, n] = rowsOf(shape);
  const m = rowMeanRef(w, O);
  const v = rowVarRef(w, O);
  const w1 = mapRef(w, (x, i) => {
    const r = Math.floor(i / n);
    return (x - m[r]) / Math.sqrt(v[r] + 1e-5) * S;
  });
  const ew = w1.reduce((a, x) => a + Math.abs(x), 0) / w1.length;
  const q = tau >= 1 ? Infinity : -ew * Math.log(2 - 2 * tau);
  return { w1, q };
}

/** The layer: y, ∂L/∂x, ∂L/∂W, ∂L/∂α, and the fraction of clamped weights. */
export function recuConvRef(
  x: Arr,
  w: Arr,
  alpha: ArrayLike<number>,
  opts: { tau: number; training: boolean },
  geom: ConvGeom,
  gy: ArrayLike<number>,
) {
  const [O] = rowsOf(w.shape);
  const { w1, q } = recuWeightRef(w.data, w.shape, opts.tau);
  const bw = mapRef(w1, signRef);
  const [N, nx] = rowsOf(x.shape);
  const mx = rowMeanRef(x.data, N);
  const vx = rowVarRef(x.data, N);
  const sx = mapRef(vx, (v) => Math.sqrt(v + 1e-5));
  const a0 = opts.training ? mapRef(x.data, (v, i) => v / sx[Math.floor(i / nx)]) : x.data;
  const ba = mapRef(a0, signRef);
  const r = convRef({ data: ba, shape: x.shape }, { data: bw, shape: w.shape }, geom, gy, {
    scale: alpha,
  });
  const ga0 = mapRef(r.gx, (g, i) => g * Math.max(0, 2 - 2 * Math.abs(a0[i])));
  let gx = ga0;
  if (opts.training) {
    // a0 = a / s, s = sqrt(var(a) + eps): ∂/∂a_j = g_j/s − (a_j − m)·Σ_i g_i a_i/(s³ (n−1)).
    gx = new Float64Array(ga0.length);
    for (let b = 0; b < N; b++) {
      let ga = 0;
      for (let j = 0; j < nx; j++) ga += ga0[b * nx + j] * x.data[b * nx + j];
      const s = sx[b];
      for (let j = 0; j < nx; j++) {
        const i = b * nx + j;
        gx[i] = ga0[i] / s - (x.data[i] - mx[b]) * ga / (s * s * s * (nx - 1));
      }
    }
  }
  const gw1 = mapRef(r.gw, (g, i) => (Math.abs(w1[i]) <= q ? g * S : 0));
  const clamped = w1.filter((v) => Math.abs(v) > q).length / w1.length;
  void O;
  return {
    y: r.y,
    gx,
    gw: standardiseBackward(w.data, gw1, w.shape[0], 1e-5),
    galpha: r.gscale,
    clamped,
  };
}
