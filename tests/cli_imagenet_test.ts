/**
 * `--dataset folder` end to end at reduced resolution (needs `--allow-ffi` for sharp): resnet18
 * ReActNet-style through two-step training with a tiny float teacher — step 1 (real weights)
 * learns on a repeated batch, step 2 starts from step 1's weights, and a step-2 run stopped
 * mid-epoch and resumed ends with the same weights as one that never stopped.
 */
import assert from "node:assert/strict";
import { initGpu, noGrad, Tensor } from "@ovsw/gpu";
import { FloatResNet } from "@ovsw/models";
import { adam } from "@ovsw/optim";
import {
  distillation,
  encodeSafetensors,
  initFromRun,
  loadCheckpoint,
  loadTeacher,
  readModelWeights,
  trainStep,
} from "@ovsw/train";
import { makeImageFolder } from "../data/_image_folder_fixture.ts";
import { applyRecipe } from "../cli/recipes.ts";
import { parseCli } from "../cli/args.ts";
import { buildModel } from "../cli/model_setup.ts";
import { openRunData } from "../cli/data_setup.ts";
import { runTask } from "../cli/main.ts";
import { toTrainConfig, TRAIN_TASK } from "../cli/tasks.ts";
import { trainMain } from "../cli/train.ts";

await initGpu();
const root = await Deno.makeTempDir({ prefix: "ovsw-imagenet-" });
const fixture = await makeImageFolder(`${root}/data`);
const out = `${root}/runs`;
const teacherFile = `${root}/teacher.safetensors`;
// A confident teacher (its classifier scaled up), so that the student has something to learn.
const teacherWeights = await readModelWeights(new FloatResNet("resnet18", { classes: 3, seed: 5 }));
for (const name of ["fc.weight", "fc.bias"]) {
  const w = teacherWeights.get(name)!.data as Float32Array;
  w.forEach((v, i) => w[i] = 200 * v);
}
await Deno.writeFile(teacherFile, encodeSafetensors(teacherWeights));

/** The flags every run here shares: 6 images at 32×32 in batches of 2, one epoch. */
const BASE = [
  ...["--dataset", "folder", "--data-dir", fixture.dir, "--image-size", "32"],
  ...["--model", "resnet18", "--method", "reactnet", "--train-limit", "6", "--test-limit", "3"],
  ...["--batch-size", "2", "--epochs", "1", "--log-every", "1", "--out", out],
  ...["--teacher", teacherFile, "--teacher-arch", "resnet18"],
];

/** Runs `train` in this process; returns the exit code and stderr. */
async function train(args: string[]): Promise<{ code: number; err: string }> {
  let err = "";
  const dec = new TextDecoder();
  const io = {
    out: () => {},
    err: { write: (b: Uint8Array) => void (err += dec.decode(b)), isTerminal: false, color: false },
    signals: false,
  };
  const code = await runTask((io) => trainMain(args, io), io);
  return { code, err };
}

async function weightsOf(runDir: string): Promise<Map<string, Float32Array>> {
  const w = (await loadCheckpoint(runDir, "latest")).weights;
  return new Map(
    [...w].map(([k, v]) => [k, Float32Array.from(v.data as ArrayLike<number>, Number)]),
  );
}

Deno.test("step 1 (binary activations, real weights) learns a repeated batch from the teacher", async () => {
  const cfg = toTrainConfig(
    applyRecipe(await parseCli(TRAIN_TASK, [...BASE, "--step", "1"])).values,
  );
  assert.equal(cfg.weights, "real");
  const data = await openRunData(cfg);
  const model = buildModel(cfg, data.train).train();
  const teacher = await loadTeacher(teacherFile, "resnet18", 3);
  const { train: loader, test } = data.loaders(2, 0);
  try {
    let batch: { x: Tensor; y: Tensor } | null = null;
    for await (const b of loader.epoch(0)) {
      batch = {
        x: Tensor.from(await b.x.read(), b.x.shape),
        y: Tensor.from(await b.y.readU32(), b.y.shape, "u32"),
      };
      break;
    }
    const tx = adam({ learningRate: 1e-3 });
    let state = tx.init(model.paramRecord());
    const target = distillation(teacher, batch!.x);
    const losses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const loss = noGrad(() => target.loss(model.forward(batch!.x)));
      losses.push((await loss.read())[0]);
      loss.dispose();
      state = trainStep(model, tx, state, batch!, { loss: target.loss });
    }
    target.dispose();
    assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
    assert.ok(losses[3] < losses[0], `loss did not fall: ${losses}`);
  } finally {
    loader.close?.();
    test.close?.();
  }
});

Deno.test("two-step training chains checkpoints; a resumed step-2 run matches an uninterrupted one", async () => {
  const s1 = await train([...BASE, "--step", "1", "--name", "s1"]);
  assert.equal(s1.code, 0, s1.err);
  const step1 = await weightsOf(`${out}/s1`);
  assert.ok(step1.has("layer1.0.0.binary_conv.weight"));

  // Step 2 builds the binary model and loads every tensor of step 1 by name.
  const args2 = [...BASE, "--step", "2", "--init-from", `${out}/s1`];
  const cfg2 = toTrainConfig((await parseCli(TRAIN_TASK, args2)).values);
  assert.equal(cfg2.weights, "binary");
  const model2 = buildModel(cfg2, (await openRunData(cfg2)).train);
  const report = await initFromRun(model2, `${out}/s1`);
  assert.deepEqual(report.missing, []);
  for (const [name, t] of [...model2.namedParameters(), ...model2.namedBuffers()]) {
    assert.deepEqual(await t.read(), step1.get(name), name);
  }
  for (const [, t] of [...model2.namedParameters(), ...model2.namedBuffers()]) t.dispose();

  const whole = await train([...args2, "--name", "s2"]);
  assert.equal(whole.code, 0, whole.err);
  assert.match(whole.err, /initialised \d+ tensors from .*s1/);
  const stopped = await train([...args2, "--name", "s2r", "--stop-after-steps", "1"]);
  assert.equal(stopped.code, 130, stopped.err);
  const resumed = await train(["--resume", `${out}/s2r`]);
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.err, /resuming .* at epoch 1, step 1 of 3/);
  const [a, b] = [await weightsOf(`${out}/s2`), await weightsOf(`${out}/s2r`)];
  for (const [name, w] of a) assert.deepEqual(b.get(name), w, name);
});

Deno.test("recipes: two-step rows need --step and --teacher; step 2 needs --init-from", async () => {
  const msg = async (args: string[]) => {
    const r = await train([...args, "--data-dir", fixture.dir]);
    assert.equal(r.code, 2, r.err);
    return r.err;
  };
  assert.match(await msg(["--recipe", "imagenet-resnet18-ovsw-star"]), /--step 1/);
  assert.match(
    await msg(["--recipe", "imagenet-resnet18-ovsw-star", "--step", "1"]),
    /--teacher <file.safetensors>/,
  );
  assert.match(await msg(["--step", "2"]), /--init-from/);
  const cfg = toTrainConfig(
    applyRecipe(
      await parseCli(TRAIN_TASK, [
        ...["--recipe", "imagenet-resnet18-ovsw-star", "--step", "2", "--init-from", "x"],
        ...["--teacher", "t.safetensors", "--lr", "1e-4"],
      ]),
    ).values,
  );
  assert.deepEqual(
    [cfg.method, cfg.optimizerPieces, cfg.delta, cfg.weightDecay, cfg.lr, cfg.batchSize],
    ["reactnet", ["ags", "sad"], 0.01, 0, 1e-4, 256],
  );
});
