/**
 * `deno task bench --only optim`: the cost of an optimizer step for cResNet20's parameters
 * (`ovsw()` and `vanilla()`) next to one full training step (forward, backward, `ovsw()` step).
 *
 * @module
 */
import { backward, noGrad, softmaxCrossEntropy, Tensor } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { createModel } from "@ovsw/models";
import { type GradientTransformation, optimizerStep, ovsw, vanilla } from "@ovsw/optim";
import type { BenchOptions, BenchTable } from "./bench_table.ts";
import { timeIt } from "./bench_table.ts";

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
 * await benchOptim(table, { batch: 8, iters: 1 });
 * table.print();
 * ```
 */
export async function benchOptim(table: BenchTable, options: BenchOptions): Promise<void> {
  const batch = Math.min(options.batch, 32);
  const model = createModel("cresnet20", { classes: 10, seed: 1 });
  model.train();
  const params = model.paramRecord();
  const names = Object.keys(params);
  const list = Object.values(params);
  const rng = new Prng(5);
  const x = Tensor.from(rng.normalArray(batch * 3 * 32 * 32), [batch, 3, 32, 32]);
  const y = Tensor.from(Uint32Array.from({ length: batch }, () => rng.int(10)), [batch], "u32");
  const grads: Record<string, Tensor> = {};
  for (const [name, p] of Object.entries(params)) {
    grads[name] = Tensor.from(rng.normalArray(p.size, 0, 1e-3), p.shape);
  }
  const tx = ovsw({ learningRate: 1e-4 });
  let state = tx.init(params);
  const step = await timeIt(() => {
    const loss = softmaxCrossEntropy(model.forward(x), y);
    const g = backward(loss, list);
    const record: Record<string, Tensor | null> = {};
    names.forEach((name, i) => (record[name] = g[i]));
    state = noGrad(() => optimizerStep(tx, state, params, record));
  }, { warmup: 1, iters: Math.max(1, Math.min(options.iters, 3)) });
  table.add({
    group: "optimizer",
    name: `cresnet20 training step, batch ${batch}`,
    value: step.ms,
    unit: "ms",
    timing: step,
    note: "forward + backward + ovsw() step; the baseline of the rows below",
  });
  const cases: [string, GradientTransformation][] = [
    ["ovsw() step (AGS + SAD + SGD)", tx],
    ["vanilla() step (SGD)", vanilla({ learningRate: 1e-4 })],
  ];
  for (const [name, opt] of cases) {
    let s = opt === tx ? state : opt.init(params);
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
  }
  for (const g of Object.values(grads)) g.dispose();
  x.dispose();
  y.dispose();
  model.dispose();
}
