/**
 * `@ovsw/train`: the training API — `valueAndGrad`, `trainStep` (forward, loss, backward,
 * update, flip collection and metrics in one `tidy` scope) and `evaluate` — and the run
 * directory it writes: checkpoints, safetensors, model weights, metrics files, the summary,
 * the lock and the resume checks, all written atomically.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { createModel } from "@ovsw/models";
 * import { vanilla } from "@ovsw/optim";
 * import { evaluate, readModelWeights, trainStep } from "@ovsw/train";
 * await initGpu();
 * const model = createModel("vgg-small-28", { classes: 10, seed: 0 }).train();
 * const tx = vanilla({ learningRate: 0.1 });
 * let state = tx.init(model.paramRecord());
 * const batch = {
 *   x: Tensor.from(new Float32Array(2 * 28 * 28).fill(0.5), [2, 1, 28, 28]),
 *   y: Tensor.from([3, 7], [2], "u32"),
 * };
 * state = trainStep(model, tx, state, batch);
 * console.log((await evaluate(model, [batch])).samples); // 2
 * console.log((await readModelWeights(model)).has("fc.weight")); // true
 * ```
 *
 * @module
 */
export { type LossOutput, type ValueAndGrad, valueAndGrad } from "./value_and_grad.ts";
export {
  type LabelledBatch,
  type TrainableModel,
  trainStep,
  type TrainStepOptions,
} from "./step.ts";
export { type EvalLoader, type EvalModel, evaluate, type EvaluateOptions } from "./evaluate.ts";
export {
  DEFAULT_CHECKPOINT_EVERY,
  INITS,
  type Method,
  METHODS,
  SCHEDULES,
  SESSION_KEYS,
  TRAIN_CONFIG_KEYS,
  type TrainConfig,
} from "./config.ts";
export { RunDirError, StorageError, storageError, type StorageProblem } from "./errors.ts";
export {
  appendText,
  COMPLETE_MARKER,
  exists,
  findCompleteDir,
  makeDir,
  replaceDirAtomic,
  syncDir,
  writeFileAtomic,
  writeJsonAtomic,
} from "./atomic.ts";
export {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  type SafeArray,
  type SafeDType,
  type SafeFile,
  type SafeTensor,
  SafetensorsError,
} from "./safetensors.ts";
export { decodeTree, encodeTree, joinTree, type SplitTree, splitTree } from "./tree_store.ts";
export { loadModelWeights, type NamedTensors, readModelWeights } from "./model_io.ts";
export { describeInit, initFromRun, type InitReport, loadWeightsByName } from "./init_weights.ts";
export { distillation, loadTeacher, type TeacherArch } from "./teacher.ts";
export {
  type Checkpoint,
  checkpointDir,
  type CheckpointKind,
  type CheckpointState,
  loadCheckpoint,
  saveCheckpoint,
} from "./checkpoint.ts";
export {
  checkFingerprint,
  type Fingerprint,
  type FingerprintData,
  fingerprintRun,
  type FingerprintSources,
  fingerprintState,
  STATE_FIELDS,
} from "./fingerprint.ts";
export { RUN_FILES } from "./run_files.ts";
export {
  type BackendRecord,
  type ConfigValueCheck,
  createRunDir,
  defaultRunName,
  LIBRARY_VERSION,
  readRunConfig,
  readRunDir,
  type RunConfig,
  type RunConfigFile,
  runConfigFile,
  type RunData,
  timeStamp,
  trimDir,
  writeRunConfig,
} from "./run_dir.ts";
export {
  MetricsWriter,
  type MetricsWriterOptions,
  readFlips,
  readMetrics,
  writeFlips,
} from "./metrics_writer.ts";
export {
  readSummary,
  type RunSummary,
  summarize,
  type SummaryInputs,
  writeSummary,
} from "./run_summary.ts";
export { type LockInfo, lockRunDir, type RunLock } from "./lock.ts";
export {
  type BnnMethod,
  bnnMethod,
  DECAY_SETS,
  decayMask,
  type DecaySet,
  type LrScheduleName,
  METHOD_INFO,
  METHOD_NAMES,
  type MethodInfo,
  methodInfo,
  type MethodName,
  methodOptimizer,
  type MethodOptimizerOptions,
  type MethodOverrides,
  type MethodRecipe,
  OPTIMIZER_PIECES,
  type OptimizerName,
  type OptimizerPiece,
  OPTIMIZERS,
} from "./methods/mod.ts";
