/**
 * Deployment bench: file size of the float checkpoint vs the `.ovsw` export, and inference
 * throughput (one batch) and single-image latency of `@ovsw/infer` against the training
 * engine's eval path (`noGrad` forward + readback of the logits), on the same images.
 *
 * `deno task bench:deploy [--run <run-dir>] [--batch 64] [--iters 5]` prints a markdown table
 * with the ratios. Without `--run` it exports a freshly initialised vgg-small-28.
 *
 * @module
 */
import { initGpu, noGrad, Tensor } from "@ovsw/gpu";
import { BnnModel, encodeExport } from "@ovsw/infer";
import { createModel } from "@ovsw/models";
import {
  encodeSafetensors,
  loadCheckpoint,
  loadModelWeights,
  readModelWeights,
  readRunConfig,
} from "@ovsw/train";
import { loadData } from "@ovsw/data";
import { buildExport } from "../cli/export_graph.ts";

const arg = (name: string, dflt: string | null) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : dflt;
};

/** Median milliseconds of `iters` runs of `fn` after one warm-up. */
async function medianMs(fn: () => Promise<unknown>, iters: number): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const run = arg("run", null);
const batch = Number(arg("batch", "64"));
const iters = Number(arg("iters", "5"));
await initGpu();
const name = run ? (await readRunConfig(run)).config.model : "vgg-small-28";
const model = createModel(name, { classes: 10 });
if (run) loadModelWeights(model, (await loadCheckpoint(run, "best")).weights, run);
model.eval();
const data = await loadData({ trainLimit: 1, testLimit: batch });
const t = data.test;
const inputShape: [number, number, number] = [t.channels, t.height, t.width];
const graph = await buildExport(model, {
  model: name,
  inputShape,
  normalization: { mean: [...data.spec.normalization.mean], std: [...data.spec.normalization.std] },
  classes: [...data.spec.classes],
});
const exportBytes = encodeExport(graph.draft, graph.blobs).length;
const floatBytes = encodeSafetensors(await readModelWeights(model)).length;
const infer = await BnnModel.load(encodeExport(graph.draft, graph.blobs));
const x = infer.normalize(t.images, t.count);
const per = x.length / t.count;

const engine = async (n: number) => {
  const xt = Tensor.from(x.subarray(0, n * per), [n, ...inputShape]);
  const y = noGrad(() => model.forward(xt));
  await y.read();
  y.dispose();
  xt.dispose();
};
const engineBatch = await medianMs(() => engine(t.count), iters);
const inferBatch = await medianMs(() => infer.logits(x, t.count), iters);
const engineOne = await medianMs(() => engine(1), 2 * iters);
const inferOne = await medianMs(() => infer.logits(x.subarray(0, per), 1), 2 * iters);

const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
const ips = (ms: number) => (1000 * t.count / ms).toFixed(1);
const rows = [
  [
    "file size",
    `${kib(floatBytes)} (safetensors f32)`,
    kib(exportBytes),
    (floatBytes / exportBytes).toFixed(1) + "× smaller",
  ],
  [
    `images/s (batch ${t.count})`,
    ips(engineBatch),
    ips(inferBatch),
    (engineBatch / inferBatch).toFixed(2) + "×",
  ],
  [
    "single-image latency",
    `${engineOne.toFixed(1)} ms`,
    `${inferOne.toFixed(1)} ms`,
    (engineOne / inferOne).toFixed(2) + "×",
  ],
];
console.log(`${name}${run ? ` (${run})` : " (fresh weights)"}, median of ${iters} runs\n`);
console.log("| measure | training engine (eval) | @ovsw/infer | ratio |");
console.log("| --- | --- | --- | --- |");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
infer.dispose();
model.dispose();
