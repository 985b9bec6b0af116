/**
 * Options shared by every model constructor.
 *
 * @module
 */
import type { BinaryConvFactory, Estimator } from "@ovsw/layers";
import { getInitializer, type Initializer, type Prng } from "@ovsw/init";

/** How a model is built. */
export interface ModelOptions {
  /** Output classes (default: 10 for CIFAR/Fashion-MNIST models, 1000 for ImageNet). */
  classes?: number;
  /**
   * Initialiser of the binary conv weights by `--init` name (`INITIALIZER_NAMES` of
   * `@ovsw/init`; fan_in where a fan mode applies). Default: the model's own init (Kaiming
   * normal fan_in; `vgg-small` only: N(0, 2/(k²·C_out)), docs/method.md §8).
   */
  init?: string;
  /** Multiplies the binary conv init (the γ experiment, docs/method.md §6.3). Default 1. */
  gamma?: number;
  /** Seed of the weight initialisation (default 0): the same seed gives the same weights. */
  seed?: number;
  /** Weight estimator of the binary convs (default `ste`). */
  estimator?: string | Estimator;
  /** Learned α (`scaling_factor`, init mean|W_o|) instead of the standardised-weight α. */
  learnedScale?: boolean;
  /**
   * Makes every binary conv (a BNN method's layer, docs/methods.md); default `BinaryConv2d`
   * with `estimator` and `learnedScale`. The model passes its own init and random source.
   */
  binaryConv?: BinaryConvFactory;
  /**
   * `react`: ReActNet blocks in the residual models (cresnet20, resnet18/34: each two-conv
   * block becomes two ReAct blocks); RSign's learnable shift before each binary conv in the
   * others. Default: the model's own blocks.
   */
  block?: "default" | "react";
}

/**
 * The binary-conv initialiser chosen by `options` (named init or the model default), scaled by γ.
 *
 * @example
 * ```ts
 * import { Prng } from "@ovsw/init";
 * import { binaryInitFor } from "@ovsw/models";
 * const init = binaryInitFor({ init: "kaiming_uniform", gamma: 1e-2 });
 * const w = init([16, 16, 3, 3], new Prng(0)); // U(±γ·√(6/144))
 * console.log(w.length, Math.max(...w) <= 1e-2 * Math.sqrt(6 / 144)); // 2304 true
 * ```
 */
export function binaryInitFor(
  options: ModelOptions,
  modelDefault?: (shape: readonly number[], rng: Prng, gamma: number) => Float32Array,
): Initializer {
  const gamma = options.gamma ?? 1;
  if (!(gamma > 0) || !Number.isFinite(gamma)) {
    throw new RangeError(`gamma must be a positive finite number, got ${gamma}`);
  }
  if (options.init !== undefined) return getInitializer(options.init, { gamma, mode: "fan_in" });
  if (modelDefault) return (s, r) => modelDefault(s, r, gamma);
  return getInitializer("kaiming_normal", { gamma, mode: "fan_in" });
}
