/**
 * The batch-norm kernels shared by `batchNorm` and the fused `batchNormHardtanh`: training
 * statistics (per-chunk partials, then a per-channel merge that also updates the running
 * statistics in place), evaluation statistics, and the backward's per-channel coefficients.
 * Internal to `@ovsw/gpu` (not re-exported).
 *
 * @module
 */
import { f32, runKernel } from "../kernel.ts";
import { shapeStr, Tensor } from "../tensor.ts";
import { type AxesPlan, channelPlan, dimFields, dimValues, offsetCode } from "./layout.ts";
import { expandMap } from "./reduce_kernel.ts";

/** Chunks per channel: enough workgroups to fill the device, each reducing ≥ 4096 values. */
function chunksFor(c: number, m: number): number {
  return Math.max(1, Math.min(Math.ceil(m / 4096), Math.ceil(256 / c), 64));
}

const TREE = `workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (l < s) { part[l] += part[l + s]; }
    workgroupBarrier();
  }`;

function head(plan: AxesPlan, extra: string[] = []): string {
  return `struct P { nout: u32, nred: u32, chunks: u32, clen: u32, ${
    [...extra, ...dimFields(plan.kept, "k"), ...dimFields(plan.red, "r")].join(", ")
  } }
@group(0) @binding(0) var<uniform> p: P;`;
}

const CHUNK = `let o = wid.x;
  let chunk = wid.y;
  let start = chunk * p.clen;
  let end = min(p.nred, start + p.clen);`;

/** Per (channel, chunk): the chunk's mean and sum of squared deviations (two passes, cached). */
function partialStatsCode(plan: AxesPlan): string {
  return `${head(plan)}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> part_out: array<f32>;
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(256) fn main(@builtin(workgroup_id) wid: vec3u,
    @builtin(local_invocation_index) l: u32) {
  ${CHUNK}
  ${offsetCode(plan.kept, "k", "o", "base")}
  var acc = 0.0;
  for (var r = start + l; r < end; r += 256u) {
    ${offsetCode(plan.red, "r", "r", "ro")}
    acc += x[base + ro];
  }
  part[l] = acc;
  ${TREE}
  let mean = part[0] / f32(end - start);
  workgroupBarrier();
  acc = 0.0;
  for (var r = start + l; r < end; r += 256u) {
    ${offsetCode(plan.red, "r", "r", "ro")}
    let d = x[base + ro] - mean;
    acc += d * d;
  }
  part[l] = acc;
  ${TREE}
  if (l == 0u) {
    let at = (o * p.chunks + chunk) * 2u;
    part_out[at] = mean;
    part_out[at + 1u] = part[0];
  }
}`;
}

/**
 * Per channel: merges the chunks (Chan et al.), writes stats `[4, C]` = mean, 1/σ, γ/σ and
 * β − mean·γ/σ, and updates the running statistics in place.
 */
const FINALIZE_STATS = `struct P { c: u32, nred: u32, chunks: u32, clen: u32, momentum: f32,
  eps: f32, unb: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;
@group(0) @binding(5) var<storage, read_write> rm: array<f32>;
@group(0) @binding(6) var<storage, read_write> rv: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let o = gid.x;
  if (o >= p.c) { return; }
  var mean = 0.0;
  for (var k = 0u; k < p.chunks; k++) {
    let cnt = f32(min(p.nred, (k + 1u) * p.clen) - k * p.clen);
    mean += cnt * part[(o * p.chunks + k) * 2u];
  }
  mean /= f32(p.nred);
  var m2 = 0.0;
  for (var k = 0u; k < p.chunks; k++) {
    let cnt = f32(min(p.nred, (k + 1u) * p.clen) - k * p.clen);
    let at = (o * p.chunks + k) * 2u;
    let d = part[at] - mean;
    m2 += part[at + 1u] + cnt * d * d;
  }
  let v = m2 / f32(p.nred);
  let invstd = inverseSqrt(v + p.eps);
  let sc = gamma[o] * invstd;
  stats[o] = mean;
  stats[o + p.c] = invstd;
  stats[o + 2u * p.c] = sc;
  stats[o + 3u * p.c] = beta[o] - mean * sc;
  rm[o] = (1.0 - p.momentum) * rm[o] + p.momentum * mean;
  rv[o] = (1.0 - p.momentum) * rv[o] + p.momentum * v * p.unb;
}`;

