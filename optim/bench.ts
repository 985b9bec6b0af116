/**
 * Optimizer-step cost for cResNet20-sized parameters, next to one full training step.
 *
 * Run: `deno bench --allow-read --allow-env optim/bench.ts`. Each optimizer case records 10
 * steps and then waits for the GPU once (one wait costs ≥ 11 ms on Deno, so single steps would
 * measure the wait); divide by 10 and compare with the training step (batch 32, forward +
 * backward + `ovsw()` step).
 *
 * @module
 */
import { backward, initGpu, noGrad, softmaxCrossEntropy, sync, Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { createModel } from "@ovsw/models";
import { type GradientTransformation, optimizerStep, ovsw, type Params, vanilla } from "./mod.ts";

await initGpu();

const BATCH = 32;
const STEPS = 10;
const model = createModel("cresnet20", { classes: 10, seed: 1 });
model.train();
const params: Params = model.paramRecord();
const rng = new Prng(7);
const grads: Record<string, Tensor> = {};
for (const [name, p] of Object.entries(params)) {
  grads[name] = Tensor.from(rng.normalArray(p.size, 0, 1e-3), p.shape);
}
const x = Tensor.from(rng.normalArray(BATCH * 3 * 32 * 32), [BATCH, 3, 32, 32]);
const labels = Tensor.from(Uint32Array.from({ length: BATCH }, () => rng.int(10)), [BATCH], "u32");

function optimizerCase(name: string, tx: GradientTransformation): void {
  let state = tx.init(params);
  Deno.bench({
    name: `${name}: ${STEPS} optimizer steps, cresnet20 params`,
    group: "optimizer",
    n: 20,
    warmup: 2,
    async fn() {
      for (let s = 0; s < STEPS; s++) state = optimizerStep(tx, state, params, grads);
      await sync();
    },
  });
}

optimizerCase("ovsw()", ovsw({ learningRate: 1e-4 }));
optimizerCase("vanilla()", vanilla({ learningRate: 1e-4 }));

const trainTx = ovsw({ learningRate: 1e-4 });
let trainState = trainTx.init(params);
const names = Object.keys(params);
const list = Object.values(params);
Deno.bench({
  name: `training step (batch ${BATCH}): forward, backward, ovsw() step`,
  group: "optimizer",
  baseline: true,
  n: 3,
  warmup: 1,
  async fn() {
    tidy(() => {
      const loss = softmaxCrossEntropy(model.forward(x), labels);
      const g = backward(loss, list);
      const record: Record<string, Tensor | null> = {};
      names.forEach((name, i) => (record[name] = g[i]));
      trainState = noGrad(() => optimizerStep(trainTx, trainState, params, record));
    });
    await sync();
  },
});
