/**
 * Initialisers by name, for the command line (`--init kaiming_normal --gamma 1e-3`).
 *
 * @module
 */
import { kaimingNormal, kaimingUniform } from "./kaiming.ts";
import { defaultWeight } from "./pytorch_default.ts";
import type { FanMode } from "./fan.ts";
import type { Prng } from "./prng.ts";
import { signedConstant } from "./simple.ts";
import { xavierNormal, xavierUniform } from "./xavier.ts";

/** A weight initialiser: shape and generator in, values out. */
export type Initializer = (shape: readonly number[], rng: Prng) => Float32Array;

/** Names accepted by {@link getInitializer}. */
export const INITIALIZER_NAMES = [
  "kaiming_normal",
  "kaiming_uniform",
  "xavier_normal",
  "xavier_uniform",
  "signed_constant",
  "standard",
] as const;

/** One of {@link INITIALIZER_NAMES}. */
export type InitializerName = typeof INITIALIZER_NAMES[number];

/** Options shared by the named initialisers. */
export interface NamedInitOptions {
  /** Scale applied to the result (default 1). */
  gamma?: number;
  /** Fan for the Kaiming and signed-constant initialisers (default `fan_in`). */
  mode?: FanMode;
}

/**
 * The initialiser called `name` (the authors' `--init` vocabulary: the Kaiming ones use
 * leaky_relu with a=0, `standard` is PyTorch's default), with γ and the fan mode bound.
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
  switch (name) {
    case "kaiming_normal":
      return (s, r) => kaimingNormal(s, r, { mode, gamma });
    case "kaiming_uniform":
      return (s, r) => kaimingUniform(s, r, { mode, gamma });
    case "xavier_normal":
      return (s, r) => xavierNormal(s, r, { gamma });
    case "xavier_uniform":
      return (s, r) => xavierUniform(s, r, { gamma });
    case "signed_constant":
      return (s, r) => signedConstant(s, r, { mode, gamma });
    case "standard":
      return (s, r) => defaultWeight(s, r, { gamma });
    default:
      throw new RangeError(
        `unknown initializer "${name}"; choose one of ${INITIALIZER_NAMES.join(", ")}`,
      );
  }
}
