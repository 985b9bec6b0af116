/**
 * `hardtanh`: sign forward, gradient clipped to the strict window |x| < 1.
 *
 * @module
 */
import type { Estimator } from "./estimator.ts";

/**
 * Clipped straight-through estimator: `sign(x)` forward, `∂L/∂x = ∂L/∂y · 1[|x| < 1]`.
 *
 * @example
 * ```ts
 * import { hardtanhEstimator } from "@ovsw/layers";
 * console.log(hardtanhEstimator.name); // "hardtanh"
 * ```
 */
export const hardtanhEstimator: Estimator = {
  name: "hardtanh",
  description: "sign forward, gradient where |x| < 1 (strict)",
  forward: "sign(x)",
  backward: "select(0.0, g, abs(x) < 1.0)",
  usesRowMeanAbs: false,
  signForward: true,
};
