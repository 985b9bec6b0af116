/**
 * `deno task bench:train`: images/s of full training steps (forward, backward, OvSW optimizer,
 * flip collector) at batch 128 for cResNet20_1w1a on 32×32×3 and vgg-small-28 on 28×28×1, and,
 * in the same run, TensorFlow.js 4.22 (WebGPU backend) training a float ResNet-20 on the same
 * adapter; plus the binary conv forward (XNOR-popcount) against the f32 conv at the same shapes.
 * Prints the table and writes it, with the date and adapter, into BENCHMARKS.md between the
 * `bench:train` markers.
 *
 * Flags: `--steps N` (timed ovsw steps per model, default 5), `--tfjs-steps N` (timed TF.js steps,
 * default 2; 0 skips TF.js), `--batch N` (default 128), `--kernels xnor|float` (the binary conv
 * kernels: XNOR-popcount forward and ±1 backward, or the float reference; default xnor),
 * `--no-write` (do not touch BENCHMARKS.md), `--out FILE`, `--memory-steps N` (also run N full
 * cResNet20 steps at `--memory-batch B`, default 8, and report live and pool bytes after step 10
 * and after step N; default 0, off), `--batches 128,256,512` (more cResNet20 rows in the step
 * breakdown), `--resnet18 64,256` (ResNet-18 1w1a rows at 224×224; with `--quick` at 64×64, for
 * software adapters), `--peer torch` (the same cResNet20_1w1a trained by PyTorch on the CPU,
 * tools/torch_cresnet20.py, when python3 can import torch), `--tune` (measure the binary kernels'
 * tiles on this adapter once and cache the choice).
 *
 * Every model row also gets a step breakdown (tools/bench_breakdown.ts): per-step dispatches,
 * creations, uniform bytes, CPU ms recording and GPU ms per kernel family where the adapter offers
 * `timestamp-query`, and whether the step is CPU- or GPU-bound.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  adapterDescription,
  engineStats,
  initGpu,
  memory,
  resetStats,
  setBinaryConvKernels,
  sync,
  Tensor,
  tidy,
} from "@ovsw/gpu";
import {
  binaryConvGeometry,
  conv2dForward,
  packActivationSigns,
  packWeightSigns,
  tuneBinaryKernels,
  xnorConv2dForward,
} from "@ovsw/gpu/internal";
import { Prng } from "@ovsw/init";
import { trainingStepBench } from "./bench_step.ts";
import {
  type Breakdown,
  type BreakdownRow,
  breakdownTable,
  measureBreakdown,
} from "./bench_breakdown.ts";
import { torchPeer } from "./bench_peer.ts";
import type { TfjsResult } from "./tfjs_resnet20.ts";

/** Forward MACs per image (docs/method.md §14). */
const MACS: Record<string, number> = {
  "cresnet20": 40.8e6,
  "vgg-small-28": 87.2e6,
};
/** Training FLOP per forward MAC (forward + two backward products, 2 FLOP each). */
const FLOP_PER_MAC = 6;
/** llvmpipe's arithmetic-only ceiling through WGSL (docs/method.md §14), the roofline used here. */
const SOFTWARE_CEILING_GFLOPS = 50;

interface ModelRow {
  name: string;
  imagesPerSecond: number;
  stepMs: number;
  firstStepMs: number;
  compileMs: number;
  pipelines: number;
  dispatches: number;
  submits: number;
  readbacks: number;
  gpuBytes: number;
  liveBytesFirst: number;
  liveBytesLast: number;
  gflops: number;
  steps: number;
  breakdown: Breakdown;
}

