/**
 * Bi-Real Net's and ReActNet's `HardBinaryConv` (liuzechun/Bi-Real-net @ f58aa4d1
 * `pytorch_implementation/BiReal18_34/birealnet.py`; liuzechun/ReActNet @ a6cd08d4
 * `resnet/2_step2/birealnet.py`).
 *
 * @module
 */
import { conv2d, mapElements, noGrad, record1, type Tensor, tidy } from "@ovsw/gpu";
import { type Initializer, Prng } from "@ovsw/init";
import { Module } from "../module.ts";
import { createParameter } from "../parameter.ts";
import { checkInputShape, convLayerOutputShape } from "../_shape.ts";
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

/** Options of {@link HardBinaryConv2d}. */
export interface HardBinaryConv2dOptions {
  /** Stride (default 1). */
  stride?: number;
  /** Zero padding (default 0; the official default is 1, pass it for 3×3 convs). */
  padding?: number;
  /**
   * Binarise the input with ApproxSign first (default true: Bi-Real's `BinaryActivation`, so
   * the layer is a drop-in binary conv). Set false when a block binarises before the conv
   * (ReActNet's RSign); the official `HardBinaryConv` itself never binarises its input.
   */
  binarizeInput?: boolean;
  /** Latent weight initialiser; default the official `rand·0.001` (uniform [0, 0.001)). */
  init?: Initializer;
  /** Random source (default `new Prng(0)`). */
  rng?: Prng;
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
export class HardBinaryConv2d extends Module {
  /** Stride. */
  readonly stride: number;
  /** Padding. */
  readonly padding: number;
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
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    options: HardBinaryConv2dOptions = {},
  ) {
    super();
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.binarizeInput = options.binarizeInput ?? true;
    const shape = [outChannels, inChannels, kernelSize, kernelSize];
    const n = shape.reduce((a, d) => a * d, 1);
    const init = options.init ?? ((_s, r) => r.uniformArray(n, 0, 0.001));
    this.registerParameter(
      "weight",
      createParameter(init(shape, options.rng ?? new Prng(0)), shape, "binary"),
    );
  }

  /** The latent weights `[O, C, k, k]`. */
  get weight(): Tensor {
    return this.param("weight");
  }

  /** Runs the convolution on `x` (`[N, C, H, W]`). */
  forward(x: Tensor): Tensor {
    checkInputShape(this.describe(), x.shape, 4, this.inChannels);
    const a = this.binarizeInput ? approxSign(x) : x;
    return conv2d(a, hardBinaryWeight(this.weight), {
      stride: this.stride,
      padding: this.padding,
    });
  }

  /** e.g. `HardBinaryConv2d(16→32, k3, s1, p1)`. */
  describe(): string {
    return `${this.typeName}(${this.inChannels}→${this.outChannels}, k${this.kernelSize}, ` +
      `s${this.stride}, p${this.padding}${this.binarizeInput ? "" : ", real input"})`;
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    return convLayerOutputShape(this, input);
  }
}
