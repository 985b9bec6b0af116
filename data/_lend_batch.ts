/**
 * The loaders' ownership rule for a yielded GPU batch, in one place.
 *
 * @module
 */
import type { Batch } from "./loader.ts";

/**
 * Yields `batch` once (after running `beforeYield`, e.g. the CPU preparation of the next
 * batch), then disposes its `x` and `y` when the consumer asks for the next batch or leaves the
 * loop (`break`, a throw), or when `beforeYield` throws. Use it as `yield* lendBatch(...)` in a
 * loader's (sync or async) `epoch` generator.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { lendBatch } from "./_lend_batch.ts";
 * await initGpu();
 * const x = Tensor.from([0.5, 0.25], [1, 2]);
 * const y = Tensor.from(new Uint32Array([1]), [1], "u32");
 * for (const b of lendBatch({ x, y, size: 1, index: 0 })) console.log(b.x.disposed); // false
 * console.log(x.disposed, y.disposed); // true true
 * ```
 */
export function* lendBatch(batch: Batch, beforeYield?: () => void): Generator<Batch, void> {
  try {
    beforeYield?.();
    yield batch;
  } finally {
    batch.x.dispose();
    batch.y.dispose();
  }
}
