/**
 * Initialisers by name, for the command line (`--init kaiming_normal --gamma 1e-3`).
 *
 * @module
 */
import { kaimingNormal, kaimingUniform } from "./kaiming.ts";
import { defaultWeight } from "./pytorch_default.ts";
import type { FanMode } from "./fan.ts";
import type { Prng } from "./prng.ts";
import { signedConstant, unsignedConstant, xavierConstant } from "./constant.ts";
import { xavierNormal, xavierUniform } from "./xavier.ts";

/** A weight initialiser: shape and generator in, values out. */
export type Initializer = (shape: readonly number[], rng: Prng) => Float32Array;

/**
 * The authors' `--init` names, all accepted by {@link getInitializer}.
 *
 * @example
 * ```ts
 * import { INITIALIZER_NAMES } from "@ovsw/init";
 * console.log(INITIALIZER_NAMES.includes("signed_constant")); // true
 * ```
 */
export const INITIALIZER_NAMES = [
  "kaiming_normal",
  "kaiming_uniform",
  "xavier_normal",
  "xavier_uniform",
  "xavier_constant",
  "signed_constant",
  "unsigned_constant",
  "standard",
] as const;

/** One of {@link INITIALIZER_NAMES}. */
export type InitializerName = typeof INITIALIZER_NAMES[number];

/**
 * Other spellings {@link getInitializer} accepts, with the official name each stands for:
 * the hyphenated Kaiming names this project's command line accepted before it took the
 * official underscore names.
 *
 * @example
 * ```ts
 * import { INITIALIZER_ALIASES } from "@ovsw/init";
 * console.log(INITIALIZER_ALIASES["kaiming-normal"]); // "kaiming_normal"
 * ```
 */
export const INITIALIZER_ALIASES: Readonly<Record<string, InitializerName>> = {
  "kaiming-normal": "kaiming_normal",
  "kaiming-uniform": "kaiming_uniform",
};

/** Options shared by the named initialisers. */
export interface NamedInitOptions {
  /** Scale applied to the result (default 1). */
  gamma?: number;
  /** Fan for the Kaiming and signed/unsigned-constant initialisers (default `fan_in`). */
  mode?: FanMode;
}

/**
 * The initialiser called `name` (one of {@link INITIALIZER_NAMES}, the authors' `--init`
 * vocabulary, or an {@link INITIALIZER_ALIASES} spelling), with γ and the fan mode bound. As
 * in the authors' builder, the Kaiming ones use leaky_relu with a = 0 (gain √2), the signed
 * and unsigned constants `calculate_gain("leaky_relu")` (slope 0.01, gain √(2/1.0001)),
 * `xavier_constant` ±√(2/(fanIn+fanOut)), and `standard` is PyTorch's default.
 *
 * @example
 * ```ts
 * import { getInitializer, Prng } from "@ovsw/init";
 * const init = getInitializer("kaiming_uniform", { gamma: 1e-3 });
 * console.log(init([16, 16, 3, 3], new Prng(0)).length); // 2304
 * ```
 */
export function getInitializer(name: string, options: NamedInitOptions = {}): Initializer {
  const { gamma = 1, mode = "fan_in" } = options;
  if (!(gamma > 0) || !Number.isFinite(gamma)) {
    throw new RangeError(`init gamma must be a positive finite number, got ${gamma}`);
  }
  switch (INITIALIZER_ALIASES[name] ?? name) {
    case "kaiming_normal":
      return (s, r) => kaimingNormal(s, r, { mode, gamma });
    case "kaiming_uniform":
      return (s, r) => kaimingUniform(s, r, { mode, gamma });
    case "xavier_normal":
      return (s, r) => xavierNormal(s, r, { gamma });
    case "xavier_uniform":
      return (s, r) => xavierUniform(s, r, { gamma });
    case "xavier_constant":
      return (s, r) => xavierConstant(s, r, { gamma });
    case "signed_constant":
      return (s, r) => signedConstant(s, r, { mode, gamma });
    case "unsigned_constant":
      return (s, r) => unsignedConstant(s, r, { mode, gamma });
    case "standard":
      return (s, r) => defaultWeight(s, r, { gamma });
    default:
      throw new RangeError(
        `unknown initializer "${name}"; choose one of ${INITIALIZER_NAMES.join(", ")}`,
      );
  }
}
