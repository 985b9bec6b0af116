/**
 * Shape ops: reshape and flatten (views that share storage) and copy (new storage).
 *
 * @module
 */
import { record1 } from "../tape.ts";
import { recordCopy } from "../_engine.ts";
import { resolveShape, shapeStr, Tensor } from "../tensor.ts";
import { mapElements } from "./elementwise.ts";

/**
 * A view of `x` with another shape (one dimension may be `-1`); shares storage, no dispatch.
 *
 * @example
 * ```ts
 * import { initGpu, reshape, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(reshape(Tensor.zeros([2, 3]), [3, -1]).shape); // [3, 2]
 * ```
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  resolveShape(shape, x.size, x.shape); // throws a clear error first
  const y = x.view(shape);
  record1([x], y, (g) => [g.view(x.shape)]);
  return y;
}

/**
 * Flattens `[N, ...]` to `[N, rest]` (a view).
 *
 * @example
 * ```ts
 * import { flatten, initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(flatten(Tensor.zeros([2, 3, 4])).shape); // [2, 12]
 * ```
 */
export function flatten(x: Tensor): Tensor {
  if (x.shape.length < 1) throw new RangeError(`flatten: x ${shapeStr(x.shape)} has no batch axis`);
  const n = x.shape[0];
  return reshape(x, [n, n === 0 ? 0 : x.size / n]);
}

/**
 * A copy of `x` (f32 or u32) in new storage (one dispatch); the gradient passes through.
 *
 * @example
 * ```ts
 * import { copy, initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.from([1, 2], [2]);
 * console.log(copy(x).sharesStorageWith(x)); // false
 * ```
 */
export function copy(x: Tensor): Tensor {
  let y: Tensor;
  if (x.dtype === "f32") {
    y = mapElements("copy", "a", [x]);
  } else {
    y = Tensor.empty(x.shape, x.dtype);
    if (x.size > 0) recordCopy(x.buffer, y.buffer, x.bytes);
  }
  record1([x], y, (g) => [g.view(g.shape)]);
  return y;
}
