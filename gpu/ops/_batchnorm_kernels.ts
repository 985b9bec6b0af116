/**
 * The batch-norm kernels shared by `batchNorm` and the fused `batchNormHardtanh`: training
 * statistics (per-chunk partials, then a per-channel merge that also updates the running
 * statistics in place), evaluation statistics, and the backward's per-channel coefficients.
 * Internal to `@ovsw/gpu` (not re-exported).
 *
 * @module
 */
import { f32, grid, runKernel, WGSL_INDEX } from "../kernel.ts";
import { shapeStr, Tensor } from "../tensor.ts";
import { type AxesPlan, channelPlan } from "./_layout.ts";
import { expandMap } from "./_reduce_kernel.ts";
import { WG_TREE_SUM, wgTreeSum } from "./_tree_sum.ts";

/** Chunks per channel: enough workgroups to fill the device, each reducing ≥ 4096 values. */
function chunksFor(c: number, m: number): number {
  return Math.max(1, Math.min(Math.ceil(m / 4096), Math.ceil(256 / c), 64));
}

/**
 * The plane layout of the partial kernels: x `[N, C, ...]` is N·C planes of `hw` values; the
 * values of channel `o` are planes `n·C + o`. With `vec`, planes hold 4k values and each load
 * is a `vec4f` (one division per four values, none per element).
 */
function planeHead(vec: boolean): { T: string; hsum: (e: string) => string; at: string } {
  return {
    T: vec ? "vec4f" : "f32",
    hsum: (e) => (vec ? `dot(${e}, vec4f(1.0))` : e),
    at: "((r / p.hw) * p.c + o) * p.hw + r % p.hw",
  };
}

const PARTIAL_HEAD = `struct P { c: u32, nred: u32, chunks: u32, clen: u32, hw: u32, lanes: u32 }
@group(0) @binding(0) var<uniform> p: P;`;

const CHUNK = `let o = wid.x;
  let chunk = wid.y;
  let start = chunk * p.clen;
  let end = min(p.nred, start + p.clen);`;

/** Per (channel, chunk): the chunk's mean and sum of squared deviations (two passes, cached). */
function partialStatsCode(vec: boolean): string {
  const { T, hsum, at } = planeHead(vec);
  return `${PARTIAL_HEAD}
@group(0) @binding(1) var<storage, read> x: array<${T}>;
@group(0) @binding(2) var<storage, read_write> part_out: array<f32>;
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(256) fn main(@builtin(workgroup_id) wid: vec3u,
    @builtin(local_invocation_index) l: u32) {
  ${CHUNK}
  var acc = ${T}(0.0);
  for (var r = start + l; r < end; r += 256u) {
    acc += x[${at}];
  }
  part[l] = ${hsum("acc")};
  ${WG_TREE_SUM}
  let mean = part[0] / f32((end - start) * p.lanes);
  workgroupBarrier();
  var acc2 = ${T}(0.0);
  for (var r = start + l; r < end; r += 256u) {
    let d = x[${at}] - mean;
    acc2 += d * d;
  }
  part[l] = ${hsum("acc2")};
  ${WG_TREE_SUM}
  if (l == 0u) {
    let at = (o * p.chunks + chunk) * 2u;
    part_out[at] = mean;
    part_out[at + 1u] = part[0];
  }
}`;
}

/** WGSL names of the per-channel merges' inputs (uniform fields and arrays). */
interface MergeNames {
  part: string;
  chunks: string;
  [k: string]: string;
}

/**
 * WGSL merging channel `o`'s chunk partials (mean, M2) of the statistics (Chan et al.): defines
 * `mean`, `v` (biased variance), `invstd`, `sc` = γ/σ and `sh` = β − mean·γ/σ. Shared by the
 * merge kernel and the fused normalise pass (`_bn_fused.ts`), so both give the same bits.
 */
export function statsMergeCode(n: MergeNames): string {
  return `var mean = 0.0;
  for (var k = 0u; k < ${n.chunks}; k++) {
    let cnt = f32(min(${n.nred}, (k + 1u) * ${n.clen}) - k * ${n.clen});
    mean += cnt * ${n.part}[(o * ${n.chunks} + k) * 2u];
  }
  mean /= f32(${n.nred});
  var m2 = 0.0;
  for (var k = 0u; k < ${n.chunks}; k++) {
    let cnt = f32(min(${n.nred}, (k + 1u) * ${n.clen}) - k * ${n.clen});
    let at = (o * ${n.chunks} + k) * 2u;
    let d = ${n.part}[at] - mean;
    m2 += ${n.part}[at + 1u] + cnt * d * d;
  }
  let v = m2 / f32(${n.nred});
  let invstd = inverseSqrt(v + ${n.eps});
  let sc = ${n.gamma}[o] * invstd;
  let sh = ${n.beta}[o] - mean * sc;`;
}

