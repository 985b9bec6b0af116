/**
 * The per-row statistics kernel (mean, unbiased variance, OvSW's α = mean |(x − mean)/σ|, mean
 * |x|) shared by the layers' `rowStats` and the fused binary weight preparation
 * (`binaryWeightPrep`), so that both sum in the same order and give the same bits.
 *
 * @module
 */
import { wgTreeSum } from "./_tree_sum.ts";

/** What the kernel does besides writing the `[rows, 4]` statistics. */
export interface RowStatsExtras {
  /**
   * WGSL run by invocation 0 of row `r` after the statistics are written; sees `mean`, `vr`,
   * `alpha` and the uniforms.
   */
  epilogue?: string;
  /** WGSL run by every invocation of row `r` at the end (after a barrier). */
  tail?: string;
  /** WGSL run by every invocation of a row `r ≥ p.rows` (padding rows) before returning. */
  padding?: string;
  /** Extra bindings (declarations) after `y` at binding 2. */
  bindings?: string;
  /** Extra uniform fields after `eps`. */
  fields?: string;
}

/**
 * Per-row statistics in two passes over the row. With `vec` (row length a multiple of 4) every
 * load is a `vec4f`, a quarter of the loads and index computations. Bindings: uniforms
 * `{ rows, n, full, eps }`, `x` (row-major `[rows, n]`), `y` `[rows, 4]`.
 *
 * @example
 * ```ts
 * import { rowStatsCode } from "./_row_stats.ts";
 * console.log(rowStatsCode(true).includes("vec4f")); // true
 * ```
 */
export function rowStatsCode(vec: boolean, extras: RowStatsExtras = {}): string {
  const T = vec ? "vec4f" : "f32";
  const hsum = (e: string) => (vec ? `dot(${e}, vec4f(1.0))` : e);
  const len = vec ? "p.n / 4u" : "p.n";
  return `struct P { rows: u32, n: u32, full: u32, eps: f32${extras.fields ?? ""} }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<${T}>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${extras.bindings ?? ""}
var<workgroup> a: array<f32, 256>;
var<workgroup> b: array<f32, 256>;
fn reduce2(l: u32) {
  ${wgTreeSum(["a", "b"])}
}
@compute @workgroup_size(256) fn main(@builtin(workgroup_id) wid: vec3u,
    @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) l: u32) {
  let r = wid.x + wid.y * nwg.x;
  if (r >= p.rows) {
    ${extras.padding ?? ""}
    return;
  }
  let len = ${len};
  let base = r * len;
  let nf = f32(p.n);
  var s = ${T}(0.0);
  var sa = ${T}(0.0);
  for (var j = l; j < len; j += 256u) { let v = x[base + j]; s += v; sa += abs(v); }
  a[l] = ${hsum("s")}; b[l] = ${hsum("sa")};
  reduce2(l);
  let mean = a[0] / nf;
  let meanAbs = b[0] / nf;
  workgroupBarrier();
  var q = ${T}(0.0);
  var z = ${T}(0.0);
  for (var j = l; j < len; j += 256u) {
    let d = x[base + j] - mean;
    q += d * d;
    z += abs(d);
  }
  a[l] = ${hsum("q")}; b[l] = ${hsum("z")};
  reduce2(l);
  if (l == 0u) {
    let vr = select(0.0, a[0] / f32(p.n - 1u), p.n > 1u);
    let alpha = (b[0] / nf) / sqrt(vr + p.eps);
    y[r * 4u] = mean;
    y[r * 4u + 1u] = vr;
    y[r * 4u + 2u] = alpha;
    y[r * 4u + 3u] = meanAbs;
    ${extras.epilogue ?? ""}
  }
  ${extras.tail ?? ""}
}`;
}
