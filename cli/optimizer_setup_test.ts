import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { makeOptimizer, makeSchedule } from "./optimizer_setup.ts";
import { parseCli } from "./args.ts";
import { toTrainConfig, TRAIN_TASK } from "./tasks.ts";
import { initGpu } from "@ovsw/gpu";
import { createModel } from "@ovsw/models";

Deno.test("makeSchedule: docs/method.md §9.1 cosine per epoch, and the all-warm-up case", () => {
  const spe = 5;
  const lr = makeSchedule({ lr: 0.1, epochs: 4, warmup: 2, schedule: "cosine" }, spe);
  const expected = (e: number) =>
    e < 2 ? 0.1 * (e + 1) / 2 : 0.5 * (1 + Math.cos(Math.PI * (e - 2) / 2)) * 0.1 + 1e-5;
  for (let step = 0; step < 4 * spe; step++) {
    assertEquals(lr(step), expected(Math.floor(step / spe)), `step ${step}`);
  }
  // The acceptance recipe: 2 epochs, warm-up 1 → full lr from epoch 0, then η₀ + 1e-5.
  const acc = makeSchedule({ lr: 0.1, epochs: 2, warmup: 1, schedule: "cosine" }, 3);
  assertEquals([acc(0), acc(2), acc(3)], [0.1, 0.1, 0.1 + 1e-5]);
  // Warm-up covering every epoch: only the linear ramp.
  const ramp = makeSchedule({ lr: 0.1, epochs: 1, warmup: 1, schedule: "cosine" }, 3);
  assertEquals(ramp(2), 0.1);
  const flat = makeSchedule({ lr: 0.2, epochs: 3, warmup: 0, schedule: "constant" }, 3);
  assertEquals([flat(0), flat(8)], [0.2, 0.2]);
  const perStep = makeSchedule({ lr: 1, epochs: 2, warmup: 0, schedule: "cosine-step" }, 5);
  assertEquals([perStep(0), perStep(5), perStep(10)], [1, 0.5, 0]);
});

Deno.test("makeOptimizer: one preset per method, the pieces on any method", async () => {
  await initGpu();
  const model = createModel("vgg-small-28");
  const name = async (...argv: string[]) =>
    makeOptimizer(toTrainConfig((await parseCli(TRAIN_TASK, argv)).values), 10, model).tx.name;
  const names: string[] = [];
  for (const m of ["vanilla", "ags", "ovsw"]) names.push(await name("--method", m));
  assertEquals(names, ["sgd", "chain(masked(ags), sgd)", "chain(masked(chain(ags, sad)), sgd)"]);
  assertEquals(await name("--method", "ovsw", "--optimizer-pieces", "off"), "sgd");
  assertEquals(
    await name("--method", "bireal", "--optimizer-pieces", "ags,sad"),
    "chain(masked(chain(ags, sad)), adam)",
  );
  assertEquals(await name("--method", "xnor", "--optimizer", "sgd"), "sgd");
  model.dispose();
});

Deno.test("makeSchedule: linear, Bi-Real/ReActNet's decay stepped at each epoch's start", () => {
  const lr = makeSchedule({ lr: 1, epochs: 4, warmup: 0, schedule: "linear" }, 2);
  assertEquals([0, 1, 2, 4, 6, 7].map(lr), [0.75, 0.75, 0.5, 0.25, 0, 0]);
});
