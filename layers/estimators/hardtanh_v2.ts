/**
 * `hardtanhv2`: sign forward, gradient where |x| is below the row's mean |x|.
 *
 * @module
 */
import type { Estimator } from "./estimator.ts";

/**
 * `sign(x)` forward, `∂L/∂x = ∂L/∂y · 1[|x| < mean|x_row|]` (per output channel window).
 *
 * @example
 * ```ts
 * import { hardtanhV2Estimator } from "@ovsw/layers";
 * console.log(hardtanhV2Estimator.name); // "hardtanhv2"
 * ```
 */
export const hardtanhV2Estimator: Estimator = {
  name: "hardtanhv2",
  description: "sign forward, gradient where |W| < mean|W_o|",
  forward: "sign(x)",
  backward: "select(0.0, g, abs(x) < m)",
  usesRowMeanAbs: true,
  signForward: true,
};
