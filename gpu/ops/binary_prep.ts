/**
 * Everything a binary conv needs from its latent weight, or from its input, in one dispatch.
 *
 * Weight ({@link binaryWeightPrep}): the per-output-channel
 * statistics `[O, 4]` (as the layers' `rowStats`: mean, unbiased variance, α, mean |W|), α `[O]`
 * (column 2, what `pickStat(stats, 2)` copies out) and the packed signs (as `packWeightSigns`).
 * One workgroup per output channel, padded to the packed layout's multiple of 8 channels; the
 * statistics are summed in the same order as `rowStats`, so all three outputs are bit-identical
 * to the three separate kernels.
 *
 * Input ({@link binaryActivationPrep}, training): the per-sample statistics `[N, 4]` (`rowStats`
 * of x viewed as `[N, C·H·W]`; the variance gives the backward's `s_n`) and the packed signs (as
 * `packActivationSigns`), one workgroup per sample, bit-identical to the two separate kernels.
 *
 * @module
 */
import { f32, grid, runKernel } from "../kernel.ts";
import { shapeStr, Tensor } from "../tensor.ts";
import { rowStatsCode } from "./_row_stats.ts";
import { channelWords, packWordCode, weightGroups } from "./binary_pack.ts";

/**
 * The pack of one row `r` (output channel; `zero` for the padding rows past O) into its lane
 * `r % 4` of the packed weight words.
 */
function packCode(vec: boolean, zero: boolean): string {
  const load = (c: string) => {
    const at = `(r * p.c + ${c}) * p.kk + k`;
    return vec ? `x[(${at}) / 4u][(${at}) % 4u]` : `x[${at}]`;
  };
  return `for (var t = l; t < p.kk * p.cw; t += 256u) {
    let k = t / p.cw;
    let w = t % p.cw;
    ${packWordCode(zero ? "p.c" : "w * 32u", load)}
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

/** The pack of sample `r` into `[N, H, W, ⌈C/32⌉, 2]` (as `packActivationSigns`). */
function packActivationCode(vec: boolean): string {
  const load = (c: string) => {
    const at = `(r * p.c + ${c}) * p.hw + pix`;
    return vec ? `x[(${at}) / 4u][(${at}) % 4u]` : `x[${at}]`;
  };
  return `for (var t = l; t < p.hw * p.cw; t += 256u) {
    let pix = t % p.hw;
    let w = t / p.hw;
    ${packWordCode("w * 32u", load)}
    let dst = ((r * p.hw + pix) * p.cw + w) * 2u;
    bits[dst] = s;
    bits[dst + 1u] = nz;
  }`;
}

/** What {@link binaryActivationPrep} returns. */
export interface BinaryActivationPrep {
  /** `[N, 4]`: mean, unbiased variance, mean |(x − mean)/σ|, mean |x| per sample. */
  stats: Tensor;
  /** The packed signs, `[N, H, W, ⌈C/32⌉, 2]` u32 (see `packActivationSigns`). */
  bits: Tensor;
}

/**
 * Per-sample statistics and packed signs of a binary conv's input `[N, C, H, W]` in one
 * dispatch. No autograd.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { binaryActivationPrep } from "@ovsw/gpu/internal";
 * await initGpu();
 * const { stats, bits } = binaryActivationPrep(Tensor.from([1, -2, 0], [1, 3, 1, 1]));
 * console.log(await bits.readU32(), (await stats.read())[0]); // [2, 3] -0.333…
 * ```
 */
export function binaryActivationPrep(x: Tensor, eps = 1e-5): BinaryActivationPrep {
  if (x.shape.length !== 4 || x.dtype !== "f32") {
    throw new RangeError(
      `binaryActivationPrep: expected an f32 [N, C, H, W] tensor, got ${x.dtype} ${
        shapeStr(x.shape)
      }`,
    );
  }
  const [n, c, h, w] = x.shape;
  const rowLen = c * h * w;
  const cw = channelWords(c);
  const vec = rowLen % 4 === 0;
  const stats = Tensor.empty([n, 4]);
  const bits = Tensor.empty([n, h, w, cw, 2], "u32");
  runKernel({
    name: vec ? "binary_activation_prep_v4" : "binary_activation_prep",
    code: rowStatsCode(vec, {
      fields: ", c: u32, hw: u32, cw: u32",
      bindings: "@group(0) @binding(3) var<storage, read_write> bits: array<u32>;",
      tail: packActivationCode(vec),
    }),
    inputs: [x],
    outputs: [stats, bits],
    uniforms: [n, rowLen, 1, f32(eps), c, h * w, cw],
    workgroups: grid(n, 1),
  });
  return { stats, bits };
}
