/**
 * `@ovsw/init`: seeded PRNG and weight initialisers (Kaiming, Xavier, the authors'
 * constant ones, PyTorch default) with a γ scale, also by their `--init` names.
 *
 * @example
 * ```ts
 * import { kaimingNormal, Prng } from "@ovsw/init";
 * // The poster's experiment: W ~ N(0, (γ·√2/√fanIn)²) with γ = 1e-2.
 * const w = kaimingNormal([64, 64, 3, 3], new Prng(42), { gamma: 1e-2 });
 * console.log(w.length);
 * ```
 *
 * @module
 */
export { Prng, type PrngState } from "./prng.ts";
export { calculateGain, computeFans, correctFan, type FanMode, type Nonlinearity } from "./fan.ts";
export { kaimingNormal, type KaimingOptions, kaimingStd, kaimingUniform } from "./kaiming.ts";
export { xavierNormal, type XavierOptions, xavierUniform } from "./xavier.ts";
export {
  type ConstantInitOptions,
  signedConstant,
  unsignedConstant,
  xavierConstant,
} from "./constant.ts";
export { constantInit, normalInit } from "./simple.ts";
export { defaultBias, defaultWeight } from "./pytorch_default.ts";
export {
  getInitializer,
  type Initializer,
  INITIALIZER_ALIASES,
  INITIALIZER_NAMES,
  type InitializerName,
  type NamedInitOptions,
} from "./registry.ts";
