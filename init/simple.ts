/**
 * Plain initialisers: normal with a given std, and constant.
 *
 * @module
 */
import type { Prng } from "./prng.ts";
import { sizeOfShape } from "./_shape.ts";

/**
 * N(mean, (γ·std)²), as `tensor.normal_(mean, std)` times γ (VGG-small's own init uses it).
 *
 * @example
 * ```ts
 * import { normalInit, Prng } from "@ovsw/init";
 * const w = normalInit([10, 8192], new Prng(0), { std: 0.01 });
 * console.log(w.length); // 81920
 * ```
 */
export function normalInit(
  shape: readonly number[],
  rng: Prng,
  options: { mean?: number; std?: number; gamma?: number } = {},
): Float32Array {
  const { mean = 0, std = 1, gamma = 1 } = options;
  return rng.normalArray(sizeOfShape(shape), mean * gamma, std * gamma);
}

/**
 * Every element equal to `γ·value`.
 *
 * @example
 * ```ts
 * import { constantInit } from "@ovsw/init";
 * console.log(constantInit([3], 1e-8)); // Float32Array [1e-8, 1e-8, 1e-8]
 * ```
 */
export function constantInit(shape: readonly number[], value: number, gamma = 1): Float32Array {
  return new Float32Array(sizeOfShape(shape)).fill(value * gamma);
}
