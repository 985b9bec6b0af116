/**
 * `ste_v2`: sign scaled by the per-row mean |x| forward, identity backward.
 *
 * @module
 */
import type { Estimator } from "./estimator.ts";

/**
 * `sign(x)·mean|x_row|` forward (no gradient through the mean), `∂L/∂x = ∂L/∂y`.
 *
 * @example
 * ```ts
 * import { steV2Estimator } from "@ovsw/layers";
 * console.log(steV2Estimator.usesRowMeanAbs); // true
 * ```
 */
export const steV2Estimator: Estimator = {
  name: "ste_v2",
  description: "sign·mean|W_o| forward, identity gradient",
  forward: "sign(x) * m",
  backward: "g",
  usesRowMeanAbs: true,
  signForward: false,
};