/**
 * WGSL writing channel `o`'s merged statistics (see {@link statsMergeCode}) as `[4, C]`, updating
 * the running statistics and, when `count` names an array, the batch counter.
 */
export function statsWriteCode(n: { [k: string]: string }): string {
  return `${n.stats}[o] = mean;
  ${n.stats}[o + p.c] = invstd;
  ${n.stats}[o + 2u * p.c] = sc;
  ${n.stats}[o + 3u * p.c] = sh;
  ${n.rm}[o] = (1.0 - ${n.momentum}) * ${n.rm}[o] + ${n.momentum} * mean;
  ${n.rv}[o] = (1.0 - ${n.momentum}) * ${n.rv}[o] + ${n.momentum} * v * ${n.unb};
  ${n.count ? `if (o == 0u) { ${n.count}[0] += 1.0; }` : ""}`;
}

/**
 * WGSL merging channel `o`'s chunk partials of the backward: defines `sg` = Σg, `sgx` = Σg·x̂,
 * `mean`, `invstd` and the input-gradient coefficients `k1`, `k2`, `k3`.
 */
export function gradMergeCode(n: MergeNames): string {
  return `var sg = 0.0;
  var sgx = 0.0;
  for (var k = 0u; k < ${n.chunks}; k++) {
    let at = (o * ${n.chunks} + k) * 2u;
    sg += ${n.part}[at];
    sgx += ${n.part}[at + 1u];
  }
  let mean = ${n.stats}[o];
  let invstd = ${n.stats}[o + p.c];
  let k1 = ${n.gamma}[o] * invstd;
  var k2 = 0.0;
  var k3 = 0.0;
  if (${n.training}) {
    k2 = -k1 * invstd * sgx * ${n.invM};
    k3 = -k1 * sg * ${n.invM};
  }`;
}

/**
 * Per channel: merges the chunks (Chan et al.), writes stats `[4, C]` = mean, 1/σ, γ/σ and
 * β − mean·γ/σ, and updates the running statistics in place. With `counted`, also adds 1 to
 * the batch counter (`num_batches_tracked`) in place.
 */
const finalizeStatsCode = (counted: boolean): string =>
  `struct P { c: u32, nred: u32, chunks: u32, clen: u32, momentum: f32,
  eps: f32, unb: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;
@group(0) @binding(5) var<storage, read_write> rm: array<f32>;
@group(0) @binding(6) var<storage, read_write> rv: array<f32>;
${counted ? "@group(0) @binding(7) var<storage, read_write> count: array<f32>;" : ""}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let o = gid.x;
  if (o >= p.c) { return; }
  ${
    statsMergeCode({
      part: "part",
      nred: "p.nred",
      chunks: "p.chunks",
      clen: "p.clen",
      eps: "p.eps",
      gamma: "gamma",
      beta: "beta",
    })
  }
  ${
    statsWriteCode({
      stats: "stats",
      rm: "rm",
      rv: "rv",
      count: counted ? "count" : "",
      momentum: "p.momentum",
      unb: "p.unb",
    })
  }
}`;

/**
 * Per (channel, chunk): Σg and Σg·x̂. With `masked`, g is first zeroed where the fused
 * Hardtanh's output `y` saturated (|y| = 1: the strict window −1 < z < 1 of PyTorch).
 */
