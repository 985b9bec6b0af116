import assert from "node:assert/strict";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../../tests/util.ts";
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
import { hardBinaryConvRef } from "../../tests/reference/methods/hard_binary.ts";
import { HardBinaryConv2d } from "./hard_binary.ts";

await setupGpu();

for (const [stride, padding, binarizeInput] of [[1, 1, true], [2, 0, false]] as const) {
  Deno.test(`HardBinaryConv2d: stride ${stride}, padding ${padding}, ApproxSign input ${binarizeInput}`, async () => {
    const seed = freshSeed();
    const rng = new Prng(seed);
    const [N, C, H, W, O, K] = [2, 3, 5, 6, 4, 3];
    const ws = [O, C, K, K];
    const wd = withEdges(O * C * K * K, rng, 0.8); // zeros, ±1 (inside the inclusive window), tails
    const conv = new HardBinaryConv2d(C, O, K, { stride, padding, binarizeInput, init: () => wd });
    const xd = withEdges(N * C * H * W, rng, 0.8, [-1, -0.5, 0.5, 1]);
    const gyd = randomConvOutputGrad(rng, [N, O, H, W], K, { stride, padding });
    const got = await runLayer((x) => conv.forward(x), xd, [N, C, H, W], gyd, [conv.weight]);
    const ref = hardBinaryConvRef(arr(xd, [N, C, H, W]), arr(wd, ws), binarizeInput, {
      stride,
      padding,
    }, gyd);
    const what = `seed ${seed}`;
    assertOutputAndInputGrad(got, ref, what);
    assertClose(got.grads[0], ref.gw, 1e-4, `dL/dW ${what}`);
  });
}

Deno.test("HardBinaryConv2d: default init is rand·0.001 (all in [0, 0.001))", async () => {
  const w = await new HardBinaryConv2d(3, 4, 3).weight.read();
  assert.ok(w.every((v) => v >= 0 && v < 0.001), "init range");
  assert.ok(new Set(w).size > 1, "not constant");
});

interface HardBinaryFixtureCase extends FixtureCase {
  code: string;
  stride: number;
  padding: number;
  binarizeInput: boolean;
  w: number[];
  gw: number[];
}

const fixture = await readFixture<{ cases: HardBinaryFixtureCase[] }>("hard_binary");

Deno.test("HardBinaryConv2d matches the official Bi-Real and ReActNet code (tests/fixtures/methods/hard_binary.json)", async () => {
  for (const c of fixture.cases) {
    const conv = new HardBinaryConv2d(c.x_shape[1], 4, 3, {
      stride: c.stride,
      padding: c.padding,
      binarizeInput: c.binarizeInput,
      init: () => Float32Array.from(c.w),
    });
    await checkFixtureCase(
      (x) => conv.forward(x),
      c,
      [[conv.weight, c.gw, "dL/dW"]],
      `${c.code} stride ${c.stride}`,
    );
  }
});
