import { Prng } from "@ovsw/init";
import {
  backward,
  meanAll,
  meanAxes,
  normAxes,
  sum,
  sumAxes,
  Tensor,
  tidy,
  varAxes,
} from "../mod.ts";
import { assertClose, freshSeed, randn, setupGpu } from "../../tests/util.ts";
import { nd } from "../../tests/reference/nd.ts";
import {
  refMeanAxes,
  refNormAxes,
  refReduceGrad,
  refSumAxes,
  refVarAxes,
} from "../../tests/reference/reduce.ts";

await setupGpu();

const CASES: { shape: (r: Prng) => number[]; axes: number[] }[] = [
  { shape: (r) => [2 + r.int(3), 3 + r.int(4), 2 + r.int(4), 2 + r.int(4)], axes: [0, 2, 3] },
  { shape: (r) => [2 + r.int(3), 3 + r.int(4), 2 + r.int(4), 2 + r.int(4)], axes: [1, 2, 3] },
  { shape: (r) => [3 + r.int(5), 2 + r.int(9)], axes: [0] },
  { shape: (r) => [3 + r.int(5), 2 + r.int(9)], axes: [-1] },
  { shape: (r) => [2 + r.int(3), 3, 1, 4 + r.int(3)], axes: [1] },
  { shape: (r) => [2 + r.int(2), 2 + r.int(3), 3 + r.int(3)], axes: [0, 2] },
  { shape: (r) => [2 + r.int(3), 40 + r.int(20), 30 + r.int(30)], axes: [0, 2] }, // chunked? no
  { shape: (r) => [3, 20000 + r.int(20000)], axes: [1] }, // chunked two-pass
  { shape: (r) => [600 + r.int(600), 3 + r.int(5)], axes: [1] }, // serial per output
  { shape: (r) => [2 + r.int(3), 3 + r.int(3)], axes: [0, 1] },
];

const KINDS = ["sum", "mean", "var", "norm"] as const;

for (const kind of KINDS) {
  Deno.test(`${kind}Axes forward and backward match the float64 reference`, async () => {
    const seed = freshSeed();
    const rng = new Prng(seed);
    for (const c of CASES) {
      const shape = c.shape(rng);
      const n = shape.reduce((a, d) => a * d, 1);
      const xs = randn(n, rng);
      const what = `${kind}Axes seed ${seed} shape [${shape}] axes [${c.axes}]`;
      const ref = kind === "sum"
        ? refSumAxes(nd(xs, shape), c.axes)
        : kind === "mean"
        ? refMeanAxes(nd(xs, shape), c.axes)
        : kind === "var"
        ? refVarAxes(nd(xs, shape), c.axes)
        : refNormAxes(nd(xs, shape), c.axes);
      const gs = randn(ref.data.length, rng);
      const [y, gx] = tidy(() => {
        const x = Tensor.from(xs, shape);
        x.requiresGrad = true;
        const op = { sum: sumAxes, mean: meanAxes, var: varAxes, norm: normAxes }[kind];
        const y = op(x, c.axes);
        const g = Tensor.from(gs, y.shape);
        return [y, backward(y, [x], g)[0]!];
      });
      if (JSON.stringify(y.shape) !== JSON.stringify(ref.shape)) {
        throw new Error(`${what}: shape [${y.shape}] != [${ref.shape}]`);
      }
      assertClose(await y.read(), ref.data, 1e-4, `${what} forward`);
      const gref = refReduceGrad(kind, nd(xs, shape), c.axes, gs);
      assertClose(await gx.read(), gref.data, 1e-4, `${what} backward`);
      y.dispose();
      gx.dispose();
    }
  });
}

Deno.test("keepDims keeps reduced axes as size 1", () => {
  const y = tidy(() => sumAxes(Tensor.zeros([2, 3, 4]), [1, 2], true));
  if (JSON.stringify(y.shape) !== "[2,1,1]") throw new Error(`got [${y.shape}]`);
  y.dispose();
});

Deno.test("bad axes and too-small variances give clear errors", () => {
  const x = Tensor.zeros([2, 3]);
  let msg = "";
  try {
    sumAxes(x, [2]);
  } catch (e) {
    msg = (e as Error).message;
  }
  if (!msg.includes("axis 2") || !msg.includes("[2, 3]")) throw new Error(`message: ${msg}`);
  msg = "";
  try {
    varAxes(Tensor.zeros([2, 1]), [1]);
  } catch (e) {
    msg = (e as Error).message;
  }
  if (!msg.includes("varAxes")) throw new Error(`message: ${msg}`);
  x.dispose();
});

Deno.test("sum of a large tensor (multi-workgroup) matches the reference", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const n = 300000 + rng.int(100000);
  const xs = randn(n, rng);
  let s = 0;
  for (const v of xs) s += v;
  let abs = 0;
  for (const v of xs) abs += Math.abs(v);
  const y = sum(Tensor.from(xs, [n]));
  const got = (await y.read())[0];
  // Relative to Σ|x| (the conditioning of the sum), f32 accumulation error is tiny.
  if (!(Math.abs(got - s) <= 1e-5 * abs)) {
    throw new Error(`seed ${seed}: sum ${got} vs ${s}`);
  }
});

Deno.test("sum and meanAll forward and backward on small and large inputs", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  for (const shape of [[1 + rng.int(5), 1 + rng.int(7)], [70000 + rng.int(30000)], [0, 3]]) {
    const n = shape.reduce((a, d) => a * d, 1);
    const xs = randn(n, rng);
    const g = rng.normal();
    let s = 0;
    for (const v of xs) s += v;
    for (const kind of ["sum", "mean"] as const) {
      const what = `${kind} seed ${seed} [${shape}]`;
      const [y, gx] = tidy(() => {
        const x = Tensor.from(xs, shape);
        x.requiresGrad = true;
        const y = kind === "sum" ? sum(x) : meanAll(x);
        return [y, backward(y, [x], Tensor.from([g], []))[0]];
      });
      if (y.shape.length !== 0) throw new Error(`${what}: shape [${y.shape}]`);
      const want = kind === "sum" ? s : n === 0 ? 0 : s / n;
      assertClose(await y.read(), [want], 1e-4, what, Math.sqrt(n) * 1e-2 + 1e-6);
      if (n > 0) {
        const gw = new Float64Array(n).fill(kind === "sum" ? g : g / n);
        assertClose(await gx!.read(), gw, 1e-6, `${what} grad`);
      }
    }
  }
});
