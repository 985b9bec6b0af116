/**
 * Batch normalisation over `[N, C]` (BatchNorm1d) or `[N, C, H, W]` (BatchNorm2d), with
 * PyTorch's defaults (eps 1e-5, momentum 0.1, affine, running variance unbiased).
 *
 * @module
 */
import { batchNorm, batchNormHardtanh, type BatchNormOptions, type Tensor } from "@ovsw/gpu";
import { constantInit } from "@ovsw/init";
import { Module } from "./module.ts";
import { createBuffer, createParameter } from "./parameter.ts";
import { checkInputShape } from "./_shape.ts";

/** Options of the batch-norm layers. */
export interface BatchNormLayerOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Running-statistics momentum (default 0.1). */
  momentum?: number;
  /** Initial γ (`weight`); default 1. The ImageNet ResNets use 1e-8. */
  gammaInit?: number;
}

/**
 * Shared implementation of {@link BatchNorm1d} and {@link BatchNorm2d}.
 *
 * @example
 * ```ts
 * import { BatchNorm2d, BatchNormBase } from "@ovsw/layers";
 * console.log(BatchNorm2d.prototype instanceof BatchNormBase); // true
 * ```
 */
export abstract class BatchNormBase extends Module {
  /** eps. */
  readonly eps: number;
  /** momentum. */
  readonly momentum: number;
  /** Accepted input ranks. */
  protected abstract readonly ranks: number[];

  /**
   * Creates the layer: γ = `gammaInit`, β = 0, running mean 0, running variance 1.
   *
   * @param numFeatures channels C
   * @param options eps, momentum, γ init
   */
  constructor(readonly numFeatures: number, options: BatchNormLayerOptions = {}) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    const c = [numFeatures];
    this.registerParameter("weight", createParameter(constantInit(c, options.gammaInit ?? 1), c));
    this.registerParameter("bias", createParameter(new Float32Array(numFeatures), c));
    this.registerBuffer("running_mean", createBuffer(new Float32Array(numFeatures), c));
    this.registerBuffer("running_var", createBuffer(constantInit(c, 1), c));
    this.registerBuffer("num_batches_tracked", createBuffer(new Float32Array(1), []));
  }

  /** γ `[C]`. */
  get weight(): Tensor {
    return this.param("weight");
  }

  /** β `[C]`. */
  get bias(): Tensor {
    return this.param("bias");
  }

  /** Normalises `x`; in training mode also updates the running statistics in place. */
  forward(x: Tensor): Tensor {
    checkInputShape(this.describe(), x.shape, this.ranks, this.numFeatures);
    const y = batchNorm(
      x,
      this.weight,
      this.bias,
      this.buffer("running_mean"),
      this.buffer("running_var"),
      this.options(),
    );
    return y;
  }

  /**
   * `hardtanh(this.forward(x) + residual)` as one fused op (`batchNormHardtanh`): the same
   * result, running-statistics update and gradients as the layer followed by `add` and
   * `hardtanh`, in fewer passes over the activations. `residual` (optional) has x's shape.
   *
   * @example
   * ```ts
   * import { initGpu, Tensor } from "@ovsw/gpu";
   * import { BatchNorm2d } from "@ovsw/layers";
   * await initGpu();
   * const bn = new BatchNorm2d(2);
   * const y = bn.forwardHardtanh(Tensor.from([1, 2, 3, 4], [2, 2, 1, 1]));
   * console.log(await y.read()); // ≈ [-1, -1, 1, 1]
   * ```
   */
  forwardHardtanh(x: Tensor, residual?: Tensor | null): Tensor {
    checkInputShape(this.describe(), x.shape, this.ranks, this.numFeatures);
    const y = batchNormHardtanh(
      x,
      this.weight,
      this.bias,
      this.buffer("running_mean"),
      this.buffer("running_var"),
      this.options(),
      residual,
    );
    return y;
  }

  /** The op's options; training also increments `num_batches_tracked` in place. */
  private options(): BatchNormOptions {
    return {
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
      numBatchesTracked: this.buffer("num_batches_tracked"),
    };
  }

  /** e.g. `BatchNorm2d(64)`. */
  describe(): string {
    return `${this.typeName}(${this.numFeatures})`;
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    checkInputShape(this.describe(), input, this.ranks, this.numFeatures);
    return [...input];
  }
}

/**
 * Batch norm over `[N, C]` (also accepts `[N, C, L]`).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { BatchNorm1d } from "@ovsw/layers";
 * await initGpu();
 * const bn = new BatchNorm1d(64);
 * console.log(bn.namedBuffers().map(([n]) => n)); // running_mean, running_var, num_batches_tracked
 * ```
 */
export class BatchNorm1d extends BatchNormBase {
  /** Accepts `[N, C]`. */
  protected readonly ranks = [2];
}

/**
 * Batch norm over `[N, C, H, W]`, per channel.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { BatchNorm2d } from "@ovsw/layers";
 * await initGpu();
 * const bn = new BatchNorm2d(16, { gammaInit: 1e-8 });
 * console.log(bn.namedParameters().map(([n]) => n)); // ["weight", "bias"]
 * ```
 */
export class BatchNorm2d extends BatchNormBase {
  /** Accepts `[N, C, H, W]`. */
  protected readonly ranks = [4];
}
