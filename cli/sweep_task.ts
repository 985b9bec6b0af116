/**
 * What the sweep tasks (`compare`, `gamma`) share around {@link runSweep}: where the sweep
 * goes, and running its runs with progress and Ctrl-C handling around the task's own report.
 *
 * @module
 */
import type { CliIo } from "./main.ts";
import { Progress } from "./progress.ts";
import { defaultRunName, trimDir } from "@ovsw/train";
import { runSweep, type SweepResult, type SweepRun } from "./sweep.ts";
import type { TrainConfig } from "./tasks.ts";
import { trainingInterrupt } from "./_interrupt.ts";

/** A sweep's name and directory. */
export interface SweepTarget {
  /** `--name`, or `<model>-<task>-seed<seed>-<time>`. */
  name: string;
  /** `<out>/<name>`. */
  dir: string;
}

/**
 * Where the sweep task `task` writes: `<out>/<name>`, with `name` defaulting to the dated
 * `<model>-<task>-seed<seed>-<time>`.
 *
 * @example
 * ```ts
 * import { sweepTarget } from "./sweep_task.ts";
 * import { toTrainConfig } from "./tasks.ts";
 * console.log(sweepTarget("compare", toTrainConfig({ out: "runs/" }), "s1").dir); // runs/s1
 * ```
 */
export function sweepTarget(task: string, base: TrainConfig, name: string | null): SweepTarget {
  const n = name ?? defaultRunName({ model: base.model, method: task, seed: base.seed });
  return { name: n, dir: `${trimDir(base.out)}/${n}` };
}

/**
 * Trains `runs` into `target.dir` with progress on `io.err` and (when `io.signals`) Ctrl-C
 * saving a checkpoint and stopping, then returns `finish(results)`; the Ctrl-C handler stays
 * installed until `finish` is done.
 *
 * @example
 * ```ts
 * import { withSweep } from "./sweep_task.ts";
 * // const code = await withSweep(io, "compare", target, runs, async (results) => 0);
 * console.log(typeof withSweep); // function
 * ```
 */
export async function withSweep<T>(
  io: CliIo,
  task: string,
  target: SweepTarget,
  runs: SweepRun[],
  finish: (results: SweepResult[]) => Promise<T>,
): Promise<T> {
  const progress = new Progress(io.err);
  const interrupt = trainingInterrupt(io.signals, (line) => progress.message(line));
  try {
    const results = await runSweep(
      target.dir,
      runs,
      progress,
      interrupt.requested,
      `Continue with the same command (deno task ${task} ... --name ${target.name}).`,
    );
    return await finish(results);
  } finally {
    interrupt.remove();
  }
}
