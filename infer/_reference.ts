/**
 * A float64 CPU interpreter of an export's op list: the reference the WebGPU kernels are
 * tested against (tests only; slow, direct loops).
 *
 * @module
 */
import type { ExportedModel } from "./format.ts";
import type { Epilogue, Op } from "./ops.ts";
import { valueShapes } from "./shapes.ts";

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Sign with sign(0) = 0. */
const sgn = (v: number) => (v > 0 ? 1 : v < 0 ? -1 : 0);

/** Unpacks a binary conv's weights to {−1, 0, +1} `[O, C, k, k]`. */
export function unpackBinaryWeights(
  signs: Uint32Array,
  nonzero: Uint32Array | undefined,
  o: number,
  c: number,
  k: number,
): Float64Array {
  const kk = k * k;
  const cw = Math.ceil(c / 32);
  const w = new Float64Array(o * c * kk);
  for (let oc = 0; oc < o; oc++) {
    for (let ch = 0; ch < c; ch++) {
      for (let t = 0; t < kk; t++) {
        const word = (oc * kk + t) * cw + (ch >> 5);
        const bit = (1 << (ch & 31)) >>> 0;
        const nz = nonzero ? (nonzero[word] & bit) !== 0 : true;
        w[(oc * c + ch) * kk + t] = nz ? ((signs[word] & bit) !== 0 ? -1 : 1) : 0;
      }
    }
  }
  return w;
}

/** Logits `[batch, classes]` (float64) of `x` by direct loops. */
export function referenceLogits(
  model: ExportedModel,
  x: Float32Array,
  batch: number,
): Float64Array {
  const { header } = model;
  const blob = (n: string | undefined) => (n ? model.blobs.get(n)! : undefined);
  const shapes = valueShapes(header.ops, header.inputShape, batch);
  const values = new Map<string, Float64Array>([["input", Float64Array.from(x)]]);
  const epilogue = (e: Epilogue, y: Float64Array, c: number, inner: number) => {
    const sc = blob(e.scale);
    const sh = blob(e.shift);
    const res = e.residual ? values.get(e.residual)! : undefined;
    for (let i = 0; i < y.length; i++) {
      const ch = Math.floor(i / inner) % c;
      let v = y[i] * (sc ? sc[ch] : 1) + (sh ? sh[ch] : 0);
      if (res) v += res[i];
      if (e.activation === "hardtanh") v = Math.min(1, Math.max(-1, v));
      y[i] = v;
    }
  };
  for (const op of header.ops) {
    const xs = shapes.get(op.input)!;
    const ys = shapes.get(op.output)!;
    const xin = values.get(op.input)!;
    const y = new Float64Array(size(ys));
    run(op, xs, ys, xin, y, blob);
    if (op.op === "conv2d" || op.op === "binary_conv2d" || op.op === "affine") {
      epilogue(op, y, ys[1], size(ys.slice(2)));
    }
    values.set(op.output, y);
  }
  return values.get(header.output)!;
}

