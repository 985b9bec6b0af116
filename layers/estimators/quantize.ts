/**
 * `quantize(x, estimator)`: an estimator as a stand-alone autograd op.
 *
 * @module
 */
import { noGrad, record1, type Tensor } from "@ovsw/gpu";
import type { Estimator } from "./estimator.ts";
import { estimatorBackward, estimatorForward, rowStats } from "./_kernels.ts";
import { getEstimator } from "./registry.ts";

/**
 * Applies an estimator (by name or object): its forward values, and on backward its surrogate
 * gradient. Row statistics (for `ste_v2`/`hardtanhv2`) are taken over every dimension but the
 * first, without gradient.
 *
 * @example
 * ```ts
 * import { backward, initGpu, sum, Tensor, tidy } from "@ovsw/gpu";
 * import { quantize } from "@ovsw/layers";
 * await initGpu();
 * const x = Tensor.from([-0.5, 0, 2], [3]);
 * x.requiresGrad = true;
 * const g = tidy(() => backward(sum(quantize(x, "hardtanh")), [x])[0]!);
 * console.log(await g.read()); // [1, 1, 0]
 * ```
 */
export function quantize(x: Tensor, estimator: string | Estimator): Tensor {
  const e = getEstimator(estimator);
  const stats = e.usesRowMeanAbs ? noGrad(() => rowStats(x)) : undefined;
  const y = estimatorForward(x, e, { stats });
  record1([x], y, (g) => [estimatorBackward(x, g, e, { stats })]);
  return y;
}
