/**
 * `@ovsw/metrics`: the flip-statistics collector (silent weights, flip ratios), GPU-side
 * training metrics, the run-directory writers, and the Vega-Lite figures and HTML report.
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
export * from "./flip_stats.ts";
export * from "./flip_collector.ts";
export * from "./metrics_row.ts";
export * from "./training_metrics.ts";
export * from "./atomic.ts";
export * from "./writers.ts";
export * from "./run_dir.ts";
export * from "./figures.ts";
export * from "./render.ts";
export * from "./report.ts";
