/**
 * Plain float64 CPU reference of the OvSW binary convolution pieces: forward
 * `α[o]·(sign(x) ⊛ sign(W))`, grad-input (transposed conv of α⊙gy with sign(W), times the
 * ApproxSign window) and grad-weight (correlation of sign(x) with α⊙gy). Slow and obvious.
 *
 * @module
 */

import { strictEqual } from "node:assert/strict";
import type { Prng } from "@ovsw/init";

/** Normal values with about 15% exact zeros. */
export function withZeros(n: number, rng: Prng, std = 1): Float32Array {
  const v = rng.normalArray(n, 0, std);
  for (let i = 0; i < n; i++) if (rng.uniform() < 0.15) v[i] = 0;
  return v;
}

/** Exact equality of two number sequences, reporting the first difference. */
export function assertExact(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string) {
  strictEqual(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i]) && !(actual[i] === 0 && expected[i] === 0)) {
      throw new Error(`${what}: [${i}] = ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/** `torch.sign`: +1, −1, or 0 for 0. */
export function signRef(v: number): number {
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

/** Shapes and geometry of one reference conv. */
export interface BinaryConvRefGeom {
  /** Input `[N, C, H, W]`. */
  x: number[];
  /** Weight `[O, C, kh, kw]`. */
  w: number[];
  /** Stride. */
  stride: number;
  /** Zero padding. */
  padding: number;
}

/** Output `[N, O, Ho, Wo]` of the geometry. */
export function binaryOutShape(g: BinaryConvRefGeom): number[] {
  const [n, , h, w] = g.x;
  const [o, , kh, kw] = g.w;
  const ho = Math.floor((h + 2 * g.padding - kh) / g.stride) + 1;
  const wo = Math.floor((w + 2 * g.padding - kw) / g.stride) + 1;
  return [n, o, ho, wo];
}

/** Visits every (n, o, oy, ox, c, ky, kx, input index) term of the conv sum. */
function forEachTerm(
  g: BinaryConvRefGeom,
  fn: (yi: number, xi: number, wi: number, n: number, o: number) => void,
): void {
  const [n, c, h, w] = g.x;
  const [o, , kh, kw] = g.w;
  const [, , ho, wo] = binaryOutShape(g);
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      for (let oy = 0; oy < ho; oy++) {
        for (let ox = 0; ox < wo; ox++) {
          const yi = ((b * o + oc) * ho + oy) * wo + ox;
          for (let ci = 0; ci < c; ci++) {
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * g.stride - g.padding + ky;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * g.stride - g.padding + kx;
                if (ix < 0 || ix >= w) continue;
                fn(
                  yi,
                  ((b * c + ci) * h + iy) * w + ix,
                  ((oc * c + ci) * kh + ky) * kw + kx,
                  b,
                  oc,
                );
              }
            }
          }
        }
      }
    }
  }
}

/** Forward: `y = α[o]·Σ sign(x)·sign(W)`, zero padding on the binarised input. */
export function binaryConvRef(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  alpha: ArrayLike<number>,
  g: BinaryConvRefGeom,
): Float64Array {
  const out = binaryOutShape(g);
  const y = new Float64Array(out.reduce((a, b) => a * b, 1));
  forEachTerm(g, (yi, xi, wi) => {
    y[yi] += signRef(x[xi]) * signRef(w[wi]);
  });
  const plane = out[2] * out[3];
  for (let i = 0; i < y.length; i++) y[i] *= alpha[Math.floor(i / plane) % out[1]];
  return y;
}

/**
 * Grad-input: `(1/s_b)·max(0, 2 − 2|x/s_b|) · Σ sign(W)·α[o]·gy` (s_b = 1 without `sampleStd`;
 * no window at all when `window` is false).
 */
export function binaryConvGradInputRef(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  alpha: ArrayLike<number>,
  gy: ArrayLike<number>,
  g: BinaryConvRefGeom,
  sampleStd?: ArrayLike<number>,
  window = true,
): Float64Array {
  const gx = new Float64Array(x.length);
  forEachTerm(g, (yi, xi, wi, _n, o) => {
    gx[xi] += signRef(w[wi]) * alpha[o] * gy[yi];
  });
  if (!window) return gx;
  const per = x.length / g.x[0];
  for (let i = 0; i < gx.length; i++) {
    const s = sampleStd ? sampleStd[Math.floor(i / per)] : 1;
    gx[i] *= Math.max(0, 2 - 2 * Math.abs(x[i] / s)) / s;
  }
  return gx;
}

/** Grad-weight (straight-through on W): `Σ sign(x)·α[o]·gy`. */
export function binaryConvGradWeightRef(
  x: ArrayLike<number>,
  alpha: ArrayLike<number>,
  gy: ArrayLike<number>,
  g: BinaryConvRefGeom,
): Float64Array {
  const gw = new Float64Array(g.w.reduce((a, b) => a * b, 1));
  forEachTerm(g, (yi, xi, wi, _n, o) => {
    gw[wi] += signRef(x[xi]) * alpha[o] * gy[yi];
  });
  return gw;
}
