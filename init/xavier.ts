/**
 * Xavier (Glorot) initialisers, normal and uniform, with a γ scale.
 *
 * @module
 */
import { computeFans } from "./fan.ts";
import type { Prng } from "./prng.ts";
import { sizeOfShape } from "./_shape.ts";

/** Options of the Xavier initialisers. */
export interface XavierOptions {
  /** Gain (default 1). */
  gain?: number;
  /** Multiplies the result (default 1). */
  gamma?: number;
}

/**
 * Xavier normal: N(0, (γ·gain·√(2/(fanIn+fanOut)))²).
 *
 * @example
 * ```ts
 * import { Prng, xavierNormal } from "@ovsw/init";
 * console.log(xavierNormal([10, 20], new Prng(3)).length); // 200
 * ```
 */
export function xavierNormal(
  shape: readonly number[],
  rng: Prng,
  options: XavierOptions = {},
): Float32Array {
  const { fanIn, fanOut } = computeFans(shape);
  const std = (options.gamma ?? 1) * (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
  return rng.normalArray(sizeOfShape(shape), 0, std);
}

/**
 * Xavier uniform: U(−γ·b, γ·b) with b = gain·√(6/(fanIn+fanOut)).
 *
 * @example
 * ```ts
 * import { Prng, xavierUniform } from "@ovsw/init";
 * console.log(xavierUniform([10, 20], new Prng(3)).length); // 200
 * ```
 */
export function xavierUniform(
  shape: readonly number[],
  rng: Prng,
  options: XavierOptions = {},
): Float32Array {
  const { fanIn, fanOut } = computeFans(shape);
  const bound = (options.gamma ?? 1) * (options.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return rng.uniformArray(sizeOfShape(shape), -bound, bound);
}
