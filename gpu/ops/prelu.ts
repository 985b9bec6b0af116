/**
 * PReLU: `x > 0 ? x : a·x` with a learnable slope per channel (`[C]`) or shared (`[1]`).
 *
 * @module
 */
import { record1 } from "../tape.ts";
import { shapeStr, type Tensor } from "../tensor.ts";
import { channelPlan, planAxes } from "./_layout.ts";
import { expandMap, reduceMap } from "./_reduce_kernel.ts";

/**
 * Parametric ReLU. `slope` is `[C]` (one per channel of `x` `[N, C, ...]`) or `[1]` (shared).
 * Gradients flow to x (1 where x > 0, else a) and to the slope (Σ g·x where x ≤ 0).
 *
 * @example
 * ```ts
 * import { initGpu, prelu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const y = prelu(Tensor.from([-2, 3], [1, 2]), Tensor.from([0.25], [1]));
 * console.log(await y.read()); // [-0.5, 3]
 * ```
 */
export function prelu(x: Tensor, slope: Tensor): Tensor {
  if (slope.dtype !== "f32" || slope.shape.length !== 1) {
    throw new RangeError(`prelu: slope must be f32 [C] or [1], got ${shapeStr(slope.shape)}`);
  }
  const plan = slope.size === 1 && (x.shape.length < 2 || x.shape[1] !== 1)
    ? planAxes("prelu", x.shape, x.shape.map((_, i) => i))
    : channelPlan("prelu", x, slope);
  const y = expandMap({
    name: "prelu",
    full: [x],
    perOut: [slope],
    plan,
    expr: "select(q0[o] * a, a, a > 0.0)",
  });
  record1([x, slope], y, (g) => [
    x.requiresGrad
      ? expandMap({
        name: "prelu_grad_x",
        full: [g, x],
        perOut: [slope],
        plan,
        expr: "select(q0[o] * a, a, b > 0.0)",
      })
      : null,
    slope.requiresGrad
      ? reduceMap({
        name: "prelu_grad_slope",
        full: [g, x],
        plan,
        value: "select(0.0, a * b, b <= 0.0)",
        outShape: slope.shape,
      })
      : null,
  ]);
  return y;
}
