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
import { signOf } from "../../tests/reference/methods/react.ts";
import {
  gemmRef,
  rbnnConvRef,
  rbnnSlope,
  rotationUpdateRef,
  transposeRef,
} from "../../tests/reference/methods/rbnn.ts";
import { Sequential } from "../sequential.ts";
import { rbnnAB, RbnnConv2d, rbnnEpochHook, rbnnKT, rbnnRotationUpdate, rbnnSign } from "./rbnn.ts";
import { haarOrthogonal, svd } from "./_svd.ts";

await setupGpu();

function assertOrthogonal(q: ArrayLike<number>, n: number, tol: number, what: string): void {
  const qtq = gemmRef(transposeRef(q, n, n), q, n, n, n);
  const eye = Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
  assertClose(qtq, eye, tol, `${what}: QᵀQ = I`);
}

Deno.test("rbnnAB: the official get_ab table", () => {
  const table: [number, [number, number]][] = [
    [27, [3, 9]],
    [72, [8, 9]],
    [144, [12, 12]],
    [576, [24, 24]],
    [1152, [32, 36]],
    [2304, [48, 48]],
    [7, [1, 7]],
  ];
  for (const [n, ab] of table) assert.deepEqual(rbnnAB(n), ab, `n = ${n}`);
  assertThrowsAll([[() => rbnnAB(0), "rbnnAB"]]);
});

Deno.test("rbnnKT: t = 10^(-2 + 3e/E), k = max(1/t, 1) for every epoch", () => {
  assert.deepEqual(rbnnKT(0, 150), { t: Math.fround(0.01), k: Math.fround(100) });
  const mid = rbnnKT(50, 150);
  assertClose([mid.t, mid.k], [0.1, 10], 1e-6, "epoch 50/150");
  const e100 = rbnnKT(100, 150);
  assertClose([e100.t, e100.k], [1, 1], 1e-6, "epoch 100/150");
  for (let e = 0; e < 7; e++) {
    const { t, k } = rbnnKT(e, 7);
    const tr = 10 ** (-2 + (3 * e) / 7);
    assertClose([t, k], [tr, Math.max(1 / tr, 1)], 1e-6, `epoch ${e}/7`);
  }
  const custom = rbnnKT(0, 4, { tMin: 0.1, tMax: 1 });
  assertClose([custom.t, custom.k], [0.1, 10], 1e-6, "custom tMin");
  assertThrowsAll([[() => rbnnKT(4, 4), "rbnnKT"], [() => rbnnKT(0, 0), "rbnnKT"]]);
});

Deno.test("svd and haarOrthogonal: reconstruction, orthogonality, sorted σ, rank-deficient", () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  for (const n of [1, 3, 6, 9]) {
    const a = Float64Array.from(rng.normalArray(n * n));
    if (n === 6) { for (let i = 0; i < n; i++) a[i * n + 5] = a[i * n + 4]; // rank n − 1
     }
    const { u, s, v } = svd(a, n);
    assertOrthogonal(u, n, 1e-10, `U ${n} (seed ${seed})`);
    assertOrthogonal(v, n, 1e-10, `V ${n} (seed ${seed})`);
    for (let i = 1; i < n; i++) assert.ok(s[i] <= s[i - 1] && s[i] >= 0);
    const us = u.map((x, i) => x * s[i % n]);
    assertClose(
      gemmRef(us, transposeRef(v, n, n), n, n, n),
      a,
      1e-10,
      `U S Vᵀ ${n} (seed ${seed})`,
    );
    assertOrthogonal(haarOrthogonal(n, rng), n, 1e-12, `Haar ${n}`);
  }
  // Haar: the mean of Q over many draws is ~0 (no preferred sign or direction).
  const mean = new Float64Array(9);
  for (let i = 0; i < 400; i++) haarOrthogonal(3, rng).forEach((x, j) => (mean[j] += x / 400));
  assert.ok(mean.every((m) => Math.abs(m) < 0.15), `Haar mean ${mean} (seed ${seed})`);
});

