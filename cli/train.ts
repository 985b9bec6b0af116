/**
 * `deno task train`: trains one binary network (see `--help`).
 *
 * @module
 */
import { helpText, parseCli, type ParsedArgs } from "./args.ts";
import { UsageError } from "./errors.ts";
import { type CliIo, processIo, runMain } from "./main.ts";
import { Progress } from "./progress.ts";
import { summaryTable } from "./_table.ts";
import { trainingInterrupt } from "./_interrupt.ts";
import { toTrainConfig, TRAIN_TASK, type TrainConfig } from "./tasks.ts";
import { trainRun } from "./trainer.ts";
import { applyRecipe } from "./recipes.ts";

/** Configuration flags a resumed run may change (they do not change what it computes). */
const SESSION_FLAGS = ["epochs", "evalEvery", "logEvery", "checkpointEvery"];

/** Flags that may be given together with `--resume` (they do not change the training). */
const RESUMABLE = [
  "resume",
  "json",
  "config",
  "stopAfterSteps",
  "allowBackendChange",
  ...SESSION_FLAGS,
];

function resumeOverrides(args: ParsedArgs): Partial<TrainConfig> {
  const out: Record<string, unknown> = {};
  for (const [key, source] of Object.entries(args.source)) {
    if (source === "default") continue;
    if (!RESUMABLE.includes(key)) {
      const flag = "--" + key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
      throw new UsageError(
        `${flag} cannot be changed when resuming (the run keeps its own configuration; only ` +
          `--epochs, --eval-every, --log-every and --checkpoint-every may be given with --resume)`,
      );
    }
    if (SESSION_FLAGS.includes(key)) out[key] = args.values[key];
  }
  return out as Partial<TrainConfig>;
}

/**
 * The `train` task: parses `argv`, trains (or resumes) a run, prints the summary table (or
 * the `--json` object) on stdout, and returns the exit code.
 *
 * @example
 * ```ts
 * import { processIo } from "./main.ts";
 * import { trainMain } from "./train.ts";
 * const code = await trainMain(["--help"], processIo()); // prints the flags
 * console.log(code); // 0
 * ```
 */
export async function trainMain(argv: string[], io: CliIo = processIo()): Promise<number> {
  const args = applyRecipe(await parseCli(TRAIN_TASK, argv));
  if (args.help) {
    io.out(helpText(TRAIN_TASK));
    return 0;
  }
  const resume = args.values.resume as string | null;
  const overrides = resume ? resumeOverrides(args) : {};
  const progress = new Progress(io.err);
  const interrupt = trainingInterrupt(io.signals, (line) => progress.message(line));
  try {
    const { summary } = await trainRun({
      config: toTrainConfig(args.values),
      resume,
      resumeOverrides: overrides,
      progress,
      shouldStop: interrupt.requested,
      stopAfterSteps: args.values.stopAfterSteps as number | null,
      allowBackendChange: args.values.allowBackendChange as boolean,
    });
    io.out(args.values.json ? JSON.stringify(summary) + "\n" : summaryTable(summary));
    return 0;
  } finally {
    interrupt.remove();
  }
}

if (import.meta.main) await runMain((io) => trainMain(Deno.args, io));
