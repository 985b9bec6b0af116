import { Prng } from "@ovsw/init";
import { avgPool2d, backward, globalAvgPool, maxPool2d, Tensor, tidy } from "../mod.ts";
import { assertClose, assertThrowsAll, freshSeed, randn, setupGpu } from "../../tests/util.ts";
import { nd } from "../../tests/reference/nd.ts";
import {
  refAvgPool2d,
  refAvgPool2dGrad,
  refMaxPool2d,
  refMaxPool2dGrad,
  type RefPool,
} from "../../tests/reference/pool.ts";
import { refMeanAxes, refReduceGrad } from "../../tests/reference/reduce.ts";

await setupGpu();

function randomPool(rng: Prng): RefPool {
  const kernel: [number, number] = [1 + rng.int(3), 1 + rng.int(3)];
  const stride: [number, number] = [1 + rng.int(3), 1 + rng.int(3)];
  const padding: [number, number] = [
    rng.int(Math.floor(kernel[0] / 2) + 1),
    rng.int(Math.floor(kernel[1] / 2) + 1),
  ];
  return { kernel, stride, padding };
}

for (const kind of ["max", "avg"] as const) {
  Deno.test(`${kind}Pool2d forward and backward match the reference`, async () => {
    const seed = freshSeed();
    const rng = new Prng(seed);
    const cases: RefPool[] = [
      { kernel: [2, 2], stride: [2, 2], padding: [0, 0] },
      { kernel: [3, 3], stride: [2, 2], padding: [1, 1] },
      ...Array.from({ length: 6 }, () => randomPool(rng)),
    ];
    for (const p of cases) {
      const shape = [1 + rng.int(3), 1 + rng.int(3), 4 + rng.int(5), 4 + rng.int(5)];
      const n = shape.reduce((a, d) => a * d, 1);
      // Max pooling: a few repeated values make ties (first maximum wins) likely.
      const xs = kind === "max"
        ? Float32Array.from({ length: n }, () => rng.int(6) - 3)
        : randn(n, rng);
      const X = nd(xs, shape);
      const ref = kind === "max" ? refMaxPool2d(X, p).y : refAvgPool2d(X, p);
      const gs = randn(ref.data.length, rng);
      const what = `${kind}Pool2d seed ${seed} [${shape}] ${JSON.stringify(p)}`;
      const [y, gx] = tidy(() => {
        const x = Tensor.from(xs, shape);
        x.requiresGrad = true;
        const opts = { kernel: p.kernel, stride: p.stride, padding: p.padding };
        const y = kind === "max" ? maxPool2d(x, opts) : avgPool2d(x, opts);
        return [y, backward(y, [x], Tensor.from(gs, y.shape))[0]!];
      });
      if (JSON.stringify(y.shape) !== JSON.stringify(ref.shape)) {
        throw new Error(`${what}: shape [${y.shape}] != [${ref.shape}]`);
      }
      assertClose(await y.read(), ref.data, 1e-4, `${what} forward`);
      const G = nd(gs, ref.shape);
      const gref = kind === "max" ? refMaxPool2dGrad(X, p, G) : refAvgPool2dGrad(X, p, G);
      assertClose(await gx.read(), gref.data, 1e-4, `${what} backward`);
      y.dispose();
      gx.dispose();
    }
  });
}

Deno.test("globalAvgPool matches the reference", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const shape = [1 + rng.int(4), 1 + rng.int(6), 1 + rng.int(8), 1 + rng.int(8)];
  const n = shape.reduce((a, d) => a * d, 1);
  const xs = randn(n, rng);
  const gs = randn(shape[0] * shape[1], rng);
  const [y, gx] = tidy(() => {
    const x = Tensor.from(xs, shape);
    x.requiresGrad = true;
    const y = globalAvgPool(x);
    return [y, backward(y, [x], Tensor.from(gs, y.shape))[0]!];
  });
  const what = `globalAvgPool seed ${seed} [${shape}]`;
  assertClose(await y.read(), refMeanAxes(nd(xs, shape), [2, 3]).data, 1e-4, what);
  assertClose(await gx.read(), refReduceGrad("mean", nd(xs, shape), [2, 3], gs).data, 1e-4, what);
});

Deno.test("pooling rejects bad geometry with a clear message", () => {
  const x = Tensor.zeros([1, 1, 4, 4]);
  const cases: [() => unknown, string][] = [
    [() => maxPool2d(x, { kernel: 2, padding: 2 }), "at most half"],
    [() => avgPool2d(x, { kernel: 5 }), "does not fit"],
    [() => maxPool2d(Tensor.zeros([4, 4]), { kernel: 2 }), "[N, C, H, W]"],
    [() => avgPool2d(x, { kernel: 2, stride: 0 }), "sh = 0"],
  ];
  assertThrowsAll(cases);
});
