/**
 * Adam and AdamW (PyTorch semantics), fused into one kernel per tensor.
 *
 * @module
 */
import { f32, grid, keep, runKernel, Tensor, WGSL_INDEX } from "@ovsw/gpu";
import type { GradientTransformation, Hyper, Selector } from "./types.ts";
import { hyperAt } from "./hyper.ts";
import { checkHyper, checkNumber, present, stateFor } from "./_util.ts";

/** Options of {@link scaleByAdam}. */
export interface ScaleByAdamOptions {
  /** First-moment decay β₁ (default 0.9). */
  b1?: number;
  /** Second-moment decay β₂ (default 0.999). */
  b2?: number;
  /** ε added to `√v̂` (default 1e-8). */
  eps?: number;
}

/** Options of {@link adam}. */
export interface AdamOptions extends ScaleByAdamOptions {
  /** Learning rate (number or schedule). */
  learningRate: Hyper;
  /** Coupled L2 weight decay added to the gradient first, as `torch.optim.Adam` (default 0). */
  weightDecay?: Hyper;
  /** Parameters that get weight decay (default all). */
  weightDecayMask?: Selector;
}

/** Options of {@link adamw}: as {@link AdamOptions}, but the decay is decoupled (default 1e-2). */
export type AdamWOptions = AdamOptions;

/** Adam state: step count, per-parameter moments and per-parameter step counts. */
export type AdamState = {
  kind: "adam";
  count: number;
  mu: { [name: string]: Tensor };
  nu: { [name: string]: Tensor };
  steps: { [name: string]: number };
};

const ADAM = `struct P { n: u32, b1: f32, b2: f32, omb1: f32, omb2: f32, bc1: f32, sbc2: f32,
  eps: f32, mult: f32, l2: f32, dwd: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.n) { return; }
  let wi = w[i];
  let gi = g[i] + p.l2 * wi;
  let mi = p.b1 * m[i] + p.omb1 * gi;
  let vi = p.b2 * v[i] + p.omb2 * gi * gi;
  m[i] = mi;
  v[i] = vi;
  let denom = sqrt(vi) / p.sbc2 + p.eps;
  y[i] = p.mult * ((mi / p.bc1) / denom + p.dwd * wi);
}`;

interface AdamConfig {
  name: string;
  b1: number;
  b2: number;
  eps: number;
  lr: Hyper | null;
  l2: Hyper;
  dwd: Hyper;
  mask?: Selector;
}

function adamCore(c: AdamConfig): GradientTransformation<AdamState> {
  return {
    name: c.name,
    init(params) {
      const state: AdamState = { kind: "adam", count: 0, mu: {}, nu: {}, steps: {} };
      for (const [name, p] of Object.entries(params)) {
        state.mu[name] = keep(Tensor.zeros(p.shape));
        state.nu[name] = keep(Tensor.zeros(p.shape));
        state.steps[name] = 0;
      }
      return state;
    },
    update(updates, state, params) {
      const step = state.count;
      const lr = c.lr === null ? null : hyperAt(c.lr, step, `${c.name}: learningRate`);
      const l2 = hyperAt(c.l2, step, `${c.name}: weightDecay`);
      const dwd = hyperAt(c.dwd, step, `${c.name}: weightDecay`);
      const out: Record<string, Tensor> = {};
      for (const [name, g, p] of present(c.name, updates, params)) {
        const t = (state.steps[name] ?? 0) + 1;
        const decayed = !c.mask || c.mask(name, p);
        const y = Tensor.empty(g.shape);
        runKernel({
          name: "optim_adam",
          code: ADAM,
          inputs: [g, p],
          outputs: [stateFor(c.name, state.mu, name), stateFor(c.name, state.nu, name), y],
          uniforms: [
            p.size,
            f32(c.b1),
            f32(c.b2),
            f32(1 - c.b1),
            f32(1 - c.b2),
            f32(1 - c.b1 ** t),
            f32(Math.sqrt(1 - c.b2 ** t)),
            f32(c.eps),
            f32(lr === null ? 1 : -lr),
            f32(decayed ? l2 : 0),
            f32(decayed ? dwd : 0),
          ],
          workgroups: grid(p.size),
        });
        state.steps[name] = t;
        out[name] = y;
      }
      state.count++;
      return { updates: out, state };
    },
  };
}

function moments(o: ScaleByAdamOptions | undefined, who: string) {
  return {
    b1: checkNumber(o?.b1 ?? 0.9, `${who}: b1`, 0, 1),
    b2: checkNumber(o?.b2 ?? 0.999, `${who}: b2`, 0, 1),
    eps: checkNumber(o?.eps ?? 1e-8, `${who}: eps`, 0),
  };
}

/**
 * Rescales updates by Adam's bias-corrected moments: `m̂/(√v̂ + ε)` (no learning rate, no sign
 * flip; chain it with {@link scaleByLearningRate}).
 *
 * @example
 * ```ts
 * import { ags, chain, isBinary, masked, scaleByAdam, scaleByLearningRate } from "@ovsw/optim";
 * const tx = chain(masked(ags({ delta: 0.04 }), isBinary), scaleByAdam(), scaleByLearningRate(1e-3));
 * console.log(tx.name);
 * ```
 */
export function scaleByAdam(options: ScaleByAdamOptions = {}): GradientTransformation<AdamState> {
  return adamCore({
    name: "scaleByAdam",
    ...moments(options, "scaleByAdam"),
    lr: null,
    l2: 0,
    dwd: 0,
  });
}

/**
 * `torch.optim.Adam`: optional coupled L2 decay, bias-corrected moments, learning rate; one
 * kernel per tensor.
 *
 * @example
 * ```ts
 * import { adam } from "@ovsw/optim";
 * const tx = adam({ learningRate: 1e-3 });
 * console.log(tx.name); // adam
 * ```
 */
export function adam(options: AdamOptions): GradientTransformation<AdamState> {
  return adamCore({
    name: "adam",
    ...moments(options, "adam"),
    lr: checkHyper(options?.learningRate, "adam: learningRate"),
    l2: checkHyper(options.weightDecay ?? 0, "adam: weightDecay"),
    dwd: 0,
    mask: options.weightDecayMask,
  });
}

/**
 * `torch.optim.AdamW`: decoupled weight decay, `u = −η·(m̂/(√v̂ + ε) + wd·W)`; one kernel per
 * tensor.
 *
 * @example
 * ```ts
 * import { adamw, isVector, not } from "@ovsw/optim";
 * const tx = adamw({ learningRate: 1e-3, weightDecay: 1e-2, weightDecayMask: not(isVector) });
 * console.log(tx.name); // adamw
 * ```
 */
export function adamw(options: AdamWOptions): GradientTransformation<AdamState> {
  return adamCore({
    name: "adamw",
    ...moments(options, "adamw"),
    lr: checkHyper(options?.learningRate, "adamw: learningRate"),
    l2: 0,
    dwd: checkHyper(options.weightDecay ?? 1e-2, "adamw: weightDecay"),
    mask: options.weightDecayMask,
  });
}
