import { add, mapElements, mulChannel, sign, Tensor, tidy } from "@ovsw/gpu";
import assert from "node:assert/strict";
import {
  binaryConv2dGradInput,
  binaryConv2dGradWeight,
  binaryConvGeometry,
  conv2dForward,
  conv2dGradInput,
  conv2dGradWeight,
  packActivationSigns,
  packWeightSigns,
  setBinaryTiling,
  xnorConv2dForward,
} from "@ovsw/gpu/internal";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../../tests/util.ts";
import {
  assertExact,
  binaryConvGradInputRef,
  binaryConvGradWeightRef,
  binaryConvRef,
  type BinaryConvRefGeom,
  binaryOutShape,
  withZeros,
} from "../../tests/reference/binary_conv.ts";
import {
  type BinaryTiling,
  HARDWARE_BINARY_TILING,
  SOFTWARE_BINARY_TILING,
} from "./binary_tiling.ts";

await setupGpu();

const TILINGS: [string, Partial<BinaryTiling>][] = [
  ["software", SOFTWARE_BINARY_TILING],
  ["hardware", HARDWARE_BINARY_TILING],
  ["odd", {
    bwdPixels: 3,
    bwdChannels: 16,
    bwdWorkgroup: 32,
    gwChannels: 16,
    gwOut: 8,
    gwWorkgroup: 16,
    gwSplitTarget: 64,
    gwMinSlice: 7,
  }],
];

const CASES: BinaryConvRefGeom[] = [
  { x: [2, 3, 5, 6], w: [5, 3, 3, 3], stride: 1, padding: 1 },
  { x: [1, 37, 7, 7], w: [9, 37, 3, 3], stride: 2, padding: 1 },
  { x: [3, 33, 4, 5], w: [4, 33, 1, 1], stride: 1, padding: 0 },
  { x: [2, 20, 6, 6], w: [12, 20, 3, 3], stride: 2, padding: 0 },
  { x: [1, 40, 5, 4], w: [3, 40, 2, 3], stride: 1, padding: 2 },
];

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

interface Inputs {
  seed: number;
  x: Float32Array;
  w: Float32Array;
  alpha: Float32Array;
  gy: Float32Array;
  std: Float32Array;
}

function inputs(g: BinaryConvRefGeom): Inputs {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const x = withZeros(prod(g.x), rng, 0.8);
  const w = withZeros(prod(g.w), rng, 0.1);
  const alpha = rng.uniformArray(g.w[0], 0.5, 1.5);
  const gy = rng.normalArray(prod(binaryOutShape(g)));
  const std = rng.uniformArray(g.x[0], 0.5, 2);
  return { seed, x, w, alpha, gy, std };
}

async function readAll(ts: Tensor[]): Promise<Float32Array[]> {
  const out = await Promise.all(ts.map((t) => t.read()));
  ts.forEach((t) => t.dispose());
  return out;
}

