/**
 * Full-precision 2-D convolution (`nn.Conv2d`, groups 1, dilation 1).
 *
 * @module
 */
import { addChannel, conv2d, type Tensor } from "@ovsw/gpu";
import { defaultBias, defaultWeight, type Initializer, Prng } from "@ovsw/init";
import { Module } from "./module.ts";
import { createParameter } from "./parameter.ts";
import { checkInputShape, convLayerOutputShape } from "./_shape.ts";

/** Options of {@link Conv2d}. */
export interface Conv2dLayerOptions {
  /** Stride (default 1). */
  stride?: number;
  /** Zero padding on each side (default 0). */
  padding?: number;
  /** Whether to add a learned bias (default false: every conv in the paper's models has none). */
  bias?: boolean;
  /** Weight initialiser; default PyTorch's (kaiming_uniform with a=√5). */
  init?: Initializer;
  /** Random source for the initialisers (default `new Prng(0)`). */
  rng?: Prng;
}

/**
 * Full-precision convolution with a `[out, in, k, k]` weight (tag `float`) and an optional bias.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { Conv2d } from "@ovsw/layers";
 * await initGpu();
 * const conv = new Conv2d(3, 16, 3, { padding: 1 });
 * console.log(conv.outputShape([2, 3, 32, 32])); // [2, 16, 32, 32]
 * ```
 */
export class Conv2d extends Module {
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
    options: Conv2dLayerOptions = {},
  ) {
    super();
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    const rng = options.rng ?? new Prng(0);
    const shape = [outChannels, inChannels, kernelSize, kernelSize];
    const w = (options.init ?? defaultWeight)(shape, rng);
    this.registerParameter("weight", createParameter(w, shape, "float"));
    if (options.bias) {
      this.registerParameter("bias", createParameter(defaultBias(shape, rng), [outChannels]));
    }
  }

  /** The weight `[out, in, k, k]`. */
  get weight(): Tensor {
    return this.param("weight");
  }

  /** The bias `[out]`, if any. */
  get bias(): Tensor | null {
    return this.hasParameter("bias") ? this.param("bias") : null;
  }

  /** Convolves `x` (`[N, in, H, W]`). */
  forward(x: Tensor): Tensor {
    checkInputShape(this.describe(), x.shape, 4, this.inChannels);
    const y = conv2d(x, this.weight, { stride: this.stride, padding: this.padding });
    const b = this.bias;
    return b ? addChannel(y, b) : y;
  }

  /** e.g. `Conv2d(3→16, k3, s1, p1)`. */
  describe(): string {
    return `${this.typeName}(${this.inChannels}→${this.outChannels}, k${this.kernelSize}, ` +
      `s${this.stride}, p${this.padding})`;
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    return convLayerOutputShape(this, input);
  }
}
