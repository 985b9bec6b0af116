/**
 * The final summary of a run: the object printed by `--json` (snake_case keys), written
 * atomically to `summary.json` — whose presence means the run finished.
 *
 * @module
 */
import type { FlipReport, MetricsRow } from "@ovsw/metrics";
import { exists, writeJsonAtomic } from "./atomic.ts";
import type { TrainConfig } from "./config.ts";
import { RunDirError } from "./errors.ts";
import { RUN_FILES } from "./run_files.ts";

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
  data: { name: string; train: { count: number }; test: { count: number } };
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
 * import { summarize, type TrainConfig } from "@ovsw/train";
 * const flips = { overall: { silentFraction: 0.4, sameSignFraction: 0.9, flipsPerWeight: 0.1 },
 *   layers: [] };
 * const s = summarize({ runDir: "runs/a", config: { model: "m", epochs: 1 } as TrainConfig,
 *   data: { name: "embedded", train: { count: 8 }, test: { count: 8 } } as never,
 *   rows: [], flips: flips as never, best: null, steps: 1, trainSeconds: 1, trainImages: 8,
 *   wallSeconds: 2 });
 * console.log(s.silent_fraction, s.images_per_second); // 0.4 8
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

/**
 * Writes `summary.json` atomically (the run is finished once it exists).
 *
 * @example
 * ```ts
 * import { readSummary, type RunSummary, writeSummary } from "@ovsw/train";
 * const dir = await Deno.makeTempDir();
 * await writeSummary(dir, { run_dir: dir, steps: 3 } as RunSummary);
 * console.log((await readSummary(dir))?.steps); // 3
 * ```
 */
export async function writeSummary(runDir: string, summary: RunSummary): Promise<void> {
  await writeJsonAtomic(`${runDir}/${RUN_FILES.summary}`, summary, 2);
}

/**
 * Reads a run's `summary.json`, or null when the run has not finished.
 *
 * @example
 * ```ts
 * import { readSummary } from "@ovsw/train";
 * console.log(await readSummary(await Deno.makeTempDir())); // null
 * ```
 */
export async function readSummary(runDir: string): Promise<RunSummary | null> {
  const path = `${runDir}/${RUN_FILES.summary}`;
  if (!(await exists(path))) return null;
  try {
    return JSON.parse(await Deno.readTextFile(path)) as RunSummary;
  } catch (e) {
    throw new RunDirError(`cannot read ${path}: ${(e as Error).message}`);
  }
}
