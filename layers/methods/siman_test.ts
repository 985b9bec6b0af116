import assert from "node:assert/strict";
import { backward, mul, noGrad, sum, Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, assertThrowsAll, freshSeed, setupGpu } from "../../tests/util.ts";
import { assertExact } from "../../tests/reference/binary_conv.ts";
import {
  checkFixtureCase,
  type FixtureCase,
  readFixture,
} from "../../tests/reference/methods/harness.ts";
import {
  clipRef,
  medianMaskRef,
  percentileRef,
  simanConvRef,
} from "../../tests/reference/methods/siman.ts";
import { standardizeRef } from "../../tests/reference/methods/standardize.ts";
import { Sequential } from "../sequential.ts";
import {
  simanClipInPlace,
  SimanConv2d,
  simanEpochHook,
  simanMedianMask,
  simanPercent,
} from "./siman.ts";
import { selectKth } from "./_select.ts";

await setupGpu();

Deno.test("simanPercent: 15·(1 − e/E) per epoch, and the hook sets it", () => {
  for (let e = 0; e < 8; e++) {
    assertClose([simanPercent(e, 8)], [15 * (1 - e / 8)], 1e-12, `e ${e}`);
  }
  const conv = new SimanConv2d(1, 2, 1);
  assert.equal(conv.percent, 0);
  simanEpochHook(new Sequential(conv), 3, 8);
  assert.equal(conv.percent, 15 * (1 - 3 / 8));
  assertThrowsAll([[() => simanPercent(8, 8), "simanPercent"]]);
  conv.dispose();
});

Deno.test("selectKth: k-th smallest per segment with ties and zeros", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const [segs, n] = [3, 37];
  const v = rng.normalArray(segs * n).map((x) => Math.round(Math.abs(x) * 8) / 8); // ties, zeros
  const ks = [0, 5, 18, n - 1];
  const bits = await selectKth(Tensor.from(v, [segs, n]), segs, ks).readU32();
  const got = new Float32Array(Uint32Array.from(bits.filter((_, i) => i % 2 === 0)).buffer);
  const expect: number[] = [];
  for (let s = 0; s < segs; s++) {
    const sorted = Float32Array.from(v.slice(s * n, (s + 1) * n)).sort();
    for (const k of ks) expect.push(sorted[k]);
  }
  assertExact(got, expect, `selectKth (seed ${seed})`);
});

Deno.test("simanClipInPlace: centring + whole-layer numpy percentiles, same tensor", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  for (const percent of [0, 15, 7.3, 50]) {
    const w = rng.normalArray(4 * 27, 0.2, 1);
    const t = Tensor.from(w, [4, 3, 3, 3]);
    simanClipInPlace(t, percent);
    assertClose(await t.read(), clipRef(w, 4, percent), 1e-5, `p ${percent} (seed ${seed})`);
    t.dispose();
  }
  assertClose([percentileRef([1, 2, 3, 4, 10], 25)], [2], 0, "numpy percentile");
  assertThrowsAll([[() => simanClipInPlace(Tensor.zeros([2, 2]), 101), "simanClipInPlace"]]);
});

Deno.test("simanMedianMask: torch's lower median, odd and even rows", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  for (const k of [27, 18]) {
    const x = rng.normalArray(3 * k).map(Math.abs);
    const got = await simanMedianMask(Tensor.from(x, [3, k])).read();
    assertExact(got, medianMaskRef(x, 3), `K = ${k} (seed ${seed})`);
    for (let r = 0; r < 3; r++) {
      assert.equal(got.slice(r * k, (r + 1) * k).reduce((s, b) => s + b, 0), Math.floor(k / 2));
    }
  }
});

async function runLayer(conv: SimanConv2d, x: Float32Array, xShape: number[], g: Float32Array) {
  const out = tidy(() => {
    const xt = Tensor.from(x, xShape);
    xt.requiresGrad = true;
    const y = conv.forward(xt);
    const ps = conv.parameters();
    const grads = backward(sum(mul(y, Tensor.from(g, y.shape))), [xt, ...ps]);
    return [noGrad(() => y.view(y.shape)), ...grads.map((t) => t!)];
  });
  const [y, gx, gw, gAlpha] = await Promise.all(out.map((t) => t.read()));
  return { y, gx, gw, gAlpha };
}

