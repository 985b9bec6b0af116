/**
 * Everything a binary conv needs from its latent weight in one dispatch: the per-output-channel
 * statistics `[O, 4]` (as the layers' `rowStats`: mean, unbiased variance, α, mean |W|), α `[O]`
 * (column 2, what `pickStat(stats, 2)` copies out) and the packed signs (as `packWeightSigns`).
 * One workgroup per output channel, padded to the packed layout's multiple of 8 channels; the
 * statistics are summed in the same order as `rowStats`, so all three outputs are bit-identical
 * to the three separate kernels.
 *
 * @module
 */
import { f32, grid, runKernel } from "../kernel.ts";
import { shapeStr, Tensor } from "../tensor.ts";
import { rowStatsCode } from "./_row_stats.ts";
import { channelWords, weightGroups } from "./binary_pack.ts";

/** The pack of one row `r` (output channel) into its lane `r % 4` of the packed words. */
function packCode(vec: boolean, zero: boolean): string {
  const load = vec ? "x[at / 4u][at % 4u]" : "x[at]";
  return `for (var t = l; t < p.kk * p.cw; t += 256u) {
    let k = t / p.cw;
    let w = t % p.cw;
    var s = 0u;
    var nz = 0u;
    ${
    zero ? "" : `let c0 = w * 32u;
    let cend = min(c0 + 32u, p.c);
    for (var c = c0; c < cend; c++) {
      let at = (r * p.c + c) * p.kk + k;
      let v = ${load};
      let bit = 1u << (c - c0);
      s |= select(0u, bit, v < 0.0);
      nz |= select(0u, bit, v != 0.0);
    }`
  }
    let i = (((r / 4u) * p.kk + k) * p.cw + w) * 4u + r % 4u;
    let dst = (i / 4u) * 8u + r % 4u;
    bits[dst] = s;
    bits[dst + 4u] = nz;
  }`;
}

/** What {@link binaryWeightPrep} returns. */
export interface BinaryWeightPrep {
  /** `[O, 4]`: mean, unbiased variance, α, mean |W| per output channel. */
  stats: Tensor;
  /** `[O]`: α of each output channel. */
  alpha: Tensor;
  /** The packed signs, `[2·⌈O/8⌉, kh·kw, ⌈C/32⌉, 2, 4]` u32 (see `packWeightSigns`). */
  bits: Tensor;
}

/**
 * Statistics, α and packed signs of a conv weight `[O, C, kh, kw]` in one dispatch. No autograd.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { binaryWeightPrep } from "@ovsw/gpu/internal";
 * await initGpu();
 * const { alpha, bits } = binaryWeightPrep(Tensor.from([1, -1, 0.5, 2], [2, 2, 1, 1]));
 * console.log(await alpha.read(), (await bits.readU32()).slice(0, 8));
 * ```
 */
export function binaryWeightPrep(w: Tensor, eps = 1e-5): BinaryWeightPrep {
  if (w.shape.length !== 4 || w.dtype !== "f32") {
    throw new RangeError(
      `binaryWeightPrep: expected an f32 [O, C, kh, kw] weight, got ${w.dtype} ${
        shapeStr(w.shape)
      }`,
    );
  }
  const [o, c, kh, kw] = w.shape;
  const kk = kh * kw;
  const n = c * kk;
  const cw = channelWords(c);
  const og = weightGroups(o);
  const vec = n % 4 === 0;
  const stats = Tensor.empty([o, 4]);
  const alpha = Tensor.empty([o]);
  const bits = Tensor.empty([og, kk, cw, 2, 4], "u32");
  runKernel({
    name: vec ? "binary_weight_prep_v4" : "binary_weight_prep",
    code: rowStatsCode(vec, {
      fields: ", c: u32, kk: u32, cw: u32",
      bindings: "@group(0) @binding(3) var<storage, read_write> al: array<f32>;\n" +
        "@group(0) @binding(4) var<storage, read_write> bits: array<u32>;",
      epilogue: "al[r] = alpha;",
      tail: packCode(vec, false),
      padding: packCode(vec, true),
    }),
    inputs: [w],
    outputs: [stats, alpha, bits],
    uniforms: [o, n, 1, f32(eps), c, kk, cw],
    workgroups: grid(og * 4, 1),
  });
  return { stats, alpha, bits };
}