async function benchModel(
  name: string,
  input: number[],
  batch: number,
  steps: number,
): Promise<ModelRow> {
  const bench = trainingStepBench({
    model: name,
    input,
    batch,
    dataSeed: 7,
    learningRate: 0.01,
    collector: true,
  });
  const step = (): Tensor => tidy(bench.step);
  await sync();
  resetStats();
  const t0 = performance.now();
  await step().read();
  const firstStepMs = performance.now() - t0;
  const compile = engineStats();
  const liveBytesFirst = memory().bytes;
  // A second untimed step: the first one also fills the momentum buffers ("first" flags), so
  // only from the third step on is every step alike (the steady state the counts describe).
  tidy(bench.step);
  // Each step is timed on its own (record, submit, wait for the GPU, no readback), and the
  // median is reported: the build machine is shared, and a median resists other jobs' bursts.
  let last: Tensor | null = null;
  const breakdown = await measureBreakdown(() => (last = bench.step()), steps);
  // One awaited readback for all timed steps (the loss of the last one, owned by the bench).
  const lossValue = (await last!.read())[0];
  const stepMs = breakdown.stepMs;
  if (!Number.isFinite(lossValue)) throw new Error(`${name}: training loss is ${lossValue}`);
  const mem = memory();
  const imagesPerSecond = batch / (stepMs / 1000);
  bench.dispose();
  return {
    name,
    imagesPerSecond,
    stepMs,
    firstStepMs,
    compileMs: compile.compileMs,
    pipelines: compile.pipelinesCompiled,
    dispatches: breakdown.dispatches,
    submits: 1,
    readbacks: 1 / steps,
    gpuBytes: mem.allocatedBytes,
    liveBytesFirst,
    liveBytesLast: mem.bytes,
    gflops: imagesPerSecond * (MACS[name] ?? 0) * FLOP_PER_MAC / 1e9,
    steps,
    breakdown,
  };
}

interface ConvRow {
  shape: string;
  binaryMs: number;
  floatMs: number;
}

