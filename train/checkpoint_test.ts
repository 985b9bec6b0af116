import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
import { Prng } from "@ovsw/init";
import { freshSeed } from "../tests/util.ts";
import { type Checkpoint, checkpointDir, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { RunDirError } from "./errors.ts";

function sample(rng: Prng, epoch: number): Checkpoint {
  return {
    weights: new Map([
      ["features.1.weight", { dtype: "F32", shape: [2, 1, 3, 3], data: rng.normalArray(18) }],
      ["features.2.running_var", { dtype: "F32", shape: [2], data: rng.uniformArray(2) }],
    ]),
    optimizer: { step: epoch * 10, trace: { "features.1.weight": rng.normalArray(18) } },
    collector: { version: 1, steps: 3, layers: { a: { state: new Uint32Array([1, 2]) } } },
    state: {
      format: "ovsw-checkpoint",
      version: 1,
      library: "0.1.0",
      model: "toy",
      epoch,
      stepInEpoch: 2,
      step: epoch * 10 + 2,
      best: { top1: 0.5, epoch: 0 },
      extra: { rng: rng.state() },
      savedAt: new Date(0).toISOString(),
    },
  };
}

function sortedWeights(c: Checkpoint) {
  return [...c.weights].sort(([a], [b]) => a.localeCompare(b));
}

Deno.test("checkpoint: save then load gives identical content; a new save replaces it", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const run = await Deno.makeTempDir();
  const a = sample(rng, 1);
  await saveCheckpoint(run, "latest", a);
  const back = await loadCheckpoint(run, "latest");
  assertEquals(sortedWeights(back), sortedWeights(a), `seed ${seed}`);
  assertEquals(back.optimizer, a.optimizer);
  assertEquals(back.collector, a.collector);
  assertEquals(back.state, a.state);
  const b = sample(rng, 2);
  await saveCheckpoint(run, "latest", b);
  assertEquals((await loadCheckpoint(run, "latest")).state.epoch, 2);
  const names = [...Deno.readDirSync(run)].map((e) => e.name).sort();
  assertEquals(names, ["checkpoint-latest"], "no temporary or old directories are left");
  await Deno.remove(run, { recursive: true });
});

Deno.test("checkpoint: a crash mid-save keeps the last good checkpoint", async () => {
  const rng = new Prng(freshSeed());
  const run = await Deno.makeTempDir();
  await saveCheckpoint(run, "latest", sample(rng, 1));
  const dir = checkpointDir(run, "latest");
  // Crash while writing the temporary directory: the half-written copy is ignored.
  await Deno.mkdir(`${dir}.tmp-99999`);
  await Deno.writeTextFile(`${dir}.tmp-99999/weights.safetensors`, "partial");
  assertEquals((await loadCheckpoint(run, "latest")).state.epoch, 1);
  // Crash between the two renames: only `<dir>.old` is complete.
  await Deno.rename(dir, `${dir}.old`);
  assertEquals((await loadCheckpoint(run, "latest")).state.epoch, 1);
  // The next save completes normally and cleans up the old copy.
  await saveCheckpoint(run, "latest", sample(rng, 2));
  assertEquals((await loadCheckpoint(run, "latest")).state.epoch, 2);
  await Deno.remove(run, { recursive: true });
});

Deno.test("checkpoint: missing or damaged checkpoints are one clear RunDirError", async () => {
  const run = await Deno.makeTempDir();
  await assertRejects(
    () => loadCheckpoint(run, "best"),
    (e: unknown) =>
      e instanceof RunDirError && /no complete checkpoint at .*checkpoint-best/.test(e.message),
  );
  await saveCheckpoint(run, "latest", sample(new Prng(1), 1));
  const w = `${checkpointDir(run, "latest")}/weights.safetensors`;
  const bytes = await Deno.readFile(w);
  await Deno.writeFile(w, bytes.subarray(0, bytes.length - 3));
  await assertRejects(
    () => loadCheckpoint(run, "latest"),
    (e: unknown) => e instanceof RunDirError && /weights\.safetensors: .*truncated/.test(e.message),
  );
  await Deno.writeTextFile(`${checkpointDir(run, "latest")}/state.json`, "{}");
  await assertRejects(() => loadCheckpoint(run, "latest"), /is not an ovsw checkpoint/);
  await Deno.remove(run, { recursive: true });
});
