/**
 * The names of the files in a run directory, defined once (`docs/run-directory.md` describes
 * each).
 *
 * @module
 */

/**
 * File and directory names inside a run directory.
 *
 * @example
 * ```ts
 * import { RUN_FILES } from "@ovsw/train";
 * console.log(`runs/a/${RUN_FILES.summary}`); // runs/a/summary.json
 * ```
 */
export const RUN_FILES = {
  /** The run's configuration, data, adapter and backend. */
  config: "config.json",
  /** One metrics row per line. */
  metrics: "metrics.jsonl",
  /** The same rows as CSV. */
  csv: "metrics.csv",
  /** The flip report. */
  flips: "flips.json",
  /** The final summary; its presence means the run finished. */
  summary: "summary.json",
  /** The process training the run. */
  lock: "lock",
  /** The HTML report and figures. */
  report: "report",
  /** The checkpoint of the last save. */
  latest: "checkpoint-latest",
  /** The checkpoint of the best test top-1. */
  best: "checkpoint-best",
} as const;
