/**
 * Batch normalisation over `[N, C]` or `[N, C, H, W]` (any `[N, C, ...]`), exactly as PyTorch:
 * training normalises with the batch's biased variance and updates the running statistics in
 * place with the unbiased one; evaluation uses the running statistics.
 *
 * Training forward: two dispatches (per-channel statistics plus running-stat update, then
 * normalise). Backward: two dispatches (per-channel Σg and Σg·x̂, then the input gradient).
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

function groups2d(n: number): [number, number] {
  if (n <= 65535) return [n, 1];
  const y = Math.ceil(n / 65535);
  return [Math.ceil(n / y), y];
}

const TREE = `workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (l < s) { part[l] += part[l + s]; }
    workgroupBarrier();
  }`;

function statsCode(plan: AxesPlan): string {
  return `struct P { nout: u32, nred: u32, momentum: f32, eps: f32, unb: f32, ${
    [...dimFields(plan.kept, "k"), ...dimFields(plan.red, "r")].join(", ")
  } }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> rm: array<f32>;
@group(0) @binding(4) var<storage, read_write> rv: array<f32>;
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(256) fn main(@builtin(workgroup_id) wid: vec3u,
    @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) l: u32) {
  let o = wid.x + wid.y * nwg.x;
  if (o >= p.nout) { return; }
  ${offsetCode(plan.kept, "k", "o", "base")}
  var acc = 0.0;
  for (var r = l; r < p.nred; r += 256u) {
    ${offsetCode(plan.red, "r", "r", "ro")}
    acc += x[base + ro];
  }
  part[l] = acc;
  ${TREE}
  let mean = part[0] / f32(p.nred);
  workgroupBarrier();
  acc = 0.0;
  for (var r = l; r < p.nred; r += 256u) {
    ${offsetCode(plan.red, "r", "r", "ro")}
    let d = x[base + ro] - mean;
    acc += d * d;
  }
  part[l] = acc;
  ${TREE}
  if (l == 0u) {
    let v = part[0] / f32(p.nred);
    stats[o] = mean;
    stats[o + p.nout] = inverseSqrt(v + p.eps);
    rm[o] = (1.0 - p.momentum) * rm[o] + p.momentum * mean;
    rv[o] = (1.0 - p.momentum) * rv[o] + p.momentum * v * p.unb;
  }
}`;
}

function gradReduceCode(plan: AxesPlan): string {
  return `struct P { nout: u32, nred: u32, ${
    [...dimFields(plan.kept, "k"), ...dimFields(plan.red, "r")].join(", ")
  } }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read_write> ggamma: array<f32>;
@group(0) @binding(5) var<storage, read_write> gbeta: array<f32>;
var<workgroup> part: array<f32, 256>;
var<workgroup> part2: array<f32, 256>;
@compute @workgroup_size(256) fn main(@builtin(workgroup_id) wid: vec3u,
    @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) l: u32) {
  let o = wid.x + wid.y * nwg.x;
  if (o >= p.nout) { return; }
  ${offsetCode(plan.kept, "k", "o", "base")}
  let mean = stats[o];
  let invstd = stats[o + p.nout];
  var sg = 0.0;
  var sgx = 0.0;
  for (var r = l; r < p.nred; r += 256u) {
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
    gbeta[o] = part[0];
    ggamma[o] = part2[0];
  }
}`;
}

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
  let stats: Tensor;
  let y: Tensor;
  if (training) {
    stats = Tensor.empty([2, c]);
    runKernel({
      name: "bn_stats",
      code: statsCode(plan),
      inputs: [x],
      outputs: [stats, runningMean, runningVar],
      uniforms: [
        c,
        m,
        f32(momentum),
        f32(eps),
        f32(m / (m - 1)),
        ...dimValues(plan.kept),
        ...dimValues(plan.red),
      ],
      workgroups: groups2d(c),
    });
    y = expandMap({
      name: "bn_normalise",
      full: [x],
      perOut: [stats, gamma, beta],
      plan,
      expr: "(a - q0[o]) * q0[o + p.nout] * q1[o] + q2[o]",
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
    const ggamma = Tensor.empty(gamma.shape);
    const gbeta = Tensor.empty(beta.shape);
    runKernel({
      name: "bn_grad_reduce",
      code: gradReduceCode(plan),
      inputs: [g, x, stats],
      outputs: [ggamma, gbeta],
      uniforms: [c, m, ...dimValues(plan.kept), ...dimValues(plan.red)],
      workgroups: groups2d(c),
    });
    const gx = !x.requiresGrad ? null : training
      ? expandMap({
        name: "bn_grad_input",
        full: [g, x],
        perOut: [stats, gamma, ggamma, gbeta],
        plan,
        expr: "q1[o] * q0[o + p.nout] * " +
          "(a - (q3[o] + (b - q0[o]) * q0[o + p.nout] * q2[o]) * p.s0)",
        scalars: [1 / m],
      })
      : expandMap({
        name: "bn_eval_grad_input",
        full: [g],
        perOut: [stats, gamma],
        plan,
        expr: "a * q1[o] * q0[o + p.nout]",
      });
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
