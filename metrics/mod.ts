/**
 * `@ovsw/metrics`: the flip-statistics collector (silent weights, flip ratios), GPU-side
 * and training metrics. Figures and the HTML report live in
 * `@ovsw/report`, so this package pulls in no plotting library.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { FlipCollector } from "@ovsw/metrics";
 * await initGpu();
 * const w = Tensor.from([0.3, -0.1], [2]);
 * w.tag = "binary";
 * const flips = new FlipCollector({ w });
 * flips.step();
 * console.log((await flips.report()).overall.silentFraction); // 1
 * ```
 *
 * @module
 */
export type {
  EpochFlips,
  FlipHistogram,
  FlipReport,
  FlipStats,
  LayerFlipStats,
} from "./flip_stats.ts";
export {
  FlipCollector,
  type FlipCollectorOptions,
  type FlipCollectorState,
} from "./flip_collector.ts";
export { METRICS_COLUMNS, type MetricsRow } from "./metrics_row.ts";
export {
  type BatchMetrics,
  type MetricsContext,
  TrainingMetrics,
  type TrainingMetricsOptions,
} from "./training_metrics.ts";
