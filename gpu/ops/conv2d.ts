/**
 * 2-D convolution (NCHW, weight [O, C, kh, kw], no bias) as implicit GEMMs, with the three
 * low-level products exported for fused layers and `conv2d` with autograd.
 *
 * @module
 */
import { runKernel } from "../kernel.ts";
import { record1 } from "../tape.ts";
import { shapeStr, Tensor } from "../tensor.ts";
import {
  convForwardCode,
  convForwardRowCode,
  convGradInputCode,
  convGradWeightCode,
  convGradWeightRowCode,
  PERMUTE_WEIGHT,
  rowKernelApplies,
  SUM_SLICES,
  weightRowKernelApplies,
} from "./_conv2d_kernels.ts";
import { denseTiling } from "./matmul_tiling.ts";

/** Stride and zero padding of a convolution (the same on both axes). */
export interface Conv2dOptions {
  /** Step between output positions; default 1. */
  stride?: number;
  /** Zeros added on every side; default 0. */
  padding?: number;
}

/** Resolved geometry of one convolution. */
export interface ConvGeometry {
  /** Batch size. */
  N: number;
  /** Input channels. */
  C: number;
  /** Input height. */
  H: number;
  /** Input width. */
  W: number;
  /** Output channels. */
  O: number;
  /** Kernel height. */
  KH: number;
  /** Kernel width. */
  KW: number;
  /** Output height. */
  OH: number;
  /** Output width. */
  OW: number;
  /** Stride (both axes). */
  stride: number;
  /** Zero padding (both axes). */
  padding: number;
}

function checkInt(name: string, what: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(`${name}: ${what} must be an integer ≥ ${min}, got ${v}`);
  }
}

/**
 * Checks shapes and options and computes the output size; throws naming the shapes at fault.
 *
 * @example
 * ```ts
 * import { convGeometry } from "@ovsw/gpu/internal";
 * const g = convGeometry([2, 3, 8, 8], [4, 3, 3, 3], { stride: 2, padding: 1 });
 * console.log(g.OH, g.OW); // 4 4
 * ```
 */
export function convGeometry(
  xShape: readonly number[],
  wShape: readonly number[],
  options: Conv2dOptions = {},
  name = "conv2d",
): ConvGeometry {
  const stride = options.stride ?? 1;
  const padding = options.padding ?? 0;
  checkInt(name, "stride", stride, 1);
  checkInt(name, "padding", padding, 0);
  if (xShape.length !== 4) {
    throw new RangeError(`${name}: input must be NCHW (4-D), got ${shapeStr(xShape)}`);
  }
  if (wShape.length !== 4) {
    throw new RangeError(`${name}: weight must be [O, C, kh, kw], got ${shapeStr(wShape)}`);
  }
  const [N, C, H, W] = xShape;
  const [O, C2, KH, KW] = wShape;
  if (C !== C2) {
    throw new RangeError(
      `${name}: input ${shapeStr(xShape)} has ${C} channels but weight ${shapeStr(wShape)} ` +
        `expects ${C2}`,
    );
  }
  const OH = Math.floor((H + 2 * padding - KH) / stride) + 1;
  const OW = Math.floor((W + 2 * padding - KW) / stride) + 1;
  if (KH < 1 || KW < 1 || OH < 1 || OW < 1) {
    throw new RangeError(
      `${name}: kernel ${KH}×${KW} does not fit input ${shapeStr(xShape)} with padding ` +
        `${padding}`,
    );
  }
  return { N, C, H, W, O, KH, KW, OH, OW, stride, padding };
}

function checkF32(name: string, ...ts: [string, Tensor][]): void {
  for (const [what, t] of ts) {
    if (t.dtype !== "f32") throw new TypeError(`${name}: ${what} must be f32, got ${t.dtype}`);
  }
}

function uniforms(g: ConvGeometry, cols: number, rowsPerSlice = 0): number[] {
  return [g.N, g.C, g.H, g.W, g.O, g.OH, g.OW, g.padding, cols, rowsPerSlice];
}

/**
 * The weight permuted to [C·kh·kw, O] (mode 0), [O·kh·kw, C] (mode 1) or [O·kh·kw, C] with
 * the taps reversed (mode 2); the caller disposes it.
 */
function permuteWeight(w: Tensor, g: ConvGeometry, mode: 0 | 1 | 2): Tensor {
  const K = g.KH * g.KW;
  const y = Tensor.empty(mode === 0 ? [g.C * K, g.O] : [g.O * K, g.C]);
  runKernel({
    name: "conv_permute_weight",
    code: PERMUTE_WEIGHT,
    inputs: [w],
    outputs: [y],
    uniforms: [g.O, g.C, K, mode],
    workgroups: flat(w.size, 64),
  });
  return y;
}

function flat(n: number, per: number): [number, number] {
  const groups = Math.ceil(n / per);
  if (groups <= 65535) return [groups, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y];
}

