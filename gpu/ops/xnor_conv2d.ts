/**
 * The XNOR-popcount binary convolution forward: an implicit GEMM over bit-packed ternary signs
 * with the per-output-channel scale α fused into the store.
 *
 * `y[n, o, oy, ox] = α[o] · Σ_{c, ky, kx} sign(x)[n, c, oy·s − p + ky, ox·s − p + kx] ·
 * sign(W)[o, c, ky, kx]`, zero padding applied to the binarised input. The sum is an exact
 * integer (it equals the float conv of sign(x) and sign(W)), computed 32 channels at a time as
 * `popcount(m) − 2·popcount(m & (sa ^ sw))`, `m = nza & nzw` (see `binary_pack.ts`).
 *
 * @module
 */
import { runKernel } from "../kernel.ts";
import { Tensor } from "../tensor.ts";
import { binaryTiling } from "./binary_tiling.ts";
import { weightGroups } from "./binary_pack.ts";
import type { BinaryConvGeometry } from "./binary_geometry.ts";
import { expectBits, expectShape, geometryUniforms, tileGrid } from "./binary_geometry.ts";

const codeCache = new Map<string, string>();

/** WGSL of the forward kernel for `tp` pixels × `4·tv` output channels per invocation. */
function forwardCode(
  tp: number,
  tv: number,
  wg: number,
  kh: number,
  kw: number,
  cw: number,
): string {
  // Kernel size and channel words are compile-time constants (one pipeline per conv shape
  // family), so the compiler unrolls the tap loops and drops their bookkeeping.
  const key = `${tp}:${tv}:${wg}:${kh}:${kw}:${cw}`;
  const hit = codeCache.get(key);
  if (hit) return hit;
  const J = [...Array(tp).keys()];
  const V = [...Array(tv).keys()];
  const each = (f: (j: number, v: number) => string) =>
    J.flatMap((j) => V.map((v) => f(j, v))).join("\n");
  const code = `struct P {
  n: u32, c: u32, h: u32, w: u32, o: u32, kh: u32, kw: u32, ho: u32,
  wo: u32, stride: u32, pad: u32, cw: u32, m: u32, ptiles: u32, tiles: u32, og: u32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> act: array<vec2<u32>>;
@group(0) @binding(2) var<storage, read> wts: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> alpha: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let g = gid.x + gid.y * nwg.x * ${wg}u;
  if (g >= p.tiles) { return; }
  let pt = g % p.ptiles;
  let ot = g / p.ptiles;
  let howo = p.ho * p.wo;
  let hw = p.h * p.w;
  let ih = i32(p.h);
  let iw = i32(p.w);
${
    J.map((j) =>
      `  let px${j} = pt * ${tp}u + ${j}u;
  let ok${j} = px${j} < p.m;
  let pc${j} = min(px${j}, p.m - 1u);
  let n${j} = pc${j} / howo;
  let r${j} = pc${j} % howo;
  let iy${j} = i32((r${j} / p.wo) * p.stride) - i32(p.pad);
  let ix${j} = i32((r${j} % p.wo) * p.stride) - i32(p.pad);
  let nb${j} = n${j} * hw;`
    ).join("\n")
  }
${each((j, v) => `  var t${j}_${v} = vec4<u32>(0u); var d${j}_${v} = vec4<u32>(0u);`)}
  const KH = ${kh}u;
  const KW = ${kw}u;
  const CW = ${cw}u;
  let kk = KH * KW;
  for (var ky = 0u; ky < KH; ky++) {
    for (var kx = 0u; kx < KW; kx++) {
      let k = ky * KW + kx;
${
    J.map((j) =>
      `      let y${j} = iy${j} + i32(ky);
      let x${j} = ix${j} + i32(kx);
      let in${j} = y${j} >= 0 && y${j} < ih && x${j} >= 0 && x${j} < iw;
      let mk${j} = select(0u, 0xffffffffu, in${j});
      let ao${j} = (nb${j} + u32(clamp(y${j}, 0, ih - 1)) * p.w + u32(clamp(x${j}, 0, iw - 1))) * CW;`
    ).join("\n")
  }
${V.map((v) => `      let wo${v} = ((ot * ${tv}u + ${v}u) * kk + k) * CW;`).join("\n")}
      for (var cw = 0u; cw < CW; cw++) {
${
    J.map((j) =>
      `        let a${j} = act[ao${j} + cw];
        let as${j} = vec4<u32>(a${j}.x);
        let an${j} = vec4<u32>(a${j}.y & mk${j});`
    ).join("\n")
  }
${
    V.map((v) =>
      `        let ws${v} = wts[(wo${v} + cw) * 2u];
        let wn${v} = wts[(wo${v} + cw) * 2u + 1u];`
    ).join("\n")
  }
${
    each((j, v) =>
      `        { let mm = an${j} & wn${v}; t${j}_${v} += countOneBits(mm); d${j}_${v} += countOneBits(mm & (as${j} ^ ws${v})); }`
    )
  }
      }
    }
  }
${
    V.map((v) =>
      [0, 1, 2, 3].map((q) =>
        `  let o${v}_${q} = (ot * ${tv}u + ${v}u) * 4u + ${q}u;
  let al${v}_${q} = alpha[min(o${v}_${q}, p.o - 1u)];`
      ).join("\n")
    ).join("\n")
  }
${
    each((j, v) =>
      `  { let s = vec4<f32>(vec4<i32>(t${j}_${v}) - 2 * vec4<i32>(d${j}_${v}));
${
        [0, 1, 2, 3].map((q) =>
          `    if (ok${j} && o${v}_${q} < p.o) { y[(n${j} * p.o + o${v}_${q}) * howo + r${j}] = al${v}_${q} * s[${q}]; }`
        ).join("\n")
      }
  }`
    )
  }
}`;
  codeCache.set(key, code);
  return code;
}

