/**
 * `@ovsw/cli`: the command-line tasks (`deno task train|eval|report|compare|gamma`) and the
 * pieces they are built from: flag parsing with `--config` files, the safetensors format,
 * atomic checkpoints with exact resume, progress output, and the training loop.
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
export * from "./errors.ts";
export * from "./flag_spec.ts";
export * from "./flags.ts";
export * from "./args.ts";
export * from "./tasks.ts";
export * from "./safetensors.ts";
export * from "./atomic.ts";
export * from "./tree_store.ts";
export * from "./checkpoint.ts";
export * from "./progress.ts";
export * from "./data_setup.ts";
export * from "./model_setup.ts";
export * from "./model_io.ts";
export * from "./optimizer_setup.ts";
export * from "./evaluate.ts";
export * from "./run_dir.ts";
export * from "./run_summary.ts";
export * from "./report_setup.ts";
export * from "./trainer.ts";
export * from "./sweep.ts";
export * from "./main.ts";
export * from "./train.ts";
export * from "./eval.ts";
export * from "./report.ts";
export * from "./compare.ts";
export * from "./gamma.ts";