/** Median wall ms of `reps` runs of `fn`, each submitted and waited for, after one warm-up. */
async function timeMs(fn: () => void, reps: number): Promise<number> {
  tidy(fn);
  await sync();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    tidy(fn);
    await sync();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function benchConv(batch: number, c: number, px: number): Promise<ConvRow> {
  const rng = new Prng(c * 1000 + px);
  const x = Tensor.from(rng.normalArray(batch * c * px * px), [batch, c, px, px]);
  const w = Tensor.from(rng.normalArray(c * c * 9, 0, 0.1), [c, c, 3, 3]);
  const alpha = Tensor.full([c], 0.8);
  const geom = binaryConvGeometry(x.shape, w.shape, { padding: 1 }, "bench");
  const binaryMs = await timeMs(
    () => xnorConv2dForward(packActivationSigns(x), packWeightSigns(w), alpha, geom),
    5,
  );
  const floatMs = await timeMs(() => conv2dForward(x, w, { padding: 1 }), 3);
  [x, w, alpha].forEach((t) => t.dispose());
  return { shape: `${batch}×${c}×${px}×${px}, 3×3, ${c}→${c}`, binaryMs, floatMs };
}

const MiB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

/** Live tensor bytes and pool bytes after `warm` steps and after `steps` steps of cResNet20. */
async function memoryRun(steps: number, batch: number): Promise<string> {
  const bench = trainingStepBench({
    batch,
    dataSeed: 11,
    modelSeed: 2,
    learningRate: 0.01,
    collector: true,
  });
  const warm = Math.min(10, steps);
  let first = memory();
  const t0 = performance.now();
  for (let s = 1; s <= steps; s++) {
    tidy(() => {
      bench.step();
    });
    if (s % 10 === 0) await sync(); // keep at most 10 steps in flight
    if (s === warm) first = memory();
  }
  await sync();
  const last = memory();
  const secs = (performance.now() - t0) / 1000;
  bench.dispose();
  return `GPU memory over ${steps} full cResNet20 training steps at batch ${batch} (${
    secs.toFixed(0)
  } s): live tensors ${first.tensors} → ${last.tensors} (${MiB(first.bytes)} → ${
    MiB(last.bytes)
  }), pool ${MiB(first.allocatedBytes)} → ${
    MiB(last.allocatedBytes)
  } (after step ${warm} → after step ${steps}).`;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      args: Deno.args,
      options: {
        steps: { type: "string", default: "5" },
        "tfjs-steps": { type: "string", default: "2" },
        batch: { type: "string", default: "128" },
        kernels: { type: "string", default: "xnor" },
        out: { type: "string", default: "BENCHMARKS.md" },
        "no-write": { type: "boolean", default: false },
        "memory-steps": { type: "string", default: "0" },
        "memory-batch": { type: "string", default: "8" },
        batches: { type: "string", default: "" },
        resnet18: { type: "string", default: "" },
        quick: { type: "boolean", default: false },
        peer: { type: "string", default: "" },
        tune: { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (e) {
    console.error(`bench:train: ${(e as Error).message}`);
    Deno.exit(2);
  }
  if (args.help) {
    console.log(
      "deno task bench:train [--steps 5] [--tfjs-steps 2] [--batch 128] " +
        "[--kernels xnor|float] [--out BENCHMARKS.md] [--no-write] [--memory-steps N] [--memory-batch B] " +
        "[--batches 128,256,512] [--resnet18 64,256] [--quick] [--peer torch] [--tune]",
    );
    return;
  }
  const int = (flag: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      console.error(`bench:train: --${flag} must be an integer ≥ ${min}, got "${v}"`);
      Deno.exit(2);
    }
    return n;
  };
  const steps = int("steps", args.steps!, 1);
  const tfjsSteps = int("tfjs-steps", args["tfjs-steps"]!, 0);
  // Training batch norm needs two images per channel.
  const batch = int("batch", args.batch!, 2);
  const memorySteps = int("memory-steps", args["memory-steps"]!, 0);
  const memoryBatch = int("memory-batch", args["memory-batch"]!, 2);
  const list = (flag: string, v: string) =>
    v === "" ? [] : v.split(",").map((b) => int(flag, b.trim(), 2));
  const extraBatches = list("batches", args.batches!).filter((b) => b !== batch);
  const resnetBatches = list("resnet18", args.resnet18!);
  if (args.peer !== "" && args.peer !== "torch") {
    console.error(`bench:train: --peer must be torch, got "${args.peer}"`);
    Deno.exit(2);
  }
  const kernels = args.kernels;
  if (kernels !== "xnor" && kernels !== "float") {
    console.error(`bench:train: --kernels must be xnor or float, got "${kernels}"`);
    Deno.exit(2);
  }
  await initGpu();
  const adapter = adapterDescription();
  setBinaryConvKernels(kernels);
  const log = (s: string) => console.error(`bench:train: ${s}`);
  let tuned = "";
  if (args.tune && kernels === "xnor") {
    // One-time measurement of the binary kernels' tiles on this adapter, cached per adapter.
    const home = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "."}/.cache`;
    const r = await tuneBinaryKernels({ batch, cacheFile: `${home}/ovsw/binary-kernels.json` });
    const t = r.tiling;
    tuned =
      ` · tuned tiles (${r.measured ? "measured now" : "cached"}): fwd ${t.fwdPixels}×${t.fwdOut}` +
      `/${t.fwdWorkgroup}, grad-input ${r.gradInput} ${t.bwdPixels}×${t.bwdChannels}/${t.bwdWorkgroup}` +
      `, grad-weight ${t.gwChannels}×${t.gwOut}/${t.gwWorkgroup}`;
    log(tuned.slice(3));
  }

  // The memory run goes first, so its live-tensor counts are its own.
  let memoryLine = "";
  if (memorySteps > 0) {
    log(`memory: ${memorySteps} cResNet20 steps at batch ${memoryBatch}…`);
    memoryLine = await memoryRun(memorySteps, memoryBatch);
  }
  const rows: ModelRow[] = [];
  for (
    const [name, input] of [["cresnet20", [3, 32, 32]], ["vgg-small-28", [1, 28, 28]]] as const
  ) {
    log(`${name}: 2 warm-up steps + ${steps} timed steps at batch ${batch}…`);
    rows.push(await benchModel(name, [...input], batch, steps));
  }
  const label = (name: string, input: readonly number[]) =>
    `${
      { cresnet20: "cResNet20_1w1a", "vgg-small-28": "vgg-small-28", resnet18: "ResNet-18 (1w1a)" }[
        name
      ]
    }, ${input[1]}×${input[2]}×${input[0]}`;
  const breakdownRows: BreakdownRow[] = rows.map((r) => ({
    label: label(r.name, r.name === "cresnet20" ? [3, 32, 32] : [1, 28, 28]),
    batch,
    b: r.breakdown,
  }));
  const extra: [string, number[], number][] = [
    ...extraBatches.map((b): [string, number[], number] => ["cresnet20", [3, 32, 32], b]),
    ...resnetBatches.map((b): [string, number[], number] => [
      "resnet18",
      args.quick ? [3, 64, 64] : [3, 224, 224],
      b,
    ]),
  ];
  for (const [name, input, b] of extra) {
    log(`${name} ${input.join("×")}: 2 warm-up steps + ${steps} timed steps at batch ${b}…`);
    const r = await benchModel(name, input, b, steps);
    breakdownRows.push({ label: label(name, input), batch: b, b: r.breakdown });
  }
  let peerLine = "";
  if (args.peer === "torch") {
    log(
      `PyTorch CPU peer: cResNet20_1w1a, 1 warm-up step + ${steps} timed steps at batch ${batch}…`,
    );
    const peer = await torchPeer(batch, steps);
    const ours = rows.find((r) => r.name === "cresnet20")!;
    peerLine = "error" in peer
      ? `PyTorch CPU peer: not run (${peer.error}).`
      : `PyTorch ${peer.version} CPU peer (${peer.threads} threads, tools/torch_cresnet20.py: ` +
        `cResNet20_1w1a, same shapes, batch and optimizer): ${peer.imagesPerSecond.toFixed(1)} ` +
        `images/s (median of ${steps} steps); ovsw / PyTorch = ${
          (ours.imagesPerSecond / peer.imagesPerSecond).toFixed(2)
        }×.`;
    log(peerLine);
  }
  log("binary conv forward vs f32 conv…");
  const convs: ConvRow[] = [];
  for (const [c, px] of [[16, 32], [32, 16], [64, 8], [64, 28], [128, 14]]) {
    convs.push(await benchConv(batch, c, px));
  }
  let tfjs: TfjsResult | null = null;
  let tfjsError = "";
  if (tfjsSteps > 0) {
    log(`TF.js ResNet-20: 1 warm-up step + ${tfjsSteps} timed steps (slow: minutes)…`);
    try {
      const { benchTfjsResnet20 } = await import("./tfjs_resnet20.ts");
      tfjs = await benchTfjsResnet20(tfjsSteps, batch);
    } catch (e) {
      tfjsError = (e as Error).message;
      log(`TF.js failed: ${tfjsError}`);
    }
  }

  const ceilingImg = (name: string) => SOFTWARE_CEILING_GFLOPS * 1e9 / (MACS[name] * FLOP_PER_MAC);
  const lines: string[] = [];
  const date = new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC";
  lines.push(
    `Run ${date} · adapter **${adapter.description}** (backend ${adapter.backend}${
      adapter.isFallbackAdapter ? ", software" : ""
    }) · Deno ${Deno.version.deno} · batch ${batch} · binary conv kernels: ${kernels}${tuned} · ` +
      `ovsw: median of ${steps} timed steps per model after 2 warm-up steps` +
      (tfjs ? ` · TF.js: median of ${tfjs.steps} timed steps after 1 warm-up step` : ""),
    "",
    "| model | images/s | ratio to TF.js | ms/step | GPU dispatches/step | submits/step | " +
      "awaited readbacks/step | GPU memory (pool) | live tensors: after step 1 → last | " +
      "GFLOP/s (6 FLOP/MAC) | % of 50 GFLOP/s roofline | first step (pipelines compiled, compile ms) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const r of rows) {
    const ratio = tfjs ? `${(r.imagesPerSecond / tfjs.imagesPerSecond).toFixed(2)}×` : "n/a";
    lines.push(
      `| ${r.name === "cresnet20" ? "cResNet20_1w1a, 32×32×3" : "vgg-small-28, 28×28×1"} | ` +
        `${r.imagesPerSecond.toFixed(1)} | ${ratio} | ${r.stepMs.toFixed(0)} | ` +
        `${r.dispatches.toFixed(0)} | ${r.submits.toFixed(1)} | ${r.readbacks.toFixed(2)} | ` +
        `${MiB(r.gpuBytes)} | ${MiB(r.liveBytesFirst)} → ${MiB(r.liveBytesLast)} | ` +
        `${r.gflops.toFixed(2)} | ${
          (100 * r.imagesPerSecond / ceilingImg(r.name)).toFixed(1)
        }% | ` +
        `${(r.firstStepMs / 1000).toFixed(1)} s (${r.pipelines}, ${r.compileMs.toFixed(0)} ms) |`,
    );
  }
  if (tfjs) {
    lines.push(
      `| TF.js 4.22 WebGPU float ResNet-20, 32×32×3 | ${tfjs.imagesPerSecond.toFixed(2)} | 1× | ` +
        `${tfjs.stepMs.toFixed(0)} | – | – | 1 | ${MiB(tfjs.bytesInUse)} (tf.memory) | – | ` +
        `${(tfjs.imagesPerSecond * MACS.cresnet20 * FLOP_PER_MAC / 1e9).toFixed(2)} | ` +
        `${(100 * tfjs.imagesPerSecond / ceilingImg("cresnet20")).toFixed(1)}% | ` +
        `${(tfjs.firstStepMs / 1000).toFixed(1)} s |`,
    );
  } else {
    lines.push(
      `| TF.js 4.22 WebGPU float ResNet-20 | ${
        tfjsError ? `failed: ${tfjsError.replaceAll("|", "/")}` : "skipped (--tfjs-steps 0)"
      } | | | | | | | | | | |`,
    );
  }
  lines.push(
    "",
    "Binary conv forward (pack sign(x) + pack sign(W) + XNOR-popcount implicit GEMM + α) vs the " +
      "f32 implicit-GEMM conv2dForward, same shape, stride 1, padding 1:",
    "",
    "| shape (N×C×H×W, kernel, channels) | binary ms | f32 ms | speed-up | binary G ops/s (2/MAC) |",
    "| --- | ---: | ---: | ---: | ---: |",
  );
  for (const c of convs) {
    const [n, ch, px] = c.shape.split(/[×,]/).map(Number);
    const macs = n * ch * px * px * ch * 9;
    lines.push(
      `| ${c.shape} | ${c.binaryMs.toFixed(1)} | ${c.floatMs.toFixed(1)} | ` +
        `${(c.floatMs / c.binaryMs).toFixed(1)}× | ${(2 * macs / c.binaryMs / 1e6).toFixed(1)} |`,
    );
  }
  lines.push(
    "",
    `Step breakdown (per step, median of ${steps} timed steps; CPU ms recording = JS and command ` +
      "encoding before the submit; GPU ms per kernel family from one more step with a timestamp " +
      "around every dispatch, where the adapter offers timestamp-query):",
    "",
    ...breakdownTable(breakdownRows),
  );
  if (peerLine) lines.push("", peerLine);
  if (memoryLine) lines.push("", memoryLine);
  const table = lines.join("\n");
  console.log(table);
  if (!args["no-write"]) {
    const path = args.out!;
    let text = "";
    try {
      text = await Deno.readTextFile(path);
    } catch {
      text = "# Benchmarks\n\n<!-- bench:train:start -->\n<!-- bench:train:end -->\n";
    }
    const start = "<!-- bench:train:start -->";
    const end = "<!-- bench:train:end -->";
    const a = text.indexOf(start);
    const b = text.indexOf(end);
    if (a < 0 || b < a) {
      console.error(`bench:train: ${path} lacks the ${start} … ${end} markers; not written`);
      Deno.exit(1);
    }
    const next = text.slice(0, a + start.length) + "\n" + table + "\n" + text.slice(b);
    await Deno.writeTextFile(path, next);
    log(`wrote the table into ${path}`);
  }
}

if (import.meta.main) await main();
