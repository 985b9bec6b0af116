/**
 * Float64 reference of Bi-Real/ReActNet's `HardBinaryConv` (with Bi-Real's ApproxSign input).
 *
 * @module
 */
import type { Arr, ConvGeom } from "../dense.ts";
import { convRef, mapRef, rowMeanRef, rowsOf, signRef } from "./common.ts";

/** The layer: y, ∂L/∂x, ∂L/∂W. */
export function hardBinaryConvRef(
  x: Arr,
  w: Arr,
  binarizeInput: boolean,
  geom: ConvGeom,
  gy: ArrayLike<number>,
) {
  const [O, n] = rowsOf(w.shape);
  const alpha = rowMeanRef(mapRef(w.data, Math.abs), O);
  const wb = mapRef(w.data, (v, i) => alpha[Math.floor(i / n)] * signRef(v));
  const a = binarizeInput ? mapRef(x.data, signRef) : x.data;
  const r = convRef({ data: a, shape: x.shape }, { data: wb, shape: w.shape }, geom, gy);
  return {
    y: r.y,
    gx: binarizeInput ? mapRef(r.gx, (v, i) => v * Math.max(0, 2 - 2 * Math.abs(x.data[i]))) : r.gx,
    gw: mapRef(r.gw, (v, i) => (Math.abs(w.data[i]) <= 1 ? v : 0)),
  };
}
