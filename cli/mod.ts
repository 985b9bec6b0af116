/**
 * `@ovsw/cli`: the command-line tasks (`deno task train|eval|report|compare|gamma`) and the
 * pieces they are built from: flag parsing with `--config` files, the task specifications,
 * data/model/optimizer setup from a configuration, progress output, and `trainRun` (one run
 * with checkpoints, exact resume and Ctrl-C handling) and `runSweep` (several). The training
 * API and the run directory are `@ovsw/train`.
 *
 * @example
 * ```ts
 * import { parseCli, toTrainConfig, TRAIN_TASK } from "@ovsw/cli";
 * const args = await parseCli(TRAIN_TASK, ["--method", "vanilla", "--epochs", "2"]);
 * console.log(toTrainConfig(args.values).method); // vanilla
 * ```
 *
 * @module
 */
export { oneLine, RunStopped, UsageError } from "./errors.ts";
export {
  type FlagKind,
  type FlagSpec,
  type FlagValue,
  formatFlagValue,
  parseFlagValue,
} from "./flag_spec.ts";
export {
  COMMON_FLAGS,
  DATA_FLAGS,
  DEFAULT_BUDGET,
  METHOD_FLAGS,
  MODEL_FLAGS,
  OPTIM_FLAGS,
  POSTER_GAMMAS,
  RUN_FLAGS,
  SWEEP_BASE_FLAGS,
  TRAIN_FLAGS,
  TWO_STEP_FLAGS,
} from "./flags.ts";
export { helpText, parseCli, type ParsedArgs, type TaskSpec, type ValueSource } from "./args.ts";
export {
  COMPARE_TASK,
  CONFIG_FLAG_KEYS,
  EVAL_TASK,
  GAMMA_TASK,
  REPORT_TASK,
  toTrainConfig,
  TRAIN_TASK,
} from "./tasks.ts";
export {
  formatDuration,
  Progress,
  progressBar,
  type ProgressInfo,
  stderrSink,
  type TextSink,
  trainProgressLine,
} from "./progress.ts";
export {
  type DataFlags,
  describeData,
  describeRunData,
  loadRunData,
  openRunData,
  type RunData,
  type RunDataFlags,
  type RunLoader,
  type RunSplit,
} from "./data_setup.ts";
export {
  applyRecipe,
  type Recipe,
  RECIPE_NAMES,
  recipeHelpLines,
  recipeInfo,
  RECIPES,
  type RecipeValues,
} from "./recipes.ts";
export { buildModel } from "./model_setup.ts";
export {
  resolveMethodDefaults,
  resolvePieces,
  runMethod,
  type UnresolvedConfig,
} from "./method_setup.ts";
export { makeOptimizer, makeSchedule, type RunOptimizer } from "./optimizer_setup.ts";
export { renderRunReport, renderRuns } from "./report_setup.ts";
export { type TrainOptions, type TrainResult, trainRun } from "./trainer.ts";
export { runSweep, type SweepResult, type SweepRun } from "./sweep.ts";
export { type CliIo, describeFailure, processIo, runMain, runTask } from "./main.ts";
