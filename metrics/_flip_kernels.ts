/**
 * WGSL kernels of the flip-statistics collector.
 *
 * Per-weight state is one u32:
 * bits 0–1 the sign after the last recorded step (0 → 0, 1 → +1, 2 → −1),
 * bits 2–3 the sign at the start of the current epoch (same code),
 * bit 4 "ever flipped", bits 5–31 the flip count (saturates at 2^27 − 1).
 * `sign(0) = 0` (as `torch.sign`), so a move to or from an exact zero is a flip.
 *
 * Event counters are 64-bit (lo, hi word pairs) updated with `atomicAdd` and a carry.
 *
 * @module
 */
import { device, f32, grid, runKernel, type Tensor, WGSL_INDEX } from "@ovsw/gpu";

/** Largest bin count the report kernel's workgroup histogram holds. */
export const MAX_BINS = 500;

/** Largest flip count bits 5–31 of the state word hold (the count saturates there). */
const COUNT_MAX = 0x7ffffff;

const SIGN_CODE = `fn sign_code(w: f32) -> u32 {
  return select(select(0u, 2u, w < 0.0), 1u, w > 0.0);
}`;

const ADD64 = `fn add64(lo: u32, v: u32) {
  let old = atomicAdd(&c[lo], v);
  if (old > 0xffffffffu - v) { atomicAdd(&c[lo + 1u], 1u); }
}`;

const INIT = `struct P { n: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> init: array<f32>;
@group(0) @binding(3) var<storage, read_write> state: array<u32>;
${SIGN_CODE}
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.n) { return; }
  let v = w[i];
  init[i] = v;
  let s = sign_code(v);
  state[i] = s | (s << 2u);
}`;

/** Snapshots `w` into `init` and sets both sign fields of `state` (flags and count zero). */
export function initKernel(w: Tensor, init: Tensor, state: Tensor): void {
  runKernel({
    name: "flip_init",
    code: INIT,
    inputs: [w],
    outputs: [init, state],
    uniforms: [w.size],
    workgroups: grid(w.size),
  });
}

const MOMENTS = `struct P { n: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(256) fn main(@builtin(local_invocation_index) l: u32) {
  var s = 0.0;
  var s2 = 0.0;
  for (var i = l; i < p.n; i += 256u) { let v = x[i]; s += v; s2 += v * v; }
  out[l] = s;
  out[256u + l] = s2;
}`;

/**
 * Writes 256 partial sums and 256 partial sums of squares of `x` into `out` (512 f32), for a
 * float64 finish on the host.
 */
export function momentsKernel(x: Tensor, out: Tensor): void {
  runKernel({
    name: "flip_moments",
    code: MOMENTS,
    inputs: [x],
    outputs: [out],
    uniforms: [x.size],
    workgroups: [1],
  });
}

const STEP = `struct P { n: u32, parity: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> state: array<u32>;
@group(0) @binding(3) var<storage, read_write> c: array<atomic<u32>>;
var<workgroup> flips: atomic<u32>;
${SIGN_CODE}
${ADD64}
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params},
    @builtin(local_invocation_index) l: u32, @builtin(workgroup_id) wg: vec3u) {
  let i = ${WGSL_INDEX.expr};
  if (i < p.n) {
    let st = state[i];
    let s = sign_code(w[i]);
    if (s != (st & 3u)) {
      let count = min((st >> 5u) + 1u, ${COUNT_MAX}u);
      state[i] = (count << 5u) | 0x10u | (st & 0xcu) | s;
      atomicAdd(&flips, 1u);
    }
  }
  if (l == 0u && wg.x == 0u && wg.y == 0u) { atomicStore(&c[3u - p.parity], 0u); }
  workgroupBarrier();
  if (l == 0u) {
    let f = atomicLoad(&flips);
    if (f > 0u) { add64(0u, f); atomicAdd(&c[2u + p.parity], f); }
  }
}`;

/**
 * One optimizer step: compares `sign(w)` with the stored sign, bumps flip counts and flags,
 * adds the step's flip events to the epoch counter `c[0..1]` and to the step slot
 * `c[2 + parity]`, and clears the other step slot.
 */
export function stepKernel(w: Tensor, state: Tensor, counters: Tensor, parity: number): void {
  runKernel({
    name: "flip_step",
    code: STEP,
    inputs: [w],
    outputs: [state, counters],
    uniforms: [w.size, parity],
    workgroups: grid(w.size),
  });
}

