/**
 * Deployment bench: file size of the float checkpoint vs the `.ovsw` export, and inference
 * throughput (one batch) and single-image latency of `@ovsw/infer` against the training
 * engine's eval path (`noGrad` forward + readback of the logits), on the same images.
 *
 * `deno task bench:deploy [--run <run-dir>] [--batch 64] [--iters 5]` prints a markdown table
 * with the ratios (best of `--iters` alternating runs). Without `--run` it exports a freshly initialised vgg-small-28.
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

/**
 * Best (smallest) milliseconds of each closure over `iters` rounds after one warm-up each; the
 * closures alternate within a round, so load from other processes hits both alike.
 */
async function bestMs(fns: (() => Promise<unknown>)[], iters: number): Promise<number[]> {
  for (const fn of fns) await fn();
  const best = fns.map(() => Infinity);
  for (let i = 0; i < iters; i++) {
    for (const [k, fn] of fns.entries()) {
      const t0 = performance.now();
      await fn();
      best[k] = Math.min(best[k], performance.now() - t0);
    }
  }
  return best;
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
const half = await buildExport(model, { ...graph.draft, float16: true }); // sizes only
const halfBytes = encodeExport(half.draft, half.blobs).length;
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
const [engineBatch, inferBatch] = await bestMs(
  [() => engine(t.count), () => infer.logits(x, t.count)],
  iters,
);
const [engineOne, inferOne] = await bestMs(
  [() => engine(1), () => infer.logits(x.subarray(0, per), 1)],
  2 * iters,
);
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
    "file size, --f16 classifier",
    kib(floatBytes),
    kib(halfBytes),
    (floatBytes / halfBytes).toFixed(1) + "× smaller",
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
console.log(
  `${name}${run ? ` (${run})` : " (fresh weights)"}, best of ${iters} alternating runs\n`,
);
console.log("| measure | training engine (eval) | @ovsw/infer | ratio |");
console.log("| --- | --- | --- | --- |");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
infer.dispose();
model.dispose();
