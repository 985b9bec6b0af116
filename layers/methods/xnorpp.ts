/**
 * XNOR-Net++ (Bulat & Tzimiropoulos 2019), which has no official code, as the first author's
 * bnn library computes it (1adrianb/binary-networks-pytorch @ 51bdeee6, recipe
 * `xnor-net-plus.yaml` step 1: `BasicInputBinarizer`, `XNORWeightBinarizer(compute_alpha,
 * center_weights)`, `BasicScaleBinarizer`).
 *
 * @module
 */
import { addChannel, conv2d, mulChannel, type Tensor } from "@ovsw/gpu";
import { type Initializer, kaimingNormal, Prng } from "@ovsw/init";
import { Module } from "../module.ts";
import { createParameter } from "../parameter.ts";
import { checkInputShape, convLayerOutputShape } from "../_shape.ts";
import { centreInputChannels, mulRow, rowMeanAbs } from "./_row_ops.ts";
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

/** Options of {@link XnorPlusPlusConv2d}. */
export interface XnorPlusPlusConv2dOptions {
  /** Stride (default 1). */
  stride?: number;
  /** Zero padding of the binarised input (default 0). */
  padding?: number;
  /** A learned bias `[O]`, added before the scale (default false: ResNet convs have none). */
  bias?: boolean;
  /** Latent weight initialiser; default Kaiming normal. */
  init?: Initializer;
  /** Random source (default `new Prng(0)`). */
  rng?: Prng;
}

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
export class XnorPlusPlusConv2d extends Module {
  /** Stride. */
  readonly stride: number;
  /** Padding. */
  readonly padding: number;

  /**
   * Creates the layer.
   *
   * @param inChannels input channels
   * @param outChannels output channels
   * @param kernelSize square kernel size
   * @param options stride, padding, bias, init
   */
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    options: XnorPlusPlusConv2dOptions = {},
  ) {
    super();
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    const shape = [outChannels, inChannels, kernelSize, kernelSize];
    const init = options.init ?? ((s, r) => kaimingNormal(s, r));
    this.registerParameter(
      "weight",
      createParameter(init(shape, options.rng ?? new Prng(0)), shape, "binary"),
    );
    if (options.bias) {
      this.registerParameter("bias", createParameter(new Float32Array(outChannels), [outChannels]));
    }
    const ones = new Float32Array(outChannels).fill(1);
    this.registerParameter("alpha", createParameter(ones, [outChannels], "vector"));
  }

  /** The latent weights `[O, C, k, k]`. */
  get weight(): Tensor {
    return this.param("weight");
  }

  /** The bias `[O]`, or null. */
  get bias(): Tensor | null {
    return this.hasParameter("bias") ? this.param("bias") : null;
  }

  /** The learned output scale `[O]`. */
  get alpha(): Tensor {
    return this.param("alpha");
  }

  /** Runs the convolution on `x` (`[N, C, H, W]`). */
  forward(x: Tensor): Tensor {
    checkInputShape(this.describe(), x.shape, 4, this.inChannels);
    const conv = { stride: this.stride, padding: this.padding };
    const y = conv2d(steSign(x, "exclusive"), xnorPlusPlusWeight(this.weight), conv);
    return mulChannel(this.bias ? addChannel(y, this.bias) : y, this.alpha);
  }

  /** e.g. `XnorPlusPlusConv2d(16→32, k3, s1, p1)`. */
  describe(): string {
    return `${this.typeName}(${this.inChannels}→${this.outChannels}, k${this.kernelSize}, ` +
      `s${this.stride}, p${this.padding})`;
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    return convLayerOutputShape(this, input);
  }
}
