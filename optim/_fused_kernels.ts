/**
 * The WGSL of the fused optimizer step (see `fused_step.ts`): one kernel per binary tensor that
 * runs AGS, SAD, SGD (momentum) and the in-place apply, and one multi-tensor kernel for up to
 * {@link maxTensorsPerDispatch} other tensors that runs SGD (momentum) and the apply. Each
 * element is computed by the same expressions as the unfused kernels (`ags.ts`, `sad.ts`,
 * `sgd.ts`, `apply.ts`), in the same order.
 *
 * @module
 */
import { device, WGSL_INDEX } from "@ovsw/gpu";
import { AGS_NORMS, AGS_WG } from "./ags.ts";

/** Workgroup of the per-channel binary kernel (as `ags.ts`, so the norms sum in one order). */
export const BINARY_WG = AGS_WG;

/** The SGD part of one element: `u` is the incoming update, `wi` the weight; writes `w[k]`. */
function sgdApply(buffered: boolean, buf: string, wd: string, first: string): string {
  const momentum = buffered
    ? `var b = d;
    if (${first} == 0u) { b = p.mu * ${buf}[k] + d; }
    ${buf}[k] = b;
    var s = b;
    if (p.nesterov == 1u) { s = d + p.mu * b; }
    let y = -p.lr * s;`
    : `let y = -p.lr * d;`;
  return `let d = u + ${wd} * wi;
    ${momentum}
    w[k] = wi + y;`;
}

/**
 * The fused kernel of one binary tensor: one workgroup per output channel; bindings `g` (input),
 * then `w`, `buf` (when `buffered`), `ratio`, `scaled` (when `ags`), `tracker`, `prev` (when `sad`).
 *
 * @example
 * ```ts
 * import { binaryStepCode } from "./_fused_kernels.ts";
 * console.log(binaryStepCode({ ags: true, sad: true, buffered: true }).includes("tracker")); // true
 * ```
 */
export function binaryStepCode(o: { ags: boolean; sad: boolean; buffered: boolean }): string {
  const decls = ["w"];
  if (o.buffered) decls.push("buf");
  if (o.ags) decls.push("ratio", "scaled");
  if (o.sad) decls.push("tracker", "prev");
  const bindings = decls.map((name, i) =>
    `@group(0) @binding(${i + 2}) var<storage, read_write> ${name}: array<f32>;`
  ).join("\n");
  const norms = o.ags
    ? `${AGS_NORMS}
  if (l == 0u) {
    ratio[o] = r;
    scaled[o] = select(0.0, 1.0, lift);
  }
  // Every invocation has read the weights it needs for the norms before any is written.
  workgroupBarrier();`
    : "";
  const agsElement = o.ags ? "var u = f * g[k];" : "var u = g[k];";
  const sadElement = o.sad
    ? `let flipped = select(0.0, 1.0, sign(wi) != sign(prev[k]));
    let t = p.m * tracker[k] + p.omm * flipped;
    tracker[k] = t;
    u = u + select(0.0, p.lambda * wi, t < p.tau);
    prev[k] = wi;`
    : "";
  return `struct P { channels: u32, n: u32, delta: f32, m: f32, omm: f32, tau: f32, lambda: f32,
  lr: f32, mu: f32, wd: f32, first: u32, nesterov: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> g: array<f32>;
${bindings}
var<workgroup> sg: array<f32, ${BINARY_WG}>;
var<workgroup> sw: array<f32, ${BINARY_WG}>;
@compute @workgroup_size(${BINARY_WG}) fn main(@builtin(workgroup_id) wid: vec3u,
    @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) l: u32) {
  let o = wid.x + wid.y * nwg.x;
  if (o >= p.channels) { return; }
  let base = o * p.n;
  ${norms}
  for (var i = l; i < p.n; i += ${BINARY_WG}u) {
    let k = base + i;
    let wi = w[k];
    ${agsElement}
    ${sadElement}
    ${sgdApply(o.buffered, "buf", "p.wd", "p.first")}
  }
}`;
}

/**
 * How many tensors one multi-tensor SGD dispatch updates on this device: each needs `g`, `w`
 * and (with momentum) `buf` bound, within `maxStorageBuffersPerShaderStage`; at most 8.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { maxTensorsPerDispatch } from "./_fused_kernels.ts";
 * await initGpu();
 * console.log(maxTensorsPerDispatch(true) >= 2); // true
 * ```
 */
export function maxTensorsPerDispatch(buffered: boolean): number {
  const perTensor = buffered ? 3 : 2;
  return Math.max(
    1,
    Math.min(8, Math.floor(device().limits.maxStorageBuffersPerShaderStage / perTensor)),
  );
}

/**
 * The multi-tensor SGD (+ momentum) and apply kernel over `count` tensors laid end to end in
 * one index space. Bindings: `g0…`, then `w0…`, then `buf0…` (when `buffered`). Uniforms:
 * `lr, mu, nesterov, total`, then per tensor `start, wd, first` and one pad word.
 *
 * @example
 * ```ts
 * import { multiSgdCode } from "./_fused_kernels.ts";
 * console.log(multiSgdCode(2, true).includes("buf1")); // true
 * ```
 */
export function multiSgdCode(count: number, buffered: boolean): string {
  const lines: string[] = [];
  let binding = 1;
  for (let t = 0; t < count; t++) {
    lines.push(`@group(0) @binding(${binding++}) var<storage, read> g${t}: array<f32>;`);
  }
  for (let t = 0; t < count; t++) {
    lines.push(`@group(0) @binding(${binding++}) var<storage, read_write> w${t}: array<f32>;`);
  }
  if (buffered) {
    for (let t = 0; t < count; t++) {
      lines.push(`@group(0) @binding(${binding++}) var<storage, read_write> buf${t}: array<f32>;`);
    }
  }
  const fields = Array.from(
    { length: count },
    (_, t) => `start${t}: u32, wd${t}: f32, first${t}: u32, pad${t}: u32`,
  );
  const branches = Array.from({ length: count }, (_, t) => {
    const body = sgdApply(buffered, `buf${t}`, `p.wd${t}`, `p.first${t}`).replaceAll(
      "w[k]",
      `w${t}[k]`,
    );
    const test = t === count - 1 ? "" : `if (i < p.start${t + 1}) `;
    return `${t > 0 ? "else " : ""}${test}{
    let k = i - p.start${t};
    let u = g${t}[k];
    let wi = w${t}[k];
    ${body}
  }`;
  }).join(" ");
  return `struct P { lr: f32, mu: f32, nesterov: u32, total: u32, ${fields.join(", ")} }
@group(0) @binding(0) var<uniform> p: P;
${lines.join("\n")}
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.total) { return; }
  ${branches}
}`;
}
