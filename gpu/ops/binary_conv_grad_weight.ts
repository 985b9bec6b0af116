/**
 * Grad-weight of the binary conv from 1-bit saved activations: the correlation of the packed
 * input signs with `gy`, done with sign-bit flips and masks (no multiplies per MAC), scaled by
 * α per output channel. The forward's packed bits are what is saved, not the f32 input.
 *
 * `gW[o, c, ky, kx] = α[o] · Σ_{n, oy, ox} sign(x)[n, c, oy·s − p + ky, ox·s − p + kx] ·
 * gy[n, o, oy, ox]` — the gradient with respect to the binary weights, which the `ste`
 * estimator passes to the latent weights unchanged (docs/method.md §2.2).
 *
 * The sum over output pixels is split into slices that run in parallel (their partial sums are
 * added by a second, small kernel) so that small weights still fill the GPU.
 *
 * @module
 */
import { grid, runKernel, WGSL_INDEX } from "../kernel.ts";
import { Tensor } from "../tensor.ts";
import type { BinaryConvGeometry } from "./binary_geometry.ts";
import { expectBits, expectShape, geometryUniforms, tileGrid } from "./binary_geometry.ts";
import { binaryTiling } from "./binary_tiling.ts";

const codeCache = new Map<string, string>();

/**
 * WGSL shared by both grad-weight variants: the uniforms and bindings (`gy` as `gyType`
 * elements), the entry point and the decode of the invocation's tile (channel tile, output
 * tile, kernel tap, pixel slice) into `c0`, `word`, `bo`, `ky`, `kx`, `howo`, `ih`, `iw`.
 */
function gradWeightHead(gyType: string, tc: number, wg: number, scaled: boolean): string {
  return `struct P {
  n: u32, c: u32, h: u32, w: u32, o: u32, kh: u32, kw: u32, ho: u32,
  wo: u32, stride: u32, pad: u32, cw: u32, m: u32, slice: u32, tiles: u32, ctiles: u32,
  otiles: u32, gylast: u32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> act: array<vec2<u32>>;
@group(0) @binding(2) var<storage, read> gy: array<${gyType}>;
${
    scaled
      ? `@group(0) @binding(3) var<storage, read> alpha: array<f32>;
@group(0) @binding(4) var<storage, read_write> part: array<f32>;`
      : `@group(0) @binding(3) var<storage, read_write> part: array<f32>;`
  }
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let g = gid.x + gid.y * nwg.x * ${wg}u;
  if (g >= p.tiles) { return; }
  let kk = p.kh * p.kw;
  let ct = g % p.ctiles;
  let ot = (g / p.ctiles) % p.otiles;
  let k = (g / (p.ctiles * p.otiles)) % kk;
  let sl = g / (p.ctiles * p.otiles * kk);
  let c0 = ct * ${tc}u;
  let word = c0 / 32u;
  let bo = c0 % 32u;
  let ky = i32(k / p.kw);
  let kx = i32(k % p.kw);
  let howo = p.ho * p.wo;
  let ih = i32(p.h);
  let iw = i32(p.w);`;
}

/**
 * WGSL shared by both variants: store the accumulators `acc{b}_{v}` (scaled by `alpha[o]` when
 * `scaled`) into the slice's partial sums; `outBase(v)` is the first output channel of `v`.
 */
function gradWeightStore(
  tc: number,
  tv: number,
  outBase: (v: number) => string,
  scaled: boolean,
): string {
  const B = [...Array(tc).keys()];
  const V = [...Array(tv).keys()];
  return `  let e = p.o * p.c * kk;
${
    B.map((b) =>
      V.map((v) =>
        [0, 1, 2, 3].map((q) =>
          `  { let o = ${outBase(v)} + ${q}u; let c = c0 + ${b}u;
    if (o < p.o && c < p.c) { part[sl * e + (o * p.c + c) * kk + k] = ${
            scaled ? "alpha[o] * " : ""
          }acc${b}_${v}[${q}]; } }`
        ).join("\n")
      ).join("\n")
    ).join("\n")
  }`;
}