/** Layers one multi-layer flip step updates: each binds `w`, `state` and `c`. */
function layersPerDispatch(): number {
  return Math.max(1, Math.min(8, Math.floor(device().limits.maxStorageBuffersPerShaderStage / 3)));
}

/**
 * The step kernel over `count` layers in one dispatch: each layer's elements start at a multiple
 * of 256 (its first workgroup), so every workgroup belongs to one layer and does exactly what
 * {@link STEP} does for it.
 */
function multiStepCode(count: number): string {
  const decl: string[] = [];
  let b = 1;
  for (let t = 0; t < count; t++) {
    decl.push(`@group(0) @binding(${b++}) var<storage, read> w${t}: array<f32>;`);
  }
  for (let t = 0; t < count; t++) {
    decl.push(`@group(0) @binding(${b++}) var<storage, read_write> state${t}: array<u32>;`);
  }
  for (let t = 0; t < count; t++) {
    decl.push(`@group(0) @binding(${b++}) var<storage, read_write> c${t}: array<atomic<u32>>;`);
  }
  const fields = Array.from({ length: count }, (_, t) => `g${t}: u32, n${t}: u32`).join(", ");
  const branches = Array.from({ length: count }, (_, t) => {
    const test = t === count - 1 ? "" : `if (g < p.g${t + 1}) `;
    return `${t > 0 ? "else " : ""}${test}{
    let i = (g - p.g${t}) * 256u + l;
    if (i < p.n${t}) {
      let st = state${t}[i];
      let s = sign_code(w${t}[i]);
      if (s != (st & 3u)) {
        let count = min((st >> 5u) + 1u, ${COUNT_MAX}u);
        state${t}[i] = (count << 5u) | 0x10u | (st & 0xcu) | s;
        atomicAdd(&flips, 1u);
      }
    }
    if (l == 0u && g == p.g${t}) { atomicStore(&c${t}[3u - p.parity], 0u); }
    workgroupBarrier();
    if (l == 0u) {
      let f = atomicLoad(&flips);
      if (f > 0u) {
        let old = atomicAdd(&c${t}[0u], f);
        if (old > 0xffffffffu - f) { atomicAdd(&c${t}[1u], 1u); }
        atomicAdd(&c${t}[2u + p.parity], f);
      }
    }
  }`;
  }).join(" ");
  return `struct P { parity: u32, groups: u32, ${fields} }
@group(0) @binding(0) var<uniform> p: P;
${decl.join("\n")}
var<workgroup> flips: atomic<u32>;
${SIGN_CODE}
@compute @workgroup_size(256) fn main(@builtin(local_invocation_index) l: u32,
    @builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let g = wg.x + wg.y * nwg.x;
  if (g >= p.groups) { return; }
  ${branches}
}`;
}

/**
 * {@link stepKernel} for many layers in few dispatches (as many layers per dispatch as the
 * device binds): the same state and counters as one {@link stepKernel} per layer.
 */
export function multiStepKernel(
  layers: readonly { w: Tensor; state: Tensor; counters: Tensor }[],
  parity: number,
): void {
  const k = layersPerDispatch();
  for (let at = 0; at < layers.length; at += k) {
    const group = layers.slice(at, at + k);
    const uniforms: number[] = [parity, 0];
    let groups = 0;
    for (const l of group) {
      uniforms.push(groups, l.w.size);
      groups += Math.ceil(l.w.size / 256);
    }
    uniforms[1] = groups;
    runKernel({
      name: "flip_step_multi",
      code: multiStepCode(group.length),
      inputs: group.map((l) => l.w),
      outputs: [...group.map((l) => l.state), ...group.map((l) => l.counters)],
      uniforms,
      workgroups: grid(groups, 1),
    });
  }
}

