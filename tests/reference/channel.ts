/**
 * Float64 reference for per-channel broadcasting, PReLU and channel padding.
 *
 * @module
 */
import type { Nd } from "./nd.ts";

/** Channel index (axis 1) of every element of `shape`. */
export function channelOf(shape: readonly number[]): Int32Array {
  const c = shape[1];
  const inner = shape.slice(2).reduce((a, d) => a * d, 1);
  const n = shape.reduce((a, d) => a * d, 1);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(i / inner) % c;
  return out;
}

/** `x + b[c]`. */
export function refAddChannel(x: Nd, b: ArrayLike<number>): Nd {
  const ch = channelOf(x.shape);
  return { data: x.data.map((v, i) => v + b[ch[i]]), shape: [...x.shape] };
}

/** `x · s[c]`. */
export function refMulChannel(x: Nd, s: ArrayLike<number>): Nd {
  const ch = channelOf(x.shape);
  return { data: x.data.map((v, i) => v * s[ch[i]]), shape: [...x.shape] };
}

/** Σ over everything but the channel axis of `g` (optionally times `x`). */
export function refChannelSum(g: Nd, x?: Nd): Float64Array {
  const ch = channelOf(g.shape);
  const out = new Float64Array(g.shape[1]);
  for (let i = 0; i < ch.length; i++) out[ch[i]] += g.data[i] * (x ? x.data[i] : 1);
  return out;
}

/** PReLU: `x > 0 ? x : a·x` with a per channel (`[C]`) or shared (`[1]`). */
export function refPrelu(x: Nd, slope: ArrayLike<number>): Nd {
  const ch = channelOf(x.shape);
  const a = (i: number) => (slope.length === 1 ? slope[0] : slope[ch[i]]);
  return { data: x.data.map((v, i) => (v > 0 ? v : a(i) * v)), shape: [...x.shape] };
}

/** PReLU gradients w.r.t. x and the slope. */
export function refPreluGrad(
  x: Nd,
  slope: ArrayLike<number>,
  g: Nd,
): { gx: Nd; gSlope: Float64Array } {
  const ch = channelOf(x.shape);
  const shared = slope.length === 1;
  const gSlope = new Float64Array(slope.length);
  const gx = new Float64Array(x.data.length);
  for (let i = 0; i < gx.length; i++) {
    const c = shared ? 0 : ch[i];
    const v = x.data[i];
    gx[i] = v > 0 ? g.data[i] : slope[c] * g.data[i];
    if (v <= 0) gSlope[c] += g.data[i] * v;
  }
  return { gx: { data: gx, shape: [...x.shape] }, gSlope };
}

/** Zero channels before and after axis 1 of `[N, C, ...]`. */
export function refPadChannels(x: Nd, before: number, after: number): Nd {
  const [n, c] = x.shape;
  const inner = x.shape.slice(2).reduce((a, d) => a * d, 1);
  const co = c + before + after;
  const out = new Float64Array(n * co * inner);
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < c; k++) {
      for (let j = 0; j < inner; j++) {
        out[(b * co + k + before) * inner + j] = x.data[(b * c + k) * inner + j];
      }
    }
  }
  return { data: out, shape: [n, co, ...x.shape.slice(2)] };
}

/** Gradient of {@link refPadChannels}: the middle channels of `g`. */
export function refPadChannelsGrad(g: Nd, before: number, after: number): Nd {
  const [n, co] = g.shape;
  const c = co - before - after;
  const inner = g.shape.slice(2).reduce((a, d) => a * d, 1);
  const out = new Float64Array(n * c * inner);
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < c; k++) {
      for (let j = 0; j < inner; j++) {
        out[(b * c + k) * inner + j] = g.data[(b * co + k + before) * inner + j];
      }
    }
  }
  return { data: out, shape: [n, c, ...g.shape.slice(2)] };
}
