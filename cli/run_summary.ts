/**
 * The final summary of a run: the object printed by `--json` (snake_case keys, also written
 * to `summary.json`) and the human-readable table.
 *
 * @module
 */
import type { LoadedData } from "@ovsw/data";
import type { FlipReport, MetricsRow } from "@ovsw/metrics";
import type { TrainConfig } from "./tasks.ts";

/** The final summary of a training run. */
export interface RunSummary {
  /** Run directory. */
  run_dir: string;
  /** Model name. */
  model: string;
  /** vanilla, ags or ovsw. */
  method: string;
  /** Dataset name (`embedded` for the built-in subset). */
  dataset: string;
  /** Training images per epoch. */
  train_images: number;
  /** Test images. */
  test_images: number;
  /** Epochs trained. */
  epochs: number;
  /** Optimizer steps. */
  steps: number;
  /** Batch size. */
  batch_size: number;
  /** Seed. */
  seed: number;
  /** Test top-1 after the last epoch (fraction). */
  test_top1: number | null;
  /** Test top-5 after the last epoch (fraction), when there are ≥ 5 classes. */
  test_top5: number | null;
  /** Test loss after the last epoch. */
  test_loss: number | null;
  /** Best test top-1 over the evaluated epochs. */
  best_test_top1: number | null;
  /** Epoch of the best test top-1. */
  best_epoch: number | null;
  /** Training loss of the last epoch. */
  train_loss: number | null;
  /** Training top-1 of the last epoch. */
  train_top1: number | null;
  /** Share of binary weights whose sign never changed during training (all binary layers). */
  silent_fraction: number;
  /** The same per binary layer, by parameter name. */
  silent_fraction_per_layer: Record<string, number>;
  /** Share of binary weights with the same sign as at initialisation. */
  same_sign_fraction: number;
  /** Mean sign flips per binary weight. */
  flips_per_weight: number;
  /** Training throughput (images per second of training-step time). */
  images_per_second: number;
  /** Seconds spent in training steps. */
  train_seconds: number;
  /** Wall-clock seconds of the whole run (all sessions when resumed). */
  wall_seconds: number;
}

/** Inputs of {@link summarize}. */
export interface SummaryInputs {
  /** Run directory. */
  runDir: string;
  /** Configuration. */
  config: TrainConfig;
  /** Loaded data. */
  data: Pick<LoadedData, "name" | "train" | "test">;
  /** All metrics rows. */
  rows: readonly MetricsRow[];
  /** Final flip report. */
  flips: FlipReport;
  /** Best test top-1 and epoch. */
  best: { top1: number; epoch: number } | null;
  /** Optimizer steps. */
  steps: number;
  /** Seconds in training steps. */
  trainSeconds: number;
  /** Images trained on. */
  trainImages: number;
  /** Wall seconds. */
  wallSeconds: number;
}

/**
 * Builds the summary object from a run's rows and flip report.
 *
 * @example
 * ```ts
 * import { summarize } from "@ovsw/cli";
 * console.log(typeof summarize); // function
 * ```
 */
export function summarize(s: SummaryInputs): RunSummary {
  const lastOf = (kind: string) => [...s.rows].reverse().find((r) => r.kind === kind) ?? null;
  const test = lastOf("test");
  const train = lastOf("train");
  const perLayer: Record<string, number> = {};
  for (const l of s.flips.layers) perLayer[l.name] = l.silentFraction;
  return {
    run_dir: s.runDir,
    model: s.config.model,
    method: s.config.method,
    dataset: s.data.name,
    train_images: s.data.train.count,
    test_images: s.data.test.count,
    epochs: s.config.epochs,
    steps: s.steps,
    batch_size: s.config.batchSize,
    seed: s.config.seed,
    test_top1: test?.top1 ?? null,
    test_top5: test?.top5 ?? null,
    test_loss: test?.loss ?? null,
    best_test_top1: s.best?.top1 ?? null,
    best_epoch: s.best?.epoch ?? null,
    train_loss: train?.loss ?? null,
    train_top1: train?.top1 ?? null,
    silent_fraction: s.flips.overall.silentFraction,
    silent_fraction_per_layer: perLayer,
    same_sign_fraction: s.flips.overall.sameSignFraction,
    flips_per_weight: s.flips.overall.flipsPerWeight,
    images_per_second: s.trainSeconds > 0 ? s.trainImages / s.trainSeconds : 0,
    train_seconds: s.trainSeconds,
    wall_seconds: s.wallSeconds,
  };
}

function pct(x: number | null): string {
  return x === null || !Number.isFinite(x) ? "–" : `${(100 * x).toFixed(2)}%`;
}

/**
 * Formats rows of cells as an aligned plain-text table: the first column left-aligned, the
 * others right-aligned unless `leftAll`.
 *
 * @example
 * ```ts
 * import { formatTable } from "@ovsw/cli";
 * console.log(formatTable([["layer", "silent"], ["conv1.weight", "40.00%"]]));
 * ```
 */
export function formatTable(rows: string[][], leftAll = false): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) =>
    r.map((cell, c) => c === 0 || leftAll ? cell.padEnd(widths[c]) : cell.padStart(widths[c])).join(
      "  ",
    ).trimEnd()
  ).join("\n");
}

/**
 * The human-readable summary table of one run (printed on stdout at the end of `train`).
 *
 * @example
 * ```ts
 * import { summaryTable } from "@ovsw/cli";
 * console.log(typeof summaryTable); // function
 * ```
 */
export function summaryTable(s: RunSummary): string {
  const head = [
    ["run", s.run_dir],
    ["model / method", `${s.model} / ${s.method}`],
    ["data", `${s.dataset}: ${s.train_images} train, ${s.test_images} test images`],
    ["epochs / steps", `${s.epochs} / ${s.steps} (batch ${s.batch_size}, seed ${s.seed})`],
    [
      "test top-1",
      `${pct(s.test_top1)} (best ${pct(s.best_test_top1)} at epoch ${s.best_epoch ?? "–"})`,
    ],
    ["test top-5", pct(s.test_top5)],
    ["train loss / top-1", `${s.train_loss?.toFixed(4) ?? "–"} / ${pct(s.train_top1)}`],
    ["silent weights", `${pct(s.silent_fraction)} of all binary weights`],
    ["flips per weight", s.flips_per_weight.toFixed(3)],
    ["time", `${s.wall_seconds.toFixed(1)} s wall, ${s.train_seconds.toFixed(1)} s training`],
    ["throughput", `${s.images_per_second.toFixed(1)} images/s`],
  ];
  const layers = Object.entries(s.silent_fraction_per_layer).map(([n, f]) => [n, pct(f)]);
  return [
    formatTable(head, true),
    "",
    formatTable([["binary layer", "silent"], ...layers, ["overall", pct(s.silent_fraction)]]),
  ].join("\n") + "\n";
}
