/**
 * Parameter selectors for {@link masked} and {@link partition}: by tag, by name, and their
 * combinations.
 *
 * @module
 */
import type { Tensor } from "@ovsw/gpu";
import type { Selector } from "./types.ts";

/**
 * Latent weights of binary convs/linears (`tag === "binary"`): the only parameters AGS and SAD
 * touch.
 *
 * @example
 * ```ts
 * import { isBinary } from "@ovsw/optim";
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const w = Tensor.zeros([4, 2, 3, 3]);
 * w.tag = "binary";
 * console.log(isBinary("conv.weight", w)); // true
 * ```
 */
export function isBinary(_name: string, p: Tensor): boolean {
  return p.tag === "binary";
}

/**
 * 1-D parameters (BN γ/β, biases, PReLU slopes, learned scales): `tag === "vector"`, or, for an
 * untagged tensor, at most one dimension.
 *
 * @example
 * ```ts
 * import { isVector } from "@ovsw/optim";
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(isVector("bn.bias", Tensor.zeros([16]))); // true
 * ```
 */
export function isVector(_name: string, p: Tensor): boolean {
  return p.tag !== undefined ? p.tag === "vector" : p.shape.length <= 1;
}

/**
 * Full-precision weights with two or more dimensions: `tag === "float"`, or, for an untagged
 * tensor, two or more dimensions.
 *
 * @example
 * ```ts
 * import { isFloat } from "@ovsw/optim";
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(isFloat("fc.weight", Tensor.zeros([10, 64]))); // true
 * ```
 */
export function isFloat(_name: string, p: Tensor): boolean {
  return p.tag !== undefined ? p.tag === "float" : p.shape.length >= 2;
}

/**
 * Selects every parameter.
 *
 * @example
 * ```ts
 * import { allParams } from "@ovsw/optim";
 * console.log(allParams.name);
 * ```
 */
export function allParams(_name: string, _p: Tensor): boolean {
  return true;
}

/**
 * Selects parameters whose tag is one of `tags`.
 *
 * @example
 * ```ts
 * import { hasTag } from "@ovsw/optim";
 * const weights = hasTag("binary", "float");
 * console.log(typeof weights);
 * ```
 */
export function hasTag(...tags: NonNullable<Tensor["tag"]>[]): Selector {
  const set = new Set(tags);
  return (_name, p) => p.tag !== undefined && set.has(p.tag);
}

/**
 * Selects parameters whose name matches a regular expression, or equals one of the strings.
 *
 * @example
 * ```ts
 * import { nameMatches } from "@ovsw/optim";
 * const stem = nameMatches(/^conv1\./);
 * console.log(stem("conv1.weight", undefined as never)); // true
 * ```
 */
export function nameMatches(pattern: RegExp | string | readonly string[]): Selector {
  if (pattern instanceof RegExp) return (name) => pattern.test(name);
  const set = new Set(typeof pattern === "string" ? [pattern] : pattern);
  return (name) => set.has(name);
}

/**
 * Negates a selector.
 *
 * @example
 * ```ts
 * import { isVector, not } from "@ovsw/optim";
 * const decayed = not(isVector); // everything but 1-D parameters
 * console.log(typeof decayed);
 * ```
 */
export function not(sel: Selector): Selector {
  return (name, p) => !sel(name, p);
}

/**
 * Selects parameters chosen by every selector.
 *
 * @example
 * ```ts
 * import { and, isBinary, nameMatches } from "@ovsw/optim";
 * const stage3 = and(isBinary, nameMatches(/^layer3\./));
 * console.log(typeof stage3);
 * ```
 */
export function and(...sels: Selector[]): Selector {
  return (name, p) => sels.every((s) => s(name, p));
}

/**
 * Selects parameters chosen by any selector.
 *
 * @example
 * ```ts
 * import { isBinary, isFloat, or } from "@ovsw/optim";
 * const weights = or(isBinary, isFloat);
 * console.log(typeof weights);
 * ```
 */
export function or(...sels: Selector[]): Selector {
  return (name, p) => sels.some((s) => s(name, p));
}
