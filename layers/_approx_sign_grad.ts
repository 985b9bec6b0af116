/**
 * The activation path of the binary conv's backward, shared by the float and XNOR products.
 *
 * @module
 */
import type { Tensor } from "@ovsw/gpu";
import { approxSignEstimator } from "./estimators/approx_sign.ts";
import { estimatorBackward } from "./estimators/_kernels.ts";

/**
 * ∂L/∂x from the conv's input gradient `ga` (∂L/∂a, shape of `x`): the ApproxSign estimator on
 * the per-sample-normalised input (`x2` = x viewed `[N, rest]`, `xStats` its row statistics,
 * used only in training, docs/method.md §2.2). Does not dispose `ga`.
 */
export function approxSignInputGrad(
  ga: Tensor,
  x: Tensor,
  x2: Tensor,
  xStats: Tensor | undefined,
  training: boolean,
  eps: number,
): Tensor {
  const n = x.shape[0];
  const ga2 = ga.view([n, x.size / n]);
  const gx = estimatorBackward(x2, ga2, approxSignEstimator, {
    stats: xStats,
    normalize: training,
    eps,
  });
  const out = gx.view(x.shape);
  ga2.dispose();
  gx.dispose();
  return out;
}
