/**
 * Batch norm in two dispatches per direction instead of three: the per-channel merge of the
 * chunk partials (the statistics in training forward, the γ/β gradients and input-gradient
 * coefficients in backward) runs at the start of every workgroup of the element pass that
 * consumes it. Each workgroup of that pass covers values of one channel only (the grid is
 * blocks × C), so one invocation merges that channel's few partials into workgroup memory, and
 * the first block of each channel also writes the per-channel outputs (statistics, running
 * statistics, batch counter, or γ/β gradients). The merge is the same arithmetic as the
 * separate merge kernels of `_batchnorm_kernels.ts`, so the results are bit-identical.
 *
 * @module
 */
import { device } from "../device.ts";
import { f32, runKernel } from "../kernel.ts";
import { Tensor } from "../tensor.ts";
import {
  bnPartialGrad,
  bnPartialStats,
  type BnSetup,
  checkCount,
  gradMergeCode,
  statsMergeCode,
  statsWriteCode,
} from "./_batchnorm_kernels.ts";

let fused = true;

/**
 * Turns the fused batch-norm passes on or off (default on; tests compare both paths).
 *
 * @example
 * ```ts
 * import { setFusedBatchNorm } from "./_bn_fused.ts";
 * setFusedBatchNorm(true);
 * ```
 */
export function setFusedBatchNorm(on: boolean): void {
  fused = on;
}

/**
 * Whether the fused path is on and the device binds `buffers` storage buffers per kernel.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { useFusedBatchNorm } from "./_bn_fused.ts";
 * await initGpu();
 * console.log(useFusedBatchNorm(8)); // true
 * ```
 */
export function useFusedBatchNorm(buffers: number): boolean {
  return fused && device().limits.maxStorageBuffersPerShaderStage >= buffers;
}

const FULL = ["a", "b", "c", "d"];

/** Values (vec4 or scalar loads) per workgroup of the element pass. */
const PER_WORKGROUP = 4096;

/** What {@link channelBlockMap} runs. */
interface BlockSpec {
  name: string;
  /** x-shaped inputs `a`, `b`, … (plane layout, vec4 when `lanes` is 4). */
  full: Tensor[];
  /** Other read-only inputs, bound as `q0`, `q1`, …. */
  perChannel: Tensor[];
  /** Per-channel outputs written by the prologue in block 0, bound as `z0`, `z1`, …. */
  side: Tensor[];
  /** WGSL run by invocation 0 of each workgroup (channel `o`, block `blk`); sets `cw[0..3]`. */
  prologue: string;
  /** Statements before the outputs, given the element type. */
  pre?: (T: string) => string;
  /** One expression per x-shaped output; `k0…k3` hold `cw[0..3]`. */
  outputs: ((T: string) => string)[];
  /** Extra uniforms after the layout: `u32` words then `f32` values, as `p.u0…`, `p.f0…`. */
  uints: number[];
  floats: number[];
}

