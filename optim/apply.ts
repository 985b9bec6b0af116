/**
 * Applying updates to the parameters in place, and a one-call optimizer step.
 *
 * @module
 */
import { grid, noGrad, runKernel, tidy, WGSL_INDEX } from "@ovsw/gpu";
import type { GradientTransformation, OptState, Params, Updates } from "./types.ts";
import { present } from "./_util.ts";

const APPLY = `struct P { n: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> u: array<f32>;
@group(0) @binding(2) var<storage, read_write> w: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i < p.n) { w[i] = w[i] + u[i]; }
}`;

/**
 * Adds the updates to the parameters, in place (`p ← p + u`, one kernel per tensor). The
 * parameter tensors keep their identity, so modules and optimizer state stay valid.
 *
 * @example
 * ```ts
 * import { applyUpdates } from "@ovsw/optim";
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const params = { w: Tensor.from([1, 2], [2]) };
 * applyUpdates(params, { w: Tensor.from([0.5, -1], [2]) });
 * console.log(await params.w.read()); // [1.5, 1]
 * ```
 */
export function applyUpdates(params: Params, updates: Updates): void {
  for (const [, u, p] of present("applyUpdates", updates, params)) {
    runKernel({
      name: "optim_apply",
      code: APPLY,
      inputs: [u],
      outputs: [p],
      uniforms: [p.size],
      workgroups: grid(p.size),
    });
  }
}

/**
 * One optimizer step: `update` then {@link applyUpdates}, inside `tidy` and `noGrad` so every
 * temporary is freed and nothing is recorded on the autograd tape. Returns the state (the same
 * object, updated in place). Records GPU work only; never reads back.
 *
 * @example
 * ```ts
 * import { optimizerStep, sgd } from "@ovsw/optim";
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const params = { w: Tensor.from([1, 2], [2]) };
 * const tx = sgd({ learningRate: 0.1 });
 * let state = tx.init(params);
 * state = optimizerStep(tx, state, params, { w: Tensor.from([1, 1], [2]) });
 * console.log(await params.w.read()); // [0.9, 1.9]
 * ```
 */
export function optimizerStep<S extends OptState>(
  transform: GradientTransformation<S>,
  state: S,
  params: Params,
  grads: Updates,
): S {
  return noGrad(() =>
    tidy(() => {
      if (transform.fusedStep) return transform.fusedStep(grads, state, params);
      const r = transform.update(grads, state, params);
      applyUpdates(params, r.updates);
      return r.state;
    })
  );
}
