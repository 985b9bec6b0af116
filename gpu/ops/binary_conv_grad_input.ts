/**
 * Grad-input of the binary conv using the ±1/0 structure of sign(W): a transposed conv of
 * `α ⊙ gy` with the packed weight signs, done with sign-bit flips and masks (no multiplies per
 * MAC), times the ApproxSign window of the input.
 *
 * `gx[n, c, iy, ix] = win(x) · Σ_{o, ky, kx} sign(W)[o, c, ky, kx] · α[o] · gy[n, o, oy, ox]`
 * over `oy·s = iy + p − ky`, `ox·s = ix + p − kx`, with `win(x) = (1/s_n)·max(0, 2 − 2|x/s_n|)`
 * (docs/method.md §2.2; `s_n = 1` without a per-sample std, no window when no input is given).
 *
 * @module
 */
import { f32, runKernel } from "../kernel.ts";
import { Tensor } from "../tensor.ts";
import type { BinaryConvGeometry } from "./binary_geometry.ts";
import { expectBits, expectShape, geometryUniforms, tileGrid } from "./binary_geometry.ts";
import { weightGroups } from "./binary_pack.ts";
import { binaryTiling } from "./binary_tiling.ts";

const codeCache = new Map<string, string>();

/**
 * Window modes: 0 none, 1 `max(0, 2 − 2|x|)`, 2 the same on `x/s_n`, divided by `s_n`; 3 as 2
 * with `s_n = √(var_n + eps)` computed from the per-sample statistics `[N, 4]`.
 */
type WindowMode = 0 | 1 | 2 | 3;