function gridFor(name: string, cols: number, rows: number, z = 1): [number, number, number] {
  const t = denseTiling();
  const gx = Math.ceil(cols / (t.tn * t.wx));
  const gy = Math.ceil(rows / (t.tm * t.wy));
  if (gx > 65535 || gy > 65535 || z > 65535) {
    throw new RangeError(`${name}: ${cols} × ${rows} outputs exceed the dispatch limit`);
  }
  return [gx, gy, z];
}

/**
 * Records the forward product y = conv(x, w) with the weight already permuted to
 * [C·kh·kw, O]: the row-tiled vec4 kernel for stride 1 when the widths allow, else the
 * general implicit GEMM.
 */
function runForward(name: string, x: Tensor, wt: Tensor, g: ConvGeometry, y: Tensor): void {
  const t = denseTiling();
  const cols = g.N * g.OH * g.OW;
  const aVec = g.O % 4 === 0;
  const row = rowKernelApplies(g.stride, g.W, g.OW, t);
  runKernel({
    name,
    code: row
      ? convForwardRowCode({ kh: g.KH, kw: g.KW, pad: g.padding, aVec }, t)
      : convForwardCode({ kh: g.KH, kw: g.KW, stride: g.stride, aVec }, t),
    inputs: [wt, x],
    outputs: [y],
    uniforms: uniforms(g, cols),
    workgroups: gridFor(name, cols, g.O),
  });
}

/**
 * Convolution forward without autograd: y [N, O, OH, OW] from x [N, C, H, W] and w [O, C, kh, kw].
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { conv2dForward } from "@ovsw/gpu/internal";
 * await initGpu();
 * const x = Tensor.from([1, 2, 3, 4], [1, 1, 2, 2]);
 * const w = Tensor.from([1], [1, 1, 1, 1]);
 * console.log(await conv2dForward(x, w, { padding: 0 }).read()); // [1, 2, 3, 4]
 * ```
 */