for (const [tname, tiling] of TILINGS) {
  Deno.test(`binaryConv2dGradInput matches the float64 reference (${tname} tiling)`, async () => {
    setBinaryTiling(tiling);
    try {
      for (const g of CASES) {
        const d = inputs(g);
        const [bare, win, winStd] = await readAll(tidy(() => {
          const geom = binaryConvGeometry(g.x, g.w, g, "test");
          const wb = packWeightSigns(Tensor.from(d.w, g.w));
          const gy = Tensor.from(d.gy, binaryOutShape(g));
          const al = Tensor.from(d.alpha, [g.w[0]]);
          const x = Tensor.from(d.x, g.x);
          return [
            binaryConv2dGradInput(gy, wb, al, geom),
            binaryConv2dGradInput(gy, wb, al, geom, { x }),
            binaryConv2dGradInput(gy, wb, al, geom, { x, sampleStd: Tensor.from(d.std, [g.x[0]]) }),
          ];
        }));
        const what = `seed ${d.seed}, x ${g.x}, w ${g.w}, s${g.stride} p${g.padding}`;
        const ref = (std?: Float32Array, window = true) =>
          binaryConvGradInputRef(d.x, d.w, d.alpha, d.gy, g, std, window);
        assertClose(bare, ref(undefined, false), 1e-5, `${what}: no window`);
        assertClose(win, ref(), 1e-5, `${what}: window`);
        assertClose(winStd, ref(d.std), 1e-5, `${what}: window with s_n`);
      }
    } finally {
      setBinaryTiling(null);
    }
  });

  Deno.test(`binaryConv2dGradWeight matches the float64 reference (${tname} tiling)`, async () => {
    setBinaryTiling(tiling);
    try {
      for (const g of CASES) {
        const d = inputs(g);
        const [gw, gwBare] = await readAll(tidy(() => {
          const geom = binaryConvGeometry(g.x, g.w, g, "test");
          const ab = packActivationSigns(Tensor.from(d.x, g.x));
          const gy = Tensor.from(d.gy, binaryOutShape(g));
          return [
            binaryConv2dGradWeight(ab, gy, Tensor.from(d.alpha, [g.w[0]]), geom),
            binaryConv2dGradWeight(ab, gy, null, geom),
          ];
        }));
        const what = `seed ${d.seed}, x ${g.x}, w ${g.w}, s${g.stride} p${g.padding}`;
        assertClose(gw, binaryConvGradWeightRef(d.x, d.alpha, d.gy, g), 1e-5, what);
        const ones = new Float32Array(g.w[0]).fill(1);
        assertClose(gwBare, binaryConvGradWeightRef(d.x, ones, d.gy, g), 1e-5, `${what}: no α`);
      }
    } finally {
      setBinaryTiling(null);
    }
  });
}

Deno.test("the XNOR kernels equal the unfused float path (forward, grad-input, grad-weight)", async () => {
  for (const g of CASES) {
    const d = inputs(g);
    const got = tidy(() => {
      const x = Tensor.from(d.x, g.x);
      const w = Tensor.from(d.w, g.w);
      const al = Tensor.from(d.alpha, [g.w[0]]);
      const std = Tensor.from(d.std, [g.x[0]]);
      const gyT = Tensor.from(d.gy, binaryOutShape(g));
      // Fused: XNOR forward, ±1-structured backward.
      const geom = binaryConvGeometry(g.x, g.w, g, "test");
      const aBits = packActivationSigns(x);
      const wBits = packWeightSigns(w);
      const y = xnorConv2dForward(aBits, wBits, al, geom);
      const gx = binaryConv2dGradInput(gyT, wBits, al, geom, { x, sampleStd: std });
      const gw = binaryConv2dGradWeight(aBits, gyT, al, geom);
      // Unfused: float conv of sign(x), sign(W); scale; float transposed conv; window.
      const opts = { stride: g.stride, padding: g.padding };
      const sx = sign(x);
      const sw = sign(w);
      const yF = mulChannel(conv2dForward(sx, sw, opts), al);
      const gyA = mulChannel(gyT, al);
      const gaF = conv2dGradInput(gyA, sw, g.x, opts);
      const stdB = mapElements("bcast", "a", [
        mulChannel(Tensor.full([1, g.x[0], prod(g.x.slice(1))], 1), std),
      ]);
      const gxF = mapElements("win", "a * max(0.0, 2.0 - 2.0 * abs(b / c)) / c", [
        gaF,
        x,
        stdB.view(g.x),
      ]);
      const gwF = conv2dGradWeight(sx, gyA, g.w, opts);
      return [y, yF, gx, gxF, gw, gwF];
    });
    const [y, yF, gx, gxF, gw, gwF] = await readAll(got);
    const what = `seed ${d.seed}, x ${g.x}, w ${g.w}, s${g.stride} p${g.padding}`;
    assertExact(y, Array.from(binaryConvRef(d.x, d.w, d.alpha, g), Math.fround), `${what}: y`);
    assertClose(y, yF, 1e-6, `${what}: y vs float conv`);
    assertClose(gx, gxF, 1e-5, `${what}: grad-input vs float path`);
    assertClose(gw, gwF, 1e-5, `${what}: grad-weight vs float path`);
  }
});

