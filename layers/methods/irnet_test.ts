import assert from "node:assert/strict";
import { Tensor } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
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
import { irnetConvRef, libraRef } from "../../tests/reference/methods/irnet.ts";
import { Sequential } from "../sequential.ts";
import {
  IrNetConv2d,
  irnetEpochHook,
  irnetKT,
  makeIrnetEpochHook,
  powerOfTwoScale,
} from "./irnet.ts";

await setupGpu();

const cases = [
  { stride: 1, padding: 1, bias: true, binarizeInput: true, k: 10, t: 0.1 },
  { stride: 2, padding: 0, bias: false, binarizeInput: true, k: 1, t: 3.5 },
  { stride: 1, padding: 1, bias: false, binarizeInput: false, k: 2, t: 0.5 },
];
for (const c of cases) {
  Deno.test(`IrNetConv2d: ${JSON.stringify(c)}`, async () => {
    const seed = freshSeed();
    const rng = new Prng(seed);
    const [N, C, H, W, O, K] = [2, 3, 5, 6, 4, 3];
    const ws = [O, C, K, K];
    const wd = rng.normalArray(O * C * K * K, 0.1, 0.5);
    for (let j = 0; j < 27; j++) wd[j] = j === 0 ? 20 : rng.normal() * 0.01; // heavy tail: sw 0.5
    const conv = new IrNetConv2d(C, O, K, { ...c, init: () => wd });
    conv.k = c.k;
    conv.t = c.t;
    const bd = rng.normalArray(O);
    if (c.bias) conv.setTensor("bias", Tensor.from(bd, [O]));
    const xd = withEdges(N * C * H * W, rng, 2);
    const gyd = randomConvOutputGrad(rng, [N, O, H, W], K, c);
    const wrt = [conv.weight, ...(conv.bias ? [conv.bias] : [])];
    const got = await runLayer((x) => conv.forward(x), xd, [N, C, H, W], gyd, wrt);
    const ref = irnetConvRef(
      arr(xd, [N, C, H, W]),
      arr(wd, ws),
      {
        ...c,
        bias: c.bias ? bd : undefined,
      },
      c,
      gyd,
    );
    const what = `seed ${seed}`;
    assert.equal(ref.sw[0], 0.5, "the heavy-tailed filter has sw = 0.5");
    assertOutputAndInputGrad(got, ref, what);
    assertClose(got.grads[0], ref.gw, 2e-4, `dL/dW ${what}`);
    if (c.bias) assertClose(got.grads[1], ref.gbias, 1e-4, `dL/dbias ${what}`);
  });
}

Deno.test("powerOfTwoScale: 2^round(log2 mean|bw|) per row", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const wd = rng.normalArray(5 * 8, 0, 1);
  for (let j = 0; j < 8; j++) wd[8 + j] = j === 0 ? 50 : 0; // one spike: mean|bw| small
  const { bw, sw } = libraRef(wd, [5, 8]);
  const t = Tensor.from(Float32Array.from(bw), [5, 8]);
  assertClose(await powerOfTwoScale(t).read(), sw, 0, `sw seed ${seed}`);
  assert.ok(sw[1] < 1);
});

Deno.test("irnetKT: per-epoch values of both trainers' schedules", () => {
  const E = 200;
  for (const [tMin, tMax] of [[0.1, 10], [1e-3, 10]]) {
    for (const e of [0, 1, 50, 100, 199]) {
      const lo = Math.log10(tMin);
      const t = 10 ** (lo + (Math.log10(tMax) - lo) * e / E);
      const got = irnetKT(e, E, { tMin, tMax });
      assertClose([got.t], [t], 1e-6, `t(${e}) ${tMin}`);
      assertClose([got.k], [t < 1 ? 1 / t : 1], 1e-6, `k(${e}) ${tMin}`);
    }
  }
  assert.deepEqual(irnetKT(0, 10), { k: Math.fround(1 / Math.fround(0.1)), t: Math.fround(0.1) });
  assert.deepEqual(irnetKT(5, 10), { k: 1, t: 1 });
  assertThrowsAll([
    [() => irnetKT(10, 10), "epoch must be an integer in [0, 10)"],
    [() => irnetKT(0, 0), "epochs must be a positive integer"],
    [() => irnetKT(0, 5, { tMin: 0 }), "tMin and tMax must be positive"],
  ]);
});

Deno.test("irnetEpochHook sets k, t on every IrNetConv2d of a model", () => {
  const a = new IrNetConv2d(2, 2, 1);
  const b = new IrNetConv2d(2, 2, 3, { padding: 1 });
  const model = new Sequential(a, new Sequential(b));
  irnetEpochHook(model, 3, 4);
  const want = irnetKT(3, 4);
  for (const conv of [a, b]) assert.deepEqual({ k: conv.k, t: conv.t }, want);
  makeIrnetEpochHook({ tMin: 1e-3 })(model, 0, 4);
  assert.equal(b.t, Math.fround(1e-3));
});

interface IrNetFixtureCase extends FixtureCase {
  variant: string;
  stride: number;
  padding: number;
  bias: boolean;
  k: number;
  t: number;
  w: number[];
  b: number[] | null;
  gw: number[];
  gb: number[] | null;
}

const fixture = await readFixture<{
  cases: IrNetFixtureCase[];
  schedules: {
    tMin: number;
    tMax: number;
    epochs: number;
    values: { epoch: number; t: number; k: number }[];
  }[];
}>("irnet");

Deno.test("IrNetConv2d matches the official IRConv2d (tests/fixtures/methods/irnet.json)", async () => {
  for (const c of fixture.cases) {
    const [, C] = c.x_shape;
    const conv = new IrNetConv2d(C, 4, 3, {
      stride: c.stride,
      padding: c.padding,
      bias: c.bias,
      binarizeInput: c.variant === "1w1a",
      init: () => Float32Array.from(c.w),
    });
    conv.k = c.k;
    conv.t = c.t;
    if (c.b) conv.setTensor("bias", Tensor.from(Float32Array.from(c.b), [4]));
    await checkFixtureCase((x) => conv.forward(x), c, [
      [conv.weight, c.gw, "dL/dW"],
      [conv.bias, c.gb, "dL/dbias"],
    ], `${c.variant} stride ${c.stride}`);
  }
});

Deno.test("irnetKT matches the official trainers' Log_UP and k rule (fixture)", () => {
  for (const s of fixture.schedules) {
    for (const v of s.values) {
      assert.deepEqual(
        irnetKT(v.epoch, s.epochs, { tMin: s.tMin, tMax: s.tMax }),
        { k: v.k, t: v.t },
        `epoch ${v.epoch} of ${s.epochs}, tMin ${s.tMin}`,
      );
    }
  }
});