const EPOCH = `struct P { n: u32, row: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> state: array<u32>;
@group(0) @binding(2) var<storage, read_write> counters: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> c: array<atomic<u32>>;
var<workgroup> changed: atomic<u32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params},
    @builtin(local_invocation_index) l: u32, @builtin(workgroup_id) wg: vec3u) {
  let i = ${WGSL_INDEX.expr};
  if (i < p.n) {
    let st = state[i];
    let now = st & 3u;
    if (now != ((st >> 2u) & 3u)) {
      state[i] = (st & 0xfffffff3u) | (now << 2u);
      atomicAdd(&changed, 1u);
    }
  }
  if (l == 0u && wg.x == 0u && wg.y == 0u) {
    atomicStore(&c[p.row], atomicLoad(&counters[0]));
    atomicStore(&c[p.row + 1u], atomicLoad(&counters[1]));
    atomicStore(&counters[0], 0u);
    atomicStore(&counters[1], 0u);
  }
  workgroupBarrier();
  if (l == 0u) {
    let k = atomicLoad(&changed);
    if (k > 0u) { atomicAdd(&c[p.row + 2u], k); }
  }
}`;

/**
 * Closes an epoch: counts weights whose sign differs from the epoch's start sign into
 * `history[row + 2]`, moves the epoch's flip events into `history[row..row+1]`, resets the
 * epoch counter and makes the current sign the next epoch's start sign.
 */
export function epochKernel(
  state: Tensor,
  counters: Tensor,
  history: Tensor,
  row: number,
): void {
  runKernel({
    name: "flip_epoch",
    code: EPOCH,
    inputs: [],
    outputs: [state, counters, history],
    uniforms: [state.size, row],
    workgroups: grid(state.size),
  });
}

const REPORT = `struct P { n: u32, bins: u32, lo: f32, scale: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> init: array<f32>;
@group(0) @binding(2) var<storage, read> state: array<u32>;
@group(0) @binding(3) var<storage, read_write> c: array<atomic<u32>>;
var<workgroup> h: array<atomic<u32>, ${2 * (MAX_BINS + 2)}>;
var<workgroup> silent: atomic<u32>;
var<workgroup> same: atomic<u32>;
${ADD64}
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params},
    @builtin(local_invocation_index) l: u32) {
  let i = ${WGSL_INDEX.expr};
  let nb = p.bins + 2u;
  var flipsLocal = 0u;
  if (i < p.n) {
    let x = init[i];
    let st = state[i];
    let t = (x - p.lo) * p.scale;
    var b = 0u;
    if (t >= f32(p.bins)) { b = p.bins + 1u; } else if (t >= 0.0) { b = u32(floor(t)) + 1u; }
    atomicAdd(&h[b], 1u);
    if ((st & 0x10u) == 0u) { atomicAdd(&h[nb + b], 1u); atomicAdd(&silent, 1u); }
    let s0 = select(select(0u, 2u, x < 0.0), 1u, x > 0.0);
    if ((st & 3u) == s0) { atomicAdd(&same, 1u); }
    flipsLocal = st >> 5u;
  }
  workgroupBarrier();
  for (var k = l; k < 2u * nb; k += 256u) {
    let v = atomicLoad(&h[k]);
    if (v > 0u) { atomicAdd(&c[6u + k], v); }
  }
  if (l == 0u) {
    atomicAdd(&c[0], atomicLoad(&silent));
    atomicAdd(&c[1], atomicLoad(&same));
  }
  if (flipsLocal > 0u) { add64(2u, flipsLocal); }
}`;

/**
 * Fills a zeroed u32 `out` of `6 + 2·(bins + 2)` words: `[silent, sameSignAsInit,
 * totalFlipsLo, totalFlipsHi, 0, 0, histAll (under, bins…, over), histSilent (same layout)]`.
 * The bin of `x` is `floor((x − lo) · scale)` in f32; below 0 (or NaN) is underflow, at or
 * above `bins` overflow.
 */
export function reportKernel(
  init: Tensor,
  state: Tensor,
  out: Tensor,
  bins: number,
  lo: number,
  scale: number,
): void {
  if (!Number.isInteger(bins) || bins < 1 || bins > MAX_BINS) {
    throw new RangeError(`flip report: bins must be an integer in 1..${MAX_BINS}, got ${bins}`);
  }
  runKernel({
    name: "flip_report",
    code: REPORT,
    inputs: [init, state],
    outputs: [out],
    uniforms: [init.size, bins, f32(lo), f32(scale)],
    workgroups: grid(init.size),
  });
}

/** Length in u32 words of the report buffer for `bins` bins. */
export function reportWords(bins: number): number {
  return 6 + 2 * (bins + 2);
}
