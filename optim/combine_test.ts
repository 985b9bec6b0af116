import assert from "node:assert/strict";
import { memory, Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../tests/util.ts";
import {
  and,
  chain,
  hasTag,
  isBinary,
  isFloat,
  isVector,
  masked,
  nameMatches,
  not,
  or,
  type Params,
  partition,
  scaleByLearningRate,
  sgd,
} from "./mod.ts";

await setupGpu();

function params(): Params {
  const p: Params = {
    "conv.weight": Tensor.from([1, 2, 3, 4], [1, 1, 2, 2]),
    "fc.weight": Tensor.from([1, 2], [1, 2]),
    "bn.bias": Tensor.from([1], [1]),
  };
  p["conv.weight"].tag = "binary";
  p["fc.weight"].tag = "float";
  p["bn.bias"].tag = "vector";
  return p;
}

Deno.test("selectors by tag and name", () => {
  const p = params();
  const pick = (s: (n: string, t: Tensor) => boolean) => Object.keys(p).filter((k) => s(k, p[k]));
  assert.deepEqual(pick(isBinary), ["conv.weight"]);
  assert.deepEqual(pick(isFloat), ["fc.weight"]);
  assert.deepEqual(pick(isVector), ["bn.bias"]);
  assert.deepEqual(pick(not(isVector)), ["conv.weight", "fc.weight"]);
  assert.deepEqual(pick(hasTag("binary", "vector")), ["conv.weight", "bn.bias"]);
  assert.deepEqual(pick(and(not(isBinary), nameMatches(/weight$/))), ["fc.weight"]);
  assert.deepEqual(pick(or(isBinary, nameMatches(["bn.bias"]))), ["conv.weight", "bn.bias"]);
  assert.equal(isVector("x", Tensor.zeros([3])), true, "untagged 1-D");
  assert.equal(isFloat("x", Tensor.zeros([3, 3])), true, "untagged 2-D");
});

Deno.test("masked and partition route updates; chain frees intermediates", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const p = params();
  const g = Object.fromEntries(
    Object.entries(p).map(([k, t]) => [k, Tensor.from(rng.normalArray(t.size), t.shape)]),
  );
  const gData = Object.fromEntries(
    await Promise.all(
      Object.entries(g).map(async ([k, t]) => [k, await t.read()] as const),
    ),
  );
  const tx = chain(
    masked(scaleByLearningRate(2, { flipSign: false }), isBinary),
    partition(
      { weights: scaleByLearningRate(0.5), vectors: scaleByLearningRate(0.25) },
      (k, t) => (isVector(k, t) ? "vectors" : "weights"),
    ),
  );
  const state = tx.init(p);
  const before = memory().tensors;
  const out = tidy(() => {
    const r = tx.update({ ...g, unused: null }, state, p);
    // Only the final updates are alive inside the scope besides the inputs.
    assert.equal(memory().tensors, before + 3);
    return r.updates;
  });
  assertClose(await out["conv.weight"].read(), gData["conv.weight"].map((x) => -x), 1e-6, "binary");
  assertClose(
    await out["fc.weight"].read(),
    gData["fc.weight"].map((x) => -0.5 * x),
    1e-6,
    "float",
  );
  assertClose(await out["bn.bias"].read(), gData["bn.bias"].map((x) => -0.25 * x), 1e-6, "vector");
  assert.throws(
    () => partition({ a: sgd({ learningRate: 1 }) }, () => "b").init(p),
    /got label "b", which has no transform/,
  );
});
