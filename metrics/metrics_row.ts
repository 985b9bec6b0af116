/**
 * One row of `metrics.jsonl` / `metrics.csv`.
 *
 * @module
 */

/**
 * One logged row. `kind` is `"step"` (a window of training steps inside an epoch), `"train"`
 * (a whole training epoch) or `"test"` (an evaluation after an epoch). Accuracies are
 * fractions in [0, 1]; `loss` is the mean per-sample loss. Optimizer diagnostics are extra
 * numeric columns under their own names (e.g. `ags.ratio`). Missing values are `null`.
 *
 * @example
 * ```ts
 * import type { MetricsRow } from "@ovsw/metrics";
 * const row: MetricsRow = {
 *   kind: "test", epoch: 1, step: 196, samples: 10000, loss: 0.61, top1: 0.78, top5: 0.99,
 *   lr: null, imagesPerSec: 820, timeSec: 35.2,
 * };
 * console.log(row.top1);
 * ```
 */
export interface MetricsRow {
  /** `"step"`, `"train"` or `"test"`. */
  kind: string;
  /** Epoch, 1-based. */
  epoch: number;
  /** Optimizer steps completed so far (global). */
  step: number;
  /** Samples the row aggregates. */
  samples: number;
  /** Mean loss per sample. */
  loss: number | null;
  /** Top-1 accuracy (fraction), or null when not measured. */
  top1: number | null;
  /** Top-5 accuracy (fraction), or null when not measured. */
  top5: number | null;
  /** Learning rate in effect, or null. */
  lr: number | null;
  /** Throughput over the row's window, or null. */
  imagesPerSec: number | null;
  /** Seconds since the aggregator was created. */
  timeSec: number;
  /** Extra numeric columns (optimizer diagnostics). */
  [column: string]: string | number | null;
}

/** The fixed leading columns of every metrics file, in order. */
export const METRICS_COLUMNS: readonly string[] = [
  "kind",
  "epoch",
  "step",
  "samples",
  "loss",
  "top1",
  "top5",
  "lr",
  "imagesPerSec",
  "timeSec",
];
