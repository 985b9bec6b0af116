/**
 * `BinaryLinear`: the OvSW binary layer as a fully connected layer (a 1×1 binary conv).
 *
 * @module
 */
import { reshape, type Tensor } from "@ovsw/gpu";
import { kaimingNormal, Prng } from "@ovsw/init";
import { binaryConv2d } from "./binary_conv2d_op.ts";
import { type BinaryLayerOptions, rowMeanAbs } from "./binary_conv2d.ts";
import { Module } from "./module.ts";
import { createParameter } from "./parameter.ts";
import type { Estimator } from "./estimators/estimator.ts";
import { getEstimator } from "./estimators/registry.ts";
import { checkInputShape } from "./_shape.ts";

/**
 * Binary fully connected layer with the same options as {@link BinaryConv2d}: `weight`
 * `[out, in]` (tag `binary`), no bias, per-sample input normalisation in training, ApproxSign
 * activations, standardised-weight α or a learned `scaling_factor`.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { BinaryLinear } from "@ovsw/layers";
 * await initGpu();
 * const fc = new BinaryLinear(256, 64);
 * console.log(fc.outputShape([8, 256])); // [8, 64]
 * ```
 */
export class BinaryLinear extends Module {
  /** The weight estimator. */
  readonly estimator: Estimator;

  /**
   * Creates the layer.
   *
   * @param inFeatures input features
   * @param outFeatures output features
   * @param options estimator, learned scale, init
   */
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: BinaryLayerOptions = {},
  ) {
    super();
    this.estimator = getEstimator(options.estimator ?? "ste");
    const shape = [outFeatures, inFeatures];
    const init = options.init ?? ((s, r) => kaimingNormal(s, r));
    const w = init(shape, options.rng ?? new Prng(0));
    this.registerParameter("weight", createParameter(w, shape, "binary"));
    if (options.learnedScale) {
      const alpha = rowMeanAbs(w, outFeatures);
      this.registerParameter("scaling_factor", createParameter(alpha, [outFeatures], "vector"));
    }
  }

  /** The latent weights `[out, in]`. */
  get weight(): Tensor {
    return this.param("weight");
  }

  /** Applies the layer to `x` (`[N, in]`). */
  forward(x: Tensor): Tensor {
    this.computeShape(x.shape);
    const N = x.shape[0];
    const y = binaryConv2d(
      reshape(x, [N, this.inFeatures, 1, 1]),
      reshape(this.weight, [this.outFeatures, this.inFeatures, 1, 1]),
      {
        training: this.training,
        estimator: this.estimator,
        alpha: this.hasParameter("scaling_factor") ? this.param("scaling_factor") : undefined,
      },
    );
    return reshape(y, [N, this.outFeatures]);
  }

  /** e.g. `BinaryLinear(256→64, ste)`. */
  describe(): string {
    return `${this.typeName}(${this.inFeatures}→${this.outFeatures}, ${this.estimator.name})`;
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    checkInputShape(this.describe(), input, 2, this.inFeatures);
    return [input[0], this.outFeatures];
  }
}
