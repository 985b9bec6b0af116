/**
 * `@ovsw/optim`: optax-style composable gradient transformations for BNN training — AGS and
 * SAD (OvSW), SGD/Adam/AdamW, clipping, schedules, the `ovsw()` preset, state serialisation
 * and GPU-side diagnostics.
 *
 * @example
 * ```ts
 * import { cosineWithWarmup, optimizerStep, ovsw } from "@ovsw/optim";
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const w = Tensor.from([0.3, -0.1, 0.02, 0.05], [2, 2, 1, 1]);
 * w.tag = "binary";
 * const params = { "conv.weight": w };
 * const tx = ovsw({
 *   learningRate: cosineWithWarmup({ value: 0.1, epochs: 600, warmupEpochs: 5, stepsPerEpoch: 196 }),
 *   delta: 0.04,
 *   dampenWeight: 9e-4,
 * });
 * let state = tx.init(params);
 * state = optimizerStep(tx, state, params, { "conv.weight": Tensor.from([0, 1, 0, 1], [2, 2, 1, 1]) });
 * console.log(await w.read());
 * ```
 *
 * @module
 */
export * from "./types.ts";
export { hyperAt } from "./util.ts";
export * from "./selectors.ts";
export * from "./combine.ts";
export * from "./apply.ts";
export { ags, type AgsOptions, type AgsState } from "./ags.ts";
export * from "./sad.ts";
export * from "./decay.ts";
export * from "./trace.ts";
export * from "./sgd.ts";
export * from "./adam.ts";
export * from "./clip.ts";
export * from "./schedules.ts";
export * from "./presets.ts";
export * from "./state_io.ts";
export * from "./diagnostics.ts";
