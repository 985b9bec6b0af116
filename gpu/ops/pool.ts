/**
 * 2-D pooling over `[N, C, H, W]`: max, average (count_include_pad, as PyTorch's default) and
 * global average. One dispatch forward and one backward each; the backward gathers (one
 * invocation per input element), so overlapping windows need no atomics.
 *
 * @module
 */
import { grid, runKernel, WGSL_INDEX } from "../kernel.ts";
import { record1 } from "../tape.ts";
import { shapeStr, Tensor } from "../tensor.ts";
import { meanAxes } from "./reduce.ts";

/** Pool window options; a number means the same value for height and width. */
export interface PoolOptions {
  /** Window size. */
  kernel: number | readonly [number, number];
  /** Step between windows. Default: the kernel size. */
  stride?: number | readonly [number, number];
  /** Implicit padding on each side (−∞ for max, 0 for average). At most half the kernel. */
  padding?: number | readonly [number, number];
}

interface Geometry {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  oh: number;
  ow: number;
}

function pair(v: number | readonly [number, number]): [number, number] {
  return typeof v === "number" ? [v, v] : [v[0], v[1]];
}

function geometry(op: string, x: Tensor, opts: PoolOptions): Geometry {
  if (x.shape.length !== 4 || x.dtype !== "f32") {
    throw new RangeError(`${op}: x must be f32 [N, C, H, W], got ${x.dtype} ${shapeStr(x.shape)}`);
  }
  const [n, c, h, w] = x.shape;
  const [kh, kw] = pair(opts.kernel);
  const [sh, sw] = pair(opts.stride ?? opts.kernel);
  const [ph, pw] = pair(opts.padding ?? 0);
  const all = { kh, kw, sh, sw, ph, pw };
  for (const [k, v] of Object.entries(all)) {
    const min = k.startsWith("p") ? 0 : 1;
    if (!Number.isInteger(v) || v < min) {
      throw new RangeError(`${op}: ${k} = ${v} must be an integer ≥ ${min}`);
    }
  }
  if (2 * ph > kh || 2 * pw > kw) {
    throw new RangeError(
      `${op}: padding [${ph}, ${pw}] must be at most half the kernel [${kh}, ${kw}]`,
    );
  }
  const oh = Math.floor((h + 2 * ph - kh) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - kw) / sw) + 1;
  if (oh < 1 || ow < 1) {
    throw new RangeError(
      `${op}: kernel [${kh}, ${kw}] with padding [${ph}, ${pw}] does not fit input ${
        shapeStr(x.shape)
      }`,
    );
  }
  return { n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow };
}

const STRUCT = `struct P { total: u32, h: u32, w: u32, oh: u32, ow: u32, kh: u32, kw: u32,
  sh: u32, sw: u32, ph: u32, pw: u32 }
@group(0) @binding(0) var<uniform> p: P;`;

function uniforms(total: number, g: Geometry): number[] {
  return [total, g.h, g.w, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw];
}

/** WGSL: decompose output index `i` into plane, oh, ow and the window's top-left corner. */
const OUT_INDEX = `let ox = i % p.ow;
  let oy = (i / p.ow) % p.oh;
  let plane = i / (p.ow * p.oh);
  let y0 = i32(oy * p.sh) - i32(p.ph);
  let x0 = i32(ox * p.sw) - i32(p.pw);
  let base = plane * p.h * p.w;`;

/** WGSL: decompose input index `i` and find the range of windows that cover it. */
const IN_INDEX = `let ix = i % p.w;
  let iy = (i / p.w) % p.h;
  let plane = i / (p.w * p.h);
  let ty = iy + p.ph;
  let tx = ix + p.pw;
  let oy0 = select(0u, (ty + 1u - p.kh + p.sh - 1u) / p.sh, ty + 1u >= p.kh);
  let ox0 = select(0u, (tx + 1u - p.kw + p.sw - 1u) / p.sw, tx + 1u >= p.kw);
  let oy1 = min(ty / p.sh + 1u, p.oh);
  let ox1 = min(tx / p.sw + 1u, p.ow);
  let obase = plane * p.oh * p.ow;`;

/** A one-invocation-per-element pool kernel: the shared uniforms, `bindings`, then `body`. */
function poolKernel(bindings: string, body: string): string {
  return `${STRUCT}
${bindings}
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.total) { return; }
  ${body}
}`;
}

/** WGSL: visit the in-bounds taps `(yy, xx)` of the window at `(y0, x0)` (after OUT_INDEX). */
function forWindow(inner: string): string {
  return `for (var ky = 0u; ky < p.kh; ky++) {
    let yy = y0 + i32(ky);
    if (yy < 0 || yy >= i32(p.h)) { continue; }
    for (var kx = 0u; kx < p.kw; kx++) {
      let xx = x0 + i32(kx);
      if (xx < 0 || xx >= i32(p.w)) { continue; }
      ${inner}
    }
  }`;
}

