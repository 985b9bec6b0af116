/**
 * Float64 reference for 2-D pooling (PyTorch semantics: −∞ padding for max, first maximum
 * wins; count_include_pad for average), forward and backward.
 *
 * @module
 */
import type { Nd } from "./nd.ts";

/** Pool geometry: kernel, stride and padding per axis. */
export interface RefPool {
  /** Kernel [h, w]. */
  kernel: [number, number];
  /** Stride [h, w]. */
  stride: [number, number];
  /** Padding [h, w]. */
  padding: [number, number];
}

function windows(
  x: Nd,
  p: RefPool,
  visit: (plane: number, o: number, cells: number[]) => void,
): number[] {
  const [n, c, h, w] = x.shape;
  const [kh, kw] = p.kernel;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const oh = Math.floor((h + 2 * ph - kh) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - kw) / sw) + 1;
  for (let plane = 0; plane < n * c; plane++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const cells: number[] = [];
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const iy = oy * sh - ph + ky;
            const ix = ox * sw - pw + kx;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) cells.push(plane * h * w + iy * w + ix);
          }
        }
        visit(plane, (plane * oh + oy) * ow + ox, cells);
      }
    }
  }
  return [n, c, oh, ow];
}

/** Max pooling; returns the output and, per output, the flat input index that won. */
export function refMaxPool2d(x: Nd, p: RefPool): { y: Nd; argmax: Int32Array } {
  const out: number[] = [];
  const arg: number[] = [];
  const shape = windows(x, p, (_, o, cells) => {
    let best = cells[0];
    for (const i of cells) if (x.data[i] > x.data[best]) best = i;
    out[o] = x.data[best];
    arg[o] = best;
  });
  return { y: { data: Float64Array.from(out), shape }, argmax: Int32Array.from(arg) };
}

/** Gradient of {@link refMaxPool2d}. */
export function refMaxPool2dGrad(x: Nd, p: RefPool, g: Nd): Nd {
  const { argmax } = refMaxPool2d(x, p);
  const gx = new Float64Array(x.data.length);
  argmax.forEach((i, o) => (gx[i] += g.data[o]));
  return { data: gx, shape: [...x.shape] };
}

/** Average pooling with count_include_pad (divisor kh·kw). */
export function refAvgPool2d(x: Nd, p: RefPool): Nd {
  const out: number[] = [];
  const div = p.kernel[0] * p.kernel[1];
  const shape = windows(x, p, (_, o, cells) => {
    out[o] = cells.reduce((a, i) => a + x.data[i], 0) / div;
  });
  return { data: Float64Array.from(out), shape };
}

/** Gradient of {@link refAvgPool2d}. */
export function refAvgPool2dGrad(x: Nd, p: RefPool, g: Nd): Nd {
  const gx = new Float64Array(x.data.length);
  const div = p.kernel[0] * p.kernel[1];
  windows(x, p, (_, o, cells) => {
    for (const i of cells) gx[i] += g.data[o] / div;
  });
  return { data: gx, shape: [...x.shape] };
}
