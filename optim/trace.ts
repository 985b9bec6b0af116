/**
 * Momentum as its own transformation (PyTorch semantics).
 *
 * @module
 */
import { f32, grid, keep, runKernel, Tensor, WGSL_INDEX } from "@ovsw/gpu";
import type { GradientTransformation, Hyper } from "./types.ts";
import { hyperAt } from "./hyper.ts";
import { checkHyper, present, stateFor } from "./_util.ts";

/** Options of {@link trace}. */
export interface TraceOptions {
  /** Momentum μ (number or schedule). */
  momentum: Hyper;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

/** Trace state: step count, per-parameter buffers and whether each has been filled. */
export type TraceState = {
  kind: "trace";
  count: number;
  buf: { [name: string]: Tensor };
  filled: { [name: string]: boolean };
};

const TRACE = `struct P { n: u32, mu: f32, first: u32, nesterov: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> buf: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.n) { return; }
  let d = g[i];
  var b = d;
  if (p.first == 0u) { b = p.mu * buf[i] + d; }
  buf[i] = b;
  var s = b;
  if (p.nesterov == 1u) { s = d + p.mu * b; }
  y[i] = s;
}`;

/**
 * Heavy-ball momentum with PyTorch semantics (dampening 0): `buf = g` on a parameter's first
 * step, then `buf = μ·buf + g`; the update is `buf` (Nesterov: `g + μ·buf`).
 *
 * @example
 * ```ts
 * import { trace } from "@ovsw/optim";
 * const momentum = trace({ momentum: 0.9 });
 * console.log(momentum.name); // trace
 * ```
 */
export function trace(options: TraceOptions): GradientTransformation<TraceState> {
  const momentum = checkHyper(options?.momentum, "trace: momentum", 0);
  const nesterov = options.nesterov ?? false;
  return {
    name: "trace",
    init(params) {
      const state: TraceState = { kind: "trace", count: 0, buf: {}, filled: {} };
      for (const [name, p] of Object.entries(params)) {
        state.buf[name] = keep(Tensor.zeros(p.shape));
        state.filled[name] = false;
      }
      return state;
    },
    update(updates, state, params) {
      const mu = hyperAt(momentum, state.count, "trace: momentum", 0);
      const out: Record<string, Tensor> = {};
      for (const [name, g, p] of present("trace", updates, params)) {
        const buf = stateFor("trace", state.buf, name);
        const y = Tensor.empty(g.shape);
        runKernel({
          name: "optim_trace",
          code: TRACE,
          inputs: [g],
          outputs: [buf, y],
          uniforms: [p.size, f32(mu), state.filled[name] ? 0 : 1, +nesterov],
          workgroups: grid(p.size),
        });
        state.filled[name] = true;
        out[name] = y;
      }
      state.count++;
      return { updates: out, state };
    },
  };
}
