/**
 * Small kernels behind the quantisers and the fused binary conv: per-row statistics, the
 * estimator's forward and backward element maps (with optional per-row input normalisation
 * and output scale), and a per-row dot product for learned scales.
 *
 * @module
 */
import { f32, grid, runKernel, Tensor, WGSL_INDEX } from "@ovsw/gpu";
import { rowStatsCode, wgTreeSum } from "@ovsw/gpu/internal";
import type { Estimator } from "./estimator.ts";

/** Workgroup counts for one workgroup per row. */
function rowGroups(rows: number): [number, number] {
  return grid(rows, 1);
}

/**
 * Per-row statistics of `x` viewed as `[rows, n]` (rows = the first dimension): a `[rows, 4]`
 * tensor of mean, unbiased variance, mean |(x − mean)/√(var + eps)| (OvSW's α) and mean |x|.
 * Not recorded on the tape.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { rowStats } from "./_kernels.ts";
 * await initGpu();
 * const s = rowStats(Tensor.from([0.3, -0.1, 0.02, 0.05], [2, 2]));
 * console.log(await s.read()); // mean, var, α, mean|x| per row
 * ```
 */
export function rowStats(x: Tensor, eps = 1e-5): Tensor {
  const rows = x.shape[0] ?? 1;
  const n = rows > 0 ? x.size / rows : 0;
  const y = Tensor.empty([rows, 4]);
  runKernel({
    name: n % 4 === 0 ? "row_stats_v4" : "row_stats",
    code: rowStatsCode(n % 4 === 0),
    inputs: [x],
    outputs: [y],
    uniforms: [rows, n, 1, f32(eps)],
    workgroups: rowGroups(rows),
  });
  return y;
}

/** Optional per-row inputs of the estimator element maps. */
export interface RowOptions {
  /** `[rows, 4]` from {@link rowStats}; needed for `m` and for `normalize`. */
  stats?: Tensor;
  /** `[rows]`: multiplies the forward output (and the incoming gradient in backward). */
  scale?: Tensor;
  /** Divide each row by √(var + eps) before the estimator (training-time input norm). */
  normalize?: boolean;
  /** eps of the normalisation (default 1e-5). */
  eps?: number;
}

function elementCode(e: Estimator, backward: boolean, o: RowOptions): string {
  const bind: string[] = [];
  let k = 1;
  bind.push(`@group(0) @binding(${k++}) var<storage, read> xs: array<f32>;`);
  if (backward) bind.push(`@group(0) @binding(${k++}) var<storage, read> gs: array<f32>;`);
  const needStats = e.usesRowMeanAbs || o.normalize;
  if (needStats) bind.push(`@group(0) @binding(${k++}) var<storage, read> st: array<f32>;`);
  if (o.scale) bind.push(`@group(0) @binding(${k++}) var<storage, read> sc: array<f32>;`);
  bind.push(`@group(0) @binding(${k++}) var<storage, read_write> out: array<f32>;`);
  const inv = o.normalize ? "1.0 / sqrt(st[r * 4u + 1u] + p.eps)" : "1.0";
  const m = e.usesRowMeanAbs ? "st[r * 4u + 3u]" : "0.0";
  const s = o.scale ? "sc[r]" : "1.0";
  const body = backward
    ? `let g = gs[i] * ${s};\n  out[i] = (${e.backward}) * inv;`
    : `out[i] = (${e.forward}) * ${s};`;
  return `struct P { n: u32, rowLen: u32, eps: f32, pad: u32 }
@group(0) @binding(0) var<uniform> p: P;
${bind.join("\n")}
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.n) { return; }
  let r = i / p.rowLen;
  let inv = ${inv};
  let m = ${m};
  let x = xs[i] * inv;
  _ = m;
  ${body}
}`;
}

function elementInputs(e: Estimator, o: RowOptions, first: Tensor[]): Tensor[] {
  const inputs = [...first];
  if (e.usesRowMeanAbs || o.normalize) {
    if (!o.stats) throw new Error(`estimator ${e.name}: row statistics are required`);
    inputs.push(o.stats);
  }
  if (o.scale) inputs.push(o.scale);
  return inputs;
}

function rowLen(x: Tensor): number {
  const rows = x.shape[0] ?? 1;
  return Math.max(1, rows > 0 ? x.size / rows : 1);
}

/**
 * The estimator's forward values of `x` (times the per-row `scale` if given). Not recorded.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { steEstimator } from "@ovsw/layers";
 * import { estimatorForward } from "./_kernels.ts";
 * await initGpu();
 * console.log(await estimatorForward(Tensor.from([-2, 0, 3], [3]), steEstimator).read()); // [-1, 0, 1]
 * ```
 */
export function estimatorForward(x: Tensor, e: Estimator, o: RowOptions = {}): Tensor {
  const y = Tensor.empty(x.shape);
  runKernel({
    name: `est_fwd_${e.name}`,
    code: elementCode(e, false, o),
    inputs: elementInputs(e, o, [x]),
    outputs: [y],
    uniforms: [x.size, rowLen(x), f32(o.eps ?? 1e-5), 0],
    workgroups: grid(x.size),
  });
  return y;
}

