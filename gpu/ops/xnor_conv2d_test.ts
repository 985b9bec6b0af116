import { strictEqual as assertEquals } from "node:assert/strict";
import { Tensor, tidy } from "@ovsw/gpu";
import {
  binaryConvGeometry,
  packActivationSigns,
  packWeightSigns,
  setBinaryTiling,
  xnorConv2dForward,
} from "@ovsw/gpu/internal";
import { Prng } from "@ovsw/init";
import { freshSeed, setupGpu } from "../../tests/util.ts";
import {
  assertExact,
  binaryConvRef,
  type BinaryConvRefGeom,
  signRef,
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
  ["odd", { fwdPixels: 3, fwdOut: 8, fwdWorkgroup: 32 }],
];

const CASES: BinaryConvRefGeom[] = [
  { x: [2, 3, 5, 6], w: [5, 3, 3, 3], stride: 1, padding: 1 },
  { x: [1, 37, 7, 7], w: [9, 37, 3, 3], stride: 2, padding: 1 },
  { x: [3, 33, 4, 5], w: [4, 33, 1, 1], stride: 1, padding: 0 },
  { x: [2, 64, 6, 6], w: [12, 64, 3, 3], stride: 2, padding: 0 },
  { x: [1, 70, 5, 4], w: [3, 70, 2, 3], stride: 1, padding: 2 },
];

Deno.test("packActivationSigns and packWeightSigns keep sign(0) = 0 and pad with zero bits", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const [n, c, h, w] = [2, 37, 3, 2];
  const x = withZeros(n * c * h * w, rng);
  const [o, kk] = [5, 4];
  const wt = withZeros(o * c * kk, rng);
  const packed = tidy(() => [
    packActivationSigns(Tensor.from(x, [n, c, h, w])),
    packWeightSigns(Tensor.from(wt, [o, c, 2, 2])),
  ]);
  const [ab, wb] = await Promise.all(packed.map((t) => t.readU32()));
  packed.forEach((t) => t.dispose());
  const cw = 2;
  for (let b = 0; b < n; b++) {
    for (let pix = 0; pix < h * w; pix++) {
      for (let ci = 0; ci < cw * 32; ci++) {
        const word = ((b * h * w + pix) * cw + (ci >> 5)) * 2;
        const s = (ab[word] >>> (ci & 31)) & 1;
        const nz = (ab[word + 1] >>> (ci & 31)) & 1;
        const v = ci < c ? signRef(x[(b * c + ci) * h * w + pix]) : 0;
        assertEquals(nz - 2 * s * nz, v, `seed ${seed}: act n${b} pix${pix} c${ci}`);
        if (nz === 0) assertEquals(s, 0, `seed ${seed}: sign bit set on a zero`);
      }
    }
  }
  assertEquals(wb.length, 2 * kk * cw * 2 * 4); // 5 channels → 2 groups of 4 (even count)
  for (let oc = 0; oc < 8; oc++) {
    for (let k = 0; k < kk; k++) {
      for (let ci = 0; ci < cw * 32; ci++) {
        const base = (((oc >> 2) * kk + k) * cw + (ci >> 5)) * 8 + (oc & 3);
        const s = (wb[base] >>> (ci & 31)) & 1;
        const nz = (wb[base + 4] >>> (ci & 31)) & 1;
        const v = oc < o && ci < c ? signRef(wt[(oc * c + ci) * kk + k]) : 0;
        assertEquals(nz - 2 * s * nz, v, `seed ${seed}: weight o${oc} k${k} c${ci}`);
      }
    }
  }
});

for (const [tname, tiling] of TILINGS) {
  Deno.test(`xnorConv2dForward equals α·(sign(x) ⊛ sign(W)) exactly (${tname} tiling)`, async () => {
    setBinaryTiling(tiling);
    try {
      for (const g of CASES) {
        const seed = freshSeed();
        const rng = new Prng(seed);
        const x = withZeros(g.x.reduce((a, b) => a * b), rng);
        const w = withZeros(g.w.reduce((a, b) => a * b), rng, 0.1);
        const ones = new Float32Array(g.w[0]).fill(1);
        const alpha = rng.uniformArray(g.w[0], 0.5, 1.5);
        const outs = tidy(() => {
          const xt = Tensor.from(x, g.x);
          const wtt = Tensor.from(w, g.w);
          const geom = binaryConvGeometry(g.x, g.w, g, "test");
          const ab = packActivationSigns(xt);
          const wb = packWeightSigns(wtt);
          return [
            xnorConv2dForward(ab, wb, Tensor.from(ones, [g.w[0]]), geom),
            xnorConv2dForward(ab, wb, Tensor.from(alpha, [g.w[0]]), geom),
          ];
        });
        const [yInt, yAlpha] = await Promise.all(outs.map((t) => t.read()));
        outs.forEach((t) => t.dispose());
        const refInt = binaryConvRef(x, w, ones, g);
        const refAlpha = binaryConvRef(x, w, alpha, g);
        const what = `seed ${seed}, x ${g.x}, w ${g.w}, s${g.stride} p${g.padding}`;
        assertExact(yInt, refInt, `${what}: integer sums`);
        // α·k is one f32 rounding of an exact product, so it is bit-exact too.
        assertExact(yAlpha, Array.from(refAlpha, Math.fround), `${what}: α-scaled`);
      }
    } finally {
      setBinaryTiling(null);
    }
  });
}

Deno.test("xnorConv2dForward names the tensor at fault on bad shapes", () => {
  tidy(() => {
    const x = Tensor.zeros([1, 3, 4, 4]);
    let msg = "";
    try {
      binaryConvGeometry(x.shape, [2, 4, 3, 3], {}, "BinaryConv2d");
    } catch (e) {
      msg = (e as Error).message;
    }
    assertEquals(msg.includes("3 channels") && msg.includes("BinaryConv2d"), true, msg);
    const geom = binaryConvGeometry(x.shape, [2, 3, 3, 3], { padding: 1 }, "t");
    const ab = packActivationSigns(x);
    const wb = packWeightSigns(Tensor.zeros([2, 3, 3, 3]));
    msg = "";
    try {
      xnorConv2dForward(ab, wb, Tensor.zeros([3]), geom);
    } catch (e) {
      msg = (e as Error).message;
    }
    assertEquals(msg.includes("alpha") && msg.includes("[2]"), true, msg);
  });
});