Deno.test("SimanConv2d: in-place clip (train and eval), median B in train, stored B in eval", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const conv = new SimanConv2d(3, 4, 3, { padding: 1, rng: new Prng(seed) });
  assert.deepEqual(conv.namedParameters().map(([n, t]) => `${n}:${t.tag}`), [
    "weight:binary",
    "alpha:vector",
  ]);
  const w0 = await conv.weight.read();
  const b0 = await conv.namedBuffers()[0][1].read();
  assertExact(b0, Array.from(w0, (v) => (Math.sign(v) + 1) / 2), "B init");
  const weightTensor = conv.weight;
  const xShape = [2, 3, 4, 4];
  conv.percent = 10;
  for (const mode of ["train", "eval"] as const) {
    conv.train(mode === "train");
    const w = await conv.weight.read();
    const bStored = await conv.namedBuffers()[0][1].read();
    const alpha = await conv.namedParameters()[1][1].read();
    const clipped = clipRef(w, 4, 10);
    let x: Float32Array;
    do x = rng.normalArray(2 * 48, 0.1, 1.3); while (
      standardizeRef(x, 2, 1e-5).y.some((v) => Math.abs(v) < 1e-3)
    );
    const g = rng.normalArray(2 * 4 * 16);
    const ref = simanConvRef({
      x,
      xShape,
      w: clipped,
      wShape: [4, 3, 3, 3],
      alpha,
      b: bStored,
      training: mode === "train",
      stride: 1,
      padding: 1,
      g,
    });
    const got = await runLayer(conv, x, xShape, g);
    assert.equal(conv.weight, weightTensor, "the weight tensor keeps its identity");
    assertClose(
      await conv.weight.read(),
      clipped,
      1e-5,
      `${mode}: clipped in place (seed ${seed})`,
    );
    assertExact(await conv.namedBuffers()[0][1].read(), ref.B, `${mode}: B (seed ${seed})`);
    assertClose(got.y, ref.y, 1e-5, `${mode} y (seed ${seed})`);
    assertClose(got.gx, ref.gx, 1e-4, `${mode} grad x (seed ${seed})`);
    assertClose(got.gw, ref.gw, 1e-4, `${mode} grad w (seed ${seed})`);
    assertClose(got.gAlpha, ref.gAlpha, 1e-5, `${mode} grad α (seed ${seed})`);
  }
  conv.dispose();
});

interface SimanFixtureCase extends FixtureCase {
  in: number;
  out: number;
  stride: number;
  padding: number;
  percent: number;
  training: boolean;
  w: number[];
  b: number[];
  alpha: number[];
  gw: number[];
  galpha: number[];
  w_after: number[];
  b_after: number[];
}

const fixture = await readFixture<{ cases: SimanFixtureCase[] }>("siman");

Deno.test("SimanConv2d matches the official BinarizeConv2d (tests/fixtures/methods/siman.json)", async () => {
  for (const c of fixture.cases) {
    const what = `${c.in}→${c.out} s${c.stride} p=${c.percent} ${c.training ? "train" : "eval"}`;
    const conv = new SimanConv2d(c.in, c.out, 3, {
      stride: c.stride,
      padding: c.padding,
      init: () => Float32Array.from(c.w),
    });
    const k = c.w.length / c.out;
    conv.setTensor("alpha", Tensor.from(Float32Array.from(c.alpha), [c.out]));
    conv.setTensor("B", Tensor.from(Float32Array.from(c.b), [c.out, k]));
    conv.percent = c.percent;
    conv.train(c.training);
    const alpha = conv.paramRecord().alpha;
    await checkFixtureCase((x) => conv.forward(x), c, [
      [conv.weight, c.gw, "dL/dW"],
      [alpha, c.galpha, "dL/dα"],
    ], what);
    // The latent weight was clipped in place and B is the median mask (train) or unchanged.
    assertClose(await conv.weight.read(), c.w_after, 1e-5, `weight after the forward, ${what}`);
    const b = conv.namedBuffers().find(([n]) => n === "B")![1];
    assertExact(await b.read(), c.b_after, `B after the forward, ${what}`);
    conv.dispose();
  }
});
