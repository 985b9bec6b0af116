/**
 * The authors' constant-magnitude initialisers (`--init signed_constant`, `unsigned_constant`,
 * `xavier_constant`): every weight has the same magnitude; the signed ones draw the sign.
 *
 * The official builder takes the sign from the layer's freshly (PyTorch-default) initialised
 * weight, `weight.sign()`, which is + or − with probability ½ each; here the sign is drawn
 * directly from the generator with the same distribution. γ scales the result, as for every
 * initialiser of this package.
 *
 * @module
 */
import { calculateGain, computeFans, correctFan, type FanMode, type Nonlinearity } from "./fan.ts";
import type { Prng } from "./prng.ts";
import { sizeOfShape } from "./_shape.ts";

/** Options of {@link signedConstant} and {@link unsignedConstant}. */
export interface ConstantInitOptions {
  /** `fan_in` (default) or `fan_out`. */
  mode?: FanMode;
  /** Non-linearity of the gain (default `leaky_relu`, the builder's). */
  nonlinearity?: Nonlinearity;
  /**
   * Negative slope of leaky_relu for the gain. Default 0.01: the builder calls
   * `calculate_gain("leaky_relu")` without a slope, so the gain is √(2/1.0001), not √2.
   */
  a?: number;
  /** Multiplies the result (default 1). */
  gamma?: number;
}

/** The magnitude γ·gain/√fan shared by the signed and unsigned constants. */
function constantMagnitude(shape: readonly number[], options: ConstantInitOptions): number {
  const { mode = "fan_in", nonlinearity = "leaky_relu", a = 0.01, gamma = 1 } = options;
  return gamma * calculateGain(nonlinearity, a) / Math.sqrt(correctFan(shape, mode));
}

/** `n` values of ±magnitude with a random sign (probability ½ each). */
function randomSigns(n: number, magnitude: number, rng: Prng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform() < 0.5 ? -magnitude : magnitude;
  return out;
}

/**
 * Signed constant (`--init signed_constant`): each weight is ±γ·gain/√fan with a random sign,
 * gain = `calculate_gain("leaky_relu")` = √(2/1.0001) by default.
 *
 * @example
 * ```ts
 * import { Prng, signedConstant } from "@ovsw/init";
 * const w = signedConstant([4, 4, 3, 3], new Prng(0));
 * console.log(new Set(w).size); // 2: ±√(2/1.0001)/√36
 * ```
 */
export function signedConstant(
  shape: readonly number[],
  rng: Prng,
  options: ConstantInitOptions = {},
): Float32Array {
  return randomSigns(sizeOfShape(shape), constantMagnitude(shape, options), rng);
}

/**
 * Unsigned constant (`--init unsigned_constant`): every weight is +γ·gain/√fan, gain =
 * `calculate_gain("leaky_relu")` = √(2/1.0001) by default. Draws nothing from `rng`.
 *
 * @example
 * ```ts
 * import { Prng, unsignedConstant } from "@ovsw/init";
 * const w = unsignedConstant([4, 4, 3, 3], new Prng(0));
 * console.log(w[0], new Set(w).size); // 0.2356904… 1
 * ```
 */
export function unsignedConstant(
  shape: readonly number[],
  _rng: Prng,
  options: ConstantInitOptions = {},
): Float32Array {
  return new Float32Array(sizeOfShape(shape)).fill(constantMagnitude(shape, options));
}

/**
 * Xavier constant (`--init xavier_constant`): each weight is ±γ·√(2/(fanIn+fanOut)) with a
 * random sign; no gain, no fan mode (as the builder).
 *
 * @example
 * ```ts
 * import { Prng, xavierConstant } from "@ovsw/init";
 * const w = xavierConstant([4, 4, 3, 3], new Prng(0));
 * console.log(Math.abs(w[0])); // √(2/72) ≈ 0.1667
 * ```
 */
export function xavierConstant(
  shape: readonly number[],
  rng: Prng,
  options: { gamma?: number } = {},
): Float32Array {
  const { fanIn, fanOut } = computeFans(shape);
  const magnitude = (options.gamma ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
  return randomSigns(sizeOfShape(shape), magnitude, rng);
}
