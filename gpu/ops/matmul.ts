/**
 * Matrix product `op(a) · op(b)` with a register-tiled WGSL kernel, and its backward.
 *
 * Each invocation computes a `tm × tn` tile of the output (see {@link denseTiling}). The
 * reduction runs in blocks of four; operands whose contiguous axis is a multiple of 4 are read
 * as `vec4`, others element by element, and a tail loop handles K mod 4. Rows and columns past
 * the edge are clamped on load and skipped on store, so any shape works.
 *
 * @module
 */
import { runKernel } from "../kernel.ts";
import { record1 } from "../tape.ts";
import { shapeStr, Tensor } from "../tensor.ts";
import { type DenseTiling, denseTiling } from "./matmul_tiling.ts";

/** Options of {@link matmul}. */
export interface MatmulOptions {
  /** Use `aᵀ` (a is stored as [K, M]). */
  transA?: boolean;
  /** Use `bᵀ` (b is stored as [N, K]). */
  transB?: boolean;
}

interface GemmVariant {
  transA: boolean;
  transB: boolean;
  /** A bound as vec4 (along K when not transposed, along M when transposed). */
  aVec: boolean;
  /** B bound as vec4 (along N when not transposed, along K when transposed). */
  bVec: boolean;
  /** C bound as vec4 (N % 4 == 0). */
  cVec: boolean;
}

