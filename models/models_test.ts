import assert from "node:assert/strict";
import { backward, softmaxCrossEntropy, Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { BinaryConv2d, type Module } from "@ovsw/layers";
import { assertClose, freshSeed, setupGpu } from "../tests/util.ts";
import { createModel, modelInfo, MODELS } from "./mod.ts";

await setupGpu();

function stdOf(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v;
  const m = s / x.length;
  let q = 0;
  for (const v of x) q += (v - m) ** 2;
  return Math.sqrt(q / (x.length - 1));
}

Deno.test("exact parameter counts of every model (docs/method.md §8, §13)", () => {
  const expected: Record<string, [number, number]> = {
    cresnet20: [269_850, 267_264],
    cresnet18: [11_174_986, 11_157_504],
    "vgg-small": [4_660_618, 4_571_136],
    resnet18: [11_690_536, 10_985_472],
    resnet34: [21_798_696, 21_086_208],
    "vgg-small-28": [577_866, 552_960],
  };
  for (const info of MODELS) {
    const net = createModel(info.name);
    try {
      assert.deepEqual(
        [net.countParameters(), net.countParameters("binary")],
        expected[info.name],
        info.name,
      );
      assert.deepEqual([info.params, info.binaryParams], expected[info.name]);
      for (const [name, t] of net.namedParameters()) {
        assert.equal(t.name, name);
        assert.ok(t.requiresGrad, name);
        const tag = t.shape.length === 1 ? "vector" : t.tag === "binary" ? "binary" : "float";
        assert.equal(t.tag, tag, name);
      }
    } finally {
      net.dispose();
    }
  }
  // CIFAR-100 heads
  const c100 = createModel("cresnet20", { classes: 100 });
  assert.equal(c100.countParameters(), 269_850 + 90 * 64 + 90);
  c100.dispose();
});

Deno.test("names match the authors' state_dict; aliases and errors", () => {
  const names = (m: Module) => m.namedParameters().map(([n]) => n);
  const bufs = (m: Module) => m.namedBuffers().map(([n]) => n);
  const r20 = createModel("cResNet20_1w1a");
  assert.deepEqual(names(r20).slice(0, 7), [
    "conv1.weight",
    "bn1.weight",
    "bn1.bias",
    "layer1.0.conv1.weight",
    "layer1.0.bn1.weight",
    "layer1.0.bn1.bias",
    "layer1.0.conv2.weight",
  ]);
  assert.deepEqual(names(r20).slice(-4), [
    "bn2.weight",
    "bn2.bias",
    "linear.weight",
    "linear.bias",
  ]);
  assert.ok(bufs(r20).includes("layer3.2.bn2.num_batches_tracked"));
  assert.equal(r20.namedBuffers().find(([n]) => n === "bn2.running_var")![1].dtype, "f32");
  r20.dispose();
  const r18 = createModel("ResNet18_1w1a", { classes: 10 });
  const n18 = names(r18);
  for (
    const n of [
      "layer2.0.downsample.0.weight",
      "layer2.0.downsample.1.weight",
      "layer4.1.conv2.weight",
      "fc.weight",
      "fc.bias",
    ]
  ) assert.ok(n18.includes(n), n);
  assert.ok(!n18.includes("layer1.0.downsample.0.weight"));
  r18.dispose();
  const vgg = createModel("VGGSmall_1w1a", { classes: 10 });
  assert.deepEqual(names(vgg).slice(0, 4), [
    "conv0.weight",
    "bn0.weight",
    "bn0.bias",
    "conv1.weight",
  ]);
  assert.ok(names(vgg).includes("nonlinear5.weight"));
  vgg.dispose();
  assert.throws(() => createModel("resnet50"), /unknown model "resnet50"; choose one of cresnet20/);
  assert.throws(() => createModel("cresnet20", { classes: 0 }), /classes must be a positive/);
  assert.throws(() => createModel("cresnet20", { init: "he" }), /unknown initializer "he"/);
  assert.throws(() => createModel("cresnet20", { gamma: -1 }), /gamma must be a positive/);
  assert.equal(modelInfo("vggsmall28").name, "vgg-small-28");
});

Deno.test("init of §8: Kaiming fan_in, ImageNet BN γ=1e-8, γ scaling, seeds", async () => {
  const seed = freshSeed();
  const r20 = createModel("cresnet20", { seed });
  const w = await r20.namedParameters().find(([n]) => n === "layer3.1.conv1.weight")![1].read();
  const std = Math.sqrt(2 / (64 * 9));
  assert.ok(Math.abs(stdOf(w) - std) < 0.03 * std, `kaiming std ${stdOf(w)} seed ${seed}`);
  const r20b = createModel("cresnet20", { seed });
  const wb = await r20b.namedParameters().find(([n]) => n === "layer3.1.conv1.weight")![1].read();
  assert.deepEqual(wb, w, "same seed, same weights");
  const r20g = createModel("cresnet20", { seed, gamma: 1e-3 });
  const wg = await r20g.namedParameters().find(([n]) => n === "layer3.1.conv1.weight")![1].read();
  assertClose(wg, w.map((v) => v * 1e-3), 1e-6, `γ-scaled init seed ${seed}`);
  const r20u = createModel("cresnet20", { seed, init: "kaiming_uniform", gamma: 10 });
  const wu = await r20u.namedParameters().find(([n]) => n === "layer3.1.conv1.weight")![1].read();
  const bound = 10 * Math.sqrt(3) * std;
  assert.ok(wu.every((v) => Math.abs(v) <= bound * (1 + 1e-6)));
  assert.ok(Math.abs(stdOf(wu) - bound / Math.sqrt(3)) < 0.03 * bound, `uniform seed ${seed}`);
  for (const m of [r20, r20b, r20g, r20u]) m.dispose();

  const r18 = createModel("resnet18", { classes: 10, seed });
  const q = Object.fromEntries(r18.namedParameters());
  for (const n of ["bn1.weight", "layer1.0.bn2.weight", "layer2.0.downsample.1.weight"]) {
    assert.ok((await q[n].read()).every((v) => v === Math.fround(1e-8)), n);
  }
  assert.ok((await q["bn2.weight"].read()).every((v) => v === 1), "BN1d head keeps γ = 1");
  // FP downsample keeps PyTorch's default U(±1/√fanIn)
  assert.ok((await q["layer2.0.downsample.0.weight"].read()).every((v) => Math.abs(v) <= 1 / 8));
  r18.dispose();
});

Deno.test("scale invariance (§6.2): cResNet20 binary weights ×2¹⁰ and ×2²⁰, identical loss and gradients (ste)", async () => {
  // A whole random-init BNN is chaotic: a relative change of 1e-4 in α (what the +1e-5 inside
  // α's variance does between ×1 and ×1000, docs/method.md §6.2) moves the sign of the activations
  // that BN maps to within rounding of zero, and the change cascades. So the model-level check
  // uses power-of-two scales large enough that the +1e-5 vanishes in f32: every statistic then
  // scales exactly, α is bit-identical, and so must be the loss and the gradients. The ×1 vs
  // ×1000 comparison is made at layer level (conv followed by BN) in layers/binary_conv2d_test.ts.
  const seed = freshSeed();
  const rng = new Prng(seed);
  const x = Tensor.from(rng.normalArray(4 * 3 * 16 * 16), [4, 3, 16, 16]);
  const labels = Tensor.from(new Uint32Array([0, 3, 5, 9]), [4]);
  const out: { loss: number; grad: Float32Array }[] = [];
  for (const gamma of [2 ** 10, 2 ** 20]) {
    const net = createModel("cresnet20", { seed: 7 });
    for (const [, m] of net.namedModules()) if (m instanceof BinaryConv2d) m.scaleWeights(gamma);
    const w = Object.fromEntries(net.namedParameters())["layer2.0.conv1.weight"];
    const [loss, g] = tidy(() => {
      const loss = softmaxCrossEntropy(net.forward(x), labels);
      return [loss, backward(loss, [w])[0]!];
    });
    out.push({ loss: (await loss.read())[0], grad: await g.read() });
    net.dispose();
  }
  assert.ok(Number.isFinite(out[0].loss), `loss is finite (seed ${seed})`);
  assert.equal(out[1].loss, out[0].loss, `loss (seed ${seed})`);
  assert.deepEqual(out[1].grad, out[0].grad, `∂L/∂W layer2.0.conv1 (seed ${seed})`);
  // The gradient carries no information about the scale: a float network's would be 1024× smaller.
  assert.ok(out[0].grad.some((v) => v !== 0), `non-zero gradient (seed ${seed})`);
  x.dispose();
  labels.dispose();
});
