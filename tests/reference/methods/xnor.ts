/**
 * Float64 reference of XNOR-Net as jiecaoyu/XNOR-Net-PyTorch computes it: the in-place
 * centre-and-clamp, the binary conv and `updateBinaryGradWeight`.
 *
 * @module
 */
import type { Arr, ConvGeom } from "../dense.ts";
import { centreDim1Ref, convRef, mapRef, rowsOf, signRef } from "./common.ts";

/** `clamp(W − mean over dim 1, −1, 1)`. */
export function xnorCentreClampRef(w: ArrayLike<number>, shape: number[]): Float64Array {
  return mapRef(centreDim1Ref(w, shape), (v) => Math.min(1, Math.max(-1, v)));
}

/** `α·sign(W)` and the official weight gradient for `g = ∂L/∂(α sign W)`. */
export function xnorWeightRef(
  w: ArrayLike<number>,
  shape: number[],
  g: ArrayLike<number> | null,
  gradScale = 1,
): { wb: Float64Array; gw: Float64Array } {
  const [O, n] = rowsOf(shape);
  const C = shape[1];
  const wb = new Float64Array(w.length);
  const gw = new Float64Array(w.length);
  for (let o = 0; o < O; o++) {
    let alpha = 0;
    let outside = false;
    let cross = 0;
    for (let j = 0; j < n; j++) {
      const v = w[o * n + j];
      alpha += Math.abs(v) / n;
      if (v < -1 || v > 1) outside = true;
      if (g) cross += signRef(v) * g[o * n + j] / n;
    }
    for (let j = 0; j < n; j++) {
      const i = o * n + j;
      wb[i] = alpha * signRef(w[i]);
      if (g) {
        gw[i] = ((outside ? 0 : alpha) * g[i] + signRef(w[i]) * cross) * (1 - 1 / C) * n *
          gradScale;
      }
    }
  }
  return { wb, gw };
}

/** The layer on already centred weights: y, ∂L/∂x, ∂L/∂W (official formula), ∂L/∂bias. */
export function xnorConvRef(
  x: Arr,
  w: Arr,
  bias: ArrayLike<number> | undefined,
  geom: ConvGeom,
  gy: ArrayLike<number>,
) {
  const xb = mapRef(x.data, signRef);
  const { wb } = xnorWeightRef(w.data, w.shape, null);
  const r = convRef({ data: xb, shape: x.shape }, { data: wb, shape: w.shape }, geom, gy, { bias });
  const gx = mapRef(r.gx, (v, i) => (Math.abs(x.data[i]) < 1 ? v : 0));
  const { gw } = xnorWeightRef(w.data, w.shape, r.gw);
  return { y: r.y, gx, gw, gbias: r.gbias };
}
