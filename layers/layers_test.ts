import assert from "node:assert/strict";
import { backward, memory, mul, noGrad, sum, Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../tests/util.ts";
import { arr, conv2dRef, linearRef } from "../tests/reference/dense.ts";
import { refBatchNorm } from "../tests/reference/batchnorm.ts";
import { nd } from "../tests/reference/nd.ts";
import { refAvgPool2d } from "../tests/reference/pool.ts";
import { refPadChannels } from "../tests/reference/channel.ts";
import { ovswConvRef } from "../tests/reference/ovsw_conv.ts";
import {
  BatchNorm1d,
  BatchNorm2d,
  BinaryConv2d,
  BinaryLinear,
  Conv2d,
  createBuilder,
  estimatorNames,
  Flatten,
  getEstimator,
  Hardtanh,
  Linear,
  Module,
  PadShortcut,
  PReLU,
  quantize,
  registerEstimator,
  Sequential,
} from "./mod.ts";

await setupGpu();

Deno.test("module tree: dotted names, tags, train/eval, setTensor, dispose", async () => {
  const net = new Sequential(
    new Conv2d(3, 4, 3, { padding: 1, bias: true }),
    new BatchNorm2d(4),
    new Hardtanh(),
    new Sequential(
      new BinaryConv2d(4, 4, 3, { padding: 1, learnedScale: true }),
      new BatchNorm2d(4),
    ),
    new Flatten(),
  );
  assert.deepEqual(net.namedParameters().map(([n, t]) => `${n}:${t.tag}:${t.name}`), [
    "0.weight:float:0.weight",
    "0.bias:vector:0.bias",
    "1.weight:vector:1.weight",
    "1.bias:vector:1.bias",
    "3.0.weight:binary:3.0.weight",
    "3.0.scaling_factor:vector:3.0.scaling_factor",
    "3.1.weight:vector:3.1.weight",
    "3.1.bias:vector:3.1.bias",
  ]);
  assert.deepEqual(net.namedBuffers().map(([n]) => n), [
    "1.running_mean",
    "1.running_var",
    "1.num_batches_tracked",
    "3.1.running_mean",
    "3.1.running_var",
    "3.1.num_batches_tracked",
  ]);
  assert.ok(net.parameters().every((t) => t.requiresGrad));
  assert.ok(net.namedBuffers().every(([, t]) => !t.requiresGrad && t.dtype === "f32"));
  assert.equal(Object.keys(net.paramRecord()).length, 8);
  assert.equal(net.countParameters("binary"), 144);
  net.eval();
  assert.ok(net.namedModules().every(([, m]) => !m.training));
  net.train();
  assert.ok(net.namedModules().every(([, m]) => m.training));
  // setTensor keeps name, tag and requiresGrad, disposes the old tensor
  const old = net.paramRecord()["3.0.weight"];
  const fresh = Tensor.from(new Float32Array(144).fill(0.5), [4, 4, 3, 3]);
  net.setTensor("3.0.weight", fresh);
  assert.ok(old.disposed);
  assert.equal(fresh.tag, "binary");
  assert.equal(fresh.name, "3.0.weight");
  assert.ok(fresh.requiresGrad);
  assert.throws(
    () => net.setTensor("3.0.weight", Tensor.zeros([4])),
    /3\.0\.weight: new tensor shape \[4\]/,
  );
  assert.throws(() => net.setTensor("9.weight", Tensor.zeros([4])), /no child module/);
  assert.deepEqual(net.outputShape([2, 3, 5, 5]), [2, 100]);
  assert.throws(
    () => net.outputShape([2, 2, 5, 5]),
    /Conv2d\(3→4, k3, s1, p1\): expected 3 channels/,
  );
  // a forward/backward in a tidy leaves only what it returns
  const x = Tensor.from(new Prng(1).normalArray(2 * 3 * 5 * 5), [2, 3, 5, 5]);
  const before = memory().tensors;
  const gs = tidy(() => backward(sum(net.forward(x)), net.parameters()));
  assert.ok(gs.every((g) => g !== null));
  for (const g of gs) g!.dispose();
  assert.equal(memory().tensors, before);
  const counts = net.namedBuffers().filter(([n]) => n.endsWith("num_batches_tracked"));
  for (const [, t] of counts) assert.deepEqual([...await t.read()], [1]);
  net.dispose();
  assert.ok(net.parameters().every((t) => t.disposed));
  x.dispose();
});

Deno.test("Conv2d with bias, Linear, BatchNorm2d and PadShortcut against float64 references", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const conv = new Conv2d(3, 5, 3, { stride: 2, padding: 1, bias: true, rng });
  const xd = rng.normalArray(2 * 3 * 7 * 6);
  const x = Tensor.from(xd, [2, 3, 7, 6]);
  const y = conv.forward(x);
  const yr = conv2dRef(arr(xd, [2, 3, 7, 6]), arr(await conv.weight.read(), [5, 3, 3, 3]), {
    stride: 2,
    padding: 1,
  });
  const b = await conv.bias!.read();
  const hw = yr.shape[2] * yr.shape[3];
  assertClose(
    await y.read(),
    yr.data.map((v, i) => v + b[Math.floor(i / hw) % 5]),
    1e-4,
    `conv seed ${seed}`,
  );
  assert.ok(b.every((v) => Math.abs(v) <= 1 / Math.sqrt(27)), "PyTorch default bias bound");

  const fc = new Linear(6, 4, { rng });
  const fd = rng.normalArray(3 * 6);
  const fy = fc.forward(Tensor.from(fd, [3, 6]));
  const fr = linearRef(
    arr(fd, [3, 6]),
    arr(await fc.weight.read(), [4, 6]),
    arr(await fc.bias!.read(), [4]),
  );
  assertClose(await fy.read(), fr.data, 1e-4, `linear seed ${seed}`);

  const bn = new BatchNorm2d(5);
  const by = bn.forward(y);
  const br = refBatchNorm(
    nd(await y.read(), y.shape),
    [1, 1, 1, 1, 1],
    [0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0],
    [1, 1, 1, 1, 1],
    true,
  );
  assertClose(await by.read(), br.y.data, 1e-4, `bn seed ${seed}`);
  const rv = bn.namedBuffers().find(([n]) => n === "running_var")![1];
  assertClose(await rv.read(), br.runningVar, 1e-4, `bn running_var seed ${seed}`);
  bn.eval();
  const be = bn.forward(y);
  const bre = refBatchNorm(
    nd(await y.read(), y.shape),
    [1, 1, 1, 1, 1],
    [0, 0, 0, 0, 0],
    br.runningMean,
    br.runningVar,
    false,
  );
  assertClose(await be.read(), bre.y.data, 1e-4, `bn eval seed ${seed}`);
  assert.throws(() => new BatchNorm1d(4).forward(x), /BatchNorm1d\(4\): expected a 2-D input/);

  const sc = new PadShortcut(4);
  const sd = rng.normalArray(2 * 8 * 4 * 6);
  const sy = sc.forward(Tensor.from(sd, [2, 8, 4, 6]));
  const pooled = refAvgPool2d(nd(sd, [2, 8, 4, 6]), {
    kernel: [2, 2],
    stride: [2, 2],
    padding: [0, 0],
  });
  const sr = refPadChannels(pooled, 4, 4);
  assert.deepEqual(sy.shape, [2, 16, 2, 3]);
  assertClose(await sy.read(), sr.data, 1e-5, `pad shortcut seed ${seed}`);
  assert.deepEqual(new PReLU(3).outputShape([2, 3, 4, 4]), [2, 3, 4, 4]);
  assert.deepEqual([...await new PReLU(3).weight.read()], [0.25, 0.25, 0.25]);
  for (const m of [conv, fc, bn]) m.dispose();
});

