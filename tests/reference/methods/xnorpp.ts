/**
 * Float64 reference of XNOR-Net++ as the bnn library computes it (recipe step 1).
 *
 * @module
 */
import type { Arr, ConvGeom } from "../dense.ts";
import { centreDim1Ref, convRef, mapRef, rowsOf, signRef } from "./common.ts";

/** `wb = sign(Wc)·mean|Wc[o]|` and, for `g = ∂L/∂wb`, `∂L/∂W`. */
export function xnorPlusPlusWeightRef(
  w: ArrayLike<number>,
  shape: number[],
  g?: ArrayLike<number>,
) {
  const [O, n] = rowsOf(shape);
  const wc = centreDim1Ref(w, shape);
  const wb = new Float64Array(w.length);
  const gwc = new Float64Array(w.length);
  for (let o = 0; o < O; o++) {
    let alpha = 0;
    let cross = 0;
    for (let j = 0; j < n; j++) {
      const i = o * n + j;
      alpha += Math.abs(wc[i]) / n;
      if (g) cross += g[i] * signRef(wc[i]);
    }
    for (let j = 0; j < n; j++) {
      const i = o * n + j;
      wb[i] = signRef(wc[i]) * alpha;
      if (g) gwc[i] = (Math.abs(wc[i]) < 1 ? alpha * g[i] : 0) + signRef(wc[i]) * cross / n;
    }
  }
  return { wb, gw: centreDim1Ref(gwc, shape) };
}

/** The layer: y, ∂L/∂x, ∂L/∂W, ∂L/∂bias, ∂L/∂alpha. */
export function xnorPlusPlusConvRef(
  x: Arr,
  w: Arr,
  alpha: ArrayLike<number>,
  bias: ArrayLike<number> | undefined,
  geom: ConvGeom,
  gy: ArrayLike<number>,
) {
  const xb = mapRef(x.data, signRef);
  const { wb } = xnorPlusPlusWeightRef(w.data, w.shape);
  const r = convRef({ data: xb, shape: x.shape }, { data: wb, shape: w.shape }, geom, gy, {
    bias,
    scale: alpha,
  });
  return {
    y: r.y,
    gx: mapRef(r.gx, (v, i) => (Math.abs(x.data[i]) < 1 ? v : 0)),
    gw: xnorPlusPlusWeightRef(w.data, w.shape, r.gw).gw,
    gbias: r.gbias,
    galpha: r.gscale,
  };
}

/** BiBench's factorised variant: y, ∂L/∂x, ∂L/∂W and the three scales' gradients. */
export function xnorPlusPlusFactorisedRef(
  x: Arr,
  w: Arr,
  scales: { o: ArrayLike<number>; h: ArrayLike<number>; w: ArrayLike<number> },
  geom: ConvGeom,
  gy: ArrayLike<number>,
) {
  const xb = mapRef(x.data, signRef);
  const wb = mapRef(w.data, signRef);
  const z = convRef({ data: xb, shape: x.shape }, { data: wb, shape: w.shape }, geom, gy);
  const [N, C, H, W] = z.y.shape;
  const y = new Float64Array(z.y.data.length);
  const gz = new Float64Array(y.length);
  const go = new Float64Array(scales.o.length);
  const gh = new Float64Array(scales.h.length);
  const gws = new Float64Array(scales.w.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < H; i++) {
        for (let j = 0; j < W; j++) {
          const e = ((n * C + c) * H + i) * W + j;
          const [so, sh, sw] = [scales.o[c], scales.h[i], scales.w[j]];
          y[e] = z.y.data[e] * so * sh * sw;
          gz[e] = gy[e] * so * sh * sw;
          go[c] += gy[e] * z.y.data[e] * sh * sw;
          gh[i] += gy[e] * z.y.data[e] * so * sw;
          gws[j] += gy[e] * z.y.data[e] * so * sh;
        }
      }
    }
  }
  const r = convRef({ data: xb, shape: x.shape }, { data: wb, shape: w.shape }, geom, gz);
  return {
    y: { data: y, shape: z.y.shape },
    gx: mapRef(r.gx, (v, i) => (Math.abs(x.data[i]) <= 1 ? v : 0)),
    gw: mapRef(r.gw, (v, i) => (Math.abs(w.data[i]) <= 1 ? v : 0)),
    go,
    gh,
    gws,
  };
}
