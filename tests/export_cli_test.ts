/**
 * End to end: a tiny `deno task train` run, `deno task export`, then `@ovsw/infer` classifies
 * the run's test images: the same top-1 class per image as the training engine's eval forward,
 * and the accuracy `deno task eval` reports.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert";
import { DataLoader } from "@ovsw/data";
import { initGpu, noGrad } from "@ovsw/gpu";
import { argmaxRows } from "@ovsw/infer";
import { loadModelFile } from "@ovsw/infer/deno";
import { loadCheckpoint, loadModelWeights, readRunConfig } from "@ovsw/train";
import { loadRunData } from "../cli/data_setup.ts";
import { buildModel } from "../cli/model_setup.ts";
import { runTaskScript } from "./cli_helpers.ts";

const TINY = ["--train-limit", "24", "--test-limit", "16", "--batch-size", "8", "--epochs", "1"];

Deno.test("export: a trained run's export predicts like the training engine", async () => {
  const out = await Deno.makeTempDir();
  try {
    const train = await runTaskScript("train", [...TINY, "--out", out, "--name", "r", "--json"]);
    assertEquals(train.code, 0, train.stderr);
    const run = `${out}/r`;
    const file = `${out}/model.ovsw`;
    const exp = await runTaskScript("export", ["--run", run, "--out", file, "--json"]);
    assertEquals(exp.code, 0, exp.stderr);
    const result = JSON.parse(exp.stdout);
    assertEquals(result.model, "vgg-small-28");
    assertEquals(result.binaryConvs, 4);
    const ev = await runTaskScript("eval", ["--run", run, "--json"]);
    assertEquals(ev.code, 0, ev.stderr);
    const evalTop1 = JSON.parse(ev.stdout).test_top1;

    const cfg = (await readRunConfig(run)).config;
    const data = await loadRunData({
      dataset: cfg.dataset,
      dataDir: cfg.dataDir,
      download: false,
      trainLimit: 1,
      testLimit: cfg.testLimit,
    });
    await initGpu();
    const model = buildModel(cfg, data.test);
    loadModelWeights(model, (await loadCheckpoint(run, "best")).weights, "checkpoint-best");
    model.eval();
    const loader = new DataLoader(data.test, { ...data.testOptions, batchSize: 8, seed: 0 });
    const ref: number[] = [];
    for (const batch of loader.epoch(0)) {
      const y = noGrad(() => model.forward(batch.x));
      ref.push(...argmaxRows(await y.read(), 10));
      y.dispose();
      batch.x.dispose();
      batch.y.dispose();
    }
    model.dispose();

    const infer = await loadModelFile(file);
    try {
      assertEquals(infer.header.classes[0], "T-shirt/top");
      const { predictions } = await infer.classify(data.test.images, data.test.count, {
        batchSize: 5,
      });
      assertEquals([...predictions], ref, "top-1 per image equals the training engine's");
      const correct = predictions.filter((p, i) => p === data.test.labels[i]).length;
      assert(
        Math.abs(correct / data.test.count - evalTop1) < 1e-9,
        `accuracy ${correct / data.test.count} equals eval's ${evalTop1}`,
      );
      // --f16: smaller, and its logits stay within binary16 rounding of the f32 export's.
      const half = `${out}/half.ovsw`;
      const h = await runTaskScript("export", ["--run", run, "--out", half, "--f16", "--json"]);
      assertEquals(h.code, 0, h.stderr);
      assert(JSON.parse(h.stdout).bytes < result.bytes, "the f16 export is smaller");
      const x = infer.normalize(data.test.images, data.test.count);
      const full = await infer.logits(x, data.test.count);
      const small = await loadModelFile(half);
      const approx = await small.logits(x, data.test.count);
      small.dispose();
      const scale = Math.max(1, ...full.map(Math.abs));
      const err = Math.max(...full.map((v, i) => Math.abs(v - approx[i])));
      assert(err < 1e-2 * scale, `f16 logits differ by ${err} (scale ${scale})`);
    } finally {
      infer.dispose();
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("export: a missing run directory is one clear error", async () => {
  const r = await runTaskScript("export", ["--run", "/nonexistent/run"]);
  assertEquals(r.code === 0, false);
  assert(r.stderr.includes("/nonexistent/run"), r.stderr);
});
