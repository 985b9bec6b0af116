import { equal } from "node:assert/strict";
import { Tensor } from "@ovsw/gpu";
import { setupGpu } from "../tests/util.ts";
import type { Batch } from "./loader.ts";
import { lendBatch } from "./_lend_batch.ts";

await setupGpu();

function tinyBatch(index: number): Batch {
  const x = Tensor.from([index, -index], [1, 2]);
  const y = Tensor.from(new Uint32Array([index]), [1], "u32");
  return { x, y, size: 1, index };
}

Deno.test("lendBatch: the batch lives until the next one is asked for", () => {
  const batches = [tinyBatch(0), tinyBatch(1)];
  function* epoch(): Generator<Batch> {
    for (const b of batches) yield* lendBatch(b);
  }
  const it = epoch();
  equal(it.next().value, batches[0]);
  equal(batches[0].x.disposed, false);
  equal(it.next().value, batches[1]);
  equal(batches[0].x.disposed && batches[0].y.disposed, true, "first batch released");
  equal(batches[1].x.disposed, false);
  equal(it.next().done, true);
  equal(batches[1].x.disposed && batches[1].y.disposed, true, "last batch released");
});

Deno.test("lendBatch: break in an async loop releases the batch", async () => {
  const b = tinyBatch(2);
  async function* epoch(): AsyncGenerator<Batch> {
    yield* lendBatch(b);
    yield* lendBatch(tinyBatch(3));
  }
  for await (const got of epoch()) {
    equal(got.x.disposed, false);
    break;
  }
  equal(b.x.disposed && b.y.disposed, true);
});

Deno.test("lendBatch: a throwing beforeYield still releases the batch", () => {
  const b = tinyBatch(4);
  let message = "";
  try {
    for (
      const _ of lendBatch(b, () => {
        throw new Error("prepare failed");
      })
    ) continue;
  } catch (e) {
    message = (e as Error).message;
  }
  equal(message, "prepare failed");
  equal(b.x.disposed && b.y.disposed, true);
});
