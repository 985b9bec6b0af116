import { Prng } from "@ovsw/init";
import { backward, conv2d, mul, sum, Tensor, tidy } from "../mod.ts";
import {
  conv2dForward,
  conv2dGradInput,
  conv2dGradWeight,
  HARDWARE_TILING,
  setDenseTiling,
} from "../_internal.ts";
import { assertClose, assertThrowsAll, freshSeed, randn, setupGpu } from "../../tests/util.ts";
import {
  arr,
  conv2dGradInputRef,
  conv2dGradWeightRef,
  conv2dRef,
  convOutSize,
} from "../../tests/reference/dense.ts";

await setupGpu();

interface Case {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  k: number;
  stride: number;
  padding: number;
}

/** A random geometry: batch 1–3, odd or even sizes, 1×1 or 3×3, stride 1/2, padding 0/1. */
function randomCase(rng: Prng, k: number, stride: number, padding: number): Case {
  const lo = Math.max(1, k - 2 * padding);
  return {
    N: 1 + rng.int(3),
    C: 1 + rng.int(9),
    H: lo + rng.int(10),
    W: lo + rng.int(10),
    O: 1 + rng.int(13),
    k,
    stride,
    padding,
  };
}

async function checkCase(c: Case, rng: Prng, what: string, viaAutograd: boolean) {
  const opts = { stride: c.stride, padding: c.padding };
  const OH = convOutSize(c.H, c.k, c.stride, c.padding);
  const OW = convOutSize(c.W, c.k, c.stride, c.padding);
  const xShape = [c.N, c.C, c.H, c.W];
  const wShape = [c.O, c.C, c.k, c.k];
  const yShape = [c.N, c.O, OH, OW];
  const xs = randn(c.N * c.C * c.H * c.W, rng);
  const ws = randn(c.O * c.C * c.k * c.k, rng);
  const gs = randn(c.N * c.O * OH * OW, rng);
  const [y, gx, gw] = tidy(() => {
    const x = Tensor.from(xs, xShape);
    const w = Tensor.from(ws, wShape);
    const g = Tensor.from(gs, yShape);
    if (!viaAutograd) {
      return [
        conv2dForward(x, w, opts),
        conv2dGradInput(g, w, xShape, opts),
        conv2dGradWeight(x, g, wShape, opts),
      ];
    }
    x.requiresGrad = true;
    w.requiresGrad = true;
    const y = conv2d(x, w, opts);
    const [gx, gw] = backward(y, [x, w], g);
    return [y, gx!, gw!];
  });
  const X = arr(xs, xShape);
  const Wt = arr(ws, wShape);
  const G = arr(gs, yShape);
  if (y.shape.join() !== yShape.join()) throw new Error(`${what}: output shape [${y.shape}]`);
  assertClose(await y.read(), conv2dRef(X, Wt, opts).data, 1e-4, `${what} forward`);
  assertClose(
    await gx.read(),
    conv2dGradInputRef(G, Wt, xShape, opts).data,
    1e-4,
    `${what} grad input`,
  );
  assertClose(
    await gw.read(),
    conv2dGradWeightRef(X, G, wShape, opts).data,
    1e-4,
    `${what} grad weight`,
  );
  for (const t of [y, gx, gw]) t.dispose();
}

async function checkAll(seed: number, tiling: string, viaAutograd: boolean): Promise<void> {
  const rng = new Prng(seed);
  for (const k of [1, 3]) {
    for (const stride of [1, 2]) {
      for (const padding of [0, 1]) {
        const c = randomCase(rng, k, stride, padding);
        await checkCase(c, rng, `conv2d ${tiling} seed ${seed} ${JSON.stringify(c)}`, viaAutograd);
      }
    }
  }
}

Deno.test("conv2dForward / GradInput / GradWeight match the float64 reference", async () => {
  await checkAll(freshSeed(), "default", false);
});

Deno.test("conv2d autograd gives the reference gradients", async () => {
  await checkAll(freshSeed(), "default", true);
});

Deno.test("conv kernels are correct under other tilings, with split-K slices", async () => {
  const seed = freshSeed();
  for (
    const t of [{ ...HARDWARE_TILING, minSliceSteps: 1 }, { minSliceSteps: 1, splitTarget: 4096 }]
  ) {
    setDenseTiling(t);
    try {
      await checkAll(seed, JSON.stringify(t), false);
    } finally {
      setDenseTiling(null);
    }
  }
});

