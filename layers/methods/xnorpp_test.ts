import { Tensor } from "@ovsw/gpu";
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
import {
  xnorPlusPlusConvRef,
  xnorPlusPlusFactorisedRef,
} from "../../tests/reference/methods/xnorpp.ts";
import { XnorPlusPlusConv2d, XnorPlusPlusFactorisedConv2d } from "./xnorpp.ts";

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
    const gyd = randomConvOutputGrad(rng, [N, O, H, W], K, { stride, padding });
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
    assertOutputAndInputGrad(got, ref, what);
    assertClose(got.grads[0], ref.gw, 1e-4, `dL/dW ${what}`);
    assertClose(got.grads[1], ref.galpha, 1e-4, `dL/dalpha ${what}`);
    if (bias) assertClose(got.grads[2], ref.gbias, 1e-4, `dL/dbias ${what}`);
    assertClose(await conv.weight.read(), wd, 0, `W untouched ${what}`);
  });
}

interface XnorPpFixtureCase extends FixtureCase {
  stride: number;
  padding: number;
  bias: boolean;
  w: number[];
  b: number[] | null;
  alpha: number[];
  gw: number[];
  gb: number[] | null;
  galpha: number[];
}

const fixture = await readFixture<{ cases: XnorPpFixtureCase[] }>("xnorpp");

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
    await checkFixtureCase((x) => conv.forward(x), c, [
      [conv.weight, c.gw, "dL/dW"],
      [conv.alpha, c.galpha, "dL/dalpha"],
      [conv.bias, c.gb, "dL/dbias"],
    ], `stride ${c.stride}`);
  }
});

for (const [stride, padding] of [[1, 1], [2, 0]] as const) {
  Deno.test(`XnorPlusPlusFactorisedConv2d (BiBench): stride ${stride}, padding ${padding}`, async () => {
    const seed = freshSeed();
    const rng = new Prng(seed);
    const [N, C, H, W, O, K, M] = [2, 3, 5, 6, 4, 3, 9];
    const wd = withEdges(O * C * K * K, rng, 0.8);
    const conv = new XnorPlusPlusFactorisedConv2d(C, O, K, {
      stride,
      padding,
      maxSize: M,
      init: () => wd,
    });
    const scales = {
      o: rng.uniformArray(O, 0.5, 1.5),
      h: rng.uniformArray(M, 0.5, 1.5),
      w: rng.uniformArray(M, 0.5, 1.5),
    };
    conv.setTensor("o_scale", Tensor.from(scales.o, [O]));
    conv.setTensor("h_scale", Tensor.from(scales.h, [M]));
    conv.setTensor("w_scale", Tensor.from(scales.w, [M]));
    const xd = withEdges(N * C * H * W, rng, 0.8);
    const gyd = randomConvOutputGrad(rng, [N, O, H, W], K, { stride, padding });
    const got = await runLayer((x) => conv.forward(x), xd, [N, C, H, W], gyd, [
      conv.weight,
      ...conv.scales,
    ]);
    const ref = xnorPlusPlusFactorisedRef(arr(xd, [N, C, H, W]), arr(wd, [O, C, K, K]), scales, {
      stride,
      padding,
    }, gyd);
    const what = `seed ${seed}`;
    assertOutputAndInputGrad(got, ref, what);
    assertClose(got.grads[0], ref.gw, 1e-4, `dL/dW ${what}`);
    assertClose(got.grads[1], ref.go, 1e-4, `dL/do ${what}`);
    assertClose(got.grads[2], ref.gh, 1e-4, `dL/dh ${what}`);
    assertClose(got.grads[3], ref.gws, 1e-4, `dL/dw_scale ${what}`);
  });
}

interface BiBenchFixtureCase extends FixtureCase {
  stride: number;
  padding: number;
  w: number[];
  o: number[];
  h: number[];
  ws: number[];
  gw: number[];
  go: number[];
  gh: number[];
  gws: number[];
}

const bibench = await readFixture<{ cases: BiBenchFixtureCase[] }>("xnorpp_bibench");

Deno.test("XnorPlusPlusFactorisedConv2d matches BiBench's XNORPlusPlusConv2d (fixture)", async () => {
  for (const c of bibench.cases) {
    const conv = new XnorPlusPlusFactorisedConv2d(c.x_shape[1], 4, 3, {
      stride: c.stride,
      padding: c.padding,
      maxSize: c.h.length,
      init: () => Float32Array.from(c.w),
    });
    conv.setTensor("o_scale", Tensor.from(Float32Array.from(c.o), [4]));
    conv.setTensor("h_scale", Tensor.from(Float32Array.from(c.h), [c.h.length]));
    conv.setTensor("w_scale", Tensor.from(Float32Array.from(c.ws), [c.ws.length]));
    const [o, h, w] = conv.scales;
    await checkFixtureCase((x) => conv.forward(x), c, [
      [conv.weight, c.gw, "dL/dW"],
      [o, c.go, "dL/do"],
      [h, c.gh, "dL/dh"],
      [w, c.gws, "dL/dw_scale"],
    ], `stride ${c.stride}`);
  }
});