/**
 * Records the XNOR-popcount conv of packed activation signs `aBits` (`[N, H, W, ⌈C/32⌉, 2]`)
 * and packed weight signs `wBits` (`[2·⌈O/8⌉, kh·kw, ⌈C/32⌉, 2, 4]`), scaled by `alpha` `[O]`.
 * Returns `y` `[N, O, Ho, Wo]`. No autograd: {@link binaryConv2d} wraps it.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import {
 *   binaryConvGeometry,
 *   packActivationSigns,
 *   packWeightSigns,
 *   xnorConv2dForward,
 * } from "@ovsw/gpu/internal";
 * await initGpu();
 * const x = Tensor.from([0.5, -2, 0, 3], [1, 1, 2, 2]);
 * const w = Tensor.from([1, 1, 1, 1], [1, 1, 2, 2]);
 * const geom = binaryConvGeometry(x.shape, w.shape, {}, "demo");
 * const y = xnorConv2dForward(packActivationSigns(x), packWeightSigns(w), Tensor.from([1], [1]), geom);
 * console.log(await y.read()); // [1]  (1 − 1 + 0 + 1)
 * ```
 */
export function xnorConv2dForward(
  aBits: Tensor,
  wBits: Tensor,
  alpha: Tensor,
  geom: BinaryConvGeometry,
): Tensor {
  const { n, h, w, o, kh, kw, ho, wo, cw } = geom;
  const og = weightGroups(o);
  expectBits(aBits, [n, h, w, cw, 2], "xnorConv2dForward activation bits");
  expectBits(wBits, [og, kh * kw, cw, 2, 4], "xnorConv2dForward weight bits");
  expectShape(alpha, [o], "xnorConv2dForward alpha");
  const t = binaryTiling();
  const tv = t.fwdOut / 4;
  const m = n * ho * wo;
  const ptiles = Math.ceil(m / t.fwdPixels);
  const otiles = Math.ceil(og / tv);
  const tiles = ptiles * otiles;
  const y = Tensor.empty([n, o, ho, wo]);
  runKernel({
    name: "xnor_conv2d_fwd",
    code: forwardCode(t.fwdPixels, tv, t.fwdWorkgroup, kh, kw, cw),
    inputs: [aBits, wBits, alpha],
    outputs: [y],
    uniforms: [...geometryUniforms(geom), m, ptiles, tiles, og],
    workgroups: tileGrid(tiles, t.fwdWorkgroup),
  });
  return y;
}
