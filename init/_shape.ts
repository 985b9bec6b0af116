/**
 * Shape helpers shared by the initialisers.
 *
 * @module
 */

/**
 * Number of elements of a shape; rejects negative or fractional dimensions.
 *
 * @example
 * ```ts
 * import { sizeOfShape } from "./_shape.ts";
 * console.log(sizeOfShape([2, 3, 4])); // 24
 * ```
 */
export function sizeOfShape(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`invalid shape [${shape.join(", ")}]`);
    }
    n *= d;
  }
  return n;
}