function gradInputCode(
  tp: number,
  tc: number,
  wg: number,
  mode: WindowMode,
  accumulate: boolean,
): string {
  const key = `${tp}:${tc}:${wg}:${mode}:${accumulate}`;
  const hit = codeCache.get(key);
  if (hit) return hit;
  const J = [...Array(tp).keys()];
  const B = [...Array(tc).keys()];
  const extra = mode === 0 ? "" : `@group(0) @binding(4) var<storage, read> xin: array<f32>;\n` +
    (mode === 2 ? `@group(0) @binding(5) var<storage, read> sstd: array<f32>;\n` : "") +
    (mode === 3 ? `@group(0) @binding(5) var<storage, read> sst: array<f32>;\n` : "");
  const addBinding = mode === 0 ? 4 : mode === 1 ? 5 : 6;
  const outBinding = addBinding + (accumulate ? 1 : 0);
  const addDecl = accumulate
    ? `@group(0) @binding(${addBinding}) var<storage, read> addend: array<f32>;\n`
    : "";
  const win = (j: number) =>
    mode === 0
      ? "1.0"
      : mode === 1
      ? `max(0.0, 2.0 - 2.0 * abs(xin[xi]))`
      : mode === 2
      ? `max(0.0, 2.0 - 2.0 * abs(xin[xi] / sstd[n${j}])) / sstd[n${j}]`
      : `max(0.0, 2.0 - 2.0 * abs(xin[xi] / sd${j})) / sd${j}`;
  const code = `struct P {
  n: u32, c: u32, h: u32, w: u32, o: u32, kh: u32, kw: u32, ho: u32,
  wo: u32, stride: u32, pad: u32, cw: u32, m: u32, ptiles: u32, tiles: u32, og: u32,
  gylast: u32, sshift: u32, eps: f32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> gy: array<f32>;
@group(0) @binding(2) var<storage, read> wts: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> alpha: array<f32>;
${extra}${addDecl}@group(0) @binding(${outBinding}) var<storage, read_write> gx: array<f32>;
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let g = gid.x + gid.y * nwg.x * ${wg}u;
  if (g >= p.tiles) { return; }
  let pt = g % p.ptiles;
  let ct = g / p.ptiles;
  let c0 = ct * ${tc}u;
  let word = c0 / 32u;
  let bo = c0 % 32u;
  let hw = p.h * p.w;
  let howo = p.ho * p.wo;
  let kk = p.kh * p.kw;
  // Stride is a power of two (checked on the host): divisions become shifts and masks.
  let sh = u32(p.sshift);
  let sm1 = i32(p.stride) - 1;
${
    J.map((j) =>
      `  let px${j} = pt * ${tp}u + ${j}u;
  let ok${j} = px${j} < p.m;
  let pc${j} = min(px${j}, p.m - 1u);
  let n${j} = pc${j} / hw;
  let r${j} = pc${j} % hw;
  let ty${j} = i32(r${j} / p.w + p.pad);
  let tx${j} = i32(r${j} % p.w + p.pad);
  let gb${j} = n${j} * p.o * howo;${
        mode === 3 ? `\n  let sd${j} = sqrt(sst[n${j} * 4u + 1u] + p.eps);` : ""
      }`
    ).join("\n")
  }
${J.map((j) => B.map((b) => `  var acc${j}_${b} = 0.0;`).join(" ")).join("\n")}
${
    B.map((b) =>
      `  let sh${b} = vec4<u32>(31u - (bo + ${b}u));
  let nb${b} = vec4<u32>(bo + ${b}u);`
    ).join("\n")
  }
  for (var og = 0u; og < p.og; og++) {
    let o0 = og * 4u;
    let al = vec4<f32>(alpha[min(o0, p.o - 1u)], alpha[min(o0 + 1u, p.o - 1u)],
                       alpha[min(o0 + 2u, p.o - 1u)], alpha[min(o0 + 3u, p.o - 1u)]);
    for (var ky = 0u; ky < p.kh; ky++) {
      for (var kx = 0u; kx < p.kw; kx++) {
        let wi = ((og * kk + ky * p.kw + kx) * p.cw + word) * 2u;
        let ws = wts[wi];
        let wn = wts[wi + 1u];
${
    J.map((j) =>
      `        let dy${j} = ty${j} - i32(ky);
        let dx${j} = tx${j} - i32(kx);
        let oy${j} = dy${j} >> sh;
        let ox${j} = dx${j} >> sh;
        let v${j} = dy${j} >= 0 && dx${j} >= 0 && (dy${j} & sm1) == 0 && (dx${j} & sm1) == 0 &&
          oy${j} < i32(p.ho) && ox${j} < i32(p.wo);
        let gi${j} = select(0u, gb${j} + o0 * howo + u32(oy${j}) * p.wo + u32(ox${j}), v${j});
        let gv${j} = bitcast<vec4<u32>>(select(vec4<f32>(0.0), al * vec4<f32>(gy[min(gi${j}, p.gylast)],
          gy[min(gi${j} + howo, p.gylast)], gy[min(gi${j} + 2u * howo, p.gylast)],
          gy[min(gi${j} + 3u * howo, p.gylast)]), v${j}));`
    ).join("\n")
  }
${
    B.map((b) =>
      `        {
          let sm = (ws << sh${b}) & vec4<u32>(0x80000000u);
          let nm = vec4<u32>(0u) - ((wn >> nb${b}) & vec4<u32>(1u));
${
        J.map((j) =>
          `          { let t = bitcast<vec4<f32>>((gv${j} ^ sm) & nm); acc${j}_${b} += (t.x + t.y) + (t.z + t.w); }`
        ).join("\n")
      }
        }`
    ).join("\n")
  }
      }
    }
  }
${
    J.map((j) =>
      B.map((b) =>
        `  if (ok${j} && c0 + ${b}u < p.c) {
    let xi = (n${j} * p.c + c0 + ${b}u) * hw + r${j};
    gx[xi] = ${accumulate ? "addend[xi] + " : ""}acc${j}_${b} * ${win(j)};
  }`
      ).join("\n")
    ).join("\n")
  }
}`;
  codeCache.set(key, code);
  return code;
}

