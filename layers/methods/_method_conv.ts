/**
 * The common shape of the methods' binary convolutions: a latent weight `[O, C, k, k]`
 * registered as `weight` with tag `binary` (so AGS, SAD and the flip collector work on it
 * unchanged), an optional bias `[O]`, stride, padding, `describe()` and shape inference.
 *
 * @module
 */
import { addChannel, type Conv2dOptions, type Tensor } from "@ovsw/gpu";
import { type Initializer, kaimingNormal, Prng } from "@ovsw/init";
import { Module } from "../module.ts";
import { createParameter } from "../parameter.ts";
import { checkInputShape, convLayerOutputShape } from "../_shape.ts";

/** Options every method's binary conv takes. */
export interface MethodConvOptions {
  /** Stride (default 1). */
  stride?: number;
  /** Zero padding (default 0). */
  padding?: number;
  /** A learned bias `[O]` (the default depends on the method). */
  bias?: boolean;
  /** Latent weight initialiser (the default depends on the method). */
  init?: Initializer;
  /** Random source (default `new Prng(0)`). */
  rng?: Prng;
}

/** Kaiming normal (fan_in, a = 0), the project's default latent init. */
export const kaimingInit: Initializer = (s, r) => kaimingNormal(s, r);

/** `torch.rand(shape)·0.001` (Bi-Real/ReActNet/BiBench's init: uniform [0, 0.001)). */
export const tinyUniformInit: Initializer = (s, r) =>
  r.uniformArray(s.reduce((a, d) => a * d, 1), 0, 0.001);

/** Base class of the methods' binary convolutions (see the module doc). */
export abstract class MethodConv2d extends Module {
  /** Stride. */
  readonly stride: number;
  /** Padding. */
  readonly padding: number;
  /** The random source the weights were drawn from (subclasses draw more from it). */
  protected readonly rng: Prng;

  /**
   * Registers `weight` (and `bias` when asked, else `defaults.bias`).
   *
   * @param inChannels input channels
   * @param outChannels output channels
   * @param kernelSize square kernel size
   * @param options stride, padding, bias, init, rng
   * @param defaults the method's bias and init defaults
   */
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    options: MethodConvOptions,
    defaults: { bias: boolean; init: Initializer },
  ) {
    super();
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.rng = options.rng ?? new Prng(0);
    const shape = [outChannels, inChannels, kernelSize, kernelSize];
    const w = (options.init ?? defaults.init)(shape, this.rng);
    this.registerParameter("weight", createParameter(w, shape, "binary"));
    if (options.bias ?? defaults.bias) {
      this.registerParameter("bias", createParameter(new Float32Array(outChannels), [outChannels]));
    }
  }

  /** The latent weights `[O, C, k, k]`. */
  get weight(): Tensor {
    return this.param("weight");
  }

  /** The bias `[O]`, or null. */
  get bias(): Tensor | null {
    return this.hasParameter("bias") ? this.param("bias") : null;
  }

  /** Stride and padding for `conv2d`. */
  protected get conv(): Conv2dOptions {
    return { stride: this.stride, padding: this.padding };
  }

  /** Throws a clear error unless `x` is `[N, inChannels, H, W]`. */
  protected checkInput(x: Tensor): void {
    checkInputShape(this.describe(), x.shape, 4, this.inChannels);
  }

  /** `y + bias[o]`, or `y` without a bias. */
  protected addBias(y: Tensor): Tensor {
    const b = this.bias;
    return b ? addChannel(y, b) : y;
  }

  /** Extra text at the end of {@link MethodConv2d.describe} (e.g. `, 1w32a`). */
  protected describeExtra(): string {
    return "";
  }

  /** e.g. `IrNetConv2d(16→32, k3, s1, p1)`. */
  describe(): string {
    return `${this.typeName}(${this.inChannels}→${this.outChannels}, k${this.kernelSize}, ` +
      `s${this.stride}, p${this.padding}${this.describeExtra()})`;
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    return convLayerOutputShape(this, input);
  }
}