function channelBlockMap(s: BnSetup, spec: BlockSpec): Tensor[] {
  const { c, m, hw, lanes } = s;
  const T = lanes === 4 ? "vec4f" : "f32";
  const nvec = m / lanes;
  const hwv = hw / lanes;
  // Planes of whole 256-value runs: each workgroup takes one run of one plane, so its loads are
  // contiguous in the invocation index (vector loads on software adapters); otherwise a strided
  // loop over the channel's values.
  // Few, large workgroups: each starts with a barrier, which software adapters pay per workgroup.
  const aligned = hwv % 256 === 0;
  const blocks = Math.max(1, Math.min(65535, Math.ceil(nvec / PER_WORKGROUP)));
  let b = 1;
  const decl: string[] = [];
  spec.full.forEach((_, k) =>
    decl.push(`@group(0) @binding(${b++}) var<storage, read> ${FULL[k]}_: array<${T}>;`)
  );
  spec.perChannel.forEach((_, k) =>
    decl.push(`@group(0) @binding(${b++}) var<storage, read> q${k}: array<f32>;`)
  );
  spec.outputs.forEach((_, k) =>
    decl.push(`@group(0) @binding(${b++}) var<storage, read_write> y${k}_: array<${T}>;`)
  );
  spec.side.forEach((_, k) =>
    decl.push(`@group(0) @binding(${b++}) var<storage, read_write> z${k}: array<f32>;`)
  );
  const fields = [
    "c: u32",
    "nvec: u32",
    "hw: u32",
    "blocks: u32",
    ...spec.uints.map((_, k) => `u${k}: u32`),
    ...spec.floats.map((_, k) => `f${k}: f32`),
  ];
  const code = `struct P { ${fields.join(", ")} }
@group(0) @binding(0) var<uniform> p: P;
${decl.join("\n")}
var<workgroup> cw: array<f32, 4>;
@compute @workgroup_size(256) fn main(@builtin(workgroup_id) wid: vec3u,
    @builtin(local_invocation_index) l: u32) {
  let blk = wid.x;
  let o = wid.y;
  if (l == 0u) {
    ${spec.prologue}
  }
  workgroupBarrier();
  let k0 = cw[0];
  let k1 = cw[1];
  let k2 = cw[2];
  let k3 = cw[3];
  ${
    aligned
      ? `let runs = p.hw / 256u;
  for (var q = blk; q < p.nvec / 256u; q += p.blocks) {
    let i = ((q / runs) * p.c + o) * p.hw + (q % runs) * 256u + l;`
      : `for (var r = blk * 256u + l; r < p.nvec; r += p.blocks * 256u) {
    let i = ((r / p.hw) * p.c + o) * p.hw + r % p.hw;`
  }
    ${spec.full.map((_, k) => `let ${FULL[k]} = ${FULL[k]}_[i];`).join(" ")}
    ${spec.pre ? spec.pre(T) : ""}
    ${spec.outputs.map((e, k) => `y${k}_[i] = ${e(T)};`).join("\n    ")}
  }
}`;
  const outs = spec.outputs.map(() => Tensor.empty(s.plan.shape));
  runKernel({
    name: `${spec.name}${aligned ? "_runs" : ""}`,
    code,
    inputs: [...spec.full, ...spec.perChannel],
    outputs: [...outs, ...spec.side],
    uniforms: [c, nvec, hwv, blocks, ...spec.uints, ...spec.floats.map(f32)],
    workgroups: [blocks, c],
  });
  return outs;
}

/** Storage buffers of {@link bnTrainNormalise} for `extra` x-shaped inputs. */
export const trainNormaliseBuffers = (extra: number): number => 9 + extra;

/**
 * Training forward: the partial statistics, then one pass that merges them per channel
 * (writing `stats` `[4, C]`, the running statistics and the counter) and computes
 * `out(a·γ/σ + (β − mean·γ/σ), b, …)` where `a` is x and `b…` are `extra`. Two dispatches.
 */
export function bnTrainNormalise(
  s: BnSetup,
  x: Tensor,
  extra: Tensor[],
  gamma: Tensor,
  beta: Tensor,
  runningMean: Tensor,
  runningVar: Tensor,
  momentum: number,
  eps: number,
  count: Tensor | undefined,
  name: string,
  out: (T: string, z: string) => string,
): { y: Tensor; stats: Tensor } {
  checkCount(s, count);
  const { c, m, chunks, clen } = s;
  const part = bnPartialStats(s, x);
  const stats = Tensor.empty([4, c]);
  const side = count ? [stats, runningMean, runningVar, count] : [stats, runningMean, runningVar];
  const prologue = `${
    statsMergeCode({
      part: "q0",
      nred: "p.u0",
      chunks: "p.u1",
      clen: "p.u2",
      eps: "p.f1",
      gamma: "q1",
      beta: "q2",
    })
  }
    cw[0] = sc;
    cw[1] = sh;
    if (blk == 0u) {
      ${
    statsWriteCode({
      stats: "z0",
      rm: "z1",
      rv: "z2",
      count: count ? "z3" : "",
      momentum: "p.f0",
      unb: "p.f2",
    })
  }
    }`;
  const [y] = channelBlockMap(s, {
    name,
    full: [x, ...extra],
    perChannel: [part, gamma, beta],
    side,
    prologue,
    outputs: [(T) => out(T, "a * k0 + k1")],
    uints: [m, chunks, clen],
    floats: [momentum, eps, m / (m - 1)],
  });
  part.dispose();
  return { y, stats };
}

/** Storage buffers of {@link bnGradApply} with `full` x-shaped inputs and `outs` outputs. */
export const gradApplyBuffers = (full: number, outs: number): number => full + outs + 4 + 1;

/**
 * Training or eval backward: the partial sums Σg and Σg·x̂, then one pass that merges them per
 * channel (writing gγ and gβ) and computes the x-shaped outputs from `k0…k3` = k1, k2, k3, mean
 * of gx = k1·g + k2·(x − mean) + k3. `full` are the pass's inputs (`a`, `b`, …); `outputs`
 * must not be empty. Two dispatches.
 */
export function bnGradApply(
  s: BnSetup,
  g: Tensor,
  x: Tensor,
  stats: Tensor,
  gamma: Tensor,
  training: boolean,
  mask: Tensor | null,
  name: string,
  full: Tensor[],
  pre: ((T: string) => string) | undefined,
  outputs: ((T: string) => string)[],
): { ggamma: Tensor; gbeta: Tensor; outs: Tensor[] } {
  const { m, chunks } = s;
  const part = bnPartialGrad(s, g, x, stats, mask);
  const ggamma = Tensor.empty(gamma.shape);
  const gbeta = Tensor.empty(gamma.shape);
  const prologue = `${
    gradMergeCode({
      part: "q0",
      chunks: "p.u0",
      stats: "q1",
      gamma: "q2",
      invM: "p.f0",
      training: "p.u1 != 0u",
    })
  }
    if (blk == 0u) {
      z1[o] = sg;
      z0[o] = sgx;
    }
    cw[0] = k1;
    cw[1] = k2;
    cw[2] = k3;
    cw[3] = mean;`;
  const outs = channelBlockMap(s, {
    name,
    full,
    perChannel: [part, stats, gamma],
    side: [ggamma, gbeta],
    prologue,
    pre,
    outputs,
    uints: [chunks, training ? 1 : 0],
    floats: [1 / m],
  });
  part.dispose();
  return { ggamma, gbeta, outs };
}