Deno.test("rbnnRotationUpdate: the official 3 SVD steps, checked against polar factors", () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const [o, a, b] = [4, 3, 6];
  const x = Float64Array.from(rng.normalArray(o * a * b));
  const r1 = haarOrthogonal(a, rng), r2 = haarOrthogonal(b, rng);
  const got = rbnnRotationUpdate(x, o, a, b, r1, r2);
  const ref = rotationUpdateRef(x, o, a, b, r1, r2);
  assertClose(got.r1, ref.r1, 1e-9, `R1 (seed ${seed})`);
  assertClose(got.r2, ref.r2, 1e-9, `R2 (seed ${seed})`);
  assertOrthogonal(got.r1, a, 1e-10, "R1");
  assertOrthogonal(got.r2, b, 1e-10, "R2");
});

Deno.test("rbnnSign: sign(0) = 0; k·max(0, √2t − t²|x|) with its window edge √2/t", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const [k, t] = [3, 2];
  const edge = Math.SQRT2 / t;
  const x = Float32Array.from([0, edge, -edge, edge * 1.01, -edge * 0.99, ...rng.normalArray(20)]);
  const g = rng.normalArray(x.length);
  const [y, gx] = await tidy(() => {
    const xt = Tensor.from(x, [x.length]);
    xt.requiresGrad = true;
    const yt = rbnnSign(xt, k, t);
    const [gt] = backward(sum(mul(yt, Tensor.from(g, [x.length]))), [xt]);
    return [noGrad(() => yt.view(yt.shape)), gt!];
  }).map((tn) => tn.read());
  assertExact(await y, Array.from(x, signOf), "forward");
  assertClose(
    await gx,
    Array.from(x, (v, i) => g[i] * rbnnSlope(v, k, t)),
    1e-5,
    `grad (seed ${seed})`,
  );
});

/** Draws inputs whose w3 and a2 stay away from 0 (f32 vs f64 sign ties). */
function drawLayerInputs(rng: Prng, conv: RbnnConv2d, xShape: number[], theta: Float32Array) {
  const wShape = [conv.outChannels, conv.inChannels, conv.kernelSize, conv.kernelSize];
  for (;;) {
    const w = rng.normalArray(wShape.reduce((p, d) => p * d, 1), 0.3, 1);
    const x = rng.normalArray(xShape.reduce((p, d) => p * d, 1), 0.2, 1.5);
    const r1 = Float32Array.from(haarOrthogonal(conv.a, rng));
    const r2 = Float32Array.from(haarOrthogonal(conv.b, rng));
    const alpha = rng.uniformArray(conv.outChannels, 0.1, 1);
    const probe = rbnnConvRef({
      x,
      xShape,
      w,
      wShape,
      alpha,
      theta,
      r1,
      r2,
      ab: [conv.a, conv.b],
      k: conv.k,
      t: conv.t,
      stride: conv.stride,
      padding: conv.padding,
      g: new Float32Array(0),
    });
    const far = (v: Float64Array) => v.every((z) => Math.abs(z) > 1e-3);
    if (far(probe.w3) && far(probe.a2)) return { w, x, r1, r2, alpha, wShape };
  }
}

async function runLayer(conv: RbnnConv2d, x: Float32Array, xShape: number[], g: Float32Array) {
  const out = tidy(() => {
    const xt = Tensor.from(x, xShape);
    xt.requiresGrad = true;
    const y = conv.forward(xt);
    const ps = ["weight", "alpha", "rotate"].map((n) =>
      conv.namedParameters().find(([k]) => k === n)![1]
    );
    const grads = backward(sum(mul(y, Tensor.from(g, y.shape))), [xt, ...ps]);
    return [noGrad(() => y.view(y.shape)), ...grads.map((t) => t!)];
  });
  const [y, gx, gw, gAlpha, gTheta] = await Promise.all(out.map((t) => t.read()));
  return { y, gx, gw, gAlpha, gTheta };
}

