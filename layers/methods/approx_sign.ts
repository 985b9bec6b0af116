/**
 * ApproxSign as a standalone activation binariser (Bi-Real Net, ReActNet's `BinaryActivation`).
 *
 * @module
 */
import { mapElements, record1, type Tensor } from "@ovsw/gpu";

/**
 * `sign(x)` (sign(0) = 0, as `torch.sign`) with the ApproxSign backward of the official code:
 * `∂y/∂x = 2 + 2x` on [−1, 0), `2 − 2x` on [0, 1), 0 elsewhere, i.e. `max(0, 2 − 2|x|)`
 * (continuous, so which side of ±1 and 0 is inclusive does not matter).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { approxSign } from "@ovsw/layers";
 * await initGpu();
 * console.log(await approxSign(Tensor.from([-0.5, 0, 2], [3])).read()); // [-1, 0, 1]
 * ```
 */
export function approxSign(x: Tensor): Tensor {
  const y = mapElements("approx_sign", "sign(a)", [x]);
  record1([x], y, (g) => [
    mapElements("approx_sign_grad", "a * max(0.0, 2.0 - 2.0 * abs(b))", [g, x]),
  ]);
  return y;
}
