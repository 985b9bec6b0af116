import assert from "node:assert/strict";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../../tests/util.ts";
import { arr } from "../../tests/reference/dense.ts";
import { withEdges } from "../../tests/reference/methods/rand.ts";
import { randomConvOutputGrad, runLayer } from "../../tests/reference/methods/harness.ts";
import { convRef, mapRef, signRef } from "../../tests/reference/methods/common.ts";
import { BinaryInputConv2d } from "./binary_input_conv.ts";

await setupGpu();

for (const [stride, padding] of [[1, 1], [2, 0]] as const) {
  Deno.test(`BinaryInputConv2d: conv(ApproxSign(x), real W), stride ${stride}, padding ${padding}`, async () => {
    const seed = freshSeed();
    const rng = new Prng(seed);
    const [N, C, H, W, O, K] = [2, 3, 5, 6, 4, 3];
    const ws = [O, C, K, K];
    const wd = rng.normalArray(O * C * K * K);
    const conv = new BinaryInputConv2d(C, O, K, { stride, padding, init: () => wd });
    assert.equal(conv.weight.tag, "float");
    const xd = withEdges(N * C * H * W, rng, 0.8, [-1, -0.5, 0.5, 1]);
    const gyd = randomConvOutputGrad(rng, [N, O, H, W], K, { stride, padding });
    const got = await runLayer((x) => conv.forward(x), xd, [N, C, H, W], gyd, [conv.weight]);
    const a = mapRef(xd, signRef);
    const ref = convRef({ data: a, shape: [N, C, H, W] }, arr(wd, ws), { stride, padding }, gyd);
    const what = `seed ${seed}`;
    assertClose(got.y, ref.y.data, 1e-4, `y ${what}`);
    const gx = mapRef(ref.gx, (v, i) => v * Math.max(0, 2 - 2 * Math.abs(xd[i])));
    assertClose(got.gx, gx, 1e-4, `dL/dx ${what}`);
    assertClose(got.grads[0], ref.gw, 1e-4, `dL/dW ${what}`);
  });
}
