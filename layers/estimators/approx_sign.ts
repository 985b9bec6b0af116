/**
 * `approx_sign`: Bi-Real's ApproxSign, the OvSW activation estimator.
 *
 * @module
 */
import type { Estimator } from "./estimator.ts";

/**
 * `sign(x)` forward, `∂L/∂x = ∂L/∂y · max(0, 2 − 2|x|)` backward.
 *
 * @example
 * ```ts
 * import { approxSignEstimator } from "@ovsw/layers";
 * console.log(approxSignEstimator.backward);
 * ```
 */
export const approxSignEstimator: Estimator = {
  name: "approx_sign",
  description: "sign forward, gradient (2 − 2|x|)₊ (Bi-Real ApproxSign)",
  forward: "sign(x)",
  backward: "g * max(0.0, 2.0 - 2.0 * abs(x))",
  usesRowMeanAbs: false,
  signForward: true,
};