/** WGSL: visit the outputs `o` whose windows cover input `(iy, ix)` (after IN_INDEX). */
function forCovering(inner: string): string {
  return `for (var oy = oy0; oy < oy1; oy++) {
    for (var ox = ox0; ox < ox1; ox++) {
      let o = obase + oy * p.ow + ox;
      ${inner}
    }
  }`;
}

const MAX_FWD = poolKernel(
  `@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> arg: array<u32>;`,
  `${OUT_INDEX}
  var best = 0.0;
  var where_ = 0u;
  var found = false;
  ${
    forWindow(`let at = u32(yy) * p.w + u32(xx);
      let v = x[base + at];
      if (!found || v > best) { best = v; where_ = at; found = true; }`)
  }
  y[i] = best;
  arg[i] = where_;`,
);

const MAX_BWD = poolKernel(
  `@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> arg: array<u32>;
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;`,
  `${IN_INDEX}
  let at = iy * p.w + ix;
  var acc = 0.0;
  ${forCovering(`if (arg[o] == at) { acc += g[o]; }`)}
  gx[i] = acc;`,
);

const AVG_FWD = poolKernel(
  `@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;`,
  `${OUT_INDEX}
  var acc = 0.0;
  ${forWindow(`acc += x[base + u32(yy) * p.w + u32(xx)];`)}
  y[i] = acc / f32(p.kh * p.kw);`,
);

const AVG_BWD = poolKernel(
  `@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> gx: array<f32>;`,
  `${IN_INDEX}
  var acc = 0.0;
  ${forCovering(`acc += g[o];`)}
  gx[i] = acc / f32(p.kh * p.kw);`,
);

/**
 * Max pooling (implicit −∞ padding; the first maximum of a window gets the gradient).
 *
 * @example
 * ```ts
 * import { initGpu, maxPool2d, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.from([1, 2, 3, 4], [1, 1, 2, 2]);
 * console.log(await maxPool2d(x, { kernel: 2 }).read()); // [4]
 * ```
 */
export function maxPool2d(x: Tensor, opts: PoolOptions): Tensor {
  const g = geometry("maxPool2d", x, opts);
  const outShape = [g.n, g.c, g.oh, g.ow];
  const y = Tensor.empty(outShape);
  const arg = Tensor.empty(outShape, "u32");
  runKernel({
    name: "max_pool2d",
    code: MAX_FWD,
    inputs: [x],
    outputs: [y, arg],
    uniforms: uniforms(y.size, g),
    workgroups: grid(y.size),
  });
  record1([x], y, (gy) => {
    const gx = Tensor.empty(x.shape);
    runKernel({
      name: "max_pool2d_grad",
      code: MAX_BWD,
      inputs: [gy, arg],
      outputs: [gx],
      uniforms: uniforms(x.size, g),
      workgroups: grid(x.size),
    });
    return [gx];
  });
  if (!y.requiresGrad) arg.dispose();
  return y;
}

/**
 * Average pooling; padded positions count as zeros in the divisor (count_include_pad).
 *
 * @example
 * ```ts
 * import { avgPool2d, initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.from([1, 2, 3, 4], [1, 1, 2, 2]);
 * console.log(await avgPool2d(x, { kernel: 2 }).read()); // [2.5]
 * ```
 */
export function avgPool2d(x: Tensor, opts: PoolOptions): Tensor {
  const g = geometry("avgPool2d", x, opts);
  const y = Tensor.empty([g.n, g.c, g.oh, g.ow]);
  runKernel({
    name: "avg_pool2d",
    code: AVG_FWD,
    inputs: [x],
    outputs: [y],
    uniforms: uniforms(y.size, g),
    workgroups: grid(y.size),
  });
  record1([x], y, (gy) => {
    const gx = Tensor.empty(x.shape);
    runKernel({
      name: "avg_pool2d_grad",
      code: AVG_BWD,
      inputs: [gy],
      outputs: [gx],
      uniforms: uniforms(x.size, g),
      workgroups: grid(x.size),
    });
    return [gx];
  });
  return y;
}

/**
 * Mean over H and W: `[N, C, H, W]` → `[N, C]`.
 *
 * @example
 * ```ts
 * import { globalAvgPool, initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.from([1, 2, 3, 4], [1, 1, 2, 2]);
 * console.log(await globalAvgPool(x).read()); // [2.5]
 * ```
 */
export function globalAvgPool(x: Tensor): Tensor {
  if (x.shape.length !== 4) {
    throw new RangeError(`globalAvgPool: x must be [N, C, H, W], got ${shapeStr(x.shape)}`);
  }
  return meanAxes(x, [2, 3]);
}
