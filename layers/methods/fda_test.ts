import assert from "node:assert/strict";
import { backward, mul as mulT, sum, Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, assertThrowsAll, freshSeed, setupGpu } from "../../tests/util.ts";
import { assertExact } from "../../tests/reference/binary_conv.ts";
import { convOutSize } from "../../tests/reference/dense.ts";
import { withEdges } from "../../tests/reference/methods/rand.ts";
import {
  checkFixtureCase,
  type FixtureCase,
  readFixture,
  runLayer,
} from "../../tests/reference/methods/harness.ts";
import { signRef } from "../../tests/reference/methods/common.ts";
import {
  actNoiseRef,
  fdaConvRef,
  fourierSlope,
  noiseRef,
} from "../../tests/reference/methods/fda.ts";
import { Sequential } from "../sequential.ts";
import {
  fdaActivationNoise,
  FdaConv2d,
  fdaEpochHook,
  fdaNoiseWidth,
  fdaSchedule,
  fdaSign,
  fdaWeightNoise,
} from "./fda.ts";

await setupGpu();

function leaf(data: Float32Array, shape: number[]): Tensor {
  const t = Tensor.from(data, shape);
  t.requiresGrad = true;
  return t;
}

Deno.test("fdaSign: sign(0) = 0, Fourier slope for n = 0, 9, 17, kept at |z| = 1, 0 beyond", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const edge = [-1, 1, 0, Math.fround(1 + 2 ** -23), -Math.fround(1 + 2 ** -23), 3, -0.5];
  const xd = Float32Array.from([...edge, ...withEdges(60, rng, 0.8)]);
  const g = rng.normalArray(xd.length);
  for (const n of [0, 9, 17]) {
    const x = leaf(xd, [xd.length]);
    const [y, gx] = tidy(() => {
      const y = fdaSign(x, n);
      return [y, backward(sum(mulT(y, Tensor.from(g, y.shape))), [x])[0]!];
    });
    assertExact(await y.read(), Array.from(xd, signRef), `sign (n ${n})`);
    const got = await gx.read();
    assertClose(
      got,
      Array.from(xd, (v, i) => fourierSlope(v, n) * g[i]),
      1e-5,
      `n ${n} (seed ${seed})`,
    );
    assert.ok(got[0] !== 0 && got[1] !== 0, "|z| = 1 keeps its gradient");
    assert.equal(got[3], 0, "just above 1: zero");
    assert.equal(got[4], 0, "just below −1: zero");
    for (const t of [x, y, gx]) t.dispose();
  }
  assertClose([fourierSlope(0, 9)], [4 * 0.1 / Math.PI * 10], 1e-15, "4ω/π·(n + 1) at 0");
  assertThrowsAll([[() => fdaSign(Tensor.zeros([2]), -1), "fdaSign"], [
    () => fdaSign(Tensor.zeros([2]), 1.5),
    "fdaSign",
  ]]);
});

Deno.test("fdaSchedule: η = 0.05(1 + cos(π(e+1)/E)), n = 9 + ⌊9e/E⌋ per epoch; the hook sets them", () => {
  for (const E of [1, 2, 3, 7, 120]) {
    for (let e = 0; e < E; e++) {
      const { eta, n } = fdaSchedule(e, E);
      assertClose(
        [eta],
        [0.05 * (1 + Math.cos((Math.PI * (e + 1)) / E))],
        1e-6,
        `η ${e}/${E}`,
        0.1,
      );
      assert.equal(n, 9 + Math.floor((9 * e) / E), `n ${e}/${E}`);
    }
    assert.ok(Math.abs(fdaSchedule(E - 1, E).eta) < 1e-9, `η → 0 at the last epoch of ${E}`);
  }
  assert.equal(fdaSchedule(0, 120).n, 9);
  assert.equal(fdaSchedule(119, 120).n, 17);
  assert.equal(fdaSchedule(60, 120).n, 13);
  const conv = new FdaConv2d(2, 2, 1);
  assert.deepEqual([conv.eta, conv.n], [0.1, 9], "official initial buffers");
  fdaEpochHook(new Sequential(conv), 3, 7);
  assert.deepEqual([conv.eta, conv.n], [fdaSchedule(3, 7).eta, 12]);
  assertThrowsAll([[() => fdaSchedule(7, 7), "fdaSchedule"], [
    () => fdaSchedule(0, 0),
    "fdaSchedule",
  ]]);
  conv.dispose();
});

