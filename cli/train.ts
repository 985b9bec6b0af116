/**
 * `deno task train`: trains one binary network (see `--help`).
 *
 * @module
 */
import { helpText, parseCli, type ParsedArgs } from "./args.ts";
import { UsageError } from "./errors.ts";
import { type CliIo, processIo, runMain } from "./main.ts";
import { Progress } from "./progress.ts";
import { summaryTable } from "./run_summary.ts";
import { toTrainConfig, TRAIN_TASK, type TrainConfig } from "./tasks.ts";
import { trainRun } from "./trainer.ts";

/** Flags that may be given together with `--resume` (they do not change the training). */
const RESUMABLE = ["resume", "json", "config", "stopAfterSteps", "epochs", "evalEvery", "logEvery"];

function resumeOverrides(args: ParsedArgs): Partial<TrainConfig> {
  const out: Record<string, unknown> = {};
  for (const [key, source] of Object.entries(args.source)) {
    if (source === "default") continue;
    if (!RESUMABLE.includes(key)) {
      const flag = "--" + key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
      throw new UsageError(
        `${flag} cannot be changed when resuming (the run keeps its own configuration; only ` +
          `--epochs, --eval-every and --log-every may be given with --resume)`,
      );
    }
    if (key === "epochs" || key === "evalEvery" || key === "logEvery") out[key] = args.values[key];
  }
  return out as Partial<TrainConfig>;
}

/**
 * Installs a Ctrl-C handler: the first SIGINT asks the run to save a checkpoint and stop, a
 * second one exits at once. Returns the flag reader and a function removing the handler.
 *
 * @example
 * ```ts
 * import { interruptFlag } from "@ovsw/cli";
 * const { requested, remove } = interruptFlag(() => console.error("stopping"));
 * console.log(requested()); // false
 * remove();
 * ```
 */
export function interruptFlag(
  onFirst: () => void,
): { requested: () => boolean; remove: () => void } {
  let stop = false;
  const handler = () => {
    if (stop) Deno.exit(130);
    stop = true;
    onFirst();
  };
  let installed = true;
  try {
    Deno.addSignalListener("SIGINT", handler);
  } catch {
    installed = false; // e.g. platforms without signals
  }
  return {
    requested: () => stop,
    remove: () => {
      if (installed) Deno.removeSignalListener("SIGINT", handler);
    },
  };
}

/**
 * The `train` task: parses `argv`, trains (or resumes) a run, prints the summary table (or
 * the `--json` object) on stdout, and returns the exit code.
 *
 * @example
 * ```ts
 * import { processIo, trainMain } from "@ovsw/cli";
 * const code = await trainMain(["--help"], processIo()); // prints the flags
 * console.log(code); // 0
 * ```
 */
export async function trainMain(argv: string[], io: CliIo = processIo()): Promise<number> {
  const args = await parseCli(TRAIN_TASK, argv);
  if (args.help) {
    io.out(helpText(TRAIN_TASK));
    return 0;
  }
  const resume = args.values.resume as string | null;
  const overrides = resume ? resumeOverrides(args) : {};
  const progress = new Progress(io.err);
  const interrupt = io.signals
    ? interruptFlag(() =>
      progress.message("interrupted: saving a checkpoint after this step (Ctrl-C again to quit)")
    )
    : { requested: () => false, remove: () => {} };
  try {
    const { summary } = await trainRun({
      config: toTrainConfig(args.values),
      resume,
      resumeOverrides: overrides,
      progress,
      shouldStop: interrupt.requested,
      stopAfterSteps: args.values.stopAfterSteps as number | null,
    });
    io.out(args.values.json ? JSON.stringify(summary) + "\n" : summaryTable(summary));
    return 0;
  } finally {
    interrupt.remove();
  }
}

if (import.meta.main) await runMain((io) => trainMain(Deno.args, io));