Deno.test("quantize: every estimator's forward and surrogate gradient", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const xd = rng.normalArray(4 * 10, 0, 1.2);
  xd[3] = 0; // sign(0) = 0
  const gd = rng.normalArray(40);
  const rowMean = [0, 1, 2, 3].map((r) =>
    xd.slice(r * 10, r * 10 + 10).reduce((a, v) => a + Math.abs(v), 0) / 10
  );
  const expect: Record<
    string,
    [(x: number, m: number) => number, (g: number, x: number, m: number) => number]
  > = {
    ste: [(x) => Math.sign(x), (g) => g],
    hardtanh: [(x) => Math.sign(x), (g, x) => (Math.abs(x) < 1 ? g : 0)],
    ste_v2: [(x, m) => Math.sign(x) * m, (g) => g],
    hardtanhv2: [(x) => Math.sign(x), (g, x, m) => (Math.abs(x) < m ? g : 0)],
    approx_sign: [(x) => Math.sign(x), (g, x) => g * Math.max(0, 2 - 2 * Math.abs(x))],
  };
  assert.deepEqual(estimatorNames().slice(0, 5), Object.keys(expect));
  for (const [name, [f, b]] of Object.entries(expect)) {
    const x = Tensor.from(xd, [4, 10]);
    x.requiresGrad = true;
    const gy = Tensor.from(gd, [4, 10]);
    const [y, gx] = tidy(() => {
      const y = quantize(x, name);
      return [y, backward(sum(mul(y, gy)), [x])[0]!];
    });
    const m = (i: number) => rowMean[Math.floor(i / 10)];
    assertClose(
      await y.read(),
      Array.from(xd, (v, i) => f(v, m(i))),
      1e-6,
      `${name} forward seed ${seed}`,
    );
    assertClose(
      await gx.read(),
      Array.from(xd, (v, i) => b(gd[i], v, m(i))),
      1e-6,
      `${name} backward seed ${seed}`,
    );
    assert.equal((await y.read())[3], 0, `${name}: sign(0) = 0`);
  }
  registerEstimator({
    name: "clipped2",
    description: "test",
    forward: "sign(x)",
    backward: "select(0.0, g, abs(x) < 2.0)",
    usesRowMeanAbs: false,
    signForward: true,
  });
  assert.equal(getEstimator("clipped2").name, "clipped2");
  assert.throws(
    () => getEstimator("xnor"),
    /unknown estimator "xnor"; choose one of ste, hardtanh/,
  );
  assert.throws(
    () => registerEstimator({ ...getEstimator("ste"), name: "Bad Name" }),
    /must be lower-case/,
  );
});

