import assert from "node:assert/strict";
import { f32, grid, runKernel, Tensor, tidy } from "@ovsw/gpu";
import {
  binaryActivationPrep,
  binaryWeightPrep,
  packActivationSigns,
  packWeightSigns,
  rowStatsCode,
} from "@ovsw/gpu/internal";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../../tests/util.ts";

await setupGpu();

/** The separate row-statistics kernel (as the layers' `rowStats`). */
function rowStats(w: Tensor, eps: number): Tensor {
  const rows = w.shape[0];
  const n = w.size / rows;
  const y = Tensor.empty([rows, 4]);
  runKernel({
    name: "row_stats_test",
    code: rowStatsCode(n % 4 === 0),
    inputs: [w],
    outputs: [y],
    uniforms: [rows, n, 1, f32(eps)],
    workgroups: grid(rows, 1),
  });
  return y;
}

Deno.test("binaryWeightPrep equals rowStats, its α column and packWeightSigns, bit for bit", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  // Row lengths that are and are not multiples of 4; O not a multiple of 8; C over 32; zeros.
  for (
    const shape of [[16, 16, 3, 3], [5, 3, 3, 3], [10, 40, 1, 1], [64, 33, 3, 3], [3, 2, 1, 3]]
  ) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = rng.normalArray(n, 0, 0.1).map((v, i) => (i % 7 === 0 ? 0 : v));
    const [stats, alpha, bits, refStats, refBits] = tidy(() => {
      const w = Tensor.from(data, shape);
      const p = binaryWeightPrep(w, 1e-5);
      return [p.stats, p.alpha, p.bits, rowStats(w, 1e-5), packWeightSigns(w)];
    });
    const what = `seed ${seed}, shape [${shape}]`;
    const s = await stats.read();
    assert.deepEqual(Array.from(s), Array.from(await refStats.read()), `${what}: stats`);
    assert.deepEqual(
      Array.from(await alpha.read()),
      Array.from({ length: shape[0] }, (_, o) => s[o * 4 + 2]),
      `${what}: α`,
    );
    assert.deepEqual(Array.from(await bits.readU32()), Array.from(await refBits.readU32()), what);
    // α against float64: mean |(w − mean)/σ| with the unbiased variance.
    const rowLen = n / shape[0];
    const ref = Array.from({ length: shape[0] }, (_, o) => {
      const row = Array.from(data.slice(o * rowLen, (o + 1) * rowLen));
      const mean = row.reduce((a, b) => a + b, 0) / rowLen;
      const vr = row.reduce((a, b) => a + (b - mean) ** 2, 0) / (rowLen - 1);
      return row.reduce((a, b) => a + Math.abs(b - mean), 0) / rowLen / Math.sqrt(vr + 1e-5);
    });
    assertClose(await alpha.read(), ref, 1e-5, `${what}: α vs float64`);
    [stats, alpha, bits, refStats, refBits].forEach((t) => t.dispose());
  }
});

Deno.test("binaryWeightPrep rejects a weight that is not [O, C, kh, kw] f32", () => {
  const t = Tensor.zeros([4, 4]);
  assert.throws(
    () => binaryWeightPrep(t),
    /binaryWeightPrep: expected an f32 \[O, C, kh, kw\] weight, got f32 \[4, 4\]/,
  );
  t.dispose();
});

Deno.test("binaryActivationPrep equals rowStats of [N, C·H·W] and packActivationSigns, bit for bit", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  for (const shape of [[2, 16, 8, 8], [3, 3, 5, 5], [2, 40, 3, 4], [1, 64, 2, 2]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = rng.normalArray(n).map((v, i) => (i % 5 === 0 ? 0 : v));
    const [stats, bits, refStats, refBits] = tidy(() => {
      const x = Tensor.from(data, shape);
      const p = binaryActivationPrep(x, 1e-5);
      return [
        p.stats,
        p.bits,
        rowStats(x.view([shape[0], n / shape[0]]), 1e-5),
        packActivationSigns(x),
      ];
    });
    const what = `seed ${seed}, shape [${shape}]`;
    assert.deepEqual(
      Array.from(await stats.read()),
      Array.from(await refStats.read()),
      `${what}: stats`,
    );
    assert.deepEqual(
      Array.from(await bits.readU32()),
      Array.from(await refBits.readU32()),
      `${what}: bits`,
    );
    [stats, bits, refStats, refBits].forEach((t) => t.dispose());
  }
});
