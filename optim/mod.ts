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
export type {
  GradientTransformation,
  Hyper,
  OptState,
  Params,
  Schedule,
  Selector,
  UpdateResult,
  Updates,
} from "./types.ts";
export { hyperAt } from "./hyper.ts";
export {
  allParams,
  and,
  hasTag,
  isBinary,
  isFloat,
  isVector,
  nameMatches,
  not,
  or,
} from "./selectors.ts";
export { chain, masked, partition } from "./combine.ts";
export { applyUpdates, optimizerStep } from "./apply.ts";
export {
  type FusedBinaryOptions,
  fusedPresetStep,
  type FusedSgdOptions,
  type FusedStep,
} from "./fused_step.ts";
export { ags, type AgsOptions, type AgsState } from "./ags.ts";
export { sad, type SadOptions, type SadState } from "./sad.ts";
export { addDecayedWeights, type CountState, scaleByLearningRate } from "./decay.ts";
export { trace, type TraceOptions, type TraceState } from "./trace.ts";
export { sgd, type SgdOptions, type SgdState } from "./sgd.ts";
export {
  adam,
  type AdamOptions,
  type AdamState,
  adamw,
  type AdamWOptions,
  scaleByAdam,
  type ScaleByAdamOptions,
} from "./adam.ts";
export { clipByGlobalNorm, globalNorm } from "./clip.ts";
export {
  constantSchedule,
  constantWithWarmup,
  cosineSchedule,
  type CosineScheduleOptions,
  cosineWithWarmup,
  type CosineWithWarmupOptions,
  type EpochScheduleOptions,
  linearSchedule,
  type LinearScheduleOptions,
  type MultistepOptions,
  multistepSchedule,
  type StepDecayOptions,
  stepDecaySchedule,
} from "./schedules.ts";
export {
  agsOnly,
  type AgsOnlyOptions,
  ovsw,
  type OvswOptions,
  vanilla,
  type VanillaOptions,
} from "./presets.ts";
export {
  disposeState,
  restoreState,
  type SerializedState,
  type SerializedTensor,
  serializeState,
} from "./state_io.ts";
export {
  type AgsLayerTensors,
  diagnostics,
  type DiagnosticTensors,
  type DiagnosticValues,
  readDiagnostics,
  type SadLayerTensors,
} from "./diagnostics.ts";
