import assert from "node:assert/strict";

import { Prng } from "@ovsw/init";
import { Tensor } from "@ovsw/gpu";
import { assertClose, assertThrowsAll, freshSeed, setupGpu } from "../../tests/util.ts";
import { arr } from "../../tests/reference/dense.ts";
import { withEdges } from "../../tests/reference/methods/rand.ts";
import {
  assertOutputAndInputGrad,
  checkFixtureCase,
  type FixtureCase,
  randomConvOutputGrad,
  readFixture,
  runLayer,
} from "../../tests/reference/methods/harness.ts";
import { recuConvRef } from "../../tests/reference/methods/recu.ts";
import { Sequential } from "../sequential.ts";
import { makeRecuEpochHook, rectifiedClamp, RecuConv2d, recuEpochHook, recuTau } from "./recu.ts";

await setupGpu();

const cases = [
  { stride: 1, padding: 1, tau: 0.85, training: true },
  { stride: 2, padding: 0, tau: 0.85, training: false },
  { stride: 1, padding: 0, tau: 1, training: true },
  { stride: 1, padding: 1, tau: 0.97, training: false },
];
for (const c of cases) {
  Deno.test(`RecuConv2d: ${JSON.stringify(c)}`, async () => {
    const seed = freshSeed();
    const rng = new Prng(seed);
    const [N, C, H, W, O, K] = [2, 3, 5, 6, 4, 3];
    const ws = [O, C, K, K];
    const wd = withEdges(O * C * K * K, rng, 0.3, [0.05]); // ties with the mean are rare
    const conv = new RecuConv2d(C, O, K, { ...c, init: () => wd, rng });
    conv.tau = c.tau;
    if (!c.training) conv.eval();
    const ad = await conv.alpha.read();
    assert.ok(ad.every((v) => v >= 0 && v < 1), "α init uniform [0, 1)");
    const xd = withEdges(N * C * H * W, rng, c.training ? 3 : 0.7, [-1, 1, 0.5]);
    const gyd = randomConvOutputGrad(rng, [N, O, H, W], K, c);
    const got = await runLayer((x) => conv.forward(x), xd, [N, C, H, W], gyd, [
      conv.weight,
      conv.alpha,
    ]);
    const ref = recuConvRef(arr(xd, [N, C, H, W]), arr(wd, ws), ad, c, c, gyd);
    const what = `seed ${seed}`;
    if (c.tau < 0.9) assert.ok(ref.clamped > 0.1, `clamp active (${ref.clamped}) ${what}`);
    if (c.tau === 1) assert.equal(ref.clamped, 0);
    assertOutputAndInputGrad(got, ref, what);
    assertClose(got.grads[0], ref.gw, 2e-4, `dL/dW ${what}`);
    assertClose(got.grads[1], ref.galpha, 1e-4, `dL/dalpha ${what}`);
  });
}

Deno.test("RecuConv2d: train and eval give the same output, different input gradients", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const conv = new RecuConv2d(2, 3, 3, { padding: 1, rng });
  conv.tau = 0.9;
  const xd = rng.normalArray(2 * 2 * 4 * 4, 0, 2);
  const gyd = rng.normalArray(2 * 3 * 4 * 4);
  const train = await runLayer((x) => conv.forward(x), xd, [2, 2, 4, 4], gyd, []);
  conv.eval();
  const evalRun = await runLayer((x) => conv.forward(x), xd, [2, 2, 4, 4], gyd, []);
  assertClose(evalRun.y, train.y, 0, `y seed ${seed}`);
  assert.notDeepEqual(evalRun.gx, train.gx);
});

