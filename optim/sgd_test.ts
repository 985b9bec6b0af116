import assert from "node:assert/strict";
import { Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../tests/util.ts";
import { sgdRef, type SgdRefState } from "../tests/reference/optim.ts";
import {
  addDecayedWeights,
  applyUpdates,
  chain,
  type GradientTransformation,
  isVector,
  not,
  optimizerStep,
  type Params,
  scaleByLearningRate,
  sgd,
  trace,
} from "./mod.ts";

await setupGpu();

function setup(rng: Prng): { params: Params; data: Record<string, Float32Array> } {
  const data = { w: rng.normalArray(30, 0, 0.2), b: rng.normalArray(5, 0, 0.2) };
  const params = { w: Tensor.from(data.w, [6, 5]), b: Tensor.from(data.b, [5]) };
  params.w.tag = "float";
  params.b.tag = "vector";
  return { params, data };
}

async function run(tx: GradientTransformation, seed: number, steps: number, skipB = -1) {
  const rng = new Prng(seed);
  const { params } = setup(rng);
  const state = tx.init(params);
  for (let s = 0; s < steps; s++) {
    const gw = Tensor.from(rng.normalArray(30), [6, 5]);
    const gb = Tensor.from(rng.normalArray(5), [5]);
    optimizerStep(tx, state, params, { w: gw, b: s === skipB ? null : gb });
  }
  return { w: await params.w.read(), b: await params.b.read() };
}

Deno.test("sgd: fused kernel = chain(addDecayedWeights, trace, scaleByLearningRate) = float64", async () => {
  const seed = freshSeed();
  const lr = (s: number) => 0.1 / (1 + s);
  for (const nesterov of [false, true]) {
    const fused = await run(
      sgd({ learningRate: lr, momentum: 0.9, weightDecay: 1e-2, nesterov }),
      seed,
      5,
      2,
    );
    const parts = await run(
      chain(addDecayedWeights(1e-2), trace({ momentum: 0.9, nesterov }), scaleByLearningRate(lr)),
      seed,
      5,
      2,
    );
    assertClose(parts.w, fused.w, 1e-6, `seed ${seed} chain vs fused (nesterov ${nesterov})`);
    assertClose(parts.b, fused.b, 1e-6, `seed ${seed} chain vs fused b`);
    // float64 PyTorch SGD; "b" gets no gradient at step 2 (skipped, as torch skips grad=None).
    const rng = new Prng(seed);
    const { data } = setup(rng);
    const w = Float64Array.from(data.w);
    const b = Float64Array.from(data.b);
    let bw: SgdRefState = null;
    let bb: SgdRefState = null;
    for (let s = 0; s < 5; s++) {
      const gw = rng.normalArray(30);
      const gb = rng.normalArray(5);
      const o = { lr: lr(s), momentum: 0.9, wd: 1e-2, nesterov };
      bw = sgdRef(w, gw, bw, o);
      if (s !== 2) bb = sgdRef(b, gb, bb, o);
    }
    assertClose(fused.w, w, 1e-5, `seed ${seed} fused vs float64 w`);
    assertClose(fused.b, b, 1e-5, `seed ${seed} fused vs float64 b`);
  }
});

Deno.test("sgd: no momentum, decay mask, momentum schedule", async () => {
  const seed = freshSeed();
  const plain = await run(
    sgd({ learningRate: 0.5, weightDecay: 0.1, weightDecayMask: not(isVector) }),
    seed,
    3,
  );
  const rng = new Prng(seed);
  const { data } = setup(rng);
  const w = Float64Array.from(data.w);
  const b = Float64Array.from(data.b);
  for (let s = 0; s < 3; s++) {
    sgdRef(w, rng.normalArray(30), null, { lr: 0.5, momentum: 0, wd: 0.1 });
    sgdRef(b, rng.normalArray(5), null, { lr: 0.5, momentum: 0, wd: 0 });
  }
  assertClose(plain.w, w, 1e-5, `seed ${seed} plain sgd w`);
  assertClose(plain.b, b, 1e-5, `seed ${seed} plain sgd b (no decay)`);
  const sched = await run(sgd({ learningRate: 0.1, momentum: (s) => (s < 2 ? 0 : 0.9) }), seed, 4);
  assert.ok(sched.w.every(Number.isFinite));
  assert.throws(() => sgd({ learningRate: 0.1, nesterov: true }), /nesterov needs/);
  assert.throws(() => sgd({ learningRate: 0.1, momentum: -1 }), /momentum must be/);
});

Deno.test("applyUpdates: in place, checks names and shapes", async () => {
  const p = { a: Tensor.from([1, 2, 3], [3]) };
  const id = p.a.id;
  tidy(() => applyUpdates(p, { a: Tensor.from([1, 1, 1], [3]) }));
  assert.equal(p.a.id, id);
  assert.deepEqual(Array.from(await p.a.read()), [2, 3, 4]);
  assert.throws(() => applyUpdates(p, { b: Tensor.zeros([3]) }), /"b", which is not in params/);
  assert.throws(
    () => applyUpdates(p, { a: Tensor.zeros([4]) }),
    /shape \[4\], parameter has \[3\]/,
  );
});