function partialGradCode(vec: boolean, masked: boolean): string {
  const { T, hsum, at } = planeHead(vec);
  return `${PARTIAL_HEAD}
@group(0) @binding(1) var<storage, read> g: array<${T}>;
@group(0) @binding(2) var<storage, read> x: array<${T}>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
${masked ? `@group(0) @binding(4) var<storage, read> y: array<${T}>;` : ""}
@group(0) @binding(${masked ? 5 : 4}) var<storage, read_write> part_out: array<f32>;
var<workgroup> part: array<f32, 256>;
var<workgroup> part2: array<f32, 256>;
@compute @workgroup_size(256) fn main(@builtin(workgroup_id) wid: vec3u,
    @builtin(local_invocation_index) l: u32) {
  ${CHUNK}
  let mean = stats[o];
  let invstd = stats[o + p.c];
  var sg = ${T}(0.0);
  var sgx = ${T}(0.0);
  for (var r = start + l; r < end; r += 256u) {
    let i = ${at};
    let gi = ${masked ? `select(${T}(0.0), g[i], abs(y[i]) < ${T}(1.0))` : "g[i]"};
    sg += gi;
    sgx += gi * (x[i] - mean) * invstd;
  }
  part[l] = ${hsum("sg")};
  part2[l] = ${hsum("sgx")};
  ${wgTreeSum(["part", "part2"])}
  if (l == 0u) {
    let at = (o * p.chunks + chunk) * 2u;
    part_out[at] = part[0];
    part_out[at + 1u] = part2[0];
  }
}`;
}

/**
 * Per channel: gβ = Σg, gγ = Σg·x̂, and coefficients `[4, C]` so that
 * gx = k1·g + k2·(x − mean) + k3 (training: the batch statistics' own gradient included;
 * eval: k2 = k3 = 0).
 */
const FINALIZE_GRAD = `struct P { c: u32, chunks: u32, inv_m: f32, training: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read_write> ggamma: array<f32>;
@group(0) @binding(5) var<storage, read_write> gbeta: array<f32>;
@group(0) @binding(6) var<storage, read_write> coef: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let o = gid.x;
  if (o >= p.c) { return; }
  ${
  gradMergeCode({
    part: "part",
    chunks: "p.chunks",
    stats: "stats",
    gamma: "gamma",
    invM: "p.inv_m",
    training: "p.training != 0u",
  })
}
  gbeta[o] = sg;
  ggamma[o] = sgx;
  coef[o] = k1;
  coef[o + p.c] = k2;
  coef[o + 2u * p.c] = k3;
  coef[o + 3u * p.c] = mean;
}`;

function checkVec(op: string, name: string, what: string, t: Tensor, c: number): void {
  if (t.size !== c || t.dtype !== "f32") {
    throw new RangeError(
      `${op}: ${what} ${t.name ? `"${t.name}" ` : ""}${shapeStr(t.shape)} does not match ` +
        `${c} channels of ${name}`,
    );
  }
}

/** A checked batch-norm call: its channel plan and the chunking of each channel's values. */
export interface BnSetup {
  /** The op's name, for errors. */
  op: string;
  /** The channel plan over x (reduce everything but axis 1). */
  plan: AxesPlan;
  /** Channels C. */
  c: number;
  /** Values per channel. */
  m: number;
  /** Chunks per channel in the partial kernels. */
  chunks: number;
  /** Values per chunk (a multiple of `lanes`). */
  clen: number;
  /** Values per (sample, channel) plane. */
  hw: number;
  /** Values per load in the partial kernels: 4 when `hw` is a multiple of 4, else 1. */
  lanes: number;
}

/**
 * Checks x `[N, C, ...]` against γ, β and the running statistics (`[C]` each) and plans the
 * reductions; errors name `op`, the tensor at fault and the shapes.
 */
export function bnSetup(
  op: string,
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  runningMean: Tensor,
  runningVar: Tensor,
  training: boolean,
): BnSetup {
  const plan = channelPlan(op, x, gamma);
  const c = x.shape[1];
  const xs = `x ${shapeStr(x.shape)}`;
  checkVec(op, xs, "beta", beta, c);
  checkVec(op, xs, "runningMean", runningMean, c);
  checkVec(op, xs, "runningVar", runningVar, c);
  const m = plan.nRed;
  if (training && m < 2) {
    throw new RangeError(`${op}: expected more than 1 value per channel when training, got ${xs}`);
  }
  const hw = m / x.shape[0];
  const lanes = hw % 4 === 0 ? 4 : 1;
  const chunks = chunksFor(c, m);
  const clen = Math.ceil(m / lanes / chunks) * lanes;
  return { op, plan, c, m, chunks, clen, hw, lanes };
}

/** Checks the optional batch counter: one f32 value. */
export function checkCount(s: BnSetup, count: Tensor | undefined): void {
  if (count && (count.size !== 1 || count.dtype !== "f32")) {
    throw new RangeError(
      `${s.op}: numBatchesTracked must be one f32 value, got ${count.dtype} ${
        shapeStr(count.shape)
      }`,
    );
  }
}

