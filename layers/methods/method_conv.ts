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
import { rowMeanAbs } from "../binary_conv2d.ts";
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

/**
 * Kaiming normal (fan_in, a = 0), the project's default latent init.
 *
 * @example
 * ```ts
 * import { kaimingInit } from "@ovsw/layers";
 * import { Prng } from "@ovsw/init";
 * console.log(kaimingInit([4, 3, 3, 3], new Prng(0)).length); // 108
 * ```
 */
export const kaimingInit: Initializer = (s, r): Float32Array => kaimingNormal(s, r);

/**
 * `torch.rand(shape)·0.001` (Bi-Real/ReActNet/BiBench's init: uniform [0, 0.001)).
 *
 * @example
 * ```ts
 * import { tinyUniformInit } from "@ovsw/layers";
 * import { Prng } from "@ovsw/init";
 * console.log(tinyUniformInit([2, 2], new Prng(0)).every((v) => v >= 0 && v < 0.001)); // true
 * ```
 */
export const tinyUniformInit: Initializer = (s, r): Float32Array =>
  r.uniformArray(s.reduce((a, d) => a * d, 1), 0, 0.001);

/**
 * Options for {@link MethodConv2d}'s constructor without a bias whose initialiser (the given
 * one, else Kaiming normal) also hands the initial weights to `seen`, for layers that derive
 * more than α from them at construction (SiMaN's B).
 */
export function reportingInit(
  options: MethodConvOptions,
  seen: (w: Float32Array) => void,
): MethodConvOptions {
  const init = options.init ?? kaimingInit;
  return {
    ...options,
    bias: false,
    init: (s, r) => {
      const w = init(s, r);
      seen(w);
      return w;
    },
  };
}

/**
 * Base class of the methods' binary convolutions: registers the latent `weight` (tag
 * `binary`) and an optional `bias`; a method adds its own parameters and `forward`.
 *
 * @example
 * ```ts
 * import { conv2d, initGpu, sign, type Tensor } from "@ovsw/gpu";
 * import { kaimingInit, MethodConv2d } from "@ovsw/layers";
 * class SignConv2d extends MethodConv2d {
 *   constructor(c: number, o: number, k: number) {
 *     super(c, o, k, { padding: 1 }, { bias: false, init: kaimingInit });
 *   }
 *   forward(x: Tensor): Tensor {
 *     this.checkInput(x);
 *     return this.addBias(conv2d(sign(x), sign(this.weight), this.conv));
 *   }
 * }
 * await initGpu();
 * console.log(new SignConv2d(2, 4, 3).describe()); // "SignConv2d(2→4, k3, s1, p1)"
 * ```
 */
export abstract class MethodConv2d extends Module {
  /** Stride. */
  readonly stride: number;
  /** Padding. */
  readonly padding: number;
  /** The random source the weights were drawn from (subclasses draw more from it). */
  protected readonly rng: Prng;

  /**
   * Registers `weight`, then `alpha` when `defaults.meanAbsAlpha`, then `bias` when asked
   * (else `defaults.bias`).
   *
   * @param inChannels input channels
   * @param outChannels output channels
   * @param kernelSize square kernel size
   * @param options stride, padding, bias, init, rng
   * @param defaults the method's bias and init defaults, and `meanAbsAlpha`: a learned scale
   *   `alpha` `[O]` initialised to mean|w| per output channel of the initial weights (RBNN, SiMaN)
   */
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    options: MethodConvOptions,
    defaults: { bias: boolean; init: Initializer; meanAbsAlpha?: boolean },
  ) {
    super();
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.rng = options.rng ?? new Prng(0);
    const shape = [outChannels, inChannels, kernelSize, kernelSize];
    const w = (options.init ?? defaults.init)(shape, this.rng);
    this.registerParameter("weight", createParameter(w, shape, "binary"));
    if (defaults.meanAbsAlpha) {
      this.registerParameter("alpha", createParameter(rowMeanAbs(w, outChannels), [outChannels]));
    }
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
