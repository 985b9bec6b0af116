/**
 * Pooling layers: MaxPool2d, AvgPool2d (count_include_pad) and AdaptiveAvgPool2d(1).
 *
 * @module
 */
import { avgPool2d, globalAvgPool, maxPool2d, reshape, type Tensor } from "@ovsw/gpu";
import { Module } from "./module.ts";
import { checkInputShape, convOutSize } from "./_shape.ts";

/** Window options of the pooling layers. */
export interface PoolLayerOptions {
  /** Stride (default: the kernel size). */
  stride?: number;
  /** Zero/−∞ padding on each side (default 0). */
  padding?: number;
}

/**
 * Shared implementation of the windowed pools.
 *
 * @example
 * ```ts
 * import { MaxPool2d, Pool2d } from "@ovsw/layers";
 * console.log(MaxPool2d.prototype instanceof Pool2d); // true
 * ```
 */
export abstract class Pool2d extends Module {
  /** Stride. */
  readonly stride: number;
  /** Padding. */
  readonly padding: number;

  /**
   * Creates the layer.
   *
   * @param kernel square window size
   * @param options stride (default kernel) and padding (default 0)
   */
  constructor(readonly kernel: number, options: PoolLayerOptions = {}) {
    super();
    this.stride = options.stride ?? kernel;
    this.padding = options.padding ?? 0;
  }

  /** e.g. `MaxPool2d(k3, s2, p1)`. */
  describe(): string {
    return `${this.typeName}(k${this.kernel}, s${this.stride}, p${this.padding})`;
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    checkInputShape(this.describe(), input, 4);
    return [
      input[0],
      input[1],
      convOutSize(input[2], this.kernel, this.stride, this.padding),
      convOutSize(input[3], this.kernel, this.stride, this.padding),
    ];
  }
}

/**
 * Max pooling over square windows.
 *
 * @example
 * ```ts
 * import { MaxPool2d } from "@ovsw/layers";
 * console.log(new MaxPool2d(3, { stride: 2, padding: 1 }).outputShape([1, 64, 112, 112])); // [1, 64, 56, 56]
 * ```
 */
export class MaxPool2d extends Pool2d {
  /** Pools `x` (`[N, C, H, W]`). */
  forward(x: Tensor): Tensor {
    checkInputShape(this.describe(), x.shape, 4);
    return maxPool2d(x, { kernel: this.kernel, stride: this.stride, padding: this.padding });
  }
}

/**
 * Average pooling over square windows (padding counted in the divisor, as PyTorch).
 *
 * @example
 * ```ts
 * import { AvgPool2d } from "@ovsw/layers";
 * console.log(new AvgPool2d(2).outputShape([2, 16, 32, 32])); // [2, 16, 16, 16]
 * ```
 */
export class AvgPool2d extends Pool2d {
  /** Pools `x` (`[N, C, H, W]`). */
  forward(x: Tensor): Tensor {
    checkInputShape(this.describe(), x.shape, 4);
    return avgPool2d(x, { kernel: this.kernel, stride: this.stride, padding: this.padding });
  }
}

/**
 * Adaptive average pooling to 1×1 (`nn.AdaptiveAvgPool2d(1)`): `[N, C, H, W]` → `[N, C, 1, 1]`.
 *
 * @example
 * ```ts
 * import { AdaptiveAvgPool2d } from "@ovsw/layers";
 * console.log(new AdaptiveAvgPool2d(1).outputShape([2, 512, 4, 4])); // [2, 512, 1, 1]
 * ```
 */
export class AdaptiveAvgPool2d extends Module {
  /**
   * Creates the layer.
   *
   * @param outputSize only 1 is supported
   */
  constructor(readonly outputSize = 1) {
    super();
    if (outputSize !== 1) {
      throw new RangeError(`AdaptiveAvgPool2d: only output size 1 is supported, got ${outputSize}`);
    }
  }

  /** Averages each channel. */
  forward(x: Tensor): Tensor {
    checkInputShape("AdaptiveAvgPool2d(1)", x.shape, 4);
    return reshape(globalAvgPool(x), [x.shape[0], x.shape[1], 1, 1]);
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    checkInputShape("AdaptiveAvgPool2d(1)", input, 4);
    return [input[0], input[1], 1, 1];
  }
}

/**
 * Global average pooling straight to `[N, C]` (the `avg_pool2d(out, H)` + `view` of cResNet20).
 *
 * @example
 * ```ts
 * import { GlobalAvgPool } from "@ovsw/layers";
 * console.log(new GlobalAvgPool().outputShape([2, 64, 8, 8])); // [2, 64]
 * ```
 */
export class GlobalAvgPool extends Module {
  /** Averages each channel to `[N, C]`. */
  forward(x: Tensor): Tensor {
    checkInputShape("GlobalAvgPool", x.shape, 4);
    return globalAvgPool(x);
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    checkInputShape("GlobalAvgPool", input, 4);
    return [input[0], input[1]];
  }
}
