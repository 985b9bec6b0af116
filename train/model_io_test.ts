import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { Tensor } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { freshSeed, setupGpu } from "../tests/util.ts";
import { RunDirError } from "./errors.ts";
import { loadModelWeights, readModelWeights } from "./model_io.ts";

await setupGpu();

function toy(rng: Prng) {
  const w = Tensor.from(rng.normalArray(6), [2, 3]);
  const n = Tensor.from([7], []);
  return {
    tensors: [w, n],
    model: {
      namedParameters: (): [string, Tensor][] => [["fc.weight", w]],
      namedBuffers: (): [string, Tensor][] => [["bn.num_batches_tracked", n]],
    },
  };
}

Deno.test("readModelWeights / loadModelWeights round trip, counters as int64", async () => {
  const seed = freshSeed();
  const a = toy(new Prng(seed));
  const b = toy(new Prng(seed + 1));
  const weights = await readModelWeights(a.model);
  assertEquals(weights.get("bn.num_batches_tracked")!.dtype, "I64");
  assertEquals([...weights.get("bn.num_batches_tracked")!.data], [7n]);
  loadModelWeights(b.model, weights, "ckpt");
  assertEquals(await b.tensors[0].read(), await a.tensors[0].read(), `seed ${seed}`);
  assertEquals(await b.tensors[1].read(), new Float32Array([7]));
  for (const t of [...a.tensors, ...b.tensors]) t.dispose();
});

Deno.test("loadModelWeights names the missing, unexpected or mis-shaped tensor", async () => {
  const a = toy(new Prng(freshSeed()));
  const weights = await readModelWeights(a.model);
  const wrongShape = new Map(weights);
  wrongShape.set("fc.weight", { dtype: "F32", shape: [3, 2], data: new Float32Array(6) });
  assertThrows(
    () => loadModelWeights(a.model, wrongShape, "w.safetensors"),
    (e: unknown) =>
      e instanceof RunDirError &&
      e.message === "w.safetensors: fc.weight has shape [3, 2], the model [2, 3]",
  );
  const renamed = new Map(weights);
  renamed.set("fc.w", renamed.get("fc.weight")!);
  renamed.delete("fc.weight");
  assertThrows(
    () => loadModelWeights(a.model, renamed, "w.safetensors"),
    /w\.safetensors does not match the model: missing fc\.weight; unexpected fc\.w/,
  );
  for (const t of a.tensors) t.dispose();
});

Deno.test("loadModelWeights refuses NaN/Inf weights, naming the tensor and file", async () => {
  const a = toy(new Prng(freshSeed()));
  const weights = await readModelWeights(a.model);
  for (const bad of [NaN, Infinity, -Infinity]) {
    const data = new Float32Array(6);
    data[4] = bad;
    const poisoned = new Map(weights);
    poisoned.set("fc.weight", { dtype: "F32", shape: [2, 3], data });
    assertThrows(
      () => loadModelWeights(a.model, poisoned, "run/checkpoint-latest/weights.safetensors"),
      (e: unknown) =>
        e instanceof RunDirError &&
        e.message === `run/checkpoint-latest/weights.safetensors: fc.weight holds ${bad} at ` +
            "element 4; refusing non-finite weights",
    );
  }
  for (const t of a.tensors) t.dispose();
});