Deno.test("the XNOR kernels reproduce the docs/method.md §2.3 golden vector", async () => {
  const [y, gx, gw] = await readAll(tidy(() => {
    const x = Tensor.from([0.5, -1.0, 2.0, 0.25], [1, 2, 1, 2]);
    const w = Tensor.from([0.3, -0.1, 0.02, 0.05], [2, 2, 1, 1]);
    const alpha = Tensor.from([0.7070626, 0.6993787], [2]);
    const s = Math.sqrt(1.515625 + 1e-5);
    const geom = binaryConvGeometry(x.shape, w.shape, {}, "test");
    const aBits = packActivationSigns(x);
    const wBits = packWeightSigns(w);
    const y = xnorConv2dForward(aBits, wBits, alpha, geom);
    const ones = Tensor.full(y.shape, 1);
    const gx = binaryConv2dGradInput(ones, wBits, alpha, geom, {
      x,
      sampleStd: Tensor.from([s], [1]),
    });
    return [y, gx, binaryConv2dGradWeight(aBits, ones, alpha, geom)];
  }));
  assertClose(y, [0, -1.4141252, 1.3987573, 0], 1e-6, "y");
  assertClose(gx, [1.3568770, 0.4289217, -0.0, -0.0099480], 1e-5, "dL/dx");
  assertClose(gw, [0, 1.4141252, 0, 1.3987573], 1e-6, "dL/dW");
});

Deno.test("binaryConv2dGradInput: s_n from per-sample statistics equals a given sampleStd", async () => {
  for (const g of CASES) {
    const d = inputs(g);
    const eps = 1e-5;
    const n = g.x[0];
    // Statistics [N, 4] with the variance in column 1 (the other columns are not read).
    const stats = new Float32Array(n * 4);
    const std = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      stats[i * 4 + 1] = d.std[i] * d.std[i];
      std[i] = Math.fround(Math.sqrt(Math.fround(stats[i * 4 + 1] + eps)));
    }
    const [a, b] = await readAll(tidy(() => {
      const x = Tensor.from(d.x, g.x);
      const wBits = packWeightSigns(Tensor.from(d.w, g.w));
      const al = Tensor.from(d.alpha, [g.w[0]]);
      const gyT = Tensor.from(d.gy, binaryOutShape(g));
      const geom = binaryConvGeometry(g.x, g.w, g, "test");
      const st = Tensor.from(stats, [n, 4]);
      return [
        binaryConv2dGradInput(gyT, wBits, al, geom, { x, sampleStats: st, eps }),
        binaryConv2dGradInput(gyT, wBits, al, geom, { x, sampleStd: Tensor.from(std, [n]) }),
      ];
    }));
    assertClose(a, b, 1e-6, `x ${g.x}, w ${g.w}`);
  }
});

Deno.test("binaryConv2dGradInput: accumulate adds a gradient inside the kernel, exactly", async () => {
  for (const g of CASES) {
    const d = inputs(g);
    const rng = new Prng(d.seed + 1);
    const [a, b] = await readAll(tidy(() => {
      const x = Tensor.from(d.x, g.x);
      const wBits = packWeightSigns(Tensor.from(d.w, g.w));
      const al = Tensor.from(d.alpha, [g.w[0]]);
      const gyT = Tensor.from(d.gy, binaryOutShape(g));
      const geom = binaryConvGeometry(g.x, g.w, g, "test");
      const prior = Tensor.from(rng.normalArray(prod(g.x)), g.x);
      const win = { x, sampleStd: Tensor.from(d.std, [g.x[0]]) };
      return [
        binaryConv2dGradInput(gyT, wBits, al, geom, win, { accumulate: prior }),
        add(prior, binaryConv2dGradInput(gyT, wBits, al, geom, win)),
      ];
    }));
    assert.deepEqual(Array.from(a), Array.from(b), `x ${g.x}, w ${g.w}`);
  }
});
