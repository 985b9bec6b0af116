/**
 * SAD, Silence Awareness Decaying (docs/method.md §5): extra weight decay on weights whose sign has
 * not flipped recently.
 *
 * @module
 */
import { f32, grid, keep, mapElements, runKernel, Tensor, WGSL_INDEX } from "@ovsw/gpu";
import type { GradientTransformation, Hyper } from "./types.ts";
import { hyperAt } from "./hyper.ts";
import { checkHyper, checkNumber, present, stateFor } from "./_util.ts";

/** Options of {@link sad}. */
export interface SadOptions {
  /** λ, the extra decay on silent weights (paper: 9e-4 CIFAR ResNet-20, 2e-5 ImageNet). */
  dampenWeight: Hyper;
  /** EMA momentum m of the flip tracker (default 0.999). */
  trackMomentum?: number;
  /** A weight is silent while its tracker is below τ (default 1e-4). */
  threshold?: number;
  /** Initial tracker: `"zeros"` (default; every weight starts silent) or `"ones"`. */
  trackerInit?: "zeros" | "ones";
}

/**
 * SAD state, per parameter: the flip tracker `T` and the previous weights `P`; `threshold` is
 * τ, so the diagnostics can count the silent weights (`T < τ`) from the tracker when asked.
 */
export type SadState = {
  kind: "sad";
  count: number;
  threshold: number;
  tracker: { [name: string]: Tensor };
  prev: { [name: string]: Tensor };
};

const SAD = `struct P { n: u32, m: f32, omm: f32, tau: f32, lambda: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> tracker: array<f32>;
@group(0) @binding(4) var<storage, read_write> prev: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.n) { return; }
  let wi = w[i];
  let flipped = select(0.0, 1.0, sign(wi) != sign(prev[i]));
  let t = p.m * tracker[i] + p.omm * flipped;
  tracker[i] = t;
  y[i] = g[i] + select(0.0, p.lambda * wi, t < p.tau);
  prev[i] = wi;
}`;

/**
 * SAD on every parameter it is given (wrap it in `masked(…, isBinary)`). Per weight, in one
 * element-wise kernel (no reductions, no barriers): `T ← m·T + (1−m)·[sign(W) ≠ sign(P)]`, `M = [T < τ]`,
 * `g ← g + λ·M·W`, `P ← W`. `P` starts as a copy of the weights at `init`, `T` at zeros, so
 * every weight is silent until it first flips (§5).
 *
 * @example
 * ```ts
 * import { sad } from "@ovsw/optim";
 * import { initGpu, Tensor, tidy } from "@ovsw/gpu";
 * await initGpu();
 * const params = { w: Tensor.from([0.3, -0.1, 0.02, 0.05], [2, 2, 1, 1]) };
 * const tx = sad({ dampenWeight: 0.1, trackMomentum: 0.9, threshold: 0.05 });
 * const state = tx.init(params);
 * const g = Tensor.from([0, 3.1622777, 0, 1.3987573], [2, 2, 1, 1]);
 * const out = tidy(() => tx.update({ w: g }, state, params).updates.w);
 * console.log(await out.read()); // [0.03, 3.1522777, 0.002, 1.4037573]
 * ```
 */
export function sad(options: SadOptions): GradientTransformation<SadState> {
  const lambda = checkHyper(options?.dampenWeight, "sad: dampenWeight", 0);
  const m = checkNumber(options.trackMomentum ?? 0.999, "sad: trackMomentum", 0, 1);
  const tau = checkNumber(options.threshold ?? 1e-4, "sad: threshold");
  const init = options.trackerInit ?? "zeros";
  if (init !== "zeros" && init !== "ones") {
    throw new RangeError(`sad: trackerInit must be "zeros" or "ones", got ${String(init)}`);
  }
  return {
    name: "sad",
    init(params) {
      const state: SadState = { kind: "sad", count: 0, threshold: tau, tracker: {}, prev: {} };
      for (const [name, p] of Object.entries(params)) {
        state.tracker[name] = keep(Tensor.full(p.shape, init === "ones" ? 1 : 0));
        state.prev[name] = keep(mapElements("optim_copy", "a", [p]));
      }
      return state;
    },
    update(updates, state, params) {
      const l = hyperAt(lambda, state.count, "sad: dampenWeight", 0);
      const out: Record<string, Tensor> = {};
      for (const [name, g, p] of present("sad", updates, params)) {
        const tracker = stateFor("sad", state.tracker, name);
        const prev = stateFor("sad", state.prev, name);
        if (tracker.size !== p.size || prev.size !== p.size) {
          throw new RangeError(`sad: state of "${name}" does not match its ${p.size} weights`);
        }
        const y = Tensor.empty(g.shape);
        runKernel({
          name: "optim_sad",
          code: SAD,
          inputs: [g, p],
          outputs: [tracker, prev, y],
          uniforms: [p.size, f32(m), f32(1 - m), f32(tau), f32(l)],
          workgroups: grid(p.size),
        });
        out[name] = y;
      }
      state.count++;
      return { updates: out, state };
    },
  };
}
