/**
 * PyTorch's default initialisation of `nn.Conv2d`/`nn.Linear`: weights
 * `kaiming_uniform_(a=√5)`, i.e. U(±1/√fanIn), and biases U(±1/√fanIn).
 *
 * @module
 */
import { computeFans } from "./fan.ts";
import { kaimingUniform } from "./kaiming.ts";
import type { Prng } from "./prng.ts";

/**
 * Default weight init of PyTorch's conv and linear layers (kaiming_uniform with a=√5), times γ.
 *
 * @example
 * ```ts
 * import { defaultWeight, Prng } from "@ovsw/init";
 * const w = defaultWeight([10, 64], new Prng(0)); // U(±1/8)
 * console.log(Math.max(...w.map(Math.abs)) <= 0.125); // true
 * ```
 */
export function defaultWeight(
  shape: readonly number[],
  rng: Prng,
  options: { gamma?: number } = {},
): Float32Array {
  return kaimingUniform(shape, rng, {
    mode: "fan_in",
    nonlinearity: "leaky_relu",
    a: Math.sqrt(5),
    gamma: options.gamma,
  });
}

/**
 * Default bias init of PyTorch's conv and linear layers: U(±γ/√fanIn) for a weight of
 * shape `weightShape`.
 *
 * @example
 * ```ts
 * import { defaultBias, Prng } from "@ovsw/init";
 * const b = defaultBias([10, 64], new Prng(0));
 * console.log(b.length); // 10
 * ```
 */
export function defaultBias(
  weightShape: readonly number[],
  rng: Prng,
  options: { gamma?: number } = {},
): Float32Array {
  const { fanIn } = computeFans(weightShape);
  const bound = (options.gamma ?? 1) * (fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0);
  return rng.uniformArray(weightShape[0], -bound, bound);
}
