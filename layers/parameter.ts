/**
 * Creating parameters and buffers: kept (scope-free) GPU tensors with a tag.
 *
 * @module
 */
import { keep, type ParamTag, Tensor } from "@ovsw/gpu";

/**
 * Uploads `data` as a trainable parameter: `keep`-ed, `requiresGrad = true`, tagged `tag`
 * (default `vector` for 1-D shapes, `float` otherwise; binary layers pass `binary`).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { createParameter } from "@ovsw/layers";
 * await initGpu();
 * const b = createParameter(new Float32Array(4), [4]);
 * console.log(b.tag, b.requiresGrad); // "vector" true
 * ```
 */
export function createParameter(
  data: Float32Array,
  shape: readonly number[],
  tag?: ParamTag,
): Tensor {
  const t = keep(Tensor.from(data, shape));
  t.requiresGrad = true;
  t.tag = tag ?? (shape.length <= 1 ? "vector" : "float");
  return t;
}

/**
 * Uploads `data` as a non-trainable buffer (BN running statistics): kept, no gradient.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { createBuffer } from "@ovsw/layers";
 * await initGpu();
 * const rv = createBuffer(new Float32Array([1, 1]), [2]);
 * console.log(rv.requiresGrad); // false
 * ```
 */
export function createBuffer(data: Float32Array, shape: readonly number[]): Tensor {
  return keep(Tensor.from(data, shape));
}
