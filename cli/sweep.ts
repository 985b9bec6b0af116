/**
 * Several training runs in one process (for `compare` and `gamma`), each in its own run
 * directory under a sweep directory. Re-running the same sweep (same `--name`) reuses finished
 * runs and resumes interrupted ones exactly.
 *
 * @module
 */
import { findCompleteDir } from "./atomic.ts";
import { checkpointDir } from "./checkpoint.ts";
import { UsageError } from "./errors.ts";
import type { Progress } from "./progress.ts";
import { readRunConfig } from "./run_dir.ts";
import type { RunSummary } from "./run_summary.ts";
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

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

function sameConfig(a: TrainConfig, b: TrainConfig): boolean {
  const keys = Object.keys(a) as (keyof TrainConfig)[];
  return keys.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

/**
 * Trains every run in order (finished ones are reused, interrupted ones resumed) and returns
 * their summaries. `resumeHint` is shown when a run is stopped by Ctrl-C.
 *
 * @example
 * ```ts
 * import { Progress, runSweep, stderrSink } from "@ovsw/cli";
 * // const results = await runSweep(sweepDir, runs, new Progress(stderrSink()));
 * console.log(typeof runSweep);
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
    if (await exists(`${dir}/config.json`)) {
      const stored = (await readRunConfig(dir)).config;
      if (!sameConfig(stored, config)) {
        throw new UsageError(
          `${dir} holds a run with another configuration; use another --name for this sweep`,
        );
      }
      if (await exists(`${dir}/summary.json`)) {
        const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`)) as RunSummary;
        progress.message(`${run.name}: already finished, reusing it`);
        results.push({ run, dir, summary });
        continue;
      }
      if (await findCompleteDir(checkpointDir(dir, "latest"))) resume = true;
      else await Deno.remove(dir, { recursive: true }); // died before its first checkpoint
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
