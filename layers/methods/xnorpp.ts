/**
 * XNOR-Net++ (Bulat & Tzimiropoulos 2019), which has no official code, in its two
 * re-implementations: (B, this project's default) the first author's bnn library
 * (1adrianb/binary-networks-pytorch @ 51bdeee6, recipe `xnor-net-plus.yaml` step 1:
 * `BasicInputBinarizer`, `XNORWeightBinarizer(compute_alpha, center_weights)`,
 * `BasicScaleBinarizer`) — {@link XnorPlusPlusConv2d}; (A) BiBench's `XNORPlusPlusConv2d`
 * (htqin/BiBench @ 5a04a6dd) with the paper's factorised Γ = α ⊗ β ⊗ γ —
 * {@link XnorPlusPlusFactorisedConv2d}. B is the default because it is the first author's
 * code; A is the paper's factorised scale without the analytic α.
 *
 * @module
 */
import { conv2d, mulChannel, type Tensor } from "@ovsw/gpu";
import { createParameter } from "../parameter.ts";
import {
  kaimingInit,
  MethodConv2d,
  type MethodConvOptions,
  tinyUniformInit,
} from "./method_conv.ts";
import { centreInputChannels, mulRow, rowMeanAbs } from "./_row_ops.ts";
import { factorisedScale } from "./_factorised_scale.ts";
import { steSign } from "./sign_ste.ts";

/**
 * The bnn library's `XNORWeightBinarizer(compute_alpha=True, center_weights=True)`:
 * `Wc = W − mean over dim 1` (input channels), `wb = sign(Wc)·α[o]` with `α[o] = mean|Wc[o]|`
 * **not detached** (its gradient `sign(Wc)/n` flows back), sign's gradient `1[|Wc| < 1]`
 * (exclusive), all differentiable through the centring. Nothing is written back to W.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { xnorPlusPlusWeight } from "@ovsw/layers";
 * await initGpu();
 * const w = Tensor.from([1, 3, 0, 4], [1, 2, 2, 1]); // Wc = [0.5, −0.5, −0.5, 0.5]
 * console.log(await xnorPlusPlusWeight(w).read()); // [0.5, -0.5, -0.5, 0.5]
 * ```
 */
export function xnorPlusPlusWeight(w: Tensor): Tensor {
  const wc = centreInputChannels(w);
  return mulRow(steSign(wc, "exclusive"), rowMeanAbs(wc));
}

/** Options of {@link XnorPlusPlusConv2d} (bias, added before the scale, default false). */
export type XnorPlusPlusConv2dOptions = MethodConvOptions;

/**
 * XNOR-Net++ binary convolution (bnn library variant, this project's `xnorpp` default):
 * `y = (conv2d(sign(x), xnorPlusPlusWeight(W)) + bias) · alpha[o]`, the activation gradient
 * `1[|x| < 1]` (exclusive), `alpha` a learned `[O]` scale (tag `vector`, init 1) — the
 * paper's learned Γ in its per-channel form, here on top of the analytic α, which the library
 * keeps and differentiates. The bias, if any, is added before the scale (`mul_` after
 * `_conv_forward`). The recipe's step 0 (real weights) is not part of this layer.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { XnorPlusPlusConv2d } from "@ovsw/layers";
 * await initGpu();
 * const conv = new XnorPlusPlusConv2d(4, 8, 3, { padding: 1 });
 * const y = conv.forward(Tensor.zeros([2, 4, 5, 5]));
 * console.log(conv.alpha.tag, y.shape); // "vector" [2, 8, 5, 5]
 * ```
 */
export class XnorPlusPlusConv2d extends MethodConv2d {
  /**
   * Creates the layer.
   *
   * @param inChannels input channels
   * @param outChannels output channels
   * @param kernelSize square kernel size
   * @param options stride, padding, bias, init
   */
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    options: XnorPlusPlusConv2dOptions = {},
  ) {
    super(inChannels, outChannels, kernelSize, options, { bias: false, init: kaimingInit });
    const ones = new Float32Array(outChannels).fill(1);
    this.registerParameter("alpha", createParameter(ones, [outChannels], "vector"));
  }

  /** The learned output scale `[O]`. */
  get alpha(): Tensor {
    return this.param("alpha");
  }

  /** Runs the convolution on `x` (`[N, C, H, W]`). */
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    const y = conv2d(steSign(x, "exclusive"), xnorPlusPlusWeight(this.weight), this.conv);
    return mulChannel(this.addBias(y), this.alpha);
  }
}

/** Options of {@link XnorPlusPlusFactorisedConv2d} (no bias; init default `rand·0.001`). */
export interface XnorPlusPlusFactorisedConv2dOptions extends Omit<MethodConvOptions, "bias"> {
  /** Stored length of the height and width scales (default 2000, as BiBench). */
  maxSize?: number;
}

/**
 * XNOR-Net++ as BiBench computes it (variant A, the paper's factorised Γ):
 * `y = conv2d(sign(x), sign(W)) · o_scale[c] · h_scale[i] · w_scale[j]` with the clamp STE on
 * both operands (gradient `1[|·| ≤ 1]`, inclusive), no analytic α, no bias, three learned
 * scales (tag `vector`, init 1): `o_scale` `[O]`, `h_scale` and `w_scale` stored with
 * `maxSize` entries of which the first H_out, W_out are used (the rest get zero gradient).
 * The official parameters are shaped `[1, O, 1, 1]`, `[1, 1, 2000, 1]`, `[1, 1, 1, 2000]`;
 * here they are flat.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { XnorPlusPlusFactorisedConv2d } from "@ovsw/layers";
 * await initGpu();
 * const conv = new XnorPlusPlusFactorisedConv2d(4, 8, 3, { padding: 1, maxSize: 32 });
 * const y = conv.forward(Tensor.zeros([2, 4, 5, 5]));
 * console.log(conv.namedParameters().map(([n]) => n), y.shape);
 * // ["weight", "o_scale", "h_scale", "w_scale"] [2, 8, 5, 5]
 * ```
 */
export class XnorPlusPlusFactorisedConv2d extends MethodConv2d {
  /**
   * Creates the layer.
   *
   * @param inChannels input channels
   * @param outChannels output channels
   * @param kernelSize square kernel size
   * @param options stride, padding, scale length, init
   */
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    options: XnorPlusPlusFactorisedConv2dOptions = {},
  ) {
    super(inChannels, outChannels, kernelSize, { ...options, bias: false }, {
      bias: false,
      init: tinyUniformInit,
    });
    const maxSize = options.maxSize ?? 2000;
    const lengths = [["o_scale", outChannels], ["h_scale", maxSize], ["w_scale", maxSize]] as const;
    for (const [name, len] of lengths) {
      this.registerParameter(name, createParameter(new Float32Array(len).fill(1), [len], "vector"));
    }
  }

  /** The three scales `[o_scale, h_scale, w_scale]`. */
  get scales(): [Tensor, Tensor, Tensor] {
    return [this.param("o_scale"), this.param("h_scale"), this.param("w_scale")];
  }

  /** Runs the convolution on `x` (`[N, C, H, W]`). */
  forward(x: Tensor): Tensor {
    const [, , oh, ow] = this.outputShape(x.shape);
    const [o, h, w] = this.scales;
    if (h.size < oh || w.size < ow) {
      throw new RangeError(
        `${this.describe()}: output ${oh}×${ow} exceeds the stored scales (maxSize ${h.size})`,
      );
    }
    const y = conv2d(steSign(x, "inclusive"), steSign(this.weight, "inclusive"), this.conv);
    return factorisedScale(y, o, h, w);
  }
}