/**
 * The estimator's input gradient for output gradient `g`: `backward(g·scale_r, x̂)·inv_r` where
 * `x̂ = x·inv_r` and `inv_r = 1/√(var_r + eps)` when `normalize` (else 1). Not recorded.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { approxSignEstimator } from "@ovsw/layers";
 * import { estimatorBackward } from "./_kernels.ts";
 * await initGpu();
 * const x = Tensor.from([0.25, 2], [2]);
 * console.log(await estimatorBackward(x, Tensor.from([1, 1], [2]), approxSignEstimator).read()); // [1.5, 0]
 * ```
 */
export function estimatorBackward(
  x: Tensor,
  g: Tensor,
  e: Estimator,
  o: RowOptions = {},
): Tensor {
  if (g.size !== x.size) {
    throw new RangeError(`estimator ${e.name}: gradient size ${g.size} != input size ${x.size}`);
  }
  const y = Tensor.empty(x.shape);
  runKernel({
    name: `est_bwd_${e.name}`,
    code: elementCode(e, true, o),
    inputs: elementInputs(e, o, [x, g]),
    outputs: [y],
    uniforms: [x.size, rowLen(x), f32(o.eps ?? 1e-5), 0],
    workgroups: grid(x.size),
  });
  return y;
}

function rowDotCode(e: Estimator): string {
  const stats = e.usesRowMeanAbs
    ? "@group(0) @binding(3) var<storage, read> st: array<f32>;\n" +
      "@group(0) @binding(4) var<storage, read_write> y: array<f32>;"
    : "@group(0) @binding(3) var<storage, read_write> y: array<f32>;";
  const m = e.usesRowMeanAbs ? "st[r * 4u + 3u]" : "0.0";
  return `struct P { rows: u32, n: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> gs: array<f32>;
@group(0) @binding(2) var<storage, read> ws: array<f32>;
${stats}
var<workgroup> a: array<f32, 256>;
@compute @workgroup_size(256) fn main(@builtin(workgroup_id) wid: vec3u,
    @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) l: u32) {
  let r = wid.x + wid.y * nwg.x;
  if (r >= p.rows) { return; }
  let m = ${m};
  _ = m;
  var acc = 0.0;
  for (var j = l; j < p.n; j += 256u) {
    let x = ws[r * p.n + j];
    acc += gs[r * p.n + j] * (${e.forward});
  }
  a[l] = acc;
  ${wgTreeSum(["a"])}
  if (l == 0u) { y[r] = a[0]; }
}`;
}

/**
 * Per-row `Σ_j g[r, j]·forward(w[r, j])`: the gradient of a per-row scale that multiplies the
 * estimator's output (`[rows]`). Not recorded.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { steEstimator } from "@ovsw/layers";
 * import { rowDotForward } from "./_kernels.ts";
 * await initGpu();
 * const w = Tensor.from([0.3, -0.1], [1, 2]);
 * console.log(await rowDotForward(Tensor.from([1, 2], [1, 2]), w, steEstimator).read()); // [-1]
 * ```
 */
export function rowDotForward(g: Tensor, w: Tensor, e: Estimator, stats?: Tensor): Tensor {
  const rows = w.shape[0];
  const y = Tensor.empty([rows]);
  const inputs = [g, w];
  if (e.usesRowMeanAbs) {
    if (!stats) throw new Error(`estimator ${e.name}: row statistics are required`);
    inputs.push(stats);
  }
  runKernel({
    name: `row_dot_${e.name}`,
    code: rowDotCode(e),
    inputs,
    outputs: [y],
    uniforms: [rows, rowLen(w)],
    workgroups: rowGroups(rows),
  });
  return y;
}

const PICK = `struct P { n: u32, k: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> st: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i < p.n) { y[i] = st[i * 4u + p.k]; }
}`;

/**
 * Column `k` of a `[rows, 4]` statistics tensor as `[rows]` (k = 2 gives OvSW's α).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { pickStat, rowStats } from "./_kernels.ts";
 * await initGpu();
 * const alpha = pickStat(rowStats(Tensor.from([0.3, -0.1], [1, 2])), 2);
 * console.log(await alpha.read());
 * ```
 */
export function pickStat(stats: Tensor, k: 0 | 1 | 2 | 3): Tensor {
  const rows = stats.shape[0];
  const y = Tensor.empty([rows]);
  runKernel({
    name: "pick_stat",
    code: PICK,
    inputs: [stats],
    outputs: [y],
    uniforms: [rows, k],
    workgroups: grid(rows),
  });
  return y;
}

const ROW_STD = `struct P { n: u32, eps: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> st: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i < p.n) { y[i] = sqrt(st[i * 4u + 1u] + p.eps); }
}`;

/**
 * `√(var + eps)` per row of a `[rows, 4]` statistics tensor, as `[rows]`: the per-sample std
 * `s_n` of the training-time input normalisation (one dispatch).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { rowStats, rowStd } from "./_kernels.ts";
 * await initGpu();
 * console.log(await rowStd(rowStats(Tensor.from([1, 3], [1, 2])), 0).read()); // [√2]
 * ```
 */
export function rowStd(stats: Tensor, eps = 1e-5): Tensor {
  const rows = stats.shape[0];
  const y = Tensor.empty([rows]);
  runKernel({
    name: "row_std",
    code: ROW_STD,
    inputs: [stats],
    outputs: [y],
    uniforms: [rows, f32(eps)],
    workgroups: grid(rows),
  });
  return y;
}
