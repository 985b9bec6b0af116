import { Prng } from "@ovsw/init";
import { backward, linear, Tensor, tidy } from "../mod.ts";
import { assertClose, assertThrowsAll, freshSeed, randn, setupGpu } from "../../tests/util.ts";
import { arr, linearRef, matmulRef } from "../../tests/reference/dense.ts";

await setupGpu();

Deno.test("linear forward and backward match the float64 reference", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  for (const withBias of [true, false]) {
    for (let rep = 0; rep < 3; rep++) {
      const N = 1 + rng.int(9);
      const IN = 1 + rng.int(70);
      const OUT = 1 + rng.int(20);
      const xs = randn(N * IN, rng);
      const ws = randn(OUT * IN, rng);
      const bs = randn(OUT, rng);
      const gs = randn(N * OUT, rng);
      const what = `linear seed ${seed} N=${N} in=${IN} out=${OUT} bias=${withBias}`;
      const [y, gx, gw, gb] = tidy(() => {
        const x = Tensor.from(xs, [N, IN]);
        const w = Tensor.from(ws, [OUT, IN]);
        const b = Tensor.from(bs, [OUT]);
        for (const t of [x, w, b]) t.requiresGrad = true;
        const y = linear(x, w, withBias ? b : undefined);
        const grads = backward(y, [x, w, b], Tensor.from(gs, [N, OUT]));
        return [y, ...grads];
      });
      const X = arr(xs, [N, IN]);
      const W = arr(ws, [OUT, IN]);
      const G = arr(gs, [N, OUT]);
      const ref = linearRef(X, W, withBias ? arr(bs, [OUT]) : undefined);
      assertClose(await y!.read(), ref.data, 1e-4, `${what} forward`);
      assertClose(await gx!.read(), matmulRef(G, W).data, 1e-4, `${what} grad x`);
      assertClose(await gw!.read(), matmulRef(G, X, true).data, 1e-4, `${what} grad w`);
      if (withBias) {
        const db = new Float64Array(OUT);
        for (let i = 0; i < gs.length; i++) db[i % OUT] += gs[i];
        assertClose(await gb!.read(), db, 1e-4, `${what} grad b`);
      } else if (gb !== null) {
        throw new Error(`${what}: unused bias got a gradient`);
      }
      for (const t of [y, gx, gw, gb]) t?.dispose();
    }
  }
});

Deno.test("linear rejects mismatched shapes with the shapes in the message", () => {
  const x = Tensor.zeros([2, 3]);
  const w = Tensor.zeros([4, 5]);
  const b = Tensor.zeros([3]);
  const cases = [
    [() => linear(x, w), "[4, 5]"],
    [() => linear(x, Tensor.zeros([4, 3]), b), "bias [3]"],
    [() => linear(Tensor.zeros([3]), w), "[N, in]"],
  ] as const;
  assertThrowsAll(cases.map(([fn, expect]) => [() => tidy(fn), expect] as const));
  for (const t of [x, w, b]) t.dispose();
});
