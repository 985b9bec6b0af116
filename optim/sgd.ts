/**
 * PyTorch SGD fused into one kernel per tensor: weight decay, momentum (dampening 0; the first
 * step sets `buf = g`), optional Nesterov, learning rate.
 *
 * @module
 */
import { f32, grid, keep, runKernel, Tensor, WGSL_INDEX } from "@ovsw/gpu";
import type { GradientTransformation, Hyper, Selector } from "./types.ts";
import { hyperAt } from "./hyper.ts";
import { checkHyper, present, stateFor } from "./_util.ts";

/** Options of {@link sgd}. */
export interface SgdOptions {
  /** Learning rate η (number or schedule). */
  learningRate: Hyper;
  /** Momentum μ (default 0: no momentum buffers, unless a schedule is given). */
  momentum?: Hyper;
  /** L2 weight decay added to the gradient before momentum, as PyTorch (default 0). */
  weightDecay?: Hyper;
  /** Parameters that get weight decay (default all); e.g. `not(isVector)` for `noBnDecay`. */
  weightDecayMask?: Selector;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

/**
 * SGD state: the step count (for schedules), per parameter the momentum buffer and whether it
 * has been filled (PyTorch creates it from the first gradient).
 */
export type SgdState = {
  kind: "sgd";
  count: number;
  buf: { [name: string]: Tensor };
  filled: { [name: string]: boolean };
};

const SGD_MOMENTUM = `struct P { n: u32, lr: f32, mu: f32, wd: f32, first: u32, nesterov: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> buf: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.n) { return; }
  let d = g[i] + p.wd * w[i];
  var b = d;
  if (p.first == 0u) { b = p.mu * buf[i] + d; }
  buf[i] = b;
  var s = b;
  if (p.nesterov == 1u) { s = d + p.mu * b; }
  y[i] = -p.lr * s;
}`;

const SGD_PLAIN = `struct P { n: u32, lr: f32, wd: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.n) { return; }
  y[i] = -p.lr * (g[i] + p.wd * w[i]);
}`;

/**
 * PyTorch's `torch.optim.SGD` (dampening 0) as one transformation and one kernel per tensor:
 * `d = g + wd·W`; `buf = d` on a parameter's first step, else `buf = μ·buf + d`; the update is
 * `−η·buf` (Nesterov: `−η·(d + μ·buf)`). With `momentum` 0 (a number) no buffers are kept.
 * Equivalent to `chain(addDecayedWeights(wd), trace({ momentum }), scaleByLearningRate(η))`.
 *
 * @example
 * ```ts
 * import { cosineWithWarmup, sgd } from "@ovsw/optim";
 * const tx = sgd({
 *   learningRate: cosineWithWarmup({ value: 0.1, epochs: 600, warmupEpochs: 5, stepsPerEpoch: 196 }),
 *   momentum: 0.9,
 *   weightDecay: 5e-4,
 * });
 * console.log(tx.name); // sgd
 * ```
 */
export function sgd(options: SgdOptions): GradientTransformation<SgdState> {
  const lr = checkHyper(options?.learningRate, "sgd: learningRate");
  const momentum = checkHyper(options.momentum ?? 0, "sgd: momentum", 0);
  const wd = checkHyper(options.weightDecay ?? 0, "sgd: weightDecay");
  const mask = options.weightDecayMask;
  const nesterov = options.nesterov ?? false;
  const buffered = momentum !== 0;
  if (nesterov && !buffered) throw new RangeError("sgd: nesterov needs a non-zero momentum");
  return {
    name: "sgd",
    init(params) {
      const state: SgdState = { kind: "sgd", count: 0, buf: {}, filled: {} };
      if (buffered) {
        for (const [name, p] of Object.entries(params)) {
          state.buf[name] = keep(Tensor.zeros(p.shape));
          state.filled[name] = false;
        }
      }
      return state;
    },
    update(updates, state, params) {
      const step = state.count;
      const eta = hyperAt(lr, step, "sgd: learningRate");
      const mu = hyperAt(momentum, step, "sgd: momentum", 0);
      const decay = hyperAt(wd, step, "sgd: weightDecay");
      const out: Record<string, Tensor> = {};
      for (const [name, g, p] of present("sgd", updates, params)) {
        const wdp = mask && !mask(name, p) ? 0 : decay;
        const y = Tensor.empty(g.shape);
        if (buffered) {
          const buf = stateFor("sgd", state.buf, name);
          runKernel({
            name: "optim_sgd_momentum",
            code: SGD_MOMENTUM,
            inputs: [g, p],
            outputs: [buf, y],
            uniforms: [p.size, f32(eta), f32(mu), f32(wdp), state.filled[name] ? 0 : 1, +nesterov],
            workgroups: grid(p.size),
          });
          state.filled[name] = true;
        } else {
          runKernel({
            name: "optim_sgd",
            code: SGD_PLAIN,
            inputs: [g, p],
            outputs: [y],
            uniforms: [p.size, f32(eta), f32(wdp)],
            workgroups: grid(p.size),
          });
        }
        out[name] = y;
      }
      state.count++;
      return { updates: out, state };
    },
  };
}