Deno.test("RbnnConv2d: forward and all gradients vs float64, train = eval, random θ", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const conv = new RbnnConv2d(2, 3, 3, { padding: 1, stride: 2, rng });
  assert.deepEqual([conv.a, conv.b], [3, 6]);
  assert.deepEqual(conv.namedParameters().map(([n, t]) => `${n}:${t.tag}`), [
    "weight:binary",
    "alpha:vector",
    "rotate:vector",
  ]);
  assert.deepEqual(conv.namedBuffers().map(([n, t]) => `${n}:${t.shape}`), ["R1:3,3", "R2:6,6"]);
  conv.k = 2.5;
  conv.t = 0.4;
  const theta = rng.uniformArray(3, -3, 3);
  const xShape = [2, 2, 5, 5];
  const inp = drawLayerInputs(rng, conv, xShape, theta);
  conv.setTensor("weight", Tensor.from(inp.w, inp.wShape));
  conv.setTensor("alpha", Tensor.from(inp.alpha, [3]));
  conv.setTensor("rotate", Tensor.from(theta, [3]));
  conv.setTensor("R1", Tensor.from(inp.r1, [3, 3]));
  conv.setTensor("R2", Tensor.from(inp.r2, [6, 6]));
  const g = rng.normalArray(2 * 3 * 3 * 3);
  const ref = rbnnConvRef({
    ...inp,
    xShape,
    theta,
    ab: [3, 6],
    k: 2.5,
    t: 0.4,
    stride: 2,
    padding: 1,
    g,
  });
  for (const mode of ["train", "eval"]) {
    conv.train(mode === "train");
    const got = await runLayer(conv, inp.x, xShape, g);
    assertClose(got.y, ref.y, 1e-5, `${mode} y (seed ${seed})`);
    assertClose(got.gx, ref.gx, 1e-4, `${mode} grad x (seed ${seed})`);
    assertClose(got.gw, ref.gw, 1e-4, `${mode} grad w (seed ${seed})`);
    assertClose(got.gAlpha, ref.gAlpha, 1e-5, `${mode} grad α (seed ${seed})`);
    assertClose(got.gTheta, ref.gTheta, 1e-4, `${mode} grad θ (seed ${seed})`);
  }
  assertThrowsAll([[() => conv.forward(Tensor.zeros([1, 3, 4, 4])), "RbnnConv2d(2→3"]]);
  conv.dispose();
});

Deno.test("RbnnConv2d at init: α = mean|w|, θ = π/2, the latent weights get exactly zero gradient", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const conv = new RbnnConv2d(2, 2, 3, { padding: 1, rng: new Prng(seed) });
  const w = await conv.weight.read();
  const alpha = await conv.namedParameters()[1][1].read();
  const meanAbs = [0, 1].map((o) =>
    w.slice(o * 18, o * 18 + 18).reduce((s, v) => s + Math.abs(v), 0) / 18
  );
  assertClose(alpha, meanAbs, 1e-6, "α init");
  assertClose(
    await conv.namedParameters()[2][1].read(),
    [Math.PI / 2, Math.PI / 2],
    1e-7,
    "θ init",
  );
  const x = rng.normalArray(2 * 2 * 4 * 4);
  const got = await runLayer(conv, x, [2, 2, 4, 4], rng.normalArray(2 * 2 * 4 * 4));
  assert.ok(got.gw.every((v) => v === 0), `weight grad not exactly 0: ${got.gw.slice(0, 4)}`);
  assert.ok(got.gx.some((v) => v !== 0) && got.gAlpha.some((v) => v !== 0));
  // θ's gradient is cos(π/2) ≈ −4.37e−8 times a sum of order 1..100: tiny but non-zero.
  assert.ok(got.gTheta.every((v) => Math.abs(v) < 1e-4), `θ grad ${got.gTheta}`);
  conv.dispose();
});