const codeCache = new Map<string, string>();

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** WGSL for one GEMM variant and tiling. Uniforms: M, N, K. */
function gemmCode(v: GemmVariant, t: DenseTiling): string {
  const key = JSON.stringify([v, t.tm, t.tn, t.wx, t.wy]);
  const hit = codeCache.get(key);
  if (hit) return hit;
  const { tm, tn } = t;
  const R = range(tm);
  const Q = range(tn / 4);
  const C4 = range(tn);
  const KK = range(4);
  const L: string[] = [];
  const aT = v.aVec ? "array<vec4<f32>>" : "array<f32>";
  const bT = v.bVec ? "array<vec4<f32>>" : "array<f32>";
  const cT = v.cVec ? "array<vec4<f32>>" : "array<f32>";
  L.push(`struct P { M: u32, N: u32, K: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> A: ${aT};
@group(0) @binding(2) var<storage, read> B: ${bT};
@group(0) @binding(3) var<storage, read_write> C: ${cT};
fn ldA(i: u32) -> f32 { return ${v.aVec ? "A[i >> 2u][i & 3u]" : "A[i]"}; }
fn ldB(i: u32) -> f32 { return ${v.bVec ? "B[i >> 2u][i & 3u]" : "B[i]"}; }
@compute @workgroup_size(${t.wx}, ${t.wy}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let j0 = gid.x * ${tn}u;
  let i0 = gid.y * ${tm}u;
  if (j0 >= p.N || i0 >= p.M) { return; }
  let K4 = p.K >> 2u;`);
  // Row indices of A (clamped), column indices of B (clamped).
  for (const r of R) L.push(`  let ir${r} = min(i0 + ${r}u, p.M - 1u);`);
  for (const c of C4) L.push(`  let jc${c} = min(j0 + ${c}u, p.N - 1u);`);
  for (const r of R) for (const q of Q) L.push(`  var acc${r}_${q} = vec4<f32>(0.0);`);
  const fmaBlock = (a: (kk: number, r: number) => string, b: (kk: number, q: number) => string) => {
    const out: string[] = [];
    for (const r of R) {
      for (const q of Q) {
        let e = `acc${r}_${q}`;
        for (const kk of KK) e = `fma(vec4<f32>(${a(kk, r)}), ${b(kk, q)}, ${e})`;
        out.push(`    acc${r}_${q} = ${e};`);
      }
    }
    return out.join("\n");
  };
  // Main loop over blocks of four k.
  L.push(`  for (var k4 = 0u; k4 < K4; k4++) {
    let k = k4 * 4u;`);
  // A loads -> names a{kk}_{r} or component expressions.
  let aExpr: (kk: number, r: number) => string;
  if (v.aVec && !v.transA) {
    for (const r of R) L.push(`    let va${r} = A[ir${r} * K4 + k4];`);
    aExpr = (kk, r) => `va${r}[${kk}]`;
  } else if (v.aVec && v.transA) {
    // A stored [K, M], M % 4 == 0: rows i0..i0+tm are tm/4 vec4 per k (clamped per vec4).
    L.push(`    let M4 = p.M >> 2u;`);
    for (const rq of range(tm / 4)) {
      L.push(`    let iq${rq} = min((i0 >> 2u) + ${rq}u, M4 - 1u);`);
      for (const kk of KK) L.push(`    let va${kk}_${rq} = A[(k + ${kk}u) * M4 + iq${rq}];`);
    }
    aExpr = (kk, r) => `va${kk}_${r >> 2}[${r & 3}]`;
  } else if (v.transA) {
    for (const kk of KK) {
      for (const r of R) L.push(`    let a${kk}_${r} = A[(k + ${kk}u) * p.M + ir${r}];`);
    }
    aExpr = (kk, r) => `a${kk}_${r}`;
  } else {
    for (const r of R) {
      for (const kk of KK) L.push(`    let a${kk}_${r} = A[ir${r} * p.K + k + ${kk}u];`);
    }
    aExpr = (kk, r) => `a${kk}_${r}`;
  }
  let bExpr: (kk: number, q: number) => string;
  if (v.bVec && !v.transB) {
    L.push(`    let N4 = p.N >> 2u;`);
    for (const q of Q) {
      L.push(`    let jq${q} = min((j0 >> 2u) + ${q}u, N4 - 1u);`);
      for (const kk of KK) L.push(`    let vb${kk}_${q} = B[(k + ${kk}u) * N4 + jq${q}];`);
    }
    bExpr = (kk, q) => `vb${kk}_${q}`;
  } else if (v.bVec && v.transB) {
    for (const c of C4) L.push(`    let vb${c} = B[jc${c} * K4 + k4];`);
    bExpr = (kk, q) => `vec4<f32>(${range(4).map((t) => `vb${q * 4 + t}[${kk}]`).join(", ")})`;
  } else if (v.transB) {
    for (const c of C4) {
      for (const kk of KK) L.push(`    let b${kk}_${c} = B[jc${c} * p.K + k + ${kk}u];`);
    }
    bExpr = (kk, q) => `vec4<f32>(${range(4).map((t) => `b${kk}_${q * 4 + t}`).join(", ")})`;
  } else {
    for (const kk of KK) {
      for (const c of C4) L.push(`    let b${kk}_${c} = B[(k + ${kk}u) * p.N + jc${c}];`);
    }
    bExpr = (kk, q) => `vec4<f32>(${range(4).map((t) => `b${kk}_${q * 4 + t}`).join(", ")})`;
  }
  L.push(fmaBlock(aExpr, bExpr));
  L.push(`  }`);
  // Tail: k = 4·K4 .. K−1, element loads.
  const ai = (r: number) => v.transA ? `k * p.M + ir${r}` : `ir${r} * p.K + k`;
  const bi = (c: number) => v.transB ? `jc${c} * p.K + k` : `k * p.N + jc${c}`;
  L.push(`  for (var k = K4 * 4u; k < p.K; k++) {`);
  for (const r of R) L.push(`    let a${r} = ldA(${ai(r)});`);
  for (const c of C4) L.push(`    let b${c} = ldB(${bi(c)});`);
  for (const r of R) {
    for (const q of Q) {
      L.push(
        `    acc${r}_${q} = fma(vec4<f32>(a${r}), vec4<f32>(${
          range(4).map((t) => `b${q * 4 + t}`).join(", ")
        }), acc${r}_${q});`,
      );
    }
  }
  L.push(`  }`);
  // Store.
  if (v.cVec) {
    L.push(`  let N4c = p.N >> 2u;`);
    for (const r of R) {
      L.push(`  if (i0 + ${r}u < p.M) {`);
      for (const q of Q) {
        L.push(
          `    if ((j0 >> 2u) + ${q}u < N4c) { C[(i0 + ${r}u) * N4c + (j0 >> 2u) + ${q}u] = acc${r}_${q}; }`,
        );
      }
      L.push(`  }`);
    }
  } else {
    for (const r of R) {
      L.push(`  if (i0 + ${r}u < p.M) {`);
      L.push(`    let row = (i0 + ${r}u) * p.N;`);
      for (const c of C4) {
        L.push(`    if (j0 + ${c}u < p.N) { C[row + j0 + ${c}u] = acc${r}_${c >> 2}[${c & 3}]; }`);
      }
      L.push(`  }`);
    }
  }
  L.push(`}`);
  const code = L.join("\n");
  codeCache.set(key, code);
  return code;
}

