/**
 * Bi-Real Net's and ReActNet's `HardBinaryConv` (liuzechun/Bi-Real-net @ f58aa4d1
 * `pytorch_implementation/BiReal18_34/birealnet.py`; liuzechun/ReActNet @ a6cd08d4
 * `resnet/2_step2/birealnet.py`).
 *
 * @module
 */
import { conv2d, mapElements, noGrad, record1, type Tensor, tidy } from "@ovsw/gpu";
import { MethodConv2d, type MethodConvOptions, tinyUniformInit } from "./method_conv.ts";
import { mulRow, rowMeanAbs } from "./_row_ops.ts";
import { approxSign } from "./approx_sign.ts";

/**
 * `HardBinaryConv`'s weight: `α[o]·sign(W)` with `α[o] = mean|W[o]|` **detached**, and the
 * gradient of `clamp(W, −1, 1)`: `∂L/∂W = ∂L/∂wb · 1[−1 ≤ W ≤ 1]` — no α factor (the paper's
 * magnitude-aware gradient has one; the code does not).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { hardBinaryWeight } from "@ovsw/layers";
 * await initGpu();
 * console.log(await hardBinaryWeight(Tensor.from([0.3, -0.1], [1, 2])).read()); // [0.2, -0.2]
 * ```
 */
export function hardBinaryWeight(w: Tensor): Tensor {
  const wb = noGrad(() => tidy(() => mulRow(mapElements("sign", "sign(a)", [w]), rowMeanAbs(w))));
  record1([w], wb, (g) => [
    mapElements("hard_binary_grad", "select(0.0, a, abs(b) <= 1.0)", [g, w]),
  ]);
  return wb;
}

/**
 * Options of {@link HardBinaryConv2d} (no bias; padding default 0 — the official default is 1,
 * pass it for 3×3 convs; init default the official `rand·0.001`).
 */
export interface HardBinaryConv2dOptions extends Omit<MethodConvOptions, "bias"> {
  /**
   * Binarise the input with ApproxSign first (default true: Bi-Real's `BinaryActivation`, so
   * the layer is a drop-in binary conv). Set false when a block binarises before the conv
   * (ReActNet's RSign); the official `HardBinaryConv` itself never binarises its input.
   */
  binarizeInput?: boolean;
}

/**
 * Bi-Real/ReActNet binary convolution: `y = conv2d(ApproxSign(x), α·sign(W))` (see
 * {@link hardBinaryWeight}), no bias. Surprises kept: α is detached, the weight gradient is
 * the clamp's window without α, and the default init is `torch.rand·0.001` (all positive, so
 * every weight starts at +α). The ResNet variant's OIHW `weight` layout is used (the mobilenet
 * step-2 code stores a flat `weights` of the same values).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { HardBinaryConv2d } from "@ovsw/layers";
 * await initGpu();
 * const conv = new HardBinaryConv2d(4, 8, 3, { padding: 1 });
 * const y = conv.forward(Tensor.zeros([2, 4, 5, 5]));
 * console.log(conv.weight.tag, y.shape); // "binary" [2, 8, 5, 5]
 * ```
 */
export class HardBinaryConv2d extends MethodConv2d {
  /** Whether the input is binarised with ApproxSign first. */
  readonly binarizeInput: boolean;

  /**
   * Creates the layer.
   *
   * @param inChannels input channels
   * @param outChannels output channels
   * @param kernelSize square kernel size
   * @param options stride, padding, input binarisation, init
   */
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    options: HardBinaryConv2dOptions = {},
  ) {
    super(inChannels, outChannels, kernelSize, { ...options, bias: false }, {
      bias: false,
      init: tinyUniformInit,
    });
    this.binarizeInput = options.binarizeInput ?? true;
  }

  /** Runs the convolution on `x` (`[N, C, H, W]`). */
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    const a = this.binarizeInput ? approxSign(x) : x;
    return conv2d(a, hardBinaryWeight(this.weight), this.conv);
  }

  /** `, real input` when the input is not binarised. */
  protected override describeExtra(): string {
    return this.binarizeInput ? "" : ", real input";
  }
}