Deno.test("rbnnEpochHook: sets t,k and runs the rotation update on every RbnnConv2d", async () => {
  const seed = freshSeed();
  const conv = new RbnnConv2d(2, 4, 3, { padding: 1, rng: new Prng(seed) });
  const model = new Sequential(conv);
  const w = Float64Array.from(await conv.weight.read());
  const x = new Float64Array(w.length);
  for (let o = 0; o < 4; o++) {
    const row = w.subarray(o * 18, o * 18 + 18);
    const m = row.reduce((s, v) => s + v, 0) / 18;
    const sd = Math.sqrt(row.reduce((s, v) => s + (v - m) ** 2, 0) / 17);
    row.forEach((v, j) => (x[o * 18 + j] = (v - m) / sd));
  }
  const r1 = Float64Array.from(await conv.namedBuffers()[0][1].read());
  const r2 = Float64Array.from(await conv.namedBuffers()[1][1].read());
  const ref = rotationUpdateRef(x, 4, 3, 6, r1, r2);
  await rbnnEpochHook(model, 3, 10);
  const expect = rbnnKT(3, 10);
  assert.deepEqual([conv.t, conv.k], [expect.t, expect.k]);
  assertClose(await conv.namedBuffers()[0][1].read(), ref.r1, 1e-5, `R1 (seed ${seed})`);
  assertClose(await conv.namedBuffers()[1][1].read(), ref.r2, 1e-5, `R2 (seed ${seed})`);
  model.dispose();
});

interface RbnnFixtureCase extends FixtureCase {
  in: number;
  out: number;
  stride: number;
  padding: number;
  k: number;
  t: number;
  epoch: number;
  a: number;
  b: number;
  w: number[];
  alpha: number[];
  theta: number[];
  r1: number[];
  r2: number[];
  r1_after: number[];
  r2_after: number[];
  gw: number[];
  galpha: number[];
  gtheta: number[];
}

const fixture = await readFixture<{ cases: RbnnFixtureCase[] }>("rbnn");

Deno.test("RbnnConv2d matches the official BinarizeConv2d (tests/fixtures/methods/rbnn.json)", async () => {
  for (const c of fixture.cases) {
    const what = `${c.in}→${c.out} s${c.stride} epoch ${c.epoch}`;
    const conv = new RbnnConv2d(c.in, c.out, 3, {
      stride: c.stride,
      padding: c.padding,
      init: () => Float32Array.from(c.w),
    });
    assert.deepEqual([conv.a, conv.b], [c.a, c.b]);
    const set = (path: string, v: number[], shape: number[]) =>
      conv.setTensor(path, Tensor.from(Float32Array.from(v), shape));
    set("alpha", c.alpha, [c.out]);
    set("rotate", c.theta, [c.out]);
    set("R1", c.r1, [c.a, c.a]);
    set("R2", c.r2, [c.b, c.b]);
    [conv.k, conv.t] = [c.k, c.t];
    if (c.epoch > -1) {
      // The official forward updates R1, R2 first when module.epoch > -1 (the epoch hook here).
      await conv.updateRotation();
      const [r1, r2] = await Promise.all(
        conv.namedBuffers().map(([, t]) => t.read()),
      );
      assertClose(r1, c.r1_after, 1e-4, `R1 after the update, ${what}`);
      assertClose(r2, c.r2_after, 1e-4, `R2 after the update, ${what}`);
    }
    await checkFixtureCase((x) => conv.forward(x), c, [
      [conv.weight, c.gw, "dL/dW"],
      [conv.paramRecord().alpha, c.galpha, "dL/dα"],
      [conv.paramRecord().rotate, c.gtheta, "dL/dθ"],
    ], what);
    conv.dispose();
  }
});