/** Per (channel, chunk): mean and sum of squared deviations, `[C, chunks, 2]`. One dispatch. */
export function bnPartialStats(s: BnSetup, x: Tensor): Tensor {
  const { c, m, chunks, clen, lanes } = s;
  const part = Tensor.empty([c, chunks, 2]);
  runKernel({
    name: `bn_partial_stats${lanes === 4 ? "_v4" : ""}`,
    code: partialStatsCode(lanes === 4),
    inputs: [x],
    outputs: [part],
    uniforms: [c, m / lanes, chunks, clen / lanes, s.hw / lanes, lanes],
    workgroups: [c, chunks],
  });
  return part;
}

/**
 * Per (channel, chunk): Σg and Σg·x̂, `[C, chunks, 2]` (g zeroed where |mask| = 1 when a mask is
 * given). One dispatch.
 */
export function bnPartialGrad(
  s: BnSetup,
  g: Tensor,
  x: Tensor,
  stats: Tensor,
  mask: Tensor | null,
): Tensor {
  const { c, m, chunks, clen, lanes } = s;
  const part = Tensor.empty([c, chunks, 2]);
  runKernel({
    name: `${mask ? "bnh" : "bn"}_partial_grad${lanes === 4 ? "_v4" : ""}`,
    code: partialGradCode(lanes === 4, mask !== null),
    inputs: mask ? [g, x, stats, mask] : [g, x, stats],
    outputs: [part],
    uniforms: [c, m / lanes, chunks, clen / lanes, s.hw / lanes, lanes],
    workgroups: [c, chunks],
  });
  return part;
}

/**
 * Training statistics `[4, C]` = mean, 1/σ, γ/σ, β − mean·γ/σ of the batch; updates the
 * running statistics (and `count`, if given, by 1) in place. Two dispatches.
 */
export function bnTrainStats(
  s: BnSetup,
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  runningMean: Tensor,
  runningVar: Tensor,
  momentum: number,
  eps: number,
  count?: Tensor,
): Tensor {
  const { c, m, chunks, clen } = s;
  checkCount(s, count);
  const part = bnPartialStats(s, x);
  const stats = Tensor.empty([4, c]);
  runKernel({
    name: count ? "bn_finalize_stats_counted" : "bn_finalize_stats",
    code: finalizeStatsCode(count !== undefined),
    inputs: [part, gamma, beta],
    outputs: count ? [stats, runningMean, runningVar, count] : [stats, runningMean, runningVar],
    uniforms: [c, m, chunks, clen, f32(momentum), f32(eps), f32(m / (m - 1))],
    workgroups: [Math.ceil(c / 64)],
  });
  part.dispose();
  return stats;
}

/** Evaluation statistics `[2, C]` = running mean, 1/√(running var + eps). One dispatch. */
export function bnEvalStats(
  s: BnSetup,
  runningMean: Tensor,
  runningVar: Tensor,
  eps: number,
): Tensor {
  return expandMap({
    name: "bn_eval_stats",
    full: [],
    perOut: [runningMean, runningVar],
    plan: channelPlanFor([2, s.c]),
    expr: "select(inverseSqrt(q1[i % p.nout] + p.s0), q0[i % p.nout], i < p.nout)",
    scalars: [eps],
  });
}

/** What {@link bnGradCoef} returns: γ and β gradients and the input-gradient coefficients. */
export interface BnGradCoef {
  /** Σg·x̂ per channel. */
  ggamma: Tensor;
  /** Σg per channel. */
  gbeta: Tensor;
  /** `[4, C]`: k1, k2, k3, mean with gx = k1·g + k2·(x − mean) + k3. */
  coef: Tensor;
}

/**
 * The backward's per-channel reductions and coefficients (two dispatches). With `mask` (the
 * fused Hardtanh's output), g is taken as zero where |mask| = 1.
 */
