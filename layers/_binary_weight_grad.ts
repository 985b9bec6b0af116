/**
 * The weight path of the binary conv's backward, shared by the float and XNOR products.
 *
 * @module
 */
import type { Tensor } from "@ovsw/gpu";
import type { Estimator } from "./estimators/estimator.ts";
import { estimatorBackward, rowDotForward } from "./estimators/_kernels.ts";

/**
 * ∂L/∂W (shape of `w`, when `w.requiresGrad`) and ∂L/∂α (when the learned α `learned`
 * requires it) from `gs` = ∂L/∂(α·b) `[O, C, kh, kw]`, through the weight estimator `est` on
 * `w2` (`w` viewed `[O, rest]`, `wStats` its row statistics, `alpha` the α in use). Disposes
 * `gs`.
 */
export function binaryWeightGrads(
  gs: Tensor,
  w: Tensor,
  w2: Tensor,
  wStats: Tensor,
  alpha: Tensor,
  learned: Tensor | undefined,
  est: Estimator,
): [Tensor | null, Tensor | null] {
  const gs2 = gs.view([w.shape[0], w.size / w.shape[0]]);
  let gW: Tensor | null = null;
  let gAlpha: Tensor | null = null;
  if (w.requiresGrad) {
    const gw = estimatorBackward(w2, gs2, est, { stats: wStats, scale: alpha });
    gW = gw.view(w.shape);
    gw.dispose();
  }
  if (learned?.requiresGrad) gAlpha = rowDotForward(gs2, w2, est, wStats);
  gs.dispose();
  gs2.dispose();
  return [gW, gAlpha];
}