/** The ApproxSign window applied by {@link binaryConv2dGradInput}. */
export interface BinaryInputWindow {
  /** The conv's input `[N, C, H, W]` (before any normalisation). */
  x: Tensor;
  /** Per-sample std `s_n` `[N]` (training): the window is taken at `x/s_n` and divided by `s_n`. */
  sampleStd?: Tensor;
  /**
   * Instead of `sampleStd`: per-sample statistics `[N, 4]` (variance in column 1, as the layers'
   * `rowStats`), with `s_n = √(var_n + eps)` computed in the kernel (no separate dispatch).
   */
  sampleStats?: Tensor;
  /** eps of `sampleStats` (default 1e-5). */
  eps?: number;
}

/** Extra options of {@link binaryConv2dGradInput}. */
export interface BinaryGradInputOptions {
  /** A gradient `[N, C, H, W]` to add to the result inside the kernel (`addend + ∂L/∂x`). */
  accumulate?: Tensor | null;
}

/**
 * Grad-input of the binary conv from packed weight signs: `win(x) · (α⊙gy ⊛ᵀ sign(W))`,
 * shape `[N, C, H, W]`. Without `window` it is the bare transposed conv. No autograd.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { binaryConv2dGradInput, binaryConvGeometry, packWeightSigns } from "@ovsw/gpu/internal";
 * await initGpu();
 * const w = Tensor.from([1, -1], [1, 2, 1, 1]);
 * const geom = binaryConvGeometry([1, 2, 1, 1], w.shape, {}, "demo");
 * const gy = Tensor.from([3], [1, 1, 1, 1]);
 * const gx = binaryConv2dGradInput(gy, packWeightSigns(w), Tensor.from([0.5], [1]), geom);
 * console.log(await gx.read()); // [1.5, -1.5]
 * ```
 */
export function binaryConv2dGradInput(
  gy: Tensor,
  wBits: Tensor,
  alpha: Tensor,
  geom: BinaryConvGeometry,
  window?: BinaryInputWindow,
  options: BinaryGradInputOptions = {},
): Tensor {
  const { n, c, h, w, o, kh, kw, ho, wo, stride, cw } = geom;
  expectShape(gy, [n, o, ho, wo], "binaryConv2dGradInput output gradient");
  expectBits(wBits, [weightGroups(o), kh * kw, cw, 2, 4], "binaryConv2dGradInput weight bits");
  expectShape(alpha, [o], "binaryConv2dGradInput alpha");
  const inputs = [gy, wBits, alpha];
  let mode: WindowMode = 0;
  if (window) {
    expectShape(window.x, [n, c, h, w], "binaryConv2dGradInput input");
    inputs.push(window.x);
    mode = 1;
    if (window.sampleStd) {
      expectShape(window.sampleStd, [n], "binaryConv2dGradInput sampleStd");
      inputs.push(window.sampleStd);
      mode = 2;
    } else if (window.sampleStats) {
      expectShape(window.sampleStats, [n, 4], "binaryConv2dGradInput sampleStats");
      inputs.push(window.sampleStats);
      mode = 3;
    }
  }
  const acc = options.accumulate ?? null;
  if (acc) {
    if (acc.size !== n * c * h * w || acc.dtype !== "f32") {
      throw new RangeError(
        `binaryConv2dGradInput accumulate: expected ${n * c * h * w} f32 values ` +
          `[${n}, ${c}, ${h}, ${w}], got ${acc.dtype} [${acc.shape.join(", ")}]`,
      );
    }
    inputs.push(acc);
  }
  const t = binaryTiling();
  const m = n * h * w;
  const ptiles = Math.ceil(m / t.bwdPixels);
  const tiles = ptiles * Math.ceil(c / t.bwdChannels);
  const gx = Tensor.empty([n, c, h, w]);
  runKernel({
    name: "binary_conv_grad_input",
    code: gradInputCode(t.bwdPixels, t.bwdChannels, t.bwdWorkgroup, mode, acc !== null),
    inputs,
    outputs: [gx],
    uniforms: [
      ...geometryUniforms(geom),
      m,
      ptiles,
      tiles,
      Math.ceil(o / 4),
      gy.size - 1,
      Math.log2(stride),
      f32(window?.eps ?? 1e-5),
    ],
    workgroups: tileGrid(tiles, t.bwdWorkgroup),
  });
  return gx;
}
