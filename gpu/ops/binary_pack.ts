/**
 * Bit-packing of ternary signs for the XNOR-popcount convolution.
 *
 * `sign` keeps sign(0) = 0 (docs/method.md §1), so every operand is ternary {−1, 0, +1}. Each group of
 * 32 channels is stored as two words: a sign mask (bit set where the value is negative) and a
 * non-zero mask (bit set where the value is not 0). Channels past `C` and zero padding have a
 * non-zero bit of 0, so they contribute nothing. A 32-channel dot product of two packed groups
 * is then `popcount(m) − 2·popcount(m & (sa ^ sb))` with `m = nza & nzb`.
 *
 * Layouts (u32):
 * * activations `[N, H, W, ⌈C/32⌉, 2]` — the (sign, non-zero) pair of each pixel's channel words;
 * * weights `[2·⌈O/8⌉, kh·kw, ⌈C/32⌉, 2, 4]` — four output channels side by side, so a kernel
 *   loads the sign (or non-zero) words of four output channels as one `vec4<u32>`; the groups of
 *   four are padded to an even count (tiles of 8 output channels never read past the end), and
 *   output channels past `O` are all zero.
 *
 * @module
 */
import { grid, runKernel, WGSL_INDEX } from "../kernel.ts";
import { shapeStr, Tensor } from "../tensor.ts";

/** Groups of four output channels in packed weights: `2·⌈O/8⌉` (an even count). */
export function weightGroups(o: number): number {
  return 2 * Math.ceil(o / 8);
}

/**
 * WGSL that packs the channels `c0 … min(c0 + 32, p.c)` of one 32-channel word into `s` (sign
 * mask) and `nz` (non-zero mask), declared here; `load(c)` is the WGSL expression of channel
 * `c`'s value. Shared by every packing kernel, so they all set the same bits.
 *
 * @example
 * ```ts
 * import { packWordCode } from "./binary_pack.ts";
 * console.log(packWordCode("w * 32u", (c) => `x[${c}]`).includes("nz")); // true
 * ```
 */
export function packWordCode(c0: string, load: (c: string) => string): string {
  return `let c0 = ${c0};
  let cend = min(c0 + 32u, p.c);
  var s = 0u;
  var nz = 0u;
  for (var c = c0; c < cend; c++) {
    let v = ${load("c")};
    let bit = 1u << (c - c0);
    s |= select(0u, bit, v < 0.0);
    nz |= select(0u, bit, v != 0.0);
  }`;
}

/** Number of 32-bit words that hold `c` channels. */
export function channelWords(c: number): number {
  return Math.ceil(c / 32);
}

const PACK_ACT = `struct P { total: u32, c: u32, hw: u32, cw: u32, n: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> bits: array<u32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.total) { return; }
  // i = (w * N + n) * HW + pix: neighbouring invocations read neighbouring pixels.
  let pix = i % p.hw;
  let rest = i / p.hw;
  let n = rest % p.n;
  let w = rest / p.n;
  ${packWordCode("w * 32u", (c) => `x[(n * p.c + ${c}) * p.hw + pix]`)}
  let dst = ((n * p.hw + pix) * p.cw + w) * 2u;
  bits[dst] = s;
  bits[dst + 1u] = nz;
}`;

/**
 * Packs `sign(x)` of an activation `[N, C, H, W]` (f32) into `[N, H, W, ⌈C/32⌉, 2]` u32
 * (sign mask, non-zero mask). No autograd.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { packActivationSigns } from "@ovsw/gpu/internal";
 * await initGpu();
 * const x = Tensor.from([1, -2, 0], [1, 3, 1, 1]);
 * console.log(await packActivationSigns(x).readU32()); // [2, 3]
 * ```
 */
export function packActivationSigns(x: Tensor): Tensor {
  if (x.shape.length !== 4 || x.dtype !== "f32") {
    throw new RangeError(
      `packActivationSigns: expected an f32 [N, C, H, W] tensor, got ${x.dtype} ${
        shapeStr(x.shape)
      }`,
    );
  }
  const [n, c, h, w] = x.shape;
  const cw = channelWords(c);
  const out = Tensor.empty([n, h, w, cw, 2], "u32");
  const total = n * h * w * cw;
  runKernel({
    name: "binary_pack_act",
    code: PACK_ACT,
    inputs: [x],
    outputs: [out],
    uniforms: [total, c, h * w, cw, n],
    workgroups: grid(total),
  });
  return out;
}

const PACK_W = `struct P { total: u32, o: u32, c: u32, kk: u32, cw: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> wt: array<f32>;
@group(0) @binding(2) var<storage, read_write> bits: array<u32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.total) { return; }
  // i = ((og * KK + k) * CW + w) * 4 + q
  let q = i % 4u;
  let w = (i / 4u) % p.cw;
  let k = (i / (4u * p.cw)) % p.kk;
  let og = i / (4u * p.cw * p.kk);
  let o = og * 4u + q;
  // Output channels past O (padding of the groups of four) pack no channel: all zero.
  ${packWordCode("select(p.c, w * 32u, o < p.o)", (c) => `wt[(o * p.c + ${c}) * p.kk + k]`)}
  let dst = (i / 4u) * 8u + q;
  bits[dst] = s;
  bits[dst + 4u] = nz;
}`;

/**
 * Packs `sign(W)` of a conv weight `[O, C, kh, kw]` (f32) into
 * `[2·⌈O/8⌉, kh·kw, ⌈C/32⌉, 2, 4]` u32 (see the module doc). No autograd.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { packWeightSigns } from "@ovsw/gpu/internal";
 * await initGpu();
 * const w = Tensor.from([1, -1], [2, 1, 1, 1]);
 * console.log((await packWeightSigns(w).readU32()).slice(0, 8)); // [0, 1, 0, 0, 1, 1, 0, 0]
 * ```
 */
export function packWeightSigns(w: Tensor): Tensor {
  if (w.shape.length !== 4 || w.dtype !== "f32") {
    throw new RangeError(
      `packWeightSigns: expected an f32 [O, C, kh, kw] weight, got ${w.dtype} ${shapeStr(w.shape)}`,
    );
  }
  const [o, c, kh, kw] = w.shape;
  const kk = kh * kw;
  const cw = channelWords(c);
  const og = weightGroups(o);
  const out = Tensor.empty([og, kk, cw, 2, 4], "u32");
  const total = og * kk * cw * 4;
  runKernel({
    name: "binary_pack_weight",
    code: PACK_W,
    inputs: [w],
    outputs: [out],
    uniforms: [total, o, c, kk, cw],
    workgroups: grid(total),
  });
  return out;
}