/**
 * Per (channel, chunk): Σg and Σg·x̂. With `masked`, g is first zeroed where the fused
 * Hardtanh's output `y` saturated (|y| = 1: the strict window −1 < z < 1 of PyTorch).
 */
function partialGradCode(plan: AxesPlan, masked: boolean): string {
  return `${head(plan)}
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
${masked ? "@group(0) @binding(4) var<storage, read> y: array<f32>;" : ""}
@group(0) @binding(${masked ? 5 : 4}) var<storage, read_write> part_out: array<f32>;
var<workgroup> part: array<f32, 256>;
var<workgroup> part2: array<f32, 256>;
@compute @workgroup_size(256) fn main(@builtin(workgroup_id) wid: vec3u,
    @builtin(local_invocation_index) l: u32) {
  ${CHUNK}
  ${offsetCode(plan.kept, "k", "o", "base")}
  let mean = stats[o];
  let invstd = stats[o + p.nout];
  var sg = 0.0;
  var sgx = 0.0;
  for (var r = start + l; r < end; r += 256u) {
    ${offsetCode(plan.red, "r", "r", "ro")}
    let i = base + ro;
    let gi = ${masked ? "select(0.0, g[i], abs(y[i]) < 1.0)" : "g[i]"};
    sg += gi;
    sgx += gi * (x[i] - mean) * invstd;
  }
  part[l] = sg;
  part2[l] = sgx;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (l < s) {
      part[l] += part[l + s];
      part2[l] += part2[l + s];
    }
    workgroupBarrier();
  }
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
  var sg = 0.0;
  var sgx = 0.0;
  for (var k = 0u; k < p.chunks; k++) {
    let at = (o * p.chunks + k) * 2u;
    sg += part[at];
    sgx += part[at + 1u];
  }
  gbeta[o] = sg;
  ggamma[o] = sgx;
  let mean = stats[o];
  let invstd = stats[o + p.c];
  let k1 = gamma[o] * invstd;
  var k2 = 0.0;
  var k3 = 0.0;
  if (p.training != 0u) {
    k2 = -k1 * invstd * sgx * p.inv_m;
    k3 = -k1 * sg * p.inv_m;
  }
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
  /** The channel plan over x (reduce everything but axis 1). */
  plan: AxesPlan;
  /** Channels C. */
  c: number;
  /** Values per channel. */
  m: number;
  /** Chunks per channel in the partial kernels. */
  chunks: number;
  /** Values per chunk. */
  clen: number;
  /** Uniform values of the plan's kept and reduced dims. */
  dims: ReturnType<typeof dimValues>;
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
  const chunks = chunksFor(c, m);
  const clen = Math.ceil(m / chunks);
  return { plan, c, m, chunks, clen, dims: [...dimValues(plan.kept), ...dimValues(plan.red)] };
}

/**
 * Training statistics `[4, C]` = mean, 1/σ, γ/σ, β − mean·γ/σ of the batch; updates the
 * running statistics in place. Two dispatches.
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
): Tensor {
  const { c, m, chunks, clen } = s;
  const part = Tensor.empty([c, chunks, 2]);
  runKernel({
    name: "bn_partial_stats",
    code: partialStatsCode(s.plan),
    inputs: [x],
    outputs: [part],
    uniforms: [c, m, chunks, clen, ...s.dims],
    workgroups: [c, chunks],
  });
  const stats = Tensor.empty([4, c]);
  runKernel({
    name: "bn_finalize_stats",
    code: FINALIZE_STATS,
    inputs: [part, gamma, beta],
    outputs: [stats, runningMean, runningVar],
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
  const { c, m, chunks, clen } = s;
  const part = Tensor.empty([c, chunks, 2]);
  runKernel({
    name: mask ? "bnh_partial_grad" : "bn_partial_grad",
    code: partialGradCode(s.plan, mask !== null),
    inputs: mask ? [g, x, stats, mask] : [g, x, stats],
    outputs: [part],
    uniforms: [c, m, chunks, clen, ...s.dims],
    workgroups: [c, chunks],
  });
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
