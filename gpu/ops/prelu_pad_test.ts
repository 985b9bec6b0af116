import { Prng } from "@ovsw/init";
import { backward, padChannels, prelu, Tensor, tidy } from "../mod.ts";
import { assertClose, assertThrowsAll, freshSeed, randn, setupGpu } from "../../tests/util.ts";
import { nd } from "../../tests/reference/nd.ts";
import {
  refPadChannels,
  refPadChannelsGrad,
  refPrelu,
  refPreluGrad,
} from "../../tests/reference/channel.ts";

await setupGpu();

Deno.test("prelu (per channel and shared slope) forward and backward match the reference", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const shapes = [
    [1 + rng.int(3), 1 + rng.int(5), 1 + rng.int(5), 1 + rng.int(5)],
    [2 + rng.int(6), 1 + rng.int(9)],
    [40, 16, 8, 8],
  ];
  for (const shape of shapes) {
    for (const shared of [false, true]) {
      const n = shape.reduce((a, d) => a * d, 1);
      const xs = randn(n, rng);
      const ss = randn(shared ? 1 : shape[1], rng, 0.3);
      const gs = randn(n, rng);
      const what = `prelu seed ${seed} [${shape}] shared=${shared}`;
      const [y, gx, ga] = tidy(() => {
        const x = Tensor.from(xs, shape);
        const a = Tensor.from(ss, [ss.length]);
        x.requiresGrad = true;
        a.requiresGrad = true;
        const y = prelu(x, a);
        const [gx, ga] = backward(y, [x, a], Tensor.from(gs, shape));
        return [y, gx!, ga!];
      });
      const X = nd(xs, shape);
      assertClose(await y.read(), refPrelu(X, ss).data, 1e-4, `${what} forward`);
      const r = refPreluGrad(X, ss, nd(gs, shape));
      assertClose(await gx.read(), r.gx.data, 1e-4, `${what} grad x`);
      assertClose(await ga.read(), r.gSlope, 1e-4, `${what} grad slope`);
      for (const t of [y, gx, ga]) t.dispose();
    }
  }
});

Deno.test("padChannels forward and backward match the reference", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  for (const shape of [[2, 3, 4, 4], [1 + rng.int(3), 1 + rng.int(8), 1 + rng.int(5)], [3, 5]]) {
    const before = rng.int(4);
    const after = rng.int(4);
    const n = shape.reduce((a, d) => a * d, 1);
    const xs = randn(n, rng);
    const ref = refPadChannels(nd(xs, shape), before, after);
    const gs = randn(ref.data.length, rng);
    const what = `padChannels seed ${seed} [${shape}] +${before}/+${after}`;
    const [y, gx] = tidy(() => {
      const x = Tensor.from(xs, shape);
      x.requiresGrad = true;
      const y = padChannels(x, before, after);
      return [y, backward(y, [x], Tensor.from(gs, y.shape))[0]!];
    });
    if (JSON.stringify(y.shape) !== JSON.stringify(ref.shape)) throw new Error(`${what}: shape`);
    assertClose(await y.read(), ref.data, 1e-7, `${what} forward`);
    const gref = refPadChannelsGrad(nd(gs, ref.shape), before, after);
    assertClose(await gx.read(), gref.data, 1e-7, `${what} backward`);
    y.dispose();
    gx.dispose();
  }
});

Deno.test("prelu and padChannels reject bad arguments clearly", () => {
  const cases: [() => unknown, string][] = [
    [() => prelu(Tensor.zeros([2, 3]), Tensor.zeros([4])), "[4]"],
    [() => padChannels(Tensor.zeros([2, 3]), -1, 0), "before = -1"],
    [() => padChannels(Tensor.zeros([6]), 1, 1), "[N, C, ...]"],
  ];
  assertThrowsAll(cases);
});