export function bnGradCoef(
  s: BnSetup,
  g: Tensor,
  x: Tensor,
  stats: Tensor,
  gamma: Tensor,
  training: boolean,
  mask: Tensor | null = null,
): BnGradCoef {
  const { c, m, chunks } = s;
  const part = bnPartialGrad(s, g, x, stats, mask);
  const ggamma = Tensor.empty(gamma.shape);
  const gbeta = Tensor.empty(gamma.shape);
  const coef = Tensor.empty([4, c]);
  runKernel({
    name: "bn_finalize_grad",
    code: FINALIZE_GRAD,
    inputs: [part, stats, gamma],
    outputs: [ggamma, gbeta, coef],
    uniforms: [c, chunks, f32(1 / m), training ? 1 : 0],
    workgroups: [Math.ceil(c / 64)],
  });
  part.dispose();
  return { ggamma, gbeta, coef };
}

/** A flat plan over `[2, C]` with `nOut = C` (for the eval statistics kernel). */
function channelPlanFor(shape: number[]): AxesPlan {
  return {
    shape,
    axes: [],
    dims: [{ size: shape[0] * shape[1], stride: 1, reduced: false }],
    kept: [{ size: shape[0] * shape[1], stride: 1, reduced: false }],
    red: [],
    nOut: shape[1],
    nRed: 1,
    outShape: shape,
    keepShape: shape,
    key: "k",
  };
}

/** What {@link channelMap} computes. */
export interface ChannelMapSpec {
  /** Kernel name. */
  name: string;
  /** x `[N, C, ...]`-shaped f32 inputs, visible as `a`, `b`, `c`, `d` (scalar or vec4f). */
  full: Tensor[];
  /** Per-channel f32 arrays (`[k, C]` row-major), visible as `q0`, `q1`, … (index `o + j·p.c`). */
  perChannel: Tensor[];
  /**
   * WGSL statements (may be empty) computed before the outputs, given `T` (`f32` or `vec4f`),
   * e.g. `let gm = select(T(0.0), a, abs(b) < T(1.0));`.
   */
  pre?: (T: string) => string;
  /** One WGSL expression of type `T` per output. */
  outputs: ((T: string) => string)[];
  /** f32 uniforms visible as `p.s0`, `p.s1`, …. */
  scalars?: number[];
}

const FULL = ["a", "b", "c", "d"];

/**
 * Element-wise map over `[N, C, ...]` tensors with per-channel operands: the batch-norm
 * normalise and input-gradient passes. When the per-(sample, channel) plane size is a multiple of
 * 4, every invocation handles a `vec4` of one plane, so the channel index (one division and one
 * remainder) and the per-channel loads are shared by four elements. One dispatch.
 */
export function channelMap(spec: ChannelMapSpec, shape: readonly number[]): Tensor[] {
  const c = shape[1];
  const n = shape.reduce((x, d) => x * d, 1);
  const hw = n / Math.max(1, shape[0] * c);
  const vec = hw % 4 === 0 && n > 0;
  const T = vec ? "vec4f" : "f32";
  const lanes = vec ? 4 : 1;
  const nIn = spec.full.length + spec.perChannel.length;
  const scalars = spec.scalars ?? [];
  const code = `struct P { n: u32, hw: u32, c: u32${
    scalars.map((_, k) => `, s${k}: f32`).join("")
  } }
@group(0) @binding(0) var<uniform> p: P;
${
    spec.full.map((_, k) =>
      `@group(0) @binding(${k + 1}) var<storage, read> ${FULL[k]}_: array<${T}>;`
    ).join("\n")
  }
${
    spec.perChannel.map((_, j) =>
      `@group(0) @binding(${spec.full.length + j + 1}) var<storage, read> q${j}: array<f32>;`
    ).join("\n")
  }
${
    spec.outputs.map((_, k) =>
      `@group(0) @binding(${nIn + k + 1}) var<storage, read_write> y${k}_: array<${T}>;`
    ).join("\n")
  }
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.n) { return; }
  let o = (i / p.hw) % p.c;
  ${spec.full.map((_, k) => `let ${FULL[k]} = ${FULL[k]}_[i];`).join(" ")}
  ${spec.pre ? spec.pre(T) : ""}
  ${spec.outputs.map((e, k) => `y${k}_[i] = ${e(T)};`).join("\n  ")}
}`;
  const outs = spec.outputs.map(() => Tensor.empty(shape));
  if (n === 0) return outs;
  runKernel({
    name: `${spec.name}${vec ? "_v4" : ""}`,
    code,
    inputs: [...spec.full, ...spec.perChannel],
    outputs: outs,
    uniforms: [n / lanes, hw / lanes, c, ...scalars.map(f32)],
    workgroups: grid(n / lanes),
  });
  return outs;
}
