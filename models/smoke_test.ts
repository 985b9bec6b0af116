import assert from "node:assert/strict";
import { add, backward, mul, noGrad, softmaxCrossEntropy, sum, Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { freshSeed, setupGpu } from "../tests/util.ts";
import { createModel } from "./mod.ts";

await setupGpu();

// One training-mode forward/backward and one eval forward of every model at batch 2 (inputs
// reduced where the architecture allows it, to keep the software adapter fast).
async function smoke(name: string, input: number[]): Promise<void> {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const net = createModel(name, { classes: 10, seed });
  const params = net.parameters();
  const x = Tensor.from(rng.normalArray(input.reduce((a, b) => a * b, 1)), input);
  const labels = Tensor.from(new Uint32Array([1, 7]), [2]);
  try {
    const [loss, grads] = tidy(() => {
      const logits = net.train().forward(x);
      assert.deepEqual(logits.shape, [2, 10]);
      const loss = softmaxCrossEntropy(logits, labels);
      return [loss, backward(loss, params)];
    });
    const l = (await loss.read())[0];
    assert.ok(Number.isFinite(l), `${name} loss ${l} seed ${seed}`);
    grads.forEach((g, i) =>
      assert.ok(g, `${name}: no gradient for ${net.namedParameters()[i][0]}`)
    );
    // Σ‖g‖² over every parameter in one readback: any NaN/Inf (or unwritten, poisoned) value
    // anywhere makes it non-finite.
    const total = tidy(() => grads.map((g) => sum(mul(g!, g!))).reduce((a, b) => add(a, b)));
    const t = (await total.read())[0];
    assert.ok(Number.isFinite(t) && t > 0, `${name}: Σ‖∂L/∂θ‖² = ${t} seed ${seed}`);
    total.dispose();
    for (const g of grads) g?.dispose();
    loss.dispose();
    const y = tidy(() => noGrad(() => net.eval().forward(x)));
    assert.ok((await y.read()).every(Number.isFinite), `${name} eval seed ${seed}`);
    y.dispose();
  } finally {
    net.dispose();
    x.dispose();
    labels.dispose();
  }
}

Deno.test("smoke step: cresnet20 (batch 2, 32×32)", () => smoke("cresnet20", [2, 3, 32, 32]));
Deno.test("smoke step: vgg-small-28 (batch 2, 28×28)", () => smoke("vgg-small-28", [2, 1, 28, 28]));
Deno.test("smoke step: vgg-small (batch 2, 32×32)", () => smoke("vgg-small", [2, 3, 32, 32]));
Deno.test("smoke step: cresnet18 (batch 2, reduced 16×16)", () =>
  smoke("cresnet18", [2, 3, 16, 16]));
Deno.test("smoke step: resnet18 (batch 2, reduced 16×16)", () => smoke("resnet18", [2, 3, 16, 16]));
Deno.test("smoke step: resnet34 (batch 2, reduced 16×16)", () => smoke("resnet34", [2, 3, 16, 16]));