function gradWeightCode(tc: number, tv: number, wg: number, scaled: boolean): string {
  const key = `${tc}:${tv}:${wg}:${scaled}`;
  const hit = codeCache.get(key);
  if (hit) return hit;
  const B = [...Array(tc).keys()];
  const V = [...Array(tv).keys()];
  const code = `${gradWeightHead("f32", tc, wg, scaled)}
${V.map((v) => `  let ob${v} = (ot * ${tv}u + ${v}u) * 4u;`).join("\n")}
${B.map((b) => V.map((v) => `  var acc${b}_${v} = vec4<f32>(0.0);`).join(" ")).join("\n")}
  let start = sl * p.slice;
  let end = min(start + p.slice, p.m);
  var nn = start / howo;
  var r = start % howo;
  var oy = r / p.wo;
  var ox = r % p.wo;
  for (var px = start; px < end; px++) {
    let iy = i32(oy * p.stride) - i32(p.pad) + ky;
    let ix = i32(ox * p.stride) - i32(p.pad) + kx;
    let inb = iy >= 0 && iy < ih && ix >= 0 && ix < iw;
    let a = act[((nn * p.h + u32(clamp(iy, 0, ih - 1))) * p.w + u32(clamp(ix, 0, iw - 1))) * p.cw + word];
    let as_ = a.x;
    let an = select(0u, a.y, inb);
    let gb = nn * p.o * howo + oy * p.wo + ox;
${
    V.map((v) =>
      `    let gv${v} = bitcast<vec4<u32>>(vec4<f32>(gy[min(gb + ob${v} * howo, p.gylast)],
      gy[min(gb + (ob${v} + 1u) * howo, p.gylast)], gy[min(gb + (ob${v} + 2u) * howo, p.gylast)],
      gy[min(gb + (ob${v} + 3u) * howo, p.gylast)]));`
    ).join("\n")
  }
${
    B.map((b) =>
      `    {
      let sm = vec4<u32>((as_ << (31u - (bo + ${b}u))) & 0x80000000u);
      let nm = vec4<u32>(0u - ((an >> (bo + ${b}u)) & 1u));
${V.map((v) => `      acc${b}_${v} += bitcast<vec4<f32>>((gv${v} ^ sm) & nm);`).join("\n")}
    }`
    ).join("\n")
  }
    ox++;
    if (ox == p.wo) { ox = 0u; oy++; if (oy == p.ho) { oy = 0u; nn++; } }
  }
${gradWeightStore(tc, tv, (v) => `ob${v}`, scaled)}
}`;
  codeCache.set(key, code);
  return code;
}

/**
 * The quad variant (when Ho·Wo is a multiple of 4): each step takes four consecutive output
 * pixels of one sample, loads `gy` of each output channel as one `vec4` (contiguous), and adds
 * the four pixels' decoded ±1/0 input signs against it with a `dot`. A multiply by a decoded
 * ±1/0 is exact (it is a select); on SIMD adapters it is cheaper than the mask/xor/add chain,
 * and the contiguous loads cut the gather count by four.
 */
function gradWeightQuadCode(tc: number, tv: number, wg: number, scaled: boolean): string {
  const key = `quad:${tc}:${tv}:${wg}:${scaled}`;
  const hit = codeCache.get(key);
  if (hit) return hit;
  const B = [...Array(tc).keys()];
  const V = [...Array(tv).keys()];
  const Q = [0, 1, 2, 3];
  const code = `${gradWeightHead("vec4<f32>", tc, wg, scaled)}
  let hq = howo / 4u;
  let glast = p.gylast;
${
    V.map((v) =>
      Q.map((q) => `  let o${v}_${q} = min((ot * ${tv}u + ${v}u) * 4u + ${q}u, p.o - 1u);`).join(
        "\n",
      )
    ).join("\n")
  }
${B.map((b) => V.map((v) => `  var acc${b}_${v} = vec4<f32>(0.0);`).join(" ")).join("\n")}
  let start = sl * p.slice;
  let end = min(start + p.slice, p.m);
  var nn = start / howo;
  var r = start % howo;
  var cy = r / p.wo;
  var cx = r % p.wo;
  for (var px = start; px < end; px += 4u) {
${
    Q.map((i) =>
      `    let iy${i} = i32(cy * p.stride) - i32(p.pad) + ky;
    let ix${i} = i32(cx * p.stride) - i32(p.pad) + kx;
    let a${i} = act[((nn * p.h + u32(clamp(iy${i}, 0, ih - 1))) * p.w + u32(clamp(ix${i}, 0, iw - 1))) * p.cw + word];
    let m${i} = select(0u, a${i}.y, iy${i} >= 0 && iy${i} < ih && ix${i} >= 0 && ix${i} < iw);
    cx++;
    if (cx == p.wo) { cx = 0u; cy++; if (cy == p.ho) { cy = 0u; } }`
    ).join("\n")
  }
    let as4 = vec4<u32>(a0.x, a1.x, a2.x, a3.x);
    let an4 = vec4<u32>(m0, m1, m2, m3);
    let gb = nn * p.o * hq + r / 4u;
${
    V.map((v) =>
      Q.map((q) => `    let g${v}_${q} = gy[min(gb + o${v}_${q} * hq, glast)];`).join("\n")
    ).join("\n")
  }
${
    B.map((b) =>
      `    {
      let bit = vec4<u32>(bo + ${b}u);
      let sv = select(vec4<f32>(0.0), select(vec4<f32>(1.0), vec4<f32>(-1.0), ((as4 >> bit) & vec4<u32>(1u)) != vec4<u32>(0u)),
        ((an4 >> bit) & vec4<u32>(1u)) != vec4<u32>(0u));
${
        V.map((v) =>
          `      acc${b}_${v} += vec4<f32>(dot(g${v}_0, sv), dot(g${v}_1, sv), dot(g${v}_2, sv), dot(g${v}_3, sv));`
        ).join("\n")
      }
    }`
    ).join("\n")
  }
    r += 4u;
    if (r == howo) { r = 0u; nn++; }
  }
${gradWeightStore(tc, tv, (v) => `(ot * ${tv}u + ${v}u) * 4u`, scaled)}
}`;
  codeCache.set(key, code);
  return code;
}