Deno.test("recuTau: per-epoch values (0.85 at 0, 0.9889 at 199 of 200), hook sets every layer", () => {
  const E = 200;
  for (const e of [0, 1, 100, 199]) {
    const A = (0.99 - 0.85) / (Math.E - 1);
    assertClose([recuTau(e, E)], [A * Math.exp(e / E) + 0.85 - A], 1e-6, `τ(${e})`);
  }
  assertClose([recuTau(0, E)], [0.85], 1e-7, "τ(0)");
  assertClose([recuTau(199, E)], [0.9889], 1e-4, "τ(199)");
  const a = new RecuConv2d(2, 2, 1);
  const b = new RecuConv2d(2, 2, 1);
  const model = new Sequential(a, new Sequential(b));
  recuEpochHook(model, 50, E);
  assert.equal(a.tau, recuTau(50, E));
  assert.equal(b.tau, recuTau(50, E));
  makeRecuEpochHook({ tauMin: 0.5, tauMax: 0.6 })(model, 0, 10);
  assertClose([b.tau], [0.5], 1e-7, "custom τmin");
  assertThrowsAll([[() => recuTau(3, 3), "recuTau: epoch must be an integer in [0, 3)"]]);
});

interface RecuFixtureCase extends FixtureCase {
  stride: number;
  padding: number;
  tau: number;
  training: boolean;
  w: number[];
  alpha: number[];
  gw: number[];
  galpha: number[];
}

const fixture = await readFixture<{
  cases: RecuFixtureCase[];
  schedule: {
    tauMin: number;
    tauMax: number;
    epochs: number;
    values: { epoch: number; tau: number }[];
  };
}>("recu");

Deno.test("RecuConv2d matches the official BinarizeConv2d (tests/fixtures/methods/recu.json)", async () => {
  for (const c of fixture.cases) {
    const conv = new RecuConv2d(c.x_shape[1], 4, 3, {
      stride: c.stride,
      padding: c.padding,
      init: () => Float32Array.from(c.w),
    });
    conv.setTensor("alpha", Tensor.from(Float32Array.from(c.alpha), [4]));
    conv.tau = c.tau;
    if (!c.training) conv.eval();
    await checkFixtureCase((x) => conv.forward(x), c, [
      [conv.weight, c.gw, "dL/dW"],
      [conv.alpha, c.galpha, "dL/dalpha"],
    ], `τ ${c.tau} ${c.training ? "train" : "eval"}`);
  }
});

Deno.test("recuTau matches the official cpt_tau (fixture)", () => {
  const s = fixture.schedule;
  for (const v of s.values) {
    assert.equal(recuTau(v.epoch, s.epochs, s), v.tau, `epoch ${v.epoch}`);
  }
});

Deno.test("rectifiedClamp at |w1| = Q_τ exactly: value kept, gradient 1 (inclusive); just outside: 0", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const tau = 0.85;
  const n = 40;
  const w1 = rng.normalArray(n);
  w1[0] = 50; // a tail weight: its output is Q_τ itself
  // Put w1[1] = Q and w1[2] = −Q; they move mean|w1| and so Q, so iterate to the fixed point.
  let q = 0;
  for (let it = 0; it < 50; it++) {
    const y = await runLayer((x) => rectifiedClamp(x, tau), w1, [n], new Float32Array(n), []);
    q = y.y[0];
    if (w1[1] === q && w1[2] === -q) break;
    [w1[1], w1[2]] = [q, -q];
  }
  assert.ok(w1[1] === q && w1[2] === -q, `no exact fixed point for Q (seed ${seed})`);
  const g = rng.normalArray(n);
  const at = await runLayer((x) => rectifiedClamp(x, tau), w1, [n], g, []);
  assert.equal(at.y[1], q);
  assert.equal(at.y[2], -q);
  assert.equal(at.y[0], q);
  assert.deepEqual(
    [at.gx[0], at.gx[1], at.gx[2]],
    [0, g[1], g[2]],
    `boundary grads (seed ${seed})`,
  );
  // One ulp outside (Q moves by far less than an ulp): clamped, no gradient.
  const out = Float32Array.from(w1);
  out[1] = Math.fround(q * (1 + 2 ** -22));
  const past = await runLayer((x) => rectifiedClamp(x, tau), out, [n], g, []);
  assert.equal(past.y[0], past.y[1], `clamped to Q (seed ${seed})`);
  assert.equal(past.gx[1], 0);
});