Deno.test("BinaryLinear equals the OvSW reference as a 1×1 conv (train and eval)", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  for (const training of [true, false]) {
    const fc = new BinaryLinear(12, 5, { rng, estimator: "hardtanh" });
    fc.train(training);
    const xd = rng.normalArray(3 * 12);
    const gd = rng.normalArray(3 * 5);
    const x = Tensor.from(xd, [3, 12]);
    x.requiresGrad = true;
    const g = Tensor.from(gd, [3, 5]);
    const [y, gx, gw] = tidy(() => {
      const y = fc.forward(x);
      const [gx, gw] = backward(sum(mul(y, g)), [x, fc.weight]);
      return [y, gx!, gw!];
    });
    const wd = await fc.weight.read();
    const ref = ovswConvRef(arr(xd, [3, 12, 1, 1]), arr(wd, [5, 12, 1, 1]), gd, {
      stride: 1,
      padding: 0,
      training,
      estimator: "hardtanh",
    });
    assert.deepEqual(y.shape, [3, 5]);
    assertClose(await y.read(), ref.y.data, 1e-4, `y seed ${seed}`);
    assertClose(await gx.read(), ref.gx, 1e-4, `dL/dx seed ${seed}`);
    assertClose(await gw.read(), ref.gw, 1e-4, `dL/dW seed ${seed}`);
    fc.dispose();
  }
});

Deno.test("BinaryConv2d layer: learned α init mean|W|, eval needs no tape, scaleWeights", async () => {
  const conv = new BinaryConv2d(3, 4, 3, { padding: 1, learnedScale: true, rng: new Prng(3) });
  const w = await conv.weight.read();
  const alpha = await conv.scalingFactor!.read();
  for (let o = 0; o < 4; o++) {
    const m = w.slice(o * 27, o * 27 + 27).reduce((a, v) => a + Math.abs(v), 0) / 27;
    assert.ok(Math.abs(alpha[o] - m) < 1e-6);
  }
  const std = Math.sqrt(2 / 27);
  assert.ok(w.every((v) => Math.abs(v) < 6 * std));
  const before = memory().tensors;
  const y = noGrad(() => conv.eval().forward(Tensor.zeros([1, 3, 4, 4])));
  assert.equal(memory().tensors, before + 2, "eval forward leaves only its input and output");
  assert.deepEqual([...await y.read()], new Array(64).fill(0));
  conv.scaleWeights(10);
  assertClose(await conv.weight.read(), w.map((v) => v * 10), 1e-6, "scaleWeights");
  assert.equal(conv.weight.tag, "binary");
  conv.dispose();
});

Deno.test("builder and a custom module", () => {
  class Twice extends Module {
    body = this.registerModule("body", new Sequential(new Hardtanh(), new Hardtanh()));
    forward(x: Tensor): Tensor {
      return this.body.forward(x);
    }
    protected override computeShape(s: readonly number[]): number[] {
      return this.body.outputShape(s);
    }
  }
  assert.deepEqual(new Twice().outputShape([1, 2]), [1, 2]);
  const b = createBuilder({ rng: 5, estimator: "hardtanh", bnGamma: 1e-8 });
  assert.equal(
    (b.binaryConv(8, 16, 3, 2) as BinaryConv2d).describe(),
    "BinaryConv2d(8→16, k3, s2, p1, hardtanh)",
  );
  assert.equal(b.floatConv(3, 64, 7, 2).describe(), "Conv2d(3→64, k7, s2, p3)");
});
