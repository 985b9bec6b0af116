/**
 * Full-precision fully connected layer (`nn.Linear`).
 *
 * @module
 */
import { linear, shapeStr, type Tensor } from "@ovsw/gpu";
import { defaultBias, defaultWeight, type Initializer, Prng } from "@ovsw/init";
import { Module } from "./module.ts";
import { createParameter } from "./parameter.ts";
import { checkInputShape } from "./_shape.ts";

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Whether to add a bias (default true, as `nn.Linear`). */
  bias?: boolean;
  /** Weight initialiser; default PyTorch's (kaiming_uniform with a=√5). */
  init?: Initializer;
  /** Bias initialiser; default PyTorch's U(±1/√in). */
  biasInit?: Initializer;
  /** Random source (default `new Prng(0)`). */
  rng?: Prng;
}

/**
 * `y = x·Wᵀ + b` with W `[out, in]` (tag `float`) and b `[out]`.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { Linear } from "@ovsw/layers";
 * await initGpu();
 * const fc = new Linear(64, 10);
 * console.log(fc.outputShape([2, 64])); // [2, 10]
 * ```
 */
export class Linear extends Module {
  /**
   * Creates the layer.
   *
   * @param inFeatures input features
   * @param outFeatures output features
   * @param options bias and initialisers
   */
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    const rng = options.rng ?? new Prng(0);
    const shape = [outFeatures, inFeatures];
    const w = (options.init ?? defaultWeight)(shape, rng);
    this.registerParameter("weight", createParameter(w, shape, "float"));
    if (options.bias ?? true) {
      const b = options.biasInit ? options.biasInit([outFeatures], rng) : defaultBias(shape, rng);
      this.registerParameter("bias", createParameter(b, [outFeatures]));
    }
  }

  /** The weight `[out, in]`. */
  get weight(): Tensor {
    return this.param("weight");
  }

  /** The bias `[out]`, if any. */
  get bias(): Tensor | null {
    return this.hasParameter("bias") ? this.param("bias") : null;
  }

  /** Applies the layer to `x` (`[N, in]`). */
  forward(x: Tensor): Tensor {
    checkInputShape(this.describe(), x.shape, 2);
    if (x.shape[1] !== this.inFeatures) {
      throw new RangeError(`${this.describe()}: input shape ${shapeStr(x.shape)}`);
    }
    return linear(x, this.weight, this.bias ?? undefined);
  }

  /** e.g. `Linear(64→10)`. */
  describe(): string {
    return `${this.typeName}(${this.inFeatures}→${this.outFeatures})`;
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    checkInputShape(this.describe(), input, 2);
    if (input[1] !== this.inFeatures) {
      throw new RangeError(`${this.describe()}: input shape ${shapeStr(input)}`);
    }
    return [input[0], this.outFeatures];
  }
}
