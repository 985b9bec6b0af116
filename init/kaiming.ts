/**
 * Kaiming (He) initialisers, normal and uniform, with a γ scale.
 *
 * @module
 */
import { calculateGain, correctFan, type FanMode, type Nonlinearity } from "./fan.ts";
import type { Prng } from "./prng.ts";
import { sizeOfShape } from "./_shape.ts";

/** Options of the Kaiming initialisers (PyTorch's defaults). */
export interface KaimingOptions {
  /** `fan_in` (default) or `fan_out`. */
  mode?: FanMode;
  /** Non-linearity for the gain; default `leaky_relu` (with `a = 0` this is √2, as relu). */
  nonlinearity?: Nonlinearity;
  /** Negative slope of leaky_relu (default 0). */
  a?: number;
  /** Multiplies the result: N(0, (γ·std)²) and U(−γ·bound, γ·bound). Default 1. */
  gamma?: number;
}

/**
 * The standard deviation Kaiming normal uses for `shape` (before γ): `gain/√fan`.
 *
 * @example
 * ```ts
 * import { kaimingStd } from "@ovsw/init";
 * console.log(kaimingStd([16, 16, 3, 3])); // √2/12 ≈ 0.1179
 * ```
 */
export function kaimingStd(shape: readonly number[], options: KaimingOptions = {}): number {
  const { mode = "fan_in", nonlinearity = "leaky_relu", a = 0 } = options;
  return calculateGain(nonlinearity, a) / Math.sqrt(correctFan(shape, mode));
}

/**
 * Kaiming normal: N(0, (γ·gain/√fan)²), as `torch.nn.init.kaiming_normal_` times γ.
 *
 * @example
 * ```ts
 * import { kaimingNormal, Prng } from "@ovsw/init";
 * const w = kaimingNormal([16, 16, 3, 3], new Prng(1), { gamma: 0.1 });
 * console.log(w.length); // 2304
 * ```
 */
export function kaimingNormal(
  shape: readonly number[],
  rng: Prng,
  options: KaimingOptions = {},
): Float32Array {
  const std = (options.gamma ?? 1) * kaimingStd(shape, options);
  return rng.normalArray(sizeOfShape(shape), 0, std);
}

/**
 * Kaiming uniform: U(−γ·bound, γ·bound) with bound = gain·√(3/fan), as
 * `torch.nn.init.kaiming_uniform_` times γ.
 *
 * @example
 * ```ts
 * import { kaimingUniform, Prng } from "@ovsw/init";
 * const w = kaimingUniform([8, 4], new Prng(1));
 * console.log(Math.max(...w.map(Math.abs)) <= Math.sqrt(2) * Math.sqrt(3 / 4)); // true
 * ```
 */
export function kaimingUniform(
  shape: readonly number[],
  rng: Prng,
  options: KaimingOptions = {},
): Float32Array {
  const bound = (options.gamma ?? 1) * Math.sqrt(3) * kaimingStd(shape, options);
  return rng.uniformArray(sizeOfShape(shape), -bound, bound);
}
