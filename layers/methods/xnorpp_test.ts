import assert from "node:assert/strict";
import { Tensor } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../../tests/util.ts";
import { arr, convOutSize } from "../../tests/reference/dense.ts";
import { withEdges } from "../../tests/reference/methods/rand.ts";
import { runLayer } from "../../tests/reference/methods/harness.ts";
import { xnorPlusPlusConvRef } from "../../tests/reference/methods/xnorpp.ts";
import { XnorPlusPlusConv2d } from "./xnorpp.ts";

await setupGpu();

for (const [stride, padding, bias] of [[1, 1, true], [2, 0, false]] as const) {
  Deno.test(`XnorPlusPlusConv2d: stride ${stride}, padding ${padding}, bias ${bias}`, async () => {
    const seed = freshSeed();
    const rng = new Prng(seed);
    const [N, C, H, W, O, K] = [2, 3, 5, 6, 4, 3];
    const ws = [O, C, K, K];
    const wd = rng.normalArray(O * C * K * K, 0, 0.9); // some |Wc| ≥ 1: outside the window
    const conv = new XnorPlusPlusConv2d(C, O, K, { stride, padding, bias, init: () => wd });
    const ad = rng.uniformArray(O, 0.5, 1.5);
    const bd = rng.normalArray(O);
    conv.setTensor("alpha", Tensor.from(ad, [O]));
    if (bias) conv.setTensor("bias", Tensor.from(bd, [O]));
    const xd = withEdges(N * C * H * W, rng, 1.2);
    const OH = convOutSize(H, K, stride, padding);
    const OW = convOutSize(W, K, stride, padding);
    const gyd = rng.normalArray(N * O * OH * OW);
    const wrt = [conv.weight, conv.alpha, ...(conv.bias ? [conv.bias] : [])];
    const got = await runLayer((x) => conv.forward(x), xd, [N, C, H, W], gyd, wrt);
    const ref = xnorPlusPlusConvRef(
      arr(xd, [N, C, H, W]),
      arr(wd, ws),
      ad,
      bias ? bd : undefined,
      { stride, padding },
      gyd,
    );
    const what = `seed ${seed}`;
    assert.deepEqual(got.shape, ref.y.shape);
    assertClose(got.y, ref.y.data, 1e-4, `y ${what}`);
    assertClose(got.gx, ref.gx, 1e-4, `dL/dx ${what}`);
    assertClose(got.grads[0], ref.gw, 1e-4, `dL/dW ${what}`);
    assertClose(got.grads[1], ref.galpha, 1e-4, `dL/dalpha ${what}`);
    if (bias) assertClose(got.grads[2], ref.gbias, 1e-4, `dL/dbias ${what}`);
    assertClose(await conv.weight.read(), wd, 0, `W untouched ${what}`);
  });
}

interface XnorPpFixtureCase {
  stride: number;
  padding: number;
  bias: boolean;
  x_shape: number[];
  x: number[];
  w: number[];
  b: number[] | null;
  alpha: number[];
  gy: number[];
  y: number[];
  gx: number[];
  gw: number[];
  gb: number[] | null;
  galpha: number[];
}

const fixture = JSON.parse(
  await Deno.readTextFile(new URL("../../tests/fixtures/methods/xnorpp.json", import.meta.url)),
) as { cases: XnorPpFixtureCase[] };

Deno.test("XnorPlusPlusConv2d matches the bnn library's step-1 Conv2d (tests/fixtures/methods/xnorpp.json)", async () => {
  for (const c of fixture.cases) {
    const conv = new XnorPlusPlusConv2d(c.x_shape[1], 4, 3, {
      stride: c.stride,
      padding: c.padding,
      bias: c.bias,
      init: () => Float32Array.from(c.w),
    });
    conv.setTensor("alpha", Tensor.from(Float32Array.from(c.alpha), [4]));
    if (c.b) conv.setTensor("bias", Tensor.from(Float32Array.from(c.b), [4]));
    const wrt = [conv.weight, conv.alpha, ...(conv.bias ? [conv.bias] : [])];
    const got = await runLayer(
      (x) => conv.forward(x),
      Float32Array.from(c.x),
      c.x_shape,
      Float32Array.from(c.gy),
      wrt,
    );
    const what = `stride ${c.stride}`;
    assertClose(got.y, c.y, 1e-4, `y ${what}`);
    assertClose(got.gx, c.gx, 1e-4, `dL/dx ${what}`);
    assertClose(got.grads[0], c.gw, 1e-4, `dL/dW ${what}`);
    assertClose(got.grads[1], c.galpha, 1e-4, `dL/dalpha ${what}`);
    if (c.gb) assertClose(got.grads[2], c.gb, 1e-4, `dL/dbias ${what}`);
  }
});
