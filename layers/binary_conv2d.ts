/**
 * `BinaryConv2d`: the OvSW binary convolution layer (`OvSWConv2d`, docs/method.md §2).
 *
 * @module
 */
import { keep, noGrad, scale, type Tensor } from "@ovsw/gpu";
import { type Initializer, kaimingNormal, Prng } from "@ovsw/init";
import { binaryConv2d } from "./binary_conv2d_op.ts";
import { Module } from "./module.ts";
import { createParameter } from "./parameter.ts";
import type { Estimator } from "./estimators/estimator.ts";
import { getEstimator } from "./estimators/registry.ts";
import { checkInputShape, convLayerOutputShape } from "./_shape.ts";

/** Options of {@link BinaryConv2d} and {@link BinaryLinear}. */
export interface BinaryLayerOptions {
  /** Stride (conv only; default 1). */
  stride?: number;
  /** Zero padding of the binarised input (conv only; default 0). */
  padding?: number;
  /** Weight estimator by name or object (default `ste`). */
  estimator?: string | Estimator;
  /**
   * Learn the per-output-channel scale (`scaling_factor`, init mean|W_o| of the raw weights)
   * instead of computing it from the standardised weights. Default false.
   */
  learnedScale?: boolean;
  /** Latent weight initialiser; default Kaiming normal (fan_in, leaky_relu a=0). */
  init?: Initializer;
  /** Random source (default `new Prng(0)`). */
  rng?: Prng;
}

/** Mean |w| per output channel of row-major data with `rows` rows. */
export function rowMeanAbs(data: Float32Array, rows: number): Float32Array {
  const n = data.length / rows;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(data[r * n + j]);
    out[r] = s / n;
  }
  return out;
}

/**
 * The OvSW binary convolution: latent weight `weight` `[O, C, k, k]` (tag `binary`), no bias,
 * sign activations with the ApproxSign backward, a per-channel scale α from the standardised
 * weights (or a learned `scaling_factor`). Training mode normalises each sample's input by its
 * detached std, which only changes the backward window.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { BinaryConv2d } from "@ovsw/layers";
 * await initGpu();
 * const conv = new BinaryConv2d(16, 32, 3, { stride: 2, padding: 1, estimator: "hardtanh" });
 * console.log(conv.weight.tag, conv.outputShape([2, 16, 32, 32])); // "binary" [2, 32, 16, 16]
 * ```
 */
export class BinaryConv2d extends Module {
  /** Stride. */
  readonly stride: number;
  /** Padding. */
  readonly padding: number;
  /** The weight estimator. */
  readonly estimator: Estimator;

  /**
   * Creates the layer.
   *
   * @param inChannels input channels
   * @param outChannels output channels
   * @param kernelSize square kernel size
   * @param options stride, padding, estimator, learned scale, init
   */
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    options: BinaryLayerOptions = {},
  ) {
    super();
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.estimator = getEstimator(options.estimator ?? "ste");
    const shape = [outChannels, inChannels, kernelSize, kernelSize];
    const init = options.init ?? ((s, r) => kaimingNormal(s, r));
    const w = init(shape, options.rng ?? new Prng(0));
    this.registerParameter("weight", createParameter(w, shape, "binary"));
    if (options.learnedScale) {
      const alpha = rowMeanAbs(w, outChannels);
      this.registerParameter("scaling_factor", createParameter(alpha, [outChannels], "vector"));
    }
  }

  /** The latent weights `[O, C, k, k]`. */
  get weight(): Tensor {
    return this.param("weight");
  }

  /** The learned scale `[O]`, or null when α is computed from the weights. */
  get scalingFactor(): Tensor | null {
    return this.hasParameter("scaling_factor") ? this.param("scaling_factor") : null;
  }

  /** Runs the fused binary convolution on `x` (`[N, C, H, W]`). */
  forward(x: Tensor): Tensor {
    checkInputShape(this.describe(), x.shape, 4, this.inChannels);
    return binaryConv2d(x, this.weight, {
      stride: this.stride,
      padding: this.padding,
      training: this.training,
      estimator: this.estimator,
      alpha: this.scalingFactor ?? undefined,
    });
  }

  /** Multiplies the latent weights by `factor` in place (the authors' `scale_weights`). */
  scaleWeights(factor: number): void {
    this.setTensor("weight", keep(noGrad(() => scale(this.weight, factor))));
  }

  /** e.g. `BinaryConv2d(16→32, k3, s2, p1, ste)`. */
  describe(): string {
    return `${this.typeName}(${this.inChannels}→${this.outChannels}, k${this.kernelSize}, ` +
      `s${this.stride}, p${this.padding}, ${this.estimator.name})`;
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    return convLayerOutputShape(this, input);
  }
}
