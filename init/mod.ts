/**
 * `@ovsw/init`: seeded PRNG and weight initialisers (Kaiming, Xavier, PyTorch default) with a γ scale.
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
export * from "./prng.ts";
export * from "./shape.ts";
export * from "./fan.ts";
export * from "./kaiming.ts";
export * from "./xavier.ts";
export * from "./simple.ts";
export * from "./pytorch_default.ts";
export * from "./registry.ts";