/** Resolves M, N, K of `op(a)·op(b)` or throws naming the shapes. */
function gemmDims(a: Tensor, b: Tensor, transA: boolean, transB: boolean, name: string) {
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new RangeError(
      `${name}: expected 2-D operands, got ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`,
    );
  }
  if (a.dtype !== "f32" || b.dtype !== "f32") {
    throw new TypeError(`${name}: expected f32 operands, got ${a.dtype} and ${b.dtype}`);
  }
  const M = transA ? a.shape[1] : a.shape[0];
  const K = transA ? a.shape[0] : a.shape[1];
  const Kb = transB ? b.shape[1] : b.shape[0];
  const N = transB ? b.shape[0] : b.shape[1];
  if (K !== Kb) {
    throw new RangeError(
      `${name}: inner dimensions differ: ${transA ? "aᵀ" : "a"} ${shapeStr(a.shape)} · ` +
        `${transB ? "bᵀ" : "b"} ${shapeStr(b.shape)}`,
    );
  }
  return { M, N, K };
}

/**
 * `op(a) · op(b)` without autograd: the kernel alone. Used by {@link matmul}, linear and the
 * fused layers.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { matmulRaw } from "@ovsw/gpu/internal";
 * await initGpu();
 * const a = Tensor.from([1, 2, 3, 4], [2, 2]);
 * console.log(await matmulRaw(a, a, false, true).read()); // [5, 11, 11, 25]
 * ```
 */
export function matmulRaw(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  const { M, N, K } = gemmDims(a, b, transA, transB, "matmul");
  const out = Tensor.empty([M, N]);
  if (out.size === 0) return out;
  if (K === 0) {
    runKernel({
      name: "matmul_zero",
      code: ZERO,
      inputs: [],
      outputs: [out],
      uniforms: [out.size],
      workgroups: [Math.ceil(out.size / 64)],
    });
    return out;
  }
  const t = denseTiling();
  const variant: GemmVariant = {
    transA,
    transB,
    aVec: transA ? M % 4 === 0 && t.tm % 4 === 0 : K % 4 === 0,
    bVec: transB ? K % 4 === 0 : N % 4 === 0,
    cVec: N % 4 === 0,
  };
  runKernel({
    name: "matmul",
    code: gemmCode(variant, t),
    inputs: [a, b],
    outputs: [out],
    uniforms: [M, N, K],
    workgroups: [Math.ceil(N / (t.tn * t.wx)), Math.ceil(M / (t.tm * t.wy))],
  });
  return out;
}

const ZERO = `struct P { n: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x < p.n) { y[gid.x] = 0.0; }
}`;

/**
 * Matrix product `op(a) · op(b)`: a is [M, K] (or [K, M] with `transA`), b is [K, N] (or
 * [N, K] with `transB`); the result is [M, N]. Differentiable in both operands.
 *
 * @example
 * ```ts
 * import { initGpu, matmul, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const a = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
 * const b = Tensor.from([1, 0, 0, 1, 1, 1], [3, 2]);
 * console.log(await matmul(a, b).read()); // [4, 5, 10, 11]
 * ```
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const y = matmulRaw(a, b, transA, transB);
  record1([a, b], y, (g) => [
    a.requiresGrad
      ? (transA ? matmulRaw(b, g, transB, true) : matmulRaw(g, b, false, !transB))
      : null,
    b.requiresGrad
      ? (transB ? matmulRaw(g, a, true, transA) : matmulRaw(a, g, !transA, false))
      : null,
  ]);
  return y;
}
