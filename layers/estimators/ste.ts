/**
 * `ste`: sign forward, identity backward (the OvSW default for weights).
 *
 * @module
 */
import type { Estimator } from "./estimator.ts";

/**
 * Straight-through estimator: `sign(x)` (sign(0) = 0) forward, `∂L/∂x = ∂L/∂y`.
 *
 * @example
 * ```ts
 * import { steEstimator } from "@ovsw/layers";
 * console.log(steEstimator.backward); // "g"
 * ```
 */
export const steEstimator: Estimator = {
  name: "ste",
  description: "sign forward, identity gradient",
  forward: "sign(x)",
  backward: "g",
  usesRowMeanAbs: false,
  signForward: true,
};
