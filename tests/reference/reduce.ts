/**
 * Float64 reference for reductions over axes (forward and backward).
 *
 * @module
 */
import { type Nd, outIndexMap } from "./nd.ts";

/** Σ over `axes` (reduced axes dropped). */
export function refSumAxes(x: Nd, axes: readonly number[]): Nd {
  const { map, nOut, outShape } = outIndexMap(x.shape, axes);
  const out = new Float64Array(nOut);
  for (let i = 0; i < map.length; i++) out[map[i]] += x.data[i];
  return { data: out, shape: outShape };
}

/** Mean over `axes`. */
export function refMeanAxes(x: Nd, axes: readonly number[]): Nd {
  const s = refSumAxes(x, axes);
  const m = x.data.length / Math.max(1, s.data.length);
  return { data: s.data.map((v) => v / m), shape: s.shape };
}

/** Variance over `axes` (unbiased by default). */
export function refVarAxes(x: Nd, axes: readonly number[], unbiased = true): Nd {
  const { map, nOut, outShape } = outIndexMap(x.shape, axes);
  const mean = refMeanAxes(x, axes).data;
  const m = x.data.length / nOut;
  const out = new Float64Array(nOut);
  for (let i = 0; i < map.length; i++) out[map[i]] += (x.data[i] - mean[map[i]]) ** 2;
  return { data: out.map((v) => v / (unbiased ? m - 1 : m)), shape: outShape };
}

/** L2 norm over `axes`. */
export function refNormAxes(x: Nd, axes: readonly number[]): Nd {
  const { map, nOut, outShape } = outIndexMap(x.shape, axes);
  const out = new Float64Array(nOut);
  for (let i = 0; i < map.length; i++) out[map[i]] += x.data[i] ** 2;
  return { data: out.map(Math.sqrt), shape: outShape };
}

/** Broadcasts per-output values `g` back over `shape` (the gradient of a sum). */
export function refExpand(
  g: ArrayLike<number>,
  shape: readonly number[],
  axes: readonly number[],
): Nd {
  const { map } = outIndexMap(shape, axes);
  const out = new Float64Array(map.length);
  for (let i = 0; i < map.length; i++) out[i] = g[map[i]];
  return { data: out, shape: [...shape] };
}

/** Gradient of `Σ g · reduce(x)` w.r.t. x for reduce ∈ sum, mean, var, norm. */
export function refReduceGrad(
  kind: "sum" | "mean" | "var" | "norm",
  x: Nd,
  axes: readonly number[],
  g: ArrayLike<number>,
  unbiased = true,
): Nd {
  const { map, nOut } = outIndexMap(x.shape, axes);
  const m = x.data.length / Math.max(1, nOut);
  const out = new Float64Array(map.length);
  const mean = refMeanAxes(x, axes).data;
  const norm = refNormAxes(x, axes).data;
  for (let i = 0; i < map.length; i++) {
    const o = map[i];
    if (kind === "sum") out[i] = g[o];
    else if (kind === "mean") out[i] = g[o] / m;
    else if (kind === "var") out[i] = (g[o] * 2 * (x.data[i] - mean[o])) / (unbiased ? m - 1 : m);
    else out[i] = norm[o] > 0 ? (g[o] * x.data[i]) / norm[o] : 0;
  }
  return { data: out, shape: [...x.shape] };
}
