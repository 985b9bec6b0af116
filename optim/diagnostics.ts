/**
 * AGS and SAD diagnostics: recorded on the GPU by every update into small kept tensors of the
 * state, read back only on request.
 *
 * @module
 */
import { f32, runKernel, Tensor, tidy } from "@ovsw/gpu";
import { wgTreeSum } from "@ovsw/gpu/internal";
import type { AgsState } from "./ags.ts";
import type { SadState } from "./sad.ts";
import type { OptState } from "./types.ts";

/** The diagnostic tensors of one AGS layer (owned by the state; do not dispose). */
export interface AgsLayerTensors {
  /** `max(‖g_o‖,1e-6)/max(‖W_o‖,1e-3)` per output channel, before scaling, at the last step. */
  ratio: Tensor;
  /** 1 for each channel that AGS scaled at the last step, else 0. */
  scaled: Tensor;
}

/** The diagnostic tensors of one SAD layer (owned by the state; do not dispose). */
export interface SadLayerTensors {
  /** The flip tracker; a weight is silent (masked) where `tracker < threshold`. */
  tracker: Tensor;
  /** τ. */
  threshold: number;
}

/** Diagnostic tensors by layer name; only layers updated at least once are listed. */
export interface DiagnosticTensors {
  /** AGS layers. */
  ags: Record<string, AgsLayerTensors>;
  /** SAD layers. */
  sad: Record<string, SadLayerTensors>;
}

/** Read-back diagnostics per layer (docs/method.md §4, §5: the values the authors log). */
export interface DiagnosticValues {
  /** AGS: mean over channels of ‖g_o‖/‖W_o‖ before scaling, and the fraction of channels scaled. */
  ags: Record<string, { meanRatio: number; scaledFraction: number }>;
  /** SAD: fraction of the layer's weights that are silent (masked) at the last step. */
  sad: Record<string, { maskedFraction: number }>;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !(v instanceof Tensor);
}

/**
 * Finds the AGS and SAD diagnostic tensors anywhere in an optimizer state (e.g. an `ovsw()`
 * state). No GPU work, no readback.
 *
 * @example
 * ```ts
 * import { diagnostics, ovsw } from "@ovsw/optim";
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const w = Tensor.zeros([4, 2, 3, 3]);
 * w.tag = "binary";
 * const state = ovsw({ learningRate: 0.1 }).init({ w });
 * console.log(Object.keys(diagnostics(state).ags)); // [] until the first update
 * ```
 */
export function diagnostics(state: OptState): DiagnosticTensors {
  const out: DiagnosticTensors = { ags: {}, sad: {} };
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!isObj(v)) return;
    if (v.kind === "ags" && typeof v.count === "number" && isObj(v.ratio)) {
      const s = v as unknown as AgsState;
      if (s.count > 0) {
        for (const name of Object.keys(s.ratio)) {
          out.ags[name] = { ratio: s.ratio[name], scaled: s.scaled[name] };
        }
      }
      return;
    }
    if (v.kind === "sad" && typeof v.count === "number" && isObj(v.tracker)) {
      const s = v as unknown as SadState;
      if (s.count > 0) {
        for (const name of Object.keys(s.tracker)) {
          out.sad[name] = { tracker: s.tracker[name], threshold: s.threshold };
        }
      }
      return;
    }
    Object.values(v).forEach(walk);
  };
  walk(state);
  return out;
}

// y[off] = scale · Σ x[i] (below == 0), or scale · #{i : x[i] < threshold} (below == 1).
/** The workgroup tree sum of `acc` (256 invocations). */
const TREE_SUM = wgTreeSum(["acc"]);

const MEAN_INTO = `struct P { n: u32, off: u32, scale: f32, below: u32, threshold: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
var<workgroup> acc: array<f32, 256>;
@compute @workgroup_size(256) fn main(@builtin(local_invocation_index) l: u32) {
  var sum = 0.0;
  for (var i = l; i < p.n; i += 256u) {
    let v = x[i];
    sum += select(v, select(0.0, 1.0, v < p.threshold), p.below == 1u);
  }
  acc[l] = sum;
  ${TREE_SUM}
  if (l == 0u) { y[p.off] = acc[0] * p.scale; }
}`;

/**
 * Reduces the diagnostics on the GPU into one small tensor and reads it back with a single
 * readback: per AGS layer the mean ratio and the scaled fraction, per SAD layer the silent
 * fraction (counted from the tracker, so it is the mask the last step used). Call it as often as you log (e.g. at the first iteration of each epoch).
 *
 * @example
 * ```ts
 * import { ags, readDiagnostics } from "@ovsw/optim";
 * import { initGpu, Tensor, tidy } from "@ovsw/gpu";
 * await initGpu();
 * const params = { w: Tensor.from([0.3, -0.1, 0.02, 0.05], [2, 2, 1, 1]) };
 * const tx = ags({ delta: 10 });
 * const state = tx.init(params);
 * tidy(() => tx.update({ w: Tensor.from([0, 1.4141252, 0, 1.3987573], [2, 2, 1, 1]) }, state, params));
 * console.log((await readDiagnostics(state)).ags.w); // { meanRatio: 15.22…, scaledFraction: 0.5 }
 * ```
 */
export async function readDiagnostics(state: OptState): Promise<DiagnosticValues> {
  const d = diagnostics(state);
  const jobs: { x: Tensor; threshold?: number }[] = [];
  for (const t of Object.values(d.ags)) jobs.push({ x: t.ratio }, { x: t.scaled });
  for (const t of Object.values(d.sad)) jobs.push({ x: t.tracker, threshold: t.threshold });
  const out: DiagnosticValues = { ags: {}, sad: {} };
  if (jobs.length === 0) return out;
  const packed = tidy(() => {
    const y = Tensor.empty([jobs.length]);
    jobs.forEach((j, off) => {
      runKernel({
        name: "optim_mean_into",
        code: MEAN_INTO,
        inputs: [j.x],
        outputs: [y],
        uniforms: [
          j.x.size,
          off,
          f32(1 / Math.max(1, j.x.size)),
          j.threshold === undefined ? 0 : 1,
          f32(j.threshold ?? 0),
        ],
        workgroups: [1],
      });
    });
    return y;
  });
  let values: Float32Array;
  try {
    values = await packed.read();
  } finally {
    packed.dispose();
  }
  let k = 0;
  for (const name of Object.keys(d.ags)) {
    out.ags[name] = { meanRatio: values[k++], scaledFraction: values[k++] };
  }
  for (const name of Object.keys(d.sad)) out.sad[name] = { maskedFraction: values[k++] };
  return out;
}
