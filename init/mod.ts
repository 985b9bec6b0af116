/**
 * `@ovsw/init`: seeded PRNG and weight initialisers (Kaiming, Xavier, PyTorch default) with a γ scale.
 *
 * @module
 */
export * from "./prng.ts";