async function checkBig(seed: number, tiling: string): Promise<void> {
  const rng = new Prng(seed);
  for (
    const c of [
      { N: 2, C: 16, H: 12, W: 10, O: 20, k: 3, stride: 1, padding: 1 },
      { N: 3, C: 13, H: 9, W: 14, O: 70, k: 3, stride: 2, padding: 1 },
      { N: 1, C: 68, H: 5, W: 5, O: 8, k: 1, stride: 1, padding: 0 },
      // Row-tiled stride-1 kernels (W % 4 == 0, OW % 8 == 0), forward and grad-input.
      { N: 2, C: 5, H: 7, W: 16, O: 12, k: 3, stride: 1, padding: 1 },
      { N: 3, C: 8, H: 4, W: 8, O: 6, k: 1, stride: 1, padding: 0 },
      { N: 2, C: 3, H: 3, W: 24, O: 9, k: 3, stride: 1, padding: 1 },
    ]
  ) {
    await checkCase(c, rng, `conv2d ${tiling} seed ${seed} ${JSON.stringify(c)}`, false);
  }
}

Deno.test("conv2d on several workgroups, row-tiled and general kernels", async () => {
  const seed = freshSeed();
  await checkBig(seed, "default");
  setDenseTiling(HARDWARE_TILING);
  try {
    await checkBig(seed, "hardware");
  } finally {
    setDenseTiling(null);
  }
});

Deno.test("finite differences agree with backward on conv → square → sum", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const opts = { stride: 2, padding: 1 };
  const xShape = [2, 3, 5, 6];
  const wShape = [4, 3, 3, 3];
  const xs = randn(2 * 3 * 5 * 6, rng);
  const ws = randn(4 * 3 * 3 * 3, rng, 0.5);
  const loss = async (xv: Float32Array, wv: Float32Array) => {
    const l = tidy(() => {
      const y = conv2d(Tensor.from(xv, xShape), Tensor.from(wv, wShape), opts);
      return sum(mul(y, y));
    });
    const v = (await l.read())[0];
    l.dispose();
    return v;
  };
  const [gx, gw] = tidy(() => {
    const x = Tensor.from(xs, xShape);
    const w = Tensor.from(ws, wShape);
    x.requiresGrad = true;
    w.requiresGrad = true;
    const y = conv2d(x, w, opts);
    const [gx, gw] = backward(sum(mul(y, y)), [x, w]);
    return [gx!, gw!];
  });
  const ax = await gx.read();
  const aw = await gw.read();
  const eps = 1e-2;
  for (const [name, base, analytic] of [["x", xs, ax], ["w", ws, aw]] as const) {
    const got: number[] = [];
    const want: number[] = [];
    for (let rep = 0; rep < 6; rep++) {
      const i = rng.int(base.length);
      const plus = base.slice();
      const minus = base.slice();
      plus[i] += eps;
      minus[i] -= eps;
      const fd = name === "x"
        ? ((await loss(plus, ws)) - (await loss(minus, ws))) / (2 * eps)
        : ((await loss(xs, plus)) - (await loss(xs, minus))) / (2 * eps);
      got.push(analytic[i]);
      want.push(fd);
    }
    assertClose(got, want, 2e-2, `finite differences d loss / d ${name}, seed ${seed}`, 1e-2);
  }
  gx.dispose();
  gw.dispose();
});

Deno.test("conv2d rejects bad shapes and options with clear messages", () => {
  const x = Tensor.zeros([1, 3, 4, 4]);
  const cases: [() => unknown, string][] = [
    [() => conv2d(x, Tensor.zeros([2, 4, 3, 3])), "3 channels"],
    [() => conv2d(x, Tensor.zeros([2, 3, 7, 7])), "does not fit"],
    [() => conv2d(Tensor.zeros([3, 4, 4]), Tensor.zeros([2, 3, 3, 3])), "NCHW"],
    [() => conv2d(x, Tensor.zeros([2, 3, 3, 3]), { stride: 0 }), "stride"],
    [() => conv2d(x, Tensor.zeros([2, 3, 3, 3]), { padding: 0.5 }), "padding"],
    [
      () => conv2dGradInput(Tensor.zeros([1, 2, 3, 3]), Tensor.zeros([2, 3, 3, 3]), [1, 3, 4, 4]),
      "[1, 2, 2, 2]",
    ],
  ];
  assertThrowsAll(cases.map(([fn, expect]) => [() => tidy(fn), expect] as const));
  x.dispose();
});
