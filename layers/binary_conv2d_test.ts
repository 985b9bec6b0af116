import assert from "node:assert/strict";
import { backward, batchNorm, mul, sum, Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../tests/util.ts";
import { arr } from "../tests/reference/dense.ts";
import { ovswConvRef } from "../tests/reference/ovsw_conv.ts";
import { binaryConv2d } from "./binary_conv2d_op.ts";
import { binaryConv2dReference } from "./_binary_conv2d_reference.ts";

await setupGpu();

function param(data: Float32Array, shape: number[]): Tensor {
  const t = Tensor.from(data, shape);
  t.requiresGrad = true;
  return t;
}

Deno.test("§2.3 golden vector: forward and backward (training, ste)", async () => {
  const x = param(new Float32Array([0.5, -1.0, 2.0, 0.25]), [1, 2, 1, 2]);
  const w = param(new Float32Array([0.3, -0.1, 0.02, 0.05]), [2, 2, 1, 1]);
  for (const op of [binaryConv2d, binaryConv2dReference]) {
    const [y, gx, gw] = await tidy(() => {
      const y = op(x, w, { training: true, estimator: "ste" });
      const [gx, gw] = backward(sum(y), [x, w]);
      return [y, gx!, gw!];
    }).map((t) => t.read());
    const name = op.name;
    assertClose(await y, [0, -1.4141252, 1.3987573, 0], 1e-6, `${name} y`);
    assertClose(await gx, [1.3568770, 0.4289217, -0.0, -0.0099480], 1e-6, `${name} dL/dx`);
    assertClose(await gw, [0, 1.4141252, 0, 1.3987573], 1e-6, `${name} dL/dW`);
  }
});

interface Case {
  estimator: string;
  stride: number;
  padding: number;
  training: boolean;
  learned?: boolean;
}

async function runCase(c: Case, useReference = false): Promise<void> {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const [N, C, H, W, O, K] = [2, 3, 6, 5, 4, 3];
  const xs = [N, C, H, W];
  const ws = [O, C, K, K];
  const xd = rng.normalArray(N * C * H * W, 0, 1.5);
  const wd = rng.normalArray(O * C * K * K, 0, c.estimator === "hardtanh" ? 1 : 0.2);
  const ad = c.learned ? rng.uniformArray(O, 0.5, 1.5) : undefined;
  const x = param(xd, xs);
  const w = param(wd, ws);
  const alpha = ad ? param(ad, [O]) : undefined;
  const opts = { stride: c.stride, padding: c.padding, training: c.training };
  const ref0 = ovswConvRef(arr(xd, xs), arr(wd, ws), null, {
    ...opts,
    estimator: c.estimator,
    alpha: ad,
  });
  const gyd = rng.normalArray(ref0.y.data.length);
  const ref = ovswConvRef(arr(xd, xs), arr(wd, ws), gyd, {
    ...opts,
    estimator: c.estimator,
    alpha: ad,
  });
  const gy = Tensor.from(gyd, ref.y.shape);
  const op = useReference ? binaryConv2dReference : binaryConv2d;
  const outs = tidy(() => {
    const y = op(x, w, { ...opts, estimator: c.estimator, alpha });
    const grads = backward(sum(mul(y, gy)), alpha ? [x, w, alpha] : [x, w]);
    return [y, ...grads.map((g) => g!)];
  });
  const what = `${JSON.stringify(c)} ${useReference ? "reference" : "fused"} seed ${seed}`;
  assert.deepEqual(outs[0].shape, ref.y.shape, what);
  assertClose(await outs[0].read(), ref.y.data, 1e-4, `y ${what}`);
  assertClose(await outs[1].read(), ref.gx, 1e-4, `dL/dx ${what}`);
  assertClose(await outs[2].read(), ref.gw, 1e-4, `dL/dW ${what}`);
  if (alpha) assertClose(await outs[3].read(), ref.galpha, 1e-4, `dL/dα ${what}`);
  for (const t of [...outs, x, w, gy, alpha]) t?.dispose();
}

for (const estimator of ["ste", "hardtanh"]) {
  for (const stride of [1, 2]) {
    for (const training of [true, false]) {
      Deno.test(`fresh random: ${estimator}, stride ${stride}, ${training ? "train" : "eval"}`, () =>
        runCase({ estimator, stride, padding: 1, training }));
    }
  }
}

Deno.test("fresh random: ste_v2, hardtanhv2, learned α, no padding", async () => {
  await runCase({ estimator: "ste_v2", stride: 1, padding: 0, training: true });
  await runCase({ estimator: "hardtanhv2", stride: 2, padding: 1, training: true });
  await runCase({ estimator: "ste", stride: 1, padding: 1, training: true, learned: true });
  await runCase({ estimator: "hardtanh", stride: 2, padding: 0, training: false, learned: true });
});

Deno.test("unfused reference path agrees with the float64 reference", async () => {
  await runCase({ estimator: "ste", stride: 2, padding: 1, training: true }, true);
  await runCase({ estimator: "hardtanh", stride: 1, padding: 1, training: false }, true);
});

Deno.test("scale invariance (§6.2): W×1 and W×1000 give identical output and gradients (ste)", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const xd = rng.normalArray(2 * 4 * 5 * 5);
  const wd = rng.normalArray(6 * 4 * 3 * 3, 0, Math.sqrt(2 / 36));
  const gyd = rng.normalArray(2 * 6 * 5 * 5);
  const results: Float32Array[][] = [];
  for (const gamma of [1, 1000]) {
    const x = param(xd, [2, 4, 5, 5]);
    const w = param(wd.map((v) => v * gamma), [6, 4, 3, 3]);
    const gy = Tensor.from(gyd, [2, 6, 5, 5]);
    const [g1, b0, rm, rv] = [
      Tensor.full([6], 1),
      Tensor.zeros([6]),
      Tensor.zeros([6]),
      Tensor.full([6], 1),
    ];
    const outs = tidy(() => {
      // As in every model, a BN follows the conv: it absorbs α, whose +1e-5 in the weight
      // variance is the only scale-dependent term (docs/method.md §6.2).
      const y = batchNorm(binaryConv2d(x, w, { padding: 1 }), g1, b0, rm, rv, { training: true });
      const [gx, gw] = backward(sum(mul(y, gy)), [x, w]);
      return [y, gx!, gw!];
    });
    results.push(await Promise.all(outs.map((t) => t.read())));
  }
  // ∂L/∂W is the same per-weight gradient; it is not divided by γ (a float net's would be).
  assertClose(results[1][2], results[0][2], 1e-5, `dL/dW seed ${seed}`);
  for (let k = 0; k < 2; k++) {
    assertClose(results[1][k], results[0][k], 1e-5, `output/gradient ${k} seed ${seed}`);
  }
});

