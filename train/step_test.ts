import assert from "node:assert/strict";
import { backward, initGpu, memory, mul, softmaxCrossEntropy, sum, Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { FlipCollector, TrainingMetrics } from "@ovsw/metrics";
import { createModel } from "@ovsw/models";
import { optimizerStep, ovsw, sgd } from "@ovsw/optim";
import { evaluate, trainStep, valueAndGrad } from "./mod.ts";

await initGpu();

function batch(seed: number, n = 4) {
  const rng = new Prng(seed);
  return {
    x: Tensor.from(rng.normalArray(n * 28 * 28), [n, 1, 28, 28]),
    y: Tensor.from(Uint32Array.from({ length: n }, () => rng.int(10)), [n], "u32"),
    size: n,
  };
}

Deno.test("valueAndGrad returns the loss, aux values and every gradient by name", async () => {
  const w = Tensor.from([1, -2, 3], [3]);
  w.requiresGrad = true;
  const v = Tensor.from([0.5], [1]);
  v.requiresGrad = true;
  const out = tidy(() => {
    const r = valueAndGrad(() => ({ loss: sum(mul(w, w)), tag: "aux" }), { w, v });
    return { g: r.grads.w!, none: r.grads.v, loss: r.loss, tag: r.tag };
  });
  assert.deepEqual(Array.from(await out.g.read()), [2, -4, 6]);
  assert.equal(out.none, null);
  assert.equal((await out.loss.read())[0], 14);
  assert.equal(out.tag, "aux");
  for (const t of [w, v, out.g, out.loss]) t.dispose();
});

Deno.test("trainStep equals the hand-written step (forward, backward, update) bit for bit", async () => {
  const make = () => createModel("vgg-small-28", { classes: 10, seed: 3 }).train();
  const a = make();
  const b = make();
  const b0 = batch(1);
  const txA = ovsw({ learningRate: 0.05 });
  const txB = ovsw({ learningRate: 0.05 });
  let sa = txA.init(a.paramRecord());
  let sb = txB.init(b.paramRecord());
  for (let i = 0; i < 2; i++) {
    sa = trainStep(a, txA, sa, b0);
    const params = b.paramRecord();
    sb = tidy(() => {
      const loss = softmaxCrossEntropy(b.forward(b0.x), b0.y);
      const names = Object.keys(params);
      const g = backward(loss, names.map((n) => params[n]));
      const rec: Record<string, Tensor | null> = {};
      names.forEach((n, j) => (rec[n] = g[j]));
      return optimizerStep(txB, sb, params, rec);
    });
  }
  const pa = a.paramRecord();
  const pb = b.paramRecord();
  for (const name of Object.keys(pa)) {
    assert.deepEqual(await pa[name].read(), await pb[name].read(), name);
  }
  a.dispose();
  b.dispose();
  b0.x.dispose();
  b0.y.dispose();
});

Deno.test("trainStep feeds the collector and metrics, leaks nothing, and evaluate restores the mode", async () => {
  const model = createModel("vgg-small-28", { classes: 10, seed: 0 }).train();
  const params = model.paramRecord();
  const tx = sgd({ learningRate: 0.1, momentum: 0.9 });
  let state = tx.init(params);
  const collector = new FlipCollector(params);
  const metrics = new TrainingMetrics({ logEvery: 3 });
  const b0 = batch(2);
  state = trainStep(model, tx, state, b0, { params, collector, metrics });
  const before = memory().tensors;
  for (let i = 0; i < 3; i++) {
    state = trainStep(model, tx, state, b0, { params, collector, metrics });
  }
  assert.equal(memory().tensors, before);
  const row = await metrics.log({ epoch: 1 });
  assert.equal(row.samples, 16);
  assert.ok(Number.isFinite(row.loss!));
  assert.equal((await collector.report()).steps, 4);
  const test = await evaluate(model, [b0, batch(5)], { epoch: 1, step: 4 });
  assert.equal(test.kind, "test");
  assert.equal(test.samples, 8);
  assert.equal(model.training, true);
  metrics.dispose();
  collector.dispose();
  model.dispose();
});
