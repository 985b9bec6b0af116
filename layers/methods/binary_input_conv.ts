/**
 * `BinaryInputConv2d`: binary activations with real-valued weights, the conv of ReActNet's step 1
 * (`BinaryActivation` → `nn.Conv2d`) in two-step training.
 *
 * @module
 */
import type { Tensor } from "@ovsw/gpu";
import { Conv2d } from "../conv2d.ts";
import { approxSign } from "./approx_sign.ts";

/**
 * Step 1 of two-step training: `y = conv2d(ApproxSign(x), W)` with a real-valued `weight`
 * `[out, in, k, k]` (tag `float`: AGS, SAD and the flip collector leave it alone), PyTorch's
 * default init, no bias. The weight has the name of every method conv's latent weight, so step
 * 2's binary model loads it by name (`--init-from`).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { BinaryInputConv2d } from "@ovsw/layers";
 * await initGpu();
 * const conv = new BinaryInputConv2d(4, 8, 3, { padding: 1 });
 * const y = conv.forward(Tensor.zeros([2, 4, 5, 5]));
 * console.log(conv.weight.tag, y.shape); // "float" [2, 8, 5, 5]
 * ```
 */
export class BinaryInputConv2d extends Conv2d {
  /** Convolves `ApproxSign(x)` (`[N, in, H, W]`) with the real weights. */
  override forward(x: Tensor): Tensor {
    return super.forward(approxSign(x));
  }
}
