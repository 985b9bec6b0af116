/**
 * Float64 reference of IR-Net's `IRConv2d` (Libra-PB, power-of-two scale, EDE).
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

/** EDE's derivative `k·t·(1 − tanh(t·z)²)`. */
export function edeGradRef(z: number, k: number, t: number): number {
  return k * t * (1 - Math.tanh(t * z) ** 2);
}

/** Libra-PB `bw` and the power-of-two scale per row. */
export function libraRef(w: ArrayLike<number>, shape: number[]) {
  const [O, n] = rowsOf(shape);
  const m = rowMeanRef(w, O);
  const v = rowVarRef(w, O);
  const bw = mapRef(w, (x, i) => (x - m[Math.floor(i / n)]) / Math.sqrt(v[Math.floor(i / n)]));
  const meanAbs = rowMeanRef(mapRef(bw, Math.abs), O);
  const sw = mapRef(meanAbs, (a) => 2 ** Math.round(Math.log2(a)));
  return { bw, sw };
}

/** The layer: y, ∂L/∂x, ∂L/∂W, ∂L/∂bias. */
export function irnetConvRef(
  x: Arr,
  w: Arr,
  opts: { k: number; t: number; binarizeInput: boolean; bias?: ArrayLike<number> },
  geom: ConvGeom,
  gy: ArrayLike<number>,
) {
  const { k, t } = opts;
  const [O, n] = rowsOf(w.shape);
  const { bw, sw } = libraRef(w.data, w.shape);
  const wq = mapRef(bw, (v, i) => signRef(v) * sw[Math.floor(i / n)]);
  const a = opts.binarizeInput ? mapRef(x.data, signRef) : x.data;
  const r = convRef({ data: a, shape: x.shape }, { data: wq, shape: w.shape }, geom, gy, {
    bias: opts.bias,
  });
  const gbw = mapRef(r.gw, (g, i) => g * sw[Math.floor(i / n)] * edeGradRef(bw[i], k, t));
  return {
    y: r.y,
    gx: opts.binarizeInput ? mapRef(r.gx, (g, i) => g * edeGradRef(x.data[i], k, t)) : r.gx,
    gw: standardiseBackward(w.data, gbw, O, 0),
    gbias: r.gbias,
    sw,
  };
}
