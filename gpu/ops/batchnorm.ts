/**
 * Batch normalisation over `[N, C]` or `[N, C, H, W]` (any `[N, C, ...]`), exactly as PyTorch:
 * training normalises with the batch's biased variance and updates the running statistics in
 * place with the unbiased one; evaluation uses the running statistics.
 *
 * Training forward: three dispatches (per-chunk statistics over many workgroups, a per-channel
 * merge that also updates the running statistics in place, then normalise). Backward: three
 * dispatches (per-chunk Σg and Σg·x̂, per-channel merge into γ/β gradients and coefficients,
 * then the input gradient as one fused multiply-add per element).
 *
 * @module
 */
import { f32, runKernel } from "../kernel.ts";
import { needsGrad, record1 } from "../tape.ts";
import { shapeStr, Tensor } from "../tensor.ts";
import { type AxesPlan, channelPlan, dimFields, dimValues, offsetCode } from "./layout.ts";
import { expandMap } from "./reduce_kernel.ts";

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Batch statistics and running-stat updates (true) or running statistics (false). */
  training: boolean;
  /** Running-stat momentum: `run = (1 − m)·run + m·batch`. Default 0.1. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
}

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

/** Per (channel, chunk): Σg and Σg·x̂. */
function partialGradCode(plan: AxesPlan): string {
  return `${head(plan)}
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read_write> part_out: array<f32>;
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
    let gi = g[i];
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

function checkVec(name: string, what: string, t: Tensor, c: number): void {
  if (t.size !== c || t.dtype !== "f32") {
    throw new RangeError(
      `batchNorm: ${what} ${t.name ? `"${t.name}" ` : ""}${shapeStr(t.shape)} does not match ` +
        `${c} channels of ${name}`,
    );
  }
}

/**
 * Batch normalisation with affine γ/β and running statistics (`[C]` each).
 *
 * In training the running statistics are updated in place on the GPU (momentum 0.1, unbiased
 * variance, as PyTorch). In evaluation they normalise the input. Gradients flow to x, γ, β.
 *
 * @example
 * ```ts
 * import { batchNorm, initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.from([1, 2, 3, 4], [2, 2]);
 * const gamma = Tensor.full([2], 1), beta = Tensor.zeros([2]);
 * const rm = Tensor.zeros([2]), rv = Tensor.full([2], 1);
 * const y = batchNorm(x, gamma, beta, rm, rv, { training: true });
 * console.log(await y.read()); // ≈ [-1, -1, 1, 1]
 * console.log(await rm.read()); // [0.2, 0.3]
 * ```
 */
export function batchNorm(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  runningMean: Tensor,
  runningVar: Tensor,
  opts: BatchNormOptions,
): Tensor {
  const { training, momentum = 0.1, eps = 1e-5 } = opts;
  const plan = channelPlan("batchNorm", x, gamma);
  const c = x.shape[1];
  const xs = `x ${shapeStr(x.shape)}`;
  checkVec(xs, "beta", beta, c);
  checkVec(xs, "runningMean", runningMean, c);
  checkVec(xs, "runningVar", runningVar, c);
  const m = plan.nRed;
  if (training && m < 2) {
    throw new RangeError(
      `batchNorm: expected more than 1 value per channel when training, got ${xs}`,
    );
  }
  const chunks = chunksFor(c, m);
  const clen = Math.ceil(m / chunks);
  const dims = [...dimValues(plan.kept), ...dimValues(plan.red)];
  let stats: Tensor;
  let y: Tensor;
  if (training) {
    const part = Tensor.empty([c, chunks, 2]);
    runKernel({
      name: "bn_partial_stats",
      code: partialStatsCode(plan),
      inputs: [x],
      outputs: [part],
      uniforms: [c, m, chunks, clen, ...dims],
      workgroups: [c, chunks],
    });
    stats = Tensor.empty([4, c]);
    runKernel({
      name: "bn_finalize_stats",
      code: FINALIZE_STATS,
      inputs: [part, gamma, beta],
      outputs: [stats, runningMean, runningVar],
      uniforms: [c, m, chunks, clen, f32(momentum), f32(eps), f32(m / (m - 1))],
      workgroups: [Math.ceil(c / 64)],
    });
    part.dispose();
    y = expandMap({
      name: "bn_normalise",
      full: [x],
      perOut: [stats],
      plan,
      expr: "a * q0[o + 2u * p.nout] + q0[o + 3u * p.nout]",
    });
  } else {
    y = expandMap({
      name: "bn_eval",
      full: [x],
      perOut: [runningMean, runningVar, gamma, beta],
      plan,
      expr: "(a - q0[o]) * inverseSqrt(q1[o] + p.s0) * q2[o] + q3[o]",
      scalars: [eps],
    });
    if (!needsGrad([x, gamma, beta])) return y;
    stats = expandMap({
      name: "bn_eval_stats",
      full: [],
      perOut: [runningMean, runningVar],
      plan: channelPlanFor([2, c]),
      expr: "select(inverseSqrt(q1[i % p.nout] + p.s0), q0[i % p.nout], i < p.nout)",
      scalars: [eps],
    });
  }
  if (!needsGrad([x, gamma, beta])) {
    stats.dispose();
    return y;
  }
  record1([x, gamma, beta], y, (g) => {
    const part = Tensor.empty([c, chunks, 2]);
    runKernel({
      name: "bn_partial_grad",
      code: partialGradCode(plan),
      inputs: [g, x, stats],
      outputs: [part],
      uniforms: [c, m, chunks, clen, ...dims],
      workgroups: [c, chunks],
    });
    const ggamma = Tensor.empty(gamma.shape);
    const gbeta = Tensor.empty(beta.shape);
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
    const gx = x.requiresGrad
      ? expandMap({
        name: "bn_grad_input",
        full: [g, x],
        perOut: [coef],
        plan,
        expr: "a * q0[o] + (b - q0[o + 3u * p.nout]) * q0[o + p.nout] + q0[o + 2u * p.nout]",
      })
      : null;
    coef.dispose();
    return [gx, gamma.requiresGrad ? ggamma : null, beta.requiresGrad ? gbeta : null];
  });
  return y;
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