const REDUCE = `struct P { e: u32, slices: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.e) { return; }
  var s = 0.0;
  for (var k = 0u; k < p.slices; k++) { s += part[k * p.e + i]; }
  out[i] = s;
}`;

/**
 * Grad-weight of the binary conv from the packed input signs `aBits` (`[N, H, W, ⌈C/32⌉, 2]`,
 * saved by the forward) and the output gradient `gy`, scaled by `alpha` `[O]`:
 * `α[o]·(sign(x) ⋆ gy)`, shape `[O, C, kh, kw]`. With `alpha = null` the unscaled correlation
 * (the gradient with respect to α·b, for layers that apply α in their own estimator). No
 * autograd.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import {
 *   binaryConv2dGradWeight,
 *   binaryConvGeometry,
 *   packActivationSigns,
 * } from "@ovsw/gpu/internal";
 * await initGpu();
 * const x = Tensor.from([2, -0.5, 0, 1], [1, 1, 2, 2]);
 * const geom = binaryConvGeometry(x.shape, [1, 1, 1, 1], {}, "demo");
 * const gy = Tensor.from([1, 2, 3, 4], [1, 1, 2, 2]);
 * const gw = binaryConv2dGradWeight(packActivationSigns(x), gy, Tensor.from([1], [1]), geom);
 * console.log(await gw.read()); // [3]  (1 − 2 + 0 + 4)
 * ```
 */
export function binaryConv2dGradWeight(
  aBits: Tensor,
  gy: Tensor,
  alpha: Tensor | null,
  geom: BinaryConvGeometry,
): Tensor {
  const { n, c, h, w, o, kh, kw, ho, wo, cw } = geom;
  expectBits(aBits, [n, h, w, cw, 2], "binaryConv2dGradWeight activation bits");
  expectShape(gy, [n, o, ho, wo], "binaryConv2dGradWeight output gradient");
  if (alpha) expectShape(alpha, [o], "binaryConv2dGradWeight alpha");
  const t = binaryTiling();
  const tv = t.gwOut / 4;
  const kk = kh * kw;
  const m = n * ho * wo;
  const ctiles = Math.ceil(c / t.gwChannels);
  const otiles = Math.ceil(o / t.gwOut);
  const base = ctiles * otiles * kk;
  const quad = (ho * wo) % 4 === 0;
  const maxSlices = Math.max(1, Math.ceil(m / t.gwMinSlice));
  const want = Math.min(maxSlices, Math.max(1, Math.ceil(t.gwSplitTarget / base)));
  // Quad steps need slices of whole quads (a quad never spans two samples: Ho·Wo % 4 = 0).
  const slice = quad ? Math.ceil(m / want / 4) * 4 : Math.ceil(m / want);
  const slices = Math.ceil(m / slice);
  const e = o * c * kk;
  const part = Tensor.empty(slices === 1 ? [o, c, kh, kw] : [slices, o, c, kh, kw]);
  const tiles = base * slices;
  runKernel({
    name: "binary_conv_grad_weight",
    code: (quad ? gradWeightQuadCode : gradWeightCode)(
      t.gwChannels,
      tv,
      t.gwWorkgroup,
      alpha !== null,
    ),
    inputs: alpha ? [aBits, gy, alpha] : [aBits, gy],
    outputs: [part],
    uniforms: [
      ...geometryUniforms(geom),
      m,
      slice,
      tiles,
      ctiles,
      otiles,
      quad ? gy.size / 4 - 1 : gy.size - 1,
    ],
    workgroups: tileGrid(tiles, t.gwWorkgroup),
  });
  if (slices === 1) return part;
  const gw = Tensor.empty([o, c, kh, kw]);
  runKernel({
    name: "binary_conv_grad_weight_reduce",
    code: REDUCE,
    inputs: [part],
    outputs: [gw],
    uniforms: [e, slices],
    workgroups: grid(e),
  });
  part.dispose();
  return gw;
}
