/**
 * `deno task bench --only metrics`: the cost of the flip collector and the GPU metrics
 * aggregator next to one cResNet-20 training step (forward, backward, OvSW optimizer step).
 *
 * @module
 */
import { Tensor } from "@ovsw/gpu";
import { FlipCollector, TrainingMetrics } from "@ovsw/metrics";
import type { BenchOptions, BenchTable } from "./bench_table.ts";
import { timeIt } from "./bench_table.ts";
import { trainingStepBench } from "./bench_step.ts";

const STEPS = 10;

/**
 * Adds the metrics rows: per-step collector cost, `endEpoch()`, `report()`, the metrics
 * aggregator, and the training step they are compared with (the ratio column is the share
 * of a step).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { BenchTable } from "./bench_table.ts";
 * import { benchMetrics } from "./bench_metrics.ts";
 * await initGpu();
 * const table = new BenchTable();
 * await benchMetrics(table, { batch: 2, iters: 1 });
 * table.print();
 * ```
 */
export async function benchMetrics(table: BenchTable, options: BenchOptions): Promise<void> {
  const batch = Math.min(options.batch, 32);
  const bench = trainingStepBench({ batch });
  const { params } = bench;
  const step = await timeIt(bench.step, {
    warmup: 1,
    iters: Math.max(1, Math.min(options.iters, 3)),
  });
  const binary = Object.values(params).filter((t) => t.tag === "binary");
  const weights = binary.reduce((a, t) => a + t.size, 0);
  table.add({
    group: "metrics",
    name: `cresnet20 training step, batch ${batch}`,
    value: step.ms,
    unit: "ms",
    timing: step,
    note: "forward + backward + ovsw() step; the baseline of the rows below",
  });

  const share = (ms: number) => `${((100 * ms) / step.ms).toFixed(2)}% of a training step`;
  const collector = new FlipCollector(params);
  const steps = await timeIt(() => {
    for (let i = 0; i < STEPS; i++) collector.step();
  }, { iters: options.iters });
  table.add({
    group: "metrics",
    name: `FlipCollector.step(), ${binary.length} tensors, ${weights} weights`,
    value: steps.ms / STEPS,
    unit: "ms",
    baseline: step.ms,
    timing: { ...steps, dispatches: steps.dispatches / STEPS },
    note: `per optimizer step (${STEPS} per sync): ${share(steps.ms / STEPS)}`,
  });
  const epoch = await timeIt(() => collector.endEpoch(), { iters: options.iters });
  table.add({
    group: "metrics",
    name: "FlipCollector.endEpoch()",
    value: epoch.ms,
    unit: "ms",
    baseline: step.ms,
    timing: epoch,
    note: `once per epoch: ${share(epoch.ms)}`,
  });
  const report = await timeIt(() => collector.report(), { iters: options.iters });
  table.add({
    group: "metrics",
    name: "FlipCollector.report(), 60 bins",
    value: report.ms,
    unit: "ms",
    baseline: step.ms,
    timing: report,
    note: `readbacks included; once per epoch or run: ${share(report.ms)}`,
  });
  collector.dispose();

  const metrics = new TrainingMetrics({ logEvery: 1e9 });
  const loss = Tensor.from([1.5], [1]);
  const top1 = Tensor.from([batch / 2], [1]);
  const add = await timeIt(() => {
    for (let i = 0; i < STEPS; i++) metrics.add({ loss, top1, batchSize: batch });
  }, { iters: options.iters });
  table.add({
    group: "metrics",
    name: "TrainingMetrics.add()",
    value: add.ms / STEPS,
    unit: "ms",
    baseline: step.ms,
    timing: { ...add, dispatches: add.dispatches / STEPS },
    note: `per step, read back every logEvery steps: ${share(add.ms / STEPS)}`,
  });
  metrics.dispose();
  [loss, top1].forEach((t) => t.dispose());
  bench.dispose();
}
