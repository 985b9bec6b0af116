import assert from "node:assert/strict";
import { memory, Tensor, tidy } from "@ovsw/gpu";
import type { ParamTag } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { freshSeed, setupGpu } from "../tests/util.ts";
import {
  adam,
  chain,
  disposeState,
  type GradientTransformation,
  optimizerStep,
  ovsw,
  type Params,
  restoreState,
  serializeState,
  sgd,
} from "./mod.ts";

await setupGpu();

const LAYOUT: [string, number[], ParamTag][] = [
  ["conv.weight", [6, 3, 3, 3], "binary"],
  ["bn.weight", [6], "vector"],
  ["fc.weight", [4, 6], "float"],
];

function makeParams(rng: Prng): Params {
  const p: Params = {};
  for (const [k, shape, tag] of LAYOUT) {
    p[k] = Tensor.from(rng.normalArray(shape.reduce((a, d) => a * d, 1), 0, 0.1), shape);
    p[k].tag = tag;
  }
  return p;
}

function grads(rng: Prng): Record<string, Tensor> {
  const g: Record<string, Tensor> = {};
  for (const [k, shape] of LAYOUT) {
    g[k] = Tensor.from(rng.normalArray(shape.reduce((a, d) => a * d, 1), 0, 0.05), shape);
  }
  return g;
}

async function readAll(p: Params): Promise<Float32Array[]> {
  return await Promise.all(Object.values(p).map((t) => t.read()));
}

async function roundTrip(makeTx: () => GradientTransformation, viaJson: boolean) {
  const seed = freshSeed();
  // Run A: 6 steps straight.
  const rngA = new Prng(seed);
  const pa = makeParams(rngA);
  const txA = makeTx();
  let sa = txA.init(pa);
  for (let s = 0; s < 6; s++) tidy(() => void (sa = optimizerStep(txA, sa, pa, grads(rngA))));
  // Run B: 3 steps, serialise, throw the state away, restore into a fresh optimizer, 3 more.
  const rngB = new Prng(seed);
  const pb = makeParams(rngB);
  const txB = makeTx();
  let sb = txB.init(pb);
  for (let s = 0; s < 3; s++) tidy(() => void (sb = optimizerStep(txB, sb, pb, grads(rngB))));
  let plain = await serializeState(sb);
  if (viaJson) {
    const text = JSON.stringify(
      plain,
      (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v),
    );
    plain = JSON.parse(text);
  }
  disposeState(sb);
  const txC = makeTx();
  const fresh = txC.init(pb);
  let sc = restoreState(plain, fresh);
  disposeState(fresh);
  for (let s = 0; s < 3; s++) tidy(() => void (sc = optimizerStep(txC, sc, pb, grads(rngB))));
  const [a, b] = [await readAll(pa), await readAll(pb)];
  a.forEach((x, i) =>
    assert.deepEqual(b[i], x, `seed ${seed}: ${LAYOUT[i][0]} differs after restore`)
  );
  for (const t of [...Object.values(pa), ...Object.values(pb)]) t.dispose();
  disposeState(sa);
  disposeState(sc);
}

Deno.test("state round trip mid-run gives identical later steps (ovsw, via typed arrays)", async () => {
  const live = memory().tensors;
  await roundTrip(
    () =>
      ovsw({
        learningRate: (s) => 0.1 / (1 + s),
        delta: 0.5,
        dampenWeight: 0.05,
        trackMomentum: 0.9,
        threshold: 0.05,
      }),
    false,
  );
  assert.equal(memory().tensors, live, "every state tensor is disposed");
});

Deno.test("state round trip via JSON (adam + sgd partition-free chain)", async () => {
  await roundTrip(() => chain(adam({ learningRate: 1e-2 })), true);
  await roundTrip(() => sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }), true);
});

Deno.test("restoreState: clear errors on a mismatched checkpoint", async () => {
  const p = makeParams(new Prng(1));
  const tx = ovsw({ learningRate: 0.1 });
  const state = tx.init(p);
  const plain = await serializeState(state);
  const other = { ...p, "conv.weight": Tensor.zeros([8, 3, 3, 3]) };
  other["conv.weight"].tag = "binary";
  const like = tx.init(other);
  assert.throws(
    () => restoreState(plain, like),
    /\[0\]\.ratio\.conv\.weight has f32 \[6\], the optimizer expects f32 \[8\]/,
  );
  assert.throws(() => restoreState(plain, sgd({ learningRate: 1 }).init(p)), /should be an object/);
  assert.throws(
    () => restoreState({ t: { "@tensor": true, dtype: "f32", shape: [3], data: [1] } }),
    /t has 1 values for shape \[3\]/,
  );
  disposeState(state);
  disposeState(like);
});
