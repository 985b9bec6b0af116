/**
 * One training run from a resolved configuration: open (or resume) the run, train its epochs,
 * finish with the summary and report. The pieces live in `_run_session.ts` (open, resume
 * checks, checkpoints) and `_run_epoch.ts` (the steps and the epoch's end).
 *
 * @module
 */
import { type FlipReport, type MetricsRow, TrainingMetrics } from "@ovsw/metrics";
import { type RunSummary, summarize, writeFlips, writeSummary } from "@ovsw/train";
import type { Progress } from "./progress.ts";
import { renderRunReport } from "./report_setup.ts";
import { closeRun, openRun, type RunSession } from "./_run_session.ts";
import { endEpoch, type EpochControl, trainEpoch } from "./_run_epoch.ts";
import { runMethod } from "./method_setup.ts";
import type { TrainConfig } from "./tasks.ts";

/** How a run is started and observed. */
export interface TrainOptions {
  /** The resolved configuration (ignored when resuming: the run's own config.json is used). */
  config: TrainConfig;
  /** Resume this run directory from its latest checkpoint instead of starting a new run. */
  resume?: string | null;
  /** Overrides applied to a resumed run's configuration (epochs, eval/log/checkpoint intervals). */
  resumeOverrides?: Partial<
    Pick<TrainConfig, "epochs" | "evalEvery" | "logEvery" | "checkpointEvery">
  >;
  /** Resume on another WebGPU backend or adapter than the run started on (with a warning). */
  allowBackendChange?: boolean;
  /** Progress display on stderr. */
  progress: Progress;
  /** Returns true once the user asked to stop (Ctrl-C): a checkpoint is saved, then it stops. */
  shouldStop?: () => boolean;
  /** Stop (as Ctrl-C would) after this many optimizer steps of this process. */
  stopAfterSteps?: number | null;
  /** What to tell the user about continuing after a stop (default: `train --resume`). */
  resumeHint?: string;
  /** Skip the HTML/SVG report at the end (multi-run tasks render their own). */
  skipReport?: boolean;
}

/** What a finished run returns. */
export interface TrainResult {
  /** The run directory. */
  runDir: string;
  /** The final summary. */
  summary: RunSummary;
  /** The final flip report. */
  flips: FlipReport;
  /** Every metrics row of the run. */
  rows: readonly MetricsRow[];
}

/** Writes the flip report and `summary.json` (atomically, last), then the report. */
async function finishRun(s: RunSession, skipReport: boolean): Promise<TrainResult> {
  s.progress.done();
  const flips = await s.collector.report();
  await writeFlips(s.runDir, flips);
  s.extra.wallSeconds += (performance.now() - s.wallStart) / 1000;
  const summary = summarize({
    runDir: s.runDir,
    config: s.cfg,
    data: s.data,
    rows: s.writer.rows,
    flips,
    best: s.best,
    steps: s.step,
    trainSeconds: s.extra.trainSeconds,
    trainImages: s.extra.trainImages,
    wallSeconds: s.extra.wallSeconds,
  });
  if (!skipReport) await renderRunReport(s.runDir);
  await writeSummary(s.runDir, summary);
  return { runDir: s.runDir, summary, flips, rows: s.writer.rows };
}

/**
 * Trains one run to the end (or until stopped) and returns its summary.
 *
 * @example
 * ```ts
 * import { Progress, stderrSink, trainRun, parseCli, toTrainConfig, TRAIN_TASK } from "@ovsw/cli";
 * const out = await Deno.makeTempDir();
 * const config = toTrainConfig((await parseCli(TRAIN_TASK, ["--epochs", "1",
 *   "--train-limit", "16", "--test-limit", "16", "--batch-size", "8", "--out", out])).values);
 * const { summary } = await trainRun({ config, progress: new Progress(stderrSink()),
 *   skipReport: true });
 * console.log(summary.steps); // 2
 * ```
 */
export async function trainRun(opts: TrainOptions): Promise<TrainResult> {
  const s = await openRun(opts);
  const metrics = new TrainingMetrics({ kind: "train", logEvery: s.cfg.logEvery });
  let stepsThisProcess = 0;
  const control: EpochControl = {
    metrics,
    onStep: () => stepsThisProcess++,
    shouldStop: () =>
      (opts.shouldStop?.() ?? false) ||
      (opts.stopAfterSteps != null && stepsThisProcess >= opts.stopAfterSteps),
    resumeHint: opts.resumeHint ?? `Continue with: deno task train --resume ${s.runDir}`,
  };
  try {
    const method = runMethod(s.cfg);
    for (let epoch = s.startEpoch; epoch < s.cfg.epochs; epoch++) {
      // The method's schedule (and RBNN's rotation update) before each epoch; a session that
      // resumes mid-epoch re-establishes the schedule values only (the rest is checkpointed).
      const hook = epoch === s.startEpoch && s.skipSteps > 0 ? method.resumeHook : method.epochHook;
      await hook?.(s.model, epoch, s.cfg.epochs);
      await endEpoch(s, epoch, control, await trainEpoch(s, epoch, control));
    }
    return await finishRun(s, opts.skipReport ?? false);
  } finally {
    metrics.dispose();
    await closeRun(s);
  }
}