Deno.test("fdaWeightNoise / fdaActivationNoise: MLP + 0.1·sin and gradients (w, fc1, fc2)", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  assert.deepEqual([fdaNoiseWidth(63), fdaNoiseWidth(64), fdaNoiseWidth(200)], [0, 1, 3]);
  // Weight noise, d = 8·4·4 = 128 → width 2.
  const [O, d, m] = [3, 128, 2];
  const w = rng.normalArray(O * d, 0, 0.7);
  const f1 = rng.normalArray(m * d, 0, 0.2), f2 = rng.normalArray(d * m, 0, 0.5);
  const g = rng.normalArray(O * d);
  const ref = noiseRef(w, O, f1, f2, g);
  const [wt, f1t, f2t] = [leaf(w, [O, 8, 4, 4]), leaf(f1, [m, d]), leaf(f2, [d, m])];
  const outs = tidy(() => {
    const e = fdaWeightNoise(wt, f1t, f2t);
    return [e, ...backward(sum(mulT(e, Tensor.from(g, e.shape))), [wt, f1t, f2t]).map((t) => t!)];
  });
  const [e, gw, g1, g2] = await Promise.all(outs.map((t) => t.read()));
  assertClose(e, ref.e, 1e-5, `e_w (seed ${seed})`);
  assertClose(gw, ref.gX, 1e-5, `∂w (seed ${seed})`);
  assertClose(g1, ref.gFc1, 1e-5, `∂fc1 (seed ${seed})`);
  assertClose(g2, ref.gFc2, 1e-5, `∂fc2 (seed ${seed})`);
  // Activation noise over channels: C = 64 → width 1, per position.
  const aShape = [2, 64, 2, 3];
  const a = rng.normalArray(2 * 64 * 6);
  const a1 = rng.normalArray(64, 0, 0.3), a2 = rng.normalArray(64, 0, 0.5);
  const ga = rng.normalArray(a.length);
  const aref = actNoiseRef(a, aShape, a1, a2, ga);
  const at = leaf(a, aShape);
  const aouts = tidy(() => {
    const e = fdaActivationNoise(at, Tensor.from(a1, [1, 64]), Tensor.from(a2, [64, 1]));
    return [e, backward(sum(mulT(e, Tensor.from(ga, e.shape))), [at])[0]!];
  });
  const [ea, gat] = await Promise.all(aouts.map((t) => t.read()));
  assertClose(ea, aref.e, 1e-5, `e_a (seed ${seed})`);
  assertClose(gat, aref.gX, 1e-5, `∂a (seed ${seed})`);
  // Zero width: 0.1·sin only.
  const small = Tensor.from([0.5, -2], [1, 2]);
  assertClose(await fdaWeightNoise(small, null, null).read(), [
    0.1 * Math.sin(0.5),
    0.1 * Math.sin(-2),
  ], 1e-6);
  assertThrowsAll([[() => fdaWeightNoise(wt, f2t, f1t), "fdaWeightNoise"]]);
  for (const t of [...outs, ...aouts, wt, f1t, f2t, at, small]) t.dispose();
});

interface Case {
  C: number;
  O: number;
  K: number;
  stride: number;
  padding: number;
  noiseAdapt: boolean;
}

const cases: Case[] = [
  { C: 64, O: 3, K: 3, stride: 1, padding: 1, noiseAdapt: true }, // both adapters non-zero
  { C: 3, O: 4, K: 3, stride: 2, padding: 0, noiseAdapt: true }, // zero-width adapters
  { C: 3, O: 2, K: 1, stride: 1, padding: 0, noiseAdapt: false },
];

