/**
 * Autograd pieces the methods' weight and activation binarisers share: per-row (output channel
 * of a weight, sample of an activation) mean, variance, centring and scaling, a square root
 * and a reciprocal, and the centring over dim 1 (input channels) used by XNOR-Net(++).
 *
 * A "row" is everything but the first axis: `[O, C, kh, kw]` has O rows of C·kh·kw values.
 *
 * @module
 */
import {
  addChannel,
  f32 as f32Uniform,
  grid,
  mapElements,
  meanAxes,
  mulChannel,
  neg,
  record1,
  reshape,
  runKernel,
  Tensor,
  tidy,
  varAxes,
  WGSL_INDEX,
} from "@ovsw/gpu";

/** `x` as `[rows, rest]` (autograd-aware). */
function rows2d(x: Tensor): Tensor {
  const r = x.shape[0];
  return reshape(x, [r, r === 0 ? 0 : x.size / r]);
}

/** Applies a per-row `[R]` op along axis 0 of `x` through a `[1, R, rest]` view. */
function perRow(x: Tensor, v: Tensor, op: typeof addChannel): Tensor {
  const r = x.shape[0];
  const y = op(reshape(x, [1, r, x.size / r]), v);
  return reshape(y, x.shape);
}

/** Mean of each row, `[R]`. */
export function rowMean(x: Tensor): Tensor {
  return meanAxes(rows2d(x), [1]);
}

/** Variance of each row, `[R]` (unbiased unless `unbiased` is false). */
export function rowVar(x: Tensor, unbiased = true): Tensor {
  return varAxes(rows2d(x), [1], { unbiased });
}

/** Mean |x| of each row, `[R]` (gradient `sign(x)/n`, 0 at 0). */
export function rowMeanAbs(x: Tensor): Tensor {
  const a = mapElements("abs", "abs(a)", [x]);
  record1([x], a, (g) => [mapElements("abs_grad", "a * sign(b)", [g, x])]);
  return rowMean(a);
}

/** `x[r, ...] + v[r]`. */
export function addRow(x: Tensor, v: Tensor): Tensor {
  return perRow(x, v, addChannel);
}

/** `x[r, ...] · v[r]`. */
export function mulRow(x: Tensor, v: Tensor): Tensor {
  return perRow(x, v, mulChannel);
}

/** `x − mean(x[r])` per row, differentiable through the mean. */
export function rowCentre(x: Tensor): Tensor {
  return addRow(x, neg(rowMean(x)));
}

/** `sqrt(x + eps)` with its gradient `1 / (2·sqrt(x + eps))`. */
export function sqrtEps(x: Tensor, eps = 0): Tensor {
  const y = mapElements("sqrt_eps", "sqrt(a + p.s0)", [x], [eps]);
  record1([x], y, (g) => [
    mapElements("sqrt_eps_grad", "a * 0.5 / sqrt(b + p.s0)", [g, x], [eps]),
  ]);
  return y;
}

/** `1 / x` with its gradient `−1 / x²`. */
export function reciprocal(x: Tensor): Tensor {
  const y = mapElements("reciprocal", "1.0 / a", [x]);
  record1([x], y, (g) => [mapElements("reciprocal_grad", "-a / (b * b)", [g, x])]);
  return y;
}

/** `x[r, ...] / s[r]`, differentiable in both. */
export function divRow(x: Tensor, s: Tensor): Tensor {
  return mulRow(x, reciprocal(s));
}

/**
 * `(x − mean_r)/sqrt(var_r + eps)` per row (first axis), unbiased variance, differentiable
 * through the mean and the variance; the output has `x`'s shape. RBNN standardises weights and
 * activations with eps 0, SiMaN with eps 1e-5.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { standardizeRows } from "@ovsw/layers";
 * await initGpu();
 * console.log(await standardizeRows(Tensor.from([1, 2, 3], [1, 3]), 0).read()); // [-1, 0, 1]
 * ```
 */
export function standardizeRows(x: Tensor, eps: number): Tensor {
  const x2 = rows2d(x);
  return reshape(divRow(rowCentre(x2), sqrtEps(rowVar(x2), eps)), x.shape);
}

const CENTRE_DIM1 = `struct P { n: u32, c: u32, s: u32, lim: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.n) { return; }
  let base = (i / (p.c * p.s)) * p.c * p.s + i % p.s;
  var m = 0.0;
  for (var k = 0u; k < p.c; k++) { m += x[base + k * p.s]; }
  y[i] = clamp(x[i] - m / f32(p.c), -p.lim, p.lim);
}`;

/**
 * `clamp(x − mean over dim 1, −lim, lim)` of `[O, C, ...]` (per (o, kh, kw) over the input
 * channels, as XNOR-Net's `mean(1, keepdim=True)`); no autograd.
 */
export function centreDim1Raw(x: Tensor, lim = 3e38): Tensor {
  if (x.shape.length < 2) {
    throw new RangeError(`centreDim1: expected [O, C, ...], got [${x.shape}]`);
  }
  const y = Tensor.empty(x.shape);
  const c = x.shape[1];
  const s = x.size / (x.shape[0] * c);
  runKernel({
    name: "centre_dim1",
    code: CENTRE_DIM1,
    inputs: [x],
    outputs: [y],
    uniforms: [y.size, c, s, f32Uniform(lim)],
    workgroups: grid(y.size),
  });
  return y;
}

/**
 * `x − mean over dim 1` (input channels) with its gradient `g − mean over dim 1 of g` (the
 * centring is a symmetric projection). XNOR-Net++ (bnn library) centres its weights this way.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { centreInputChannels } from "@ovsw/layers";
 * await initGpu();
 * const w = Tensor.from([1, 3, 0, 4], [1, 2, 2, 1]); // mean over dim 1 of [1, 0] and [3, 4]
 * console.log(await centreInputChannels(w).read()); // [0.5, -0.5, -0.5, 0.5]
 * ```
 */
export function centreInputChannels(x: Tensor): Tensor {
  const y = centreDim1Raw(x);
  record1([x], y, (g) => [tidy(() => centreDim1Raw(g))]);
  return y;
}
