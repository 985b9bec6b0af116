/**
 * `LayerBuilder`: how a model creates its binary convs, float convs and batch norms (the
 * authors' `Builder`), so that init, estimator and BN γ are chosen in one place.
 *
 * @module
 */
import { type Initializer, kaimingNormal, Prng } from "@ovsw/init";
import { BatchNorm2d } from "./batch_norm.ts";
import { BinaryConv2d } from "./binary_conv2d.ts";
import { Conv2d } from "./conv2d.ts";
import type { Estimator } from "./estimators/estimator.ts";
import type { Module } from "./module.ts";

/** What a model passes to a {@link BinaryConvFactory} besides the channel counts and kernel. */
export interface BinaryConvSpec {
  /** Stride. */
  stride: number;
  /** Zero padding. */
  padding: number;
  /** The model's latent-weight initialiser (the same for every method). */
  init: Initializer;
  /** The model's random source (construction order fixes every draw). */
  rng: Prng;
}

/**
 * Makes a method's binary conv (e.g. `(i, o, k, s) => new IrNetConv2d(i, o, k, s)`): any module
 * whose latent weight is a parameter `weight` with tag `binary`, so AGS, SAD and the flip
 * collector see it. The plug-in point of the BNN methods (train/methods, docs/methods.md).
 */
export type BinaryConvFactory = (
  inChannels: number,
  outChannels: number,
  kernel: number,
  spec: BinaryConvSpec,
) => Module;

/** Makes the layers of a model. */
export interface LayerBuilder {
  /** The shared random source (construction order fixes every draw). */
  readonly rng: Prng;
  /**
   * A binary conv; padding k/2 (`same` for odd k), no bias: a {@link BinaryConv2d}, or the
   * method's conv when the builder was given a {@link BinaryConvFactory}.
   */
  binaryConv(
    inChannels: number,
    outChannels: number,
    kernel: number,
    stride?: number,
  ): Module;
  /** A full-precision conv (PyTorch default init), no bias; padding k/2 unless given. */
  floatConv(
    inChannels: number,
    outChannels: number,
    kernel: number,
    stride?: number,
    padding?: number,
  ): Conv2d;
  /** A BatchNorm2d with the builder's γ init. */
  batchNorm2d(channels: number): BatchNorm2d;
}

/** Options of {@link createBuilder}. */
export interface BuilderOptions {
  /** Random source, or a seed (default 0). */
  rng?: Prng | number;
  /** Binary conv weight init; default Kaiming normal fan_in (leaky_relu, a=0). */
  binaryInit?: Initializer;
  /** Weight estimator of the binary convs (default `ste`). */
  estimator?: string | Estimator;
  /** Learned α (`scaling_factor`) in the binary convs (default false). */
  learnedScale?: boolean;
  /** Initial γ of every BatchNorm2d (default 1). */
  bnGamma?: number;
  /** Makes the binary convs instead of {@link BinaryConv2d} (a BNN method's layer). */
  binaryConv?: BinaryConvFactory;
}

/**
 * A builder with the given init, estimator and BN γ.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { type BinaryConv2d, createBuilder } from "@ovsw/layers";
 * await initGpu();
 * const b = createBuilder({ rng: 42, estimator: "hardtanh" });
 * const conv = b.binaryConv(16, 16, 3) as BinaryConv2d; // the default factory's layer
 * console.log(conv.describe()); // BinaryConv2d(16→16, k3, s1, p1, hardtanh)
 * ```
 */
export function createBuilder(options: BuilderOptions = {}): LayerBuilder {
  const rng = options.rng instanceof Prng ? options.rng : new Prng(options.rng ?? 0);
  const init = options.binaryInit ?? ((s, r) => kaimingNormal(s, r));
  return {
    rng,
    binaryConv: (cin, cout, k, stride = 1) =>
      options.binaryConv
        ? options.binaryConv(cin, cout, k, { stride, padding: Math.floor(k / 2), init, rng })
        : new BinaryConv2d(cin, cout, k, {
          stride,
          padding: Math.floor(k / 2),
          estimator: options.estimator,
          learnedScale: options.learnedScale,
          init,
          rng,
        }),
    floatConv: (cin, cout, k, stride = 1, padding = Math.floor(k / 2)) =>
      new Conv2d(cin, cout, k, { stride, padding, rng }),
    batchNorm2d: (c) => new BatchNorm2d(c, { gammaInit: options.bnGamma ?? 1 }),
  };
}