function run(
  op: Op,
  xs: number[],
  ys: number[],
  x: Float64Array,
  y: Float64Array,
  blob: (n: string | undefined) => Float32Array | Uint32Array | undefined,
): void {
  switch (op.op) {
    case "conv2d":
    case "binary_conv2d": {
      const [n, c, h, w] = xs;
      const [, o, ho, wo] = ys;
      const k = op.kernel;
      const wt = op.op === "conv2d"
        ? Float64Array.from(blob(op.weight) as Float32Array)
        : unpackBinaryWeights(
          blob(op.signs) as Uint32Array,
          blob(op.nonzero) as Uint32Array | undefined,
          o,
          c,
          k,
        );
      const bias = op.op === "conv2d" ? blob(op.bias) : undefined;
      const inp = op.op === "conv2d" ? x : x.map(sgn);
      for (let b = 0; b < n; b++) {
        for (let oc = 0; oc < o; oc++) {
          for (let oy = 0; oy < ho; oy++) {
            for (let ox = 0; ox < wo; ox++) {
              let acc = 0;
              for (let ch = 0; ch < c; ch++) {
                for (let ky = 0; ky < k; ky++) {
                  const iy = oy * op.stride - op.padding + ky;
                  if (iy < 0 || iy >= h) continue;
                  for (let kx = 0; kx < k; kx++) {
                    const ix = ox * op.stride - op.padding + kx;
                    if (ix < 0 || ix >= w) continue;
                    acc += inp[((b * c + ch) * h + iy) * w + ix] *
                      wt[((oc * c + ch) * k + ky) * k + kx];
                  }
                }
              }
              y[((b * o + oc) * ho + oy) * wo + ox] = acc + (bias ? bias[oc] : 0);
            }
          }
        }
      }
      return;
    }
    case "max_pool2d":
    case "avg_pool2d": {
      const [n, c, h, w] = xs;
      const [, , ho, wo] = ys;
      const pad = op.op === "max_pool2d" ? op.padding : 0;
      for (let pl = 0; pl < n * c; pl++) {
        for (let oy = 0; oy < ho; oy++) {
          for (let ox = 0; ox < wo; ox++) {
            let mx = -Infinity;
            let sum = 0;
            for (let ky = 0; ky < op.kernel; ky++) {
              const iy = oy * op.stride - pad + ky;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < op.kernel; kx++) {
                const ix = ox * op.stride - pad + kx;
                if (ix < 0 || ix >= w) continue;
                const v = x[(pl * h + iy) * w + ix];
                mx = Math.max(mx, v);
                sum += v;
              }
            }
            y[(pl * ho + oy) * wo + ox] = op.op === "max_pool2d" ? mx : sum / op.kernel ** 2;
          }
        }
      }
      return;
    }
    case "global_avg_pool": {
      const hw = xs[2] * xs[3];
      for (let i = 0; i < y.length; i++) {
        let s = 0;
        for (let j = 0; j < hw; j++) s += x[i * hw + j];
        y[i] = s / hw;
      }
      return;
    }
    case "pad_channels": {
      const [n, c, h, w] = xs;
      const co = ys[1];
      const hw = h * w;
      for (let b = 0; b < n; b++) {
        for (let ch = 0; ch < c; ch++) {
          for (let p = 0; p < hw; p++) {
            y[(b * co + ch + op.before) * hw + p] = x[(b * c + ch) * hw + p];
          }
        }
      }
      return;
    }
    case "affine":
    case "flatten":
      y.set(x);
      return;
    case "prelu": {
      const a = blob(op.weight)!;
      const before = blob(op.inputShift);
      const after = blob(op.outputShift);
      const inner = size(xs.slice(2));
      for (let i = 0; i < y.length; i++) {
        const c = Math.floor(i / inner) % xs[1];
        const v = x[i] + (before ? before[c] : 0);
        y[i] = (v > 0 ? v : a[c] * v) + (after ? after[c] : 0);
      }
      return;
    }
    case "sample_centre": {
      const per = size(xs.slice(1));
      for (let b = 0; b < xs[0]; b++) {
        let m = 0;
        for (let j = 0; j < per; j++) m += x[b * per + j];
        m /= per;
        for (let j = 0; j < per; j++) y[b * per + j] = x[b * per + j] - m;
      }
      return;
    }
    case "linear": {
      const wt = blob(op.weight)!;
      const bias = blob(op.bias);
      const [n, inf] = xs;
      const o = op.outFeatures;
      for (let b = 0; b < n; b++) {
        for (let oc = 0; oc < o; oc++) {
          let acc = bias ? bias[oc] : 0;
          for (let j = 0; j < inf; j++) acc += x[b * inf + j] * wt[oc * inf + j];
          y[b * o + oc] = acc;
        }
      }
      return;
    }
  }
}
