import { Prng } from "@ovsw/init";
import { argmax, backward, softmaxCrossEntropy, Tensor, tidy, topkCorrect } from "../mod.ts";
import { assertClose, assertThrowsAll, freshSeed, randn, setupGpu } from "../../tests/util.ts";
import { nd } from "../../tests/reference/nd.ts";
import {
  refArgmax,
  refCrossEntropy,
  refCrossEntropyGrad,
  refTopkCorrect,
} from "../../tests/reference/classify.ts";

await setupGpu();

Deno.test("softmaxCrossEntropy forward and backward match the reference", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const cases = [
    { n: 1 + rng.int(8), k: 2 + rng.int(10), scale: 3, shift: 0, eps: 0 },
    { n: 300 + rng.int(100), k: 10, scale: 2, shift: 0, eps: 0.1 },
    { n: 5 + rng.int(5), k: 100 + rng.int(50), scale: 1, shift: 0, eps: 0.2 * rng.uniform() },
    // Large logits: exp would overflow without the max shift.
    { n: 4 + rng.int(4), k: 3 + rng.int(5), scale: 50, shift: 1000, eps: 0 },
  ];
  for (const c of cases) {
    const xs = randn(c.n * c.k, rng, c.scale).map((v) => v + c.shift);
    const ls = Array.from({ length: c.n }, () => rng.int(c.k));
    const g = 0.5 + rng.uniform();
    const what = `CE seed ${seed} [${c.n}, ${c.k}] eps ${c.eps}`;
    const [loss, gx] = tidy(() => {
      const x = Tensor.from(xs, [c.n, c.k]);
      x.requiresGrad = true;
      const loss = softmaxCrossEntropy(x, Tensor.from(new Uint32Array(ls), [c.n]), {
        labelSmoothing: c.eps,
      });
      return [loss, backward(loss, [x], Tensor.from([g], []))[0]!];
    });
    const X = nd(xs, [c.n, c.k]);
    assertClose(await loss.read(), [refCrossEntropy(X, ls, c.eps)], 1e-4, `${what} loss`);
    assertClose(await gx.read(), refCrossEntropyGrad(X, ls, c.eps, g).data, 1e-4, `${what} grad`);
    loss.dispose();
    gx.dispose();
  }
});

Deno.test("softmaxCrossEntropy rejects bad labels and shapes clearly", async () => {
  const x = Tensor.zeros([2, 3]);
  const bad: [() => unknown, string][] = [
    [() => softmaxCrossEntropy(x, Tensor.from([0, 1], [2])), "u32"],
    [() => softmaxCrossEntropy(x, Tensor.from(new Uint32Array([0, 1, 2]), [3])), "[3]"],
    [() => softmaxCrossEntropy(Tensor.zeros([6]), Tensor.zeros([6], "u32")), "[N, K]"],
    [
      () => softmaxCrossEntropy(x, Tensor.zeros([2], "u32"), { labelSmoothing: 1 }),
      "labelSmoothing",
    ],
  ];
  assertThrowsAll(bad);
  // An out-of-range label cannot be checked without a readback: the loss is NaN, not wrong.
  const loss = softmaxCrossEntropy(x, Tensor.from(new Uint32Array([0, 7]), [2]));
  if (!Number.isNaN((await loss.read())[0])) throw new Error("label 7 of 3 classes not NaN");
});

Deno.test("argmax and topkCorrect match the reference, ties included", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  for (let trial = 0; trial < 4; trial++) {
    const n = 1 + rng.int(300);
    const k = 1 + rng.int(12);
    // Small integers make ties common.
    const xs = Float32Array.from({ length: n * k }, () => rng.int(4));
    const ls = Array.from({ length: n }, () => rng.int(k));
    const X = nd(xs, [n, k]);
    const what = `seed ${seed} [${n}, ${k}]`;
    const x = Tensor.from(xs, [n, k]);
    const labels = Tensor.from(new Uint32Array(ls), [n]);
    const am = await argmax(x).readU32();
    if (am.join() !== refArgmax(X).join()) throw new Error(`${what}: argmax ${am}`);
    for (const top of [1, 2, 5]) {
      const got = (await topkCorrect(x, labels, top).read())[0];
      const want = refTopkCorrect(X, ls, top);
      if (got !== want) throw new Error(`${what}: top-${top} ${got} != ${want}`);
    }
  }
});
