/**
 * `Flatten`: `[N, ...]` → `[N, rest]`.
 *
 * @module
 */
import { flatten, type Tensor } from "@ovsw/gpu";
import { Module } from "./module.ts";

/**
 * Flattens every dimension after the first.
 *
 * @example
 * ```ts
 * import { Flatten } from "@ovsw/layers";
 * console.log(new Flatten().outputShape([2, 256, 3, 3])); // [2, 2304]
 * ```
 */
export class Flatten extends Module {
  /** Flattens `x` (a view; no copy). */
  forward(x: Tensor): Tensor {
    return flatten(x);
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    if (input.length < 1) throw new RangeError("Flatten: input must have a batch dimension");
    return [input[0], input.slice(1).reduce((a, b) => a * b, 1)];
  }
}
