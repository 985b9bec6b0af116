import assert from "node:assert/strict";
import { backward, mul, sum, Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../../tests/util.ts";
import { arr, convOutSize } from "../../tests/reference/dense.ts";
import { withEdges } from "../../tests/reference/methods/rand.ts";
import {
  checkFixtureCase,
  type FixtureCase,
  readFixture,
} from "../../tests/reference/methods/harness.ts";
import {
  xnorCentreClampRef,
  xnorConvRef,
  xnorWeightRef,
} from "../../tests/reference/methods/xnor.ts";
import { XnorConv2d, xnorWeight } from "./xnor.ts";

await setupGpu();

function param(data: Float32Array, shape: number[]): Tensor {
  const t = Tensor.from(data, shape);
  t.requiresGrad = true;
  return t;
}

for (const [stride, padding, bias] of [[1, 1, true], [2, 0, false]] as const) {
  Deno.test(`XnorConv2d training step: stride ${stride}, padding ${padding}, bias ${bias}`, async () => {
    const seed = freshSeed();
    const rng = new Prng(seed);
    const [N, C, H, W, O, K] = [2, 3, 5, 6, 4, 3];
    const w0 = rng.normalArray(O * C * K * K, 0, 0.8); // some |W − mean| > 1 get clamped
    const conv = new XnorConv2d(C, O, K, { stride, padding, bias, init: () => w0 });
    const b0 = rng.normalArray(O);
    if (bias) conv.setTensor("bias", Tensor.from(b0, [O]));
    const xd = withEdges(N * C * H * W, rng, 1.2);
    const x = param(xd, [N, C, H, W]);
    const wc = xnorCentreClampRef(w0, [O, C, K, K]);
    const geom = { stride, padding };
    const OH = convOutSize(H, K, stride, padding);
    const OW = convOutSize(W, K, stride, padding);
    const gyd = rng.normalArray(N * O * OH * OW);
    const ref = xnorConvRef(
      arr(xd, [N, C, H, W]),
      arr(wc, [O, C, K, K]),
      bias ? b0 : undefined,
      geom,
      gyd,
    );
    const gy = Tensor.from(gyd, ref.y.shape);
    const params = [x, conv.weight, ...(conv.bias ? [conv.bias] : [])];
    const outs = tidy(() => {
      const y = conv.forward(x);
      return [y, ...backward(sum(mul(y, gy)), params).map((g) => g!)];
    });
    const what = `seed ${seed}`;
    assert.deepEqual(outs[0].shape, ref.y.shape);
    assertClose(await conv.weight.read(), wc, 1e-6, `centred W ${what}`);
    assertClose(await outs[0].read(), ref.y.data, 1e-4, `y ${what}`);
    assertClose(await outs[1].read(), ref.gx, 1e-4, `dL/dx ${what}`);
    assertClose(await outs[2].read(), ref.gw, 1e-4, `dL/dW ${what}`);
    if (bias) assertClose(await outs[3].read(), ref.gbias, 1e-4, `dL/dbias ${what}`);
    for (const t of [...outs, x, gy]) t.dispose();
  });
}

Deno.test("XnorConv2d: training recentres every forward, eval once per weight tensor", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const shape = [3, 4, 1, 1];
  const w0 = rng.normalArray(12, 0, 1.5);
  const conv = new XnorConv2d(4, 3, 1, { init: () => w0 });
  const x = Tensor.from(rng.normalArray(8), [2, 4, 1, 1]);
  const once = xnorCentreClampRef(w0, shape);
  const twice = xnorCentreClampRef(once, shape);
  tidy(() => conv.forward(x));
  assertClose(await conv.weight.read(), once, 1e-6, `after 1 training forward, seed ${seed}`);
  tidy(() => conv.forward(x));
  assertClose(await conv.weight.read(), twice, 1e-6, `after 2 training forwards, seed ${seed}`);
  conv.eval();
  tidy(() => conv.forward(x));
  const thrice = xnorCentreClampRef(twice, shape);
  assertClose(await conv.weight.read(), thrice, 1e-6, `first eval forward, seed ${seed}`);
  tidy(() => conv.forward(x));
  assertClose(await conv.weight.read(), thrice, 1e-6, `second eval forward, seed ${seed}`);
  conv.setTensor("weight", Tensor.from(w0, shape)); // an optimizer step replaces the tensor
  tidy(() => conv.forward(x));
  assertClose(await conv.weight.read(), once, 1e-6, `eval after a new weight, seed ${seed}`);
  x.dispose();
});

Deno.test("xnorWeight: whole-filter α mask outside [−1, 1], sign(0) = 0, ImageNet ×1e9", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const shape = [3, 2, 2, 2];
  const wd = withEdges(24, rng, 0.6);
  wd[3] = 1.5; // filter 0 has a weight outside the window: its α term is zeroed
  wd[9] = 1; // boundary (inside the inclusive mask)
  for (const gradScale of [1, 1e9]) {
    const w = param(wd, shape);
    const gd = rng.normalArray(24);
    const g = Tensor.from(gd, shape);
    const ref = xnorWeightRef(wd, shape, gd, gradScale);
    const [wb, gw] = tidy(() => {
      const wb = xnorWeight(w, { gradScale });
      return [wb, backward(sum(mul(wb, g)), [w])[0]!];
    });
    assertClose(await wb.read(), ref.wb, 1e-6, `α·sign(W) seed ${seed}`);
    assertClose(await gw.read(), ref.gw, 1e-5, `dL/dW ×${gradScale} seed ${seed}`);
    for (const t of [w, g, wb, gw]) t.dispose();
  }
});

interface XnorFixtureCase extends FixtureCase {
  util: string;
  stride: number;
  padding: number;
  bias: boolean;
  w0: number[];
  b: number[] | null;
  w_centred: number[];
  gw: number[];
  gb: number[] | null;
}

const fixture = await readFixture<
  { cases: XnorFixtureCase[]; outside: { w: number[]; g: number[]; gw: number[] } }
>("xnor");

Deno.test("XnorConv2d matches one official BinOp training step (tests/fixtures/methods/xnor.json)", async () => {
  for (const c of fixture.cases) {
    const conv = new XnorConv2d(c.x_shape[1], 4, 3, {
      stride: c.stride,
      padding: c.padding,
      bias: c.bias,
      gradScale: c.util === "imagenet" ? 1e9 : 1,
      init: () => Float32Array.from(c.w0),
    });
    if (c.b) conv.setTensor("bias", Tensor.from(Float32Array.from(c.b), [4]));
    const what = `${c.util} stride ${c.stride}`;
    await checkFixtureCase((x) => conv.forward(x), c, [
      [conv.weight, c.gw, "dL/dW"],
      [conv.bias, c.gb, "dL/dbias"],
    ], what);
    assertClose(await conv.weight.read(), c.w_centred, 1e-6, `centred W ${what}`);
  }
});

Deno.test("xnorWeight: the official whole-filter α zeroing for a weight outside [−1, 1] (fixture)", async () => {
  const { w: wd, g: gd, gw: want } = fixture.outside;
  const w = param(Float32Array.from(wd), [3, 2, 2, 2]);
  const g = Tensor.from(Float32Array.from(gd), [3, 2, 2, 2]);
  const gw = tidy(() => backward(sum(mul(xnorWeight(w), g)), [w])[0]!);
  assertClose(await gw.read(), want, 1e-5, "dL/dW");
  for (const t of [w, g, gw]) t.dispose();
});
