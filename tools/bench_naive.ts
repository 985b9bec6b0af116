/**
 * Naive one-output-per-invocation kernels: the baselines `deno task bench` compares the tiled
 * kernels with. Same bindings and results as the real ops, no tiling, no vector loads.
 *
 * @module
 */
import { runKernel, Tensor } from "@ovsw/gpu";

const UNI = "struct P { N: u32, C: u32, H: u32, W: u32, O: u32, OH: u32, OW: u32, pad: u32, " +
  "K: u32, stride: u32, total: u32 }";

const HEAD = `${UNI}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u,
    @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.total) { return; }`;

const MATMUL = `struct P { M: u32, N: u32, K: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(8, 8) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  let i = gid.y;
  if (i >= p.M || j >= p.N) { return; }
  var s = 0.0;
  for (var k = 0u; k < p.K; k++) { s += a[i * p.K + k] * b[k * p.N + j]; }
  y[i * p.N + j] = s;
}`;

// a = x, b = w; i over y [N, O, OH, OW].
const FORWARD = `${HEAD}
  let ow = i % p.OW;
  let oh = (i / p.OW) % p.OH;
  let o = (i / (p.OW * p.OH)) % p.O;
  let n = i / (p.OW * p.OH * p.O);
  var s = 0.0;
  for (var c = 0u; c < p.C; c++) {
    for (var kh = 0u; kh < p.K; kh++) {
      let ih = i32(oh * p.stride + kh) - i32(p.pad);
      if (ih < 0 || ih >= i32(p.H)) { continue; }
      for (var kw = 0u; kw < p.K; kw++) {
        let iw = i32(ow * p.stride + kw) - i32(p.pad);
        if (iw < 0 || iw >= i32(p.W)) { continue; }
        s += a[((n * p.C + c) * p.H + u32(ih)) * p.W + u32(iw)] * b[((o * p.C + c) * p.K + kh) * p.K + kw];
      }
    }
  }
  y[i] = s;
}`;

// a = dy, b = w; i over dx [N, C, H, W].
const GRAD_INPUT = `${HEAD}
  let iw = i % p.W;
  let ih = (i / p.W) % p.H;
  let c = (i / (p.W * p.H)) % p.C;
  let n = i / (p.W * p.H * p.C);
  var s = 0.0;
  for (var o = 0u; o < p.O; o++) {
    for (var kh = 0u; kh < p.K; kh++) {
      let th = i32(ih + p.pad) - i32(kh);
      if (th < 0 || th % i32(p.stride) != 0 || th / i32(p.stride) >= i32(p.OH)) { continue; }
      for (var kw = 0u; kw < p.K; kw++) {
        let tw = i32(iw + p.pad) - i32(kw);
        if (tw < 0 || tw % i32(p.stride) != 0 || tw / i32(p.stride) >= i32(p.OW)) { continue; }
        let oh = u32(th) / p.stride;
        let ow = u32(tw) / p.stride;
        s += a[((n * p.O + o) * p.OH + oh) * p.OW + ow] * b[((o * p.C + c) * p.K + kh) * p.K + kw];
      }
    }
  }
  y[i] = s;
}`;

// a = x, b = dy; i over dw [O, C, K, K].
const GRAD_WEIGHT = `${HEAD}
  let kw = i % p.K;
  let kh = (i / p.K) % p.K;
  let c = (i / (p.K * p.K)) % p.C;
  let o = i / (p.K * p.K * p.C);
  var s = 0.0;
  for (var n = 0u; n < p.N; n++) {
    for (var oh = 0u; oh < p.OH; oh++) {
      let ih = i32(oh * p.stride + kh) - i32(p.pad);
      if (ih < 0 || ih >= i32(p.H)) { continue; }
      for (var ow = 0u; ow < p.OW; ow++) {
        let iw = i32(ow * p.stride + kw) - i32(p.pad);
        if (iw < 0 || iw >= i32(p.W)) { continue; }
        s += a[((n * p.C + c) * p.H + u32(ih)) * p.W + u32(iw)] * b[((n * p.O + o) * p.OH + oh) * p.OW + ow];
      }
    }
  }
  y[i] = s;
}`;

function flat(n: number): [number, number] {
  const g = Math.ceil(n / 64);
  if (g <= 65535) return [g, 1];
  const y = Math.ceil(g / 65535);
  return [Math.ceil(g / y), y];
}

/**
 * Naive `a · b` (a [M, K], b [K, N]): one output per invocation.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { naiveMatmul } from "./bench_naive.ts";
 * await initGpu();
 * const a = Tensor.from([1, 2, 3, 4], [2, 2]);
 * console.log(await naiveMatmul(a, a).read()); // [7, 10, 15, 22]
 * ```
 */
export function naiveMatmul(a: Tensor, b: Tensor): Tensor {
  const [M, K] = a.shape;
  const N = b.shape[1];
  const y = Tensor.empty([M, N]);
  runKernel({
    name: "naive_matmul",
    code: MATMUL,
    inputs: [a, b],
    outputs: [y],
    uniforms: [M, N, K],
    workgroups: [Math.ceil(N / 8), Math.ceil(M / 8)],
  });
  return y;
}

/** Geometry of a square-kernel convolution for the naive kernels. */
export interface NaiveConv {
  /** Batch, channels in, height, width. */
  N: number;
  /** Input channels. */
  C: number;
  /** Input height. */
  H: number;
  /** Input width. */
  W: number;
  /** Output channels. */
  O: number;
  /** Kernel size (square). */
  K: number;
  /** Stride. */
  stride: number;
  /** Zero padding. */
  pad: number;
}

function uniforms(g: NaiveConv, total: number): number[] {
  const OH = Math.floor((g.H + 2 * g.pad - g.K) / g.stride) + 1;
  const OW = Math.floor((g.W + 2 * g.pad - g.K) / g.stride) + 1;
  return [g.N, g.C, g.H, g.W, g.O, OH, OW, g.pad, g.K, g.stride, total];
}

/**
 * Naive convolution forward, gradient to the input or to the weight: one output element per
 * invocation, the whole reduction in a loop.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { naiveConv } from "./bench_naive.ts";
 * await initGpu();
 * const g = { N: 1, C: 1, H: 2, W: 2, O: 1, K: 1, stride: 1, pad: 0 };
 * const x = Tensor.from([1, 2, 3, 4], [1, 1, 2, 2]);
 * const w = Tensor.from([2], [1, 1, 1, 1]);
 * console.log(await naiveConv("forward", g, x, w).read()); // [2, 4, 6, 8]
 * ```
 */
export function naiveConv(
  kind: "forward" | "gradInput" | "gradWeight",
  g: NaiveConv,
  a: Tensor,
  b: Tensor,
): Tensor {
  const OH = Math.floor((g.H + 2 * g.pad - g.K) / g.stride) + 1;
  const OW = Math.floor((g.W + 2 * g.pad - g.K) / g.stride) + 1;
  const shape = kind === "forward"
    ? [g.N, g.O, OH, OW]
    : kind === "gradInput"
    ? [g.N, g.C, g.H, g.W]
    : [g.O, g.C, g.K, g.K];
  const y = Tensor.empty(shape);
  const code = kind === "forward" ? FORWARD : kind === "gradInput" ? GRAD_INPUT : GRAD_WEIGHT;
  runKernel({
    name: `naive_conv_${kind}`,
    code,
    inputs: [a, b],
    outputs: [y],
    uniforms: uniforms(g, y.size),
    workgroups: flat(y.size),
  });
  return y;
}
