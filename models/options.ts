/**
 * Options shared by every model constructor.
 *
 * @module
 */
import type { Estimator } from "@ovsw/layers";
import { getInitializer, type Initializer, normalInit, type Prng } from "@ovsw/init";

/** How a model is built. */
export interface ModelOptions {
  /** Output classes (default: 10 for CIFAR/Fashion-MNIST models, 1000 for ImageNet). */
  classes?: number;
  /**
   * Initialiser of the binary conv weights by name (`kaiming_normal`, `kaiming_uniform`,
   * `xavier_normal`, `xavier_uniform`, `signed_constant`, `standard`; Kaiming ones use fan_in).
   * Default: the model's own init (method.md §8: Kaiming normal fan_in; VGG: N(0, 2/(k²·Cout))).
   */
  init?: string;
  /** Multiplies the binary conv init (the γ experiment, method.md §6.3). Default 1. */
  gamma?: number;
  /** Seed of the weight initialisation (default 0): the same seed gives the same weights. */
  seed?: number;
  /** Weight estimator of the binary convs (default `ste`). */
  estimator?: string | Estimator;
  /** Learned α (`scaling_factor`, init mean|W_o|) instead of the standardised-weight α. */
  learnedScale?: boolean;
}

/** Checks the class count; throws a one-line error naming the option. */
export function checkClasses(model: string, classes: number): number {
  if (!Number.isInteger(classes) || classes < 1) {
    throw new RangeError(`${model}: classes must be a positive integer, got ${classes}`);
  }
  return classes;
}

/**
 * The binary-conv initialiser chosen by `options` (named init or the model default), scaled by γ.
 *
 * @example
 * ```ts
 * import { binaryInitFor } from "@ovsw/models";
 * const init = binaryInitFor({ init: "kaiming_uniform", gamma: 1e-2 });
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

/**
 * VGG-small's own conv init: N(0, 2/(k·k·C_out)) (fan-out), times γ.
 *
 * @example
 * ```ts
 * import { vggConvInit } from "@ovsw/models";
 * import { Prng } from "@ovsw/init";
 * console.log(vggConvInit([128, 3, 3, 3], new Prng(0)).length); // 3456
 * ```
 */
export function vggConvInit(shape: readonly number[], rng: Prng, gamma = 1): Float32Array {
  const n = shape[0] * (shape[2] ?? 1) * (shape[3] ?? 1);
  return normalInit(shape, rng, { std: Math.sqrt(2 / n), gamma });
}