Deno.test("bad shapes give a clear error", () => {
  const x = Tensor.zeros([1, 3, 4, 4]);
  const w = Tensor.zeros([2, 4, 3, 3]);
  assert.throws(
    () => binaryConv2d(x, w),
    /binaryConv2d: input \[1, 3, 4, 4\] does not match weight/,
  );
  assert.throws(
    () => binaryConv2d(x, Tensor.zeros([2, 3, 1, 1]), { estimator: "nope" }),
    /unknown estimator "nope"/,
  );
});

interface FixtureCase {
  estimator: string;
  stride: number;
  padding: number;
  training: boolean;
  x_shape: number[];
  w_shape: number[];
  y_shape: number[];
  x: number[];
  w: number[];
  upstream: number[];
  y: number[];
  grad_x: number[];
  grad_w: number[];
}

Deno.test("matches PyTorch (tests/fixtures/ovsw_conv.json, from tools/gen_ovsw_conv_fixture.py)", async () => {
  const fx = JSON.parse(
    await Deno.readTextFile(new URL("../tests/fixtures/ovsw_conv.json", import.meta.url)),
  ) as { golden_2_3: { y: number[]; grad_x: number[]; grad_w: number[] }; cases: FixtureCase[] };
  assertClose(fx.golden_2_3.y, [0, -1.4141252, 1.3987573, 0], 1e-6, "fixture golden y");
  for (const c of fx.cases) {
    const x = param(new Float32Array(c.x), c.x_shape);
    const w = param(new Float32Array(c.w), c.w_shape);
    const r = Tensor.from(c.upstream, c.y_shape);
    const outs = tidy(() => {
      const y = binaryConv2d(x, w, c);
      const [gx, gw] = backward(sum(mul(y, r)), [x, w]);
      return [y, gx!, gw!];
    });
    const what = `${c.estimator} s${c.stride} p${c.padding} ${c.training ? "train" : "eval"}`;
    assertClose(await outs[0].read(), c.y, 1e-5, `y ${what}`);
    assertClose(await outs[1].read(), c.grad_x, 1e-5, `dL/dx ${what}`);
    assertClose(await outs[2].read(), c.grad_w, 1e-5, `dL/dW ${what}`);
    for (const t of [...outs, x, w, r]) t.dispose();
  }
});