for (const { C, O, K, stride, padding, noiseAdapt } of cases) {
  Deno.test(`FdaConv2d ${C}→${O} k${K} s${stride} p${padding} noise ${noiseAdapt}: train = eval, vs float64`, async () => {
    const seed = freshSeed();
    const rng = new Prng(seed);
    const [N, H, W] = [2, 4, 3];
    const w0 = withEdges(O * C * K * K, rng, 0.8);
    const conv = new FdaConv2d(C, O, K, { stride, padding, noiseAdapt, init: () => w0, rng });
    const d = C * K * K;
    const names = conv.namedParameters().map(([n, t]) => `${n}:${t.tag}`);
    const expectNames = ["weight:binary"];
    if (noiseAdapt && d >= 64) expectNames.push("weightNoise.fc1:float", "weightNoise.fc2:float");
    assert.deepEqual(names, expectNames);
    const buffers = Object.fromEntries(conv.namedBuffers());
    assert.deepEqual(
      Object.keys(buffers),
      noiseAdapt && C >= 64 ? ["actNoise.fc1", "actNoise.fc2"] : [],
      "the activation adapter is buffers: never given to an optimizer",
    );
    fdaEpochHook(new Sequential(conv), 2, 5);
    const params = Object.fromEntries(conv.namedParameters());
    const read = async (t?: Tensor) => t ? await t.read() : null;
    const xShape = [N, C, H, W];
    const xd = withEdges(N * C * H * W, rng, 0.9);
    const OH = convOutSize(H, K, stride, padding), OW = convOutSize(W, K, stride, padding);
    const g = rng.normalArray(N * O * OH * OW);
    const ref = fdaConvRef({
      x: xd,
      xShape,
      w: w0,
      wShape: [O, C, K, K],
      wFc1: await read(params["weightNoise.fc1"]),
      wFc2: await read(params["weightNoise.fc2"]),
      aFc1: await read(buffers["actNoise.fc1"]),
      aFc2: await read(buffers["actNoise.fc2"]),
      noise: noiseAdapt,
      eta: conv.eta,
      n: conv.n,
      geom: { stride, padding },
      g,
    });
    for (const mode of ["train", "eval"]) {
      conv.train(mode === "train");
      const got = await runLayer((x) => conv.forward(x), xd, xShape, g, conv.parameters());
      assert.deepEqual(got.shape, [N, O, OH, OW]);
      assertClose(got.y, ref.y, 1e-5, `${mode} y (seed ${seed})`);
      assertClose(got.gx, ref.gx, 1e-4, `${mode} ∂x (seed ${seed})`);
      assertClose(got.grads[0], ref.gw, 1e-4, `${mode} ∂w (seed ${seed})`);
      if (names.length > 1) {
        assertClose(got.grads[1], ref.gWFc1, 1e-4, `${mode} ∂fc1 (seed ${seed})`);
        assertClose(got.grads[2], ref.gWFc2, 1e-4, `${mode} ∂fc2 (seed ${seed})`);
      }
    }
    conv.dispose();
  });
}

interface FdaFixtureCase extends FixtureCase {
  in: number;
  out: number;
  k: number;
  stride: number;
  padding: number;
  epoch: number;
  epochs: number;
  training: boolean;
  eta: number;
  n: number;
  w: number[];
  w_fc1: number[];
  w_fc2: number[];
  a_fc1: number[];
  a_fc2: number[];
  gw: number[];
  g_w_fc1: number[];
  g_w_fc2: number[];
}

const fixture = await readFixture<{
  cases: FdaFixtureCase[];
  schedule: { epoch: number; epochs: number; eta: number; n: number }[];
}>("fda");

Deno.test("FdaConv2d matches BiBench's FDAConv2d (tests/fixtures/methods/fda.json)", async () => {
  for (const c of fixture.cases) {
    const conv = new FdaConv2d(c.in, c.out, c.k, {
      stride: c.stride,
      padding: c.padding,
      init: () => Float32Array.from(c.w),
    });
    const m = fdaNoiseWidth(c.in * c.k * c.k);
    const ma = fdaNoiseWidth(c.in);
    const d = c.in * c.k * c.k;
    if (m > 0) {
      conv.setTensor("weightNoise.fc1", Tensor.from(Float32Array.from(c.w_fc1), [m, d]));
      conv.setTensor("weightNoise.fc2", Tensor.from(Float32Array.from(c.w_fc2), [d, m]));
    }
    if (ma > 0) {
      conv.setTensor("actNoise.fc1", Tensor.from(Float32Array.from(c.a_fc1), [ma, c.in]));
      conv.setTensor("actNoise.fc2", Tensor.from(Float32Array.from(c.a_fc2), [c.in, ma]));
    }
    fdaEpochHook(new Sequential(conv), c.epoch, c.epochs);
    assert.equal(conv.n, c.n);
    assertClose([conv.eta], [c.eta], 1e-6, "η", 0.1);
    conv.train(c.training);
    const p = Object.fromEntries(conv.namedParameters());
    await checkFixtureCase((x) => conv.forward(x), c, [
      [conv.weight, c.gw, "dL/dW"],
      [p["weightNoise.fc1"] ?? null, m > 0 ? c.g_w_fc1 : null, "dL/dfc1"],
      [p["weightNoise.fc2"] ?? null, m > 0 ? c.g_w_fc2 : null, "dL/dfc2"],
    ], `${c.in}→${c.out} k${c.k} ${c.training ? "train" : "eval"}`);
    conv.dispose();
  }
});

Deno.test("fdaSchedule matches the official model_params_update (fixture)", () => {
  for (const s of fixture.schedule) {
    const got = fdaSchedule(s.epoch, s.epochs);
    assert.equal(got.n, s.n, `n ${s.epoch}/${s.epochs}`);
    assertClose([got.eta], [s.eta], 1e-6, `η ${s.epoch}/${s.epochs}`, 0.1);
  }
});
