/**
 * Several training runs in one process (for `compare` and `gamma`), each in its own run
 * directory under a sweep directory. Re-running the same sweep (same `--name`) reuses finished
 * runs and resumes interrupted ones exactly.
 *
 * @module
 */
import { exists, readSummary, RUN_FILES, type RunSummary, SESSION_KEYS } from "@ovsw/train";
import { UsageError } from "./errors.ts";
import type { Progress } from "./progress.ts";
import { readTrainRunConfig } from "./_run_config.ts";
import type { TrainConfig } from "./tasks.ts";
import { trainRun } from "./trainer.ts";

/** One run of a sweep. */
export interface SweepRun {
  /** Directory name under the sweep directory. */
  name: string;
  /** Its configuration (`out` and `name` are set by the sweep). */
  config: TrainConfig;
}

/** A finished run of a sweep. */
export interface SweepResult {
  /** The run. */
  run: SweepRun;
  /** Its run directory. */
  dir: string;
  /** Its summary. */
  summary: RunSummary;
}

/** Whether two configurations train the same run (intervals and locations may differ). */
function sameConfig(a: TrainConfig, b: TrainConfig): boolean {
  const keys = (Object.keys(a) as (keyof TrainConfig)[]).filter((k) =>
    k === "epochs" || !SESSION_KEYS.includes(k)
  );
  return keys.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

/**
 * Trains every run in order (finished ones are reused, interrupted ones resumed) and returns
 * their summaries. `resumeHint` is shown when a run is stopped by Ctrl-C.
 *
 * @example
 * ```ts
 * import { parseCli, Progress, runSweep, stderrSink, toTrainConfig, TRAIN_TASK } from "@ovsw/cli";
 * const sweep = await Deno.makeTempDir();
 * const flags = ["--epochs", "1", "--train-limit", "8", "--test-limit", "8", "--batch-size", "8"];
 * const config = toTrainConfig((await parseCli(TRAIN_TASK, flags)).values);
 * const results = await runSweep(sweep, [{ name: "a", config }], new Progress(stderrSink()));
 * console.log(results[0].summary.steps); // 1
 * ```
 */
export async function runSweep(
  sweepDir: string,
  runs: SweepRun[],
  progress: Progress,
  shouldStop?: () => boolean,
  resumeHint?: string,
): Promise<SweepResult[]> {
  await Deno.mkdir(sweepDir, { recursive: true });
  const results: SweepResult[] = [];
  for (const [i, run] of runs.entries()) {
    const config: TrainConfig = { ...run.config, out: sweepDir, name: run.name };
    const dir = `${sweepDir}/${run.name}`;
    progress.message(`[${i + 1}/${runs.length}] ${run.name}`);
    let resume = false;
    if (await exists(`${dir}/${RUN_FILES.config}`)) {
      const stored = (await readTrainRunConfig(dir)).config;
      if (!sameConfig(stored, config)) {
        throw new UsageError(
          `${dir} holds a run with another configuration; use another --name for this sweep`,
        );
      }
      const summary = await readSummary(dir);
      if (summary) {
        progress.message(`${run.name}: already finished, reusing it`);
        results.push({ run, dir, summary });
        continue;
      }
      resume = true; // continued from its checkpoint, or restarted when it has none yet
    }
    const { summary } = await trainRun({
      config,
      resume: resume ? dir : null,
      progress,
      shouldStop,
      skipReport: true,
      resumeHint: resumeHint ??
        `Continue with: deno task train --resume ${dir}, or run the same command again`,
    });
    results.push({ run, dir, summary });
  }
  return results;
}
