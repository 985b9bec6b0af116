/**
 * `deno task bench --only optim`: the cost of an optimizer step for cResNet20's parameters
 * (`ovsw()` and `vanilla()`) next to one full training step (forward, backward, `ovsw()` step).
 *
 * @module
 */
import { noGrad, Tensor } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import {
  disposeState,
  type GradientTransformation,
  optimizerStep,
  ovsw,
  vanilla,
} from "@ovsw/optim";
import type { BenchOptions, BenchTable } from "./bench_table.ts";
import { timeIt } from "./bench_table.ts";
import { trainingStepBench } from "./bench_step.ts";

/** Optimizer steps recorded per sync: one awaited wait costs ≥ 10 ms in Deno. */
const STEPS = 10;

/**
 * Adds the optimizer rows: a cResNet20 training step (the baseline), then one `ovsw()` and one
 * `vanilla()` step on the same parameters and fixed gradients; the ratio column is the share of
 * a training step.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { BenchTable } from "./bench_table.ts";
 * import { benchOptim } from "./bench_optim.ts";
 * await initGpu();
 * const table = new BenchTable();
 * await benchOptim(table, { batch: 2, iters: 1 });
 * table.print();
 * ```
 */
export async function benchOptim(table: BenchTable, options: BenchOptions): Promise<void> {
  const batch = Math.min(options.batch, 32);
  const bench = trainingStepBench({ batch, dataSeed: 5 });
  const { params } = bench;
  const list = Object.values(params);
  const rng = new Prng(5);
  const grads: Record<string, Tensor> = {};
  for (const [name, p] of Object.entries(params)) {
    grads[name] = Tensor.from(rng.normalArray(p.size, 0, 1e-3), p.shape);
  }
  const step = await timeIt(bench.step, {
    warmup: 1,
    iters: Math.max(1, Math.min(options.iters, 3)),
  });
  table.add({
    group: "optimizer",
    name: `cresnet20 training step, batch ${batch}`,
    value: step.ms,
    unit: "ms",
    timing: step,
    note: "forward + backward + ovsw() step; the baseline of the rows below",
  });
  const cases: [string, GradientTransformation][] = [
    ["ovsw() step (AGS + SAD + SGD)", ovsw({ learningRate: 1e-4 })],
    ["vanilla() step (SGD)", vanilla({ learningRate: 1e-4 })],
  ];
  for (const [name, opt] of cases) {
    let s = opt.init(params);
    const t = await timeIt(() => {
      for (let i = 0; i < STEPS; i++) s = noGrad(() => optimizerStep(opt, s, params, grads));
    }, { iters: options.iters });
    const ms = t.ms / STEPS;
    table.add({
      group: "optimizer",
      name: `${name}, ${list.length} tensors`,
      value: ms,
      unit: "ms",
      baseline: step.ms,
      timing: { ...t, dispatches: t.dispatches / STEPS },
      note: `${((100 * ms) / step.ms).toFixed(2)}% of a training step (${STEPS} steps per sync)`,
    });
    disposeState(s);
  }
  for (const g of Object.values(grads)) g.dispose();
  bench.dispose();
}