export function conv2dForward(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Tensor {
  const g = convGeometry(x.shape, w.shape, options, "conv2dForward");
  checkF32("conv2dForward", ["input", x], ["weight", w]);
  const y = Tensor.empty([g.N, g.O, g.OH, g.OW]);
  if (y.size === 0) return y;
  const wt = permuteWeight(w, g, 0);
  runForward("conv2dForward", x, wt, g, y);
  wt.dispose();
  return y;
}

/**
 * Gradient of the convolution with respect to its input, without autograd: dx with
 * `inputShape` from dy [N, O, OH, OW] and w [O, C, kh, kw].
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { conv2dGradInput } from "@ovsw/gpu/internal";
 * await initGpu();
 * const dy = Tensor.from([1, 1, 1, 1], [1, 1, 2, 2]);
 * const w = Tensor.from([2], [1, 1, 1, 1]);
 * console.log(await conv2dGradInput(dy, w, [1, 1, 2, 2]).read()); // [2, 2, 2, 2]
 * ```
 */
export function conv2dGradInput(
  dy: Tensor,
  w: Tensor,
  inputShape: readonly number[],
  options: Conv2dOptions = {},
): Tensor {
  const g = convGeometry(inputShape, w.shape, options, "conv2dGradInput");
  checkF32("conv2dGradInput", ["output gradient", dy], ["weight", w]);
  const expected = [g.N, g.O, g.OH, g.OW];
  if (dy.shape.join() !== expected.join()) {
    throw new RangeError(
      `conv2dGradInput: output gradient ${shapeStr(dy.shape)} should be ${shapeStr(expected)}`,
    );
  }
  const dx = Tensor.empty(inputShape);
  if (dx.size === 0) return dx;
  const t = denseTiling();
  const flipPad = g.KH - 1 - g.padding;
  if (
    g.stride === 1 && g.KH === g.KW && flipPad >= 0 && rowKernelApplies(1, g.OW, g.W, t)
  ) {
    // Stride 1: dx is the forward convolution of dy with the transposed, flipped kernel.
    const wt = permuteWeight(w, g, 2);
    const gt: ConvGeometry = {
      N: g.N,
      C: g.O,
      H: g.OH,
      W: g.OW,
      O: g.C,
      KH: g.KH,
      KW: g.KW,
      OH: g.H,
      OW: g.W,
      stride: 1,
      padding: flipPad,
    };
    runForward("conv2dGradInput", dy, wt, gt, dx);
    wt.dispose();
    return dx;
  }
  const wt = permuteWeight(w, g, 1);
  const cols = g.N * g.H * g.W;
  runKernel({
    name: "conv2d_grad_input",
    code: convGradInputCode(
      { kh: g.KH, kw: g.KW, stride: g.stride, aVec: g.C % 4 === 0 },
      t,
    ),
    inputs: [wt, dy],
    outputs: [dx],
    uniforms: uniforms(g, cols),
    workgroups: gridFor("conv2dGradInput", cols, g.C),
  });
  wt.dispose();
  return dx;
}

/**
 * Gradient of the convolution with respect to its weight, without autograd: dw with
 * `weightShape` from x [N, C, H, W] and dy [N, O, OH, OW]. The reduction over the batch is
 * split into slices computed in parallel, then summed.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { conv2dGradWeight } from "@ovsw/gpu/internal";
 * await initGpu();
 * const x = Tensor.from([1, 2, 3, 4], [1, 1, 2, 2]);
 * const dy = Tensor.from([1, 1, 1, 1], [1, 1, 2, 2]);
 * console.log(await conv2dGradWeight(x, dy, [1, 1, 1, 1]).read()); // [10]
 * ```
 */
export function conv2dGradWeight(
  x: Tensor,
  dy: Tensor,
  weightShape: readonly number[],
  options: Conv2dOptions = {},
): Tensor {
  const g = convGeometry(x.shape, weightShape, options, "conv2dGradWeight");
  checkF32("conv2dGradWeight", ["input", x], ["output gradient", dy]);
  const expected = [g.N, g.O, g.OH, g.OW];
  if (dy.shape.join() !== expected.join()) {
    throw new RangeError(
      `conv2dGradWeight: output gradient ${shapeStr(dy.shape)} should be ${shapeStr(expected)}`,
    );
  }
  const cols = g.C * g.KH * g.KW;
  const size = g.O * cols;
  const t = denseTiling();
  const rows = g.N * g.OH;
  if (size === 0) return Tensor.empty(weightShape);
  const row = weightRowKernelApplies(g.stride, g.W, g.OW);
  const tc = WEIGHT_ROW_PAIRS;
  const tiles = row
    ? Math.ceil((g.C * g.KH) / tc) * Math.ceil(g.O / t.tm)
    : Math.ceil(g.O / t.tm) * Math.ceil(cols / t.tn);
  const { slices, rowsPerSlice } = splitRows(rows, g.OW, tiles);
  const target = slices === 1 ? Tensor.empty(weightShape) : Tensor.empty([slices, g.O, cols]);
  if (row) {
    runKernel({
      name: "conv2d_grad_weight_row",
      code: convGradWeightRowCode(
        { kh: g.KH, kw: g.KW, pad: g.padding, tc, bw: 4 },
        t,
      ),
      inputs: [dy, x],
      outputs: [target],
      uniforms: uniforms(g, cols, rowsPerSlice),
      workgroups: flat(slices * tiles, 64),
    });
  } else {
    runKernel({
      name: "conv2d_grad_weight",
      code: convGradWeightCode({ kh: g.KH, kw: g.KW, stride: g.stride }, t),
      inputs: [dy, x],
      outputs: [target],
      uniforms: uniforms(g, cols, rowsPerSlice),
      workgroups: gridFor("conv2dGradWeight", cols, g.O, slices),
    });
  }
  if (slices === 1) return target;
  const dw = Tensor.empty(weightShape);
  runKernel({
    name: "conv2d_sum_slices",
    code: SUM_SLICES,
    inputs: [target],
    outputs: [dw],
    uniforms: [size, slices],
    workgroups: flat(size, 64),
  });
  target.dispose();
  return dw;
}

/** (c, kernel row) pairs per invocation of the row-tiled grad-weight kernel. */
const WEIGHT_ROW_PAIRS = 3;

/**
 * How the grad-weight reduction over `rows` image rows (N·OH, each `rowLength` pixels) is cut
 * into slices: enough that `tiles` output tiles per slice keep `splitTarget` invocations busy,
 * each slice at least `minSliceSteps` pixels.
 */
function splitRows(
  rows: number,
  rowLength: number,
  tiles: number,
): { slices: number; rowsPerSlice: number } {
  const t = denseTiling();
  let slices = Math.max(1, Math.ceil(t.splitTarget / tiles));
  const minRows = Math.max(1, Math.ceil(t.minSliceSteps / rowLength));
  slices = Math.min(slices, Math.max(1, Math.floor(rows / minRows)), 65535);
  const rowsPerSlice = Math.max(1, Math.ceil(rows / slices));
  return { slices: Math.max(1, Math.ceil(rows / rowsPerSlice)), rowsPerSlice };
}

/**
 * 2-D convolution (cross-correlation as PyTorch), NCHW, weight [O, C, kh, kw], no bias.
 * Differentiable in both the input and the weight.
 *
 * @example
 * ```ts
 * import { conv2d, initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.from(new Float32Array(16).fill(1), [1, 1, 4, 4]);
 * const w = Tensor.from(new Float32Array(9).fill(1), [1, 1, 3, 3]);
 * const y = conv2d(x, w, { stride: 1, padding: 1 });
 * console.log(y.shape, (await y.read())[5]); // [1, 1, 4, 4] 9
 * ```
 */
export function conv2d(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Tensor {
  const y = conv2dForward(x, w, options);
  record1([x, w], y, (g) => [
    x.requiresGrad ? conv2dGradInput(g, w, x.shape, options) : null,
    w.requiresGrad ? conv2dGradWeight(x, g, w.shape, options) : null,
  ]);
  return y;
}
