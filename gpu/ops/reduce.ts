/**
 * Reductions over chosen axes: sum, mean, variance (unbiased by default) and L2 norm, each
 * with its backward. Per sample: axes `[1, 2, 3]`; per channel of an activation: `[0, 2, 3]`.
 *
 * @module
 */
import { record1 } from "../tape.ts";
import type { Tensor } from "../tensor.ts";
import { needsGrad } from "../tape.ts";
import { planAxes } from "./_layout.ts";
import { expandMap, reduceMap } from "./_reduce_kernel.ts";

/**
 * Sum over `axes` (negative axes count from the end); reduced axes are dropped unless
 * `keepDims`.
 *
 * @example
 * ```ts
 * import { initGpu, sumAxes, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
 * console.log(await sumAxes(x, [1]).read()); // [6, 15]
 * ```
 */
export function sumAxes(x: Tensor, axes: readonly number[], keepDims = false): Tensor {
  const plan = planAxes("sumAxes", x.shape, axes);
  const y = reduceMap({
    name: "sum_axes",
    full: [x],
    plan,
    value: "a",
    outShape: keepDims ? plan.keepShape : plan.outShape,
  });
  record1([x], y, (g) => [
    expandMap({ name: "sum_axes_grad", full: [], perOut: [g], plan, expr: "q0[o]" }),
  ]);
  return y;
}

/**
 * Mean over `axes`.
 *
 * @example
 * ```ts
 * import { initGpu, meanAxes, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
 * console.log(await meanAxes(x, [0]).read()); // [2.5, 3.5, 4.5]
 * ```
 */
export function meanAxes(x: Tensor, axes: readonly number[], keepDims = false): Tensor {
  const plan = planAxes("meanAxes", x.shape, axes);
  const inv = 1 / Math.max(1, plan.nRed);
  const y = reduceMap({
    name: "mean_axes",
    full: [x],
    plan,
    value: "a",
    post: "acc * p.s0",
    scalars: [inv],
    outShape: keepDims ? plan.keepShape : plan.outShape,
  });
  record1([x], y, (g) => [
    expandMap({
      name: "mean_axes_grad",
      full: [],
      perOut: [g],
      plan,
      expr: "q0[o] * p.s0",
      scalars: [inv],
    }),
  ]);
  return y;
}

/** Options of {@link varAxes}. */
export interface VarOptions {
  /** Divide by `m − 1` (PyTorch's default, and the paper's `Var`) instead of `m`. */
  unbiased?: boolean;
  /** Keep reduced axes as size 1. */
  keepDims?: boolean;
}

/**
 * Variance over `axes` (two-pass: mean, then mean squared deviation). Unbiased by default.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor, varAxes } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.from([1, 2, 3, 4], [1, 4]);
 * console.log(await varAxes(x, [1]).read()); // [1.6666666]
 * ```
 */
export function varAxes(x: Tensor, axes: readonly number[], opts: VarOptions = {}): Tensor {
  const { unbiased = true, keepDims = false } = opts;
  const plan = planAxes("varAxes", x.shape, axes);
  const div = unbiased ? plan.nRed - 1 : plan.nRed;
  if (div <= 0) {
    throw new RangeError(
      `varAxes: ${plan.nRed} element(s) per output over axes [${plan.axes.join(", ")}] of ` +
        `[${x.shape.join(", ")}] is too few for ${unbiased ? "the unbiased" : "a"} variance`,
    );
  }
  const mean = reduceMap({
    name: "mean_axes",
    full: [x],
    plan,
    value: "a",
    post: "acc * p.s0",
    scalars: [1 / plan.nRed],
  });
  const y = reduceMap({
    name: "var_axes",
    full: [x],
    perOut: [mean],
    plan,
    value: "(a - q0[o]) * (a - q0[o])",
    post: "acc * p.s0",
    scalars: [1 / div],
    outShape: keepDims ? plan.keepShape : plan.outShape,
  });
  if (!needsGrad([x])) {
    mean.dispose();
    return y;
  }
  record1([x], y, (g) => [
    expandMap({
      name: "var_axes_grad",
      full: [x],
      perOut: [g, mean],
      plan,
      expr: "q0[o] * 2.0 * (a - q1[o]) * p.s0",
      scalars: [1 / div],
    }),
  ]);
  return y;
}

/**
 * L2 norm over `axes`: `sqrt(Σ x²)`. Its gradient is `x / norm` (0 where the norm is 0).
 *
 * @example
 * ```ts
 * import { initGpu, normAxes, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.from([3, 4], [1, 2]);
 * console.log(await normAxes(x, [1]).read()); // [5]
 * ```
 */
export function normAxes(x: Tensor, axes: readonly number[], keepDims = false): Tensor {
  const plan = planAxes("normAxes", x.shape, axes);
  const y = reduceMap({
    name: "norm_axes",
    full: [x],
    plan,
    value: "a * a",
    post: "sqrt(acc)",
    outShape: keepDims ? plan.keepShape : plan.outShape,
  });
  record1([x], y, (g) => [
    expandMap({
      name: "norm_axes_grad",
      full: [x],
      perOut: [g, y],
      plan,
      expr: "select(0.0, q0[o] * a / q1[o], q1[o] > 0.0)",
    }),
  ]);
  return y;
}
