/**
 * Per-channel broadcasting: add or multiply a `[C]` vector along axis 1 of `[N, C, ...]`.
 *
 * @module
 */
import { record1 } from "../tape.ts";
import type { Tensor } from "../tensor.ts";
import { channelPlan } from "./_layout.ts";
import { expandMap, reduceMap } from "./_reduce_kernel.ts";

/**
 * `x + b[c]` for x `[N, C, ...]` and b `[C]` (a per-channel bias).
 *
 * @example
 * ```ts
 * import { addChannel, initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.zeros([1, 2, 2]);
 * console.log(await addChannel(x, Tensor.from([1, 2], [2])).read()); // [1, 1, 2, 2]
 * ```
 */
export function addChannel(x: Tensor, b: Tensor): Tensor {
  const plan = channelPlan("addChannel", x, b);
  const y = expandMap({ name: "add_channel", full: [x], perOut: [b], plan, expr: "a + q0[o]" });
  record1([x, b], y, (g) => [
    x.requiresGrad ? g.view(g.shape) : null,
    b.requiresGrad
      ? reduceMap({ name: "channel_sum", full: [g], plan, value: "a", outShape: b.shape })
      : null,
  ]);
  return y;
}

/**
 * `x · s[c]` for x `[N, C, ...]` and s `[C]` (a per-channel scale).
 *
 * @example
 * ```ts
 * import { initGpu, mulChannel, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.full([1, 2, 2], 1);
 * console.log(await mulChannel(x, Tensor.from([3, 4], [2])).read()); // [3, 3, 4, 4]
 * ```
 */
export function mulChannel(x: Tensor, s: Tensor): Tensor {
  const plan = channelPlan("mulChannel", x, s);
  const y = expandMap({ name: "mul_channel", full: [x], perOut: [s], plan, expr: "a * q0[o]" });
  record1([x, s], y, (g) => [
    x.requiresGrad
      ? expandMap({ name: "mul_channel", full: [g], perOut: [s], plan, expr: "a * q0[o]" })
      : null,
    s.requiresGrad
      ? reduceMap({ name: "channel_dot", full: [g, x], plan, value: "a * b", outShape: s.shape })
      : null,
  ]);
  return y;
}
