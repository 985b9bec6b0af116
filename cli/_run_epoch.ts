/**
 * One epoch of a run session: the training steps (with `trainStep`), the logged rows, the
 * checkpoints every `checkpointEvery` steps, Ctrl-C honoured between steps; then the epoch's
 * train row, the test evaluation (with `evaluate`) and the end-of-epoch checkpoints.
 *
 * @module
 */
import type { MetricsRow, TrainingMetrics } from "@ovsw/metrics";
import { readDiagnostics } from "@ovsw/optim";
import { distillation, evaluate, trainStep, writeFlips } from "@ovsw/train";
import { RunStopped } from "./errors.ts";
import type { ProgressInfo } from "./progress.ts";
import { type RunSession, saveLatest } from "./_run_session.ts";

/** How an epoch is observed and stopped. */
export interface EpochControl {
  /** Training metrics (loss/top-1 on the GPU, read back every `logEvery` steps). */
  metrics: TrainingMetrics;
  /** True once this session should stop after the current step (Ctrl-C, --stop-after-steps). */
  shouldStop: () => boolean;
  /** Called after each step. */
  onStep: () => void;
  /** What to tell the user about continuing after a stop. */
  resumeHint: string;
}

/**
 * Lets the event loop run (signal handlers, I/O) between two steps; a zero-delay timer costs
 * about 2 ms, under 0.2% of a default step (docs/run-directory.md).
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * A resumed epoch's "train" row covers only the batches after the resume; fold in the step
 * rows logged before the interruption so the row describes the whole epoch.
 */
function mergeEpochRow(row: MetricsRow, before: readonly MetricsRow[]): MetricsRow {
  if (before.length === 0) return row;
  let samples = row.samples;
  let loss = (row.loss ?? 0) * row.samples;
  let top1 = (row.top1 ?? 0) * row.samples;
  for (const r of before) {
    samples += r.samples;
    loss += (r.loss ?? NaN) * r.samples;
    top1 += (r.top1 ?? NaN) * r.samples;
  }
  return { ...row, samples, loss: loss / samples, top1: top1 / samples };
}

/** Stops the run (exit 1) when a row's loss is NaN/Inf, naming the last good checkpoint. */
function checkFinite(row: MetricsRow, s: RunSession): void {
  if (row.samples === 0 || (row.loss !== null && Number.isFinite(row.loss))) return;
  const where = `epoch ${row.epoch}, step ${row.step}`;
  const keep = s.lastGood === null
    ? "no checkpoint had been saved yet"
    : `the last good checkpoint (${s.lastGood}) is kept in ${s.runDir}/checkpoint-latest`;
  throw new RunStopped(
    `training diverged: the ${row.kind} loss became ${row.loss ?? "NaN/Inf"} at ${where}; ` +
      `${keep}. Try a smaller --lr.`,
    1,
  );
}

function diagnosticColumns(d: Awaited<ReturnType<typeof readDiagnostics>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [layer, v] of Object.entries(d.ags)) {
    out[`ags_ratio/${layer}`] = v.meanRatio;
    out[`ags_scaled/${layer}`] = v.scaledFraction;
  }
  for (const [layer, v] of Object.entries(d.sad)) out[`sad_silent/${layer}`] = v.maskedFraction;
  return out;
}

/** Throughput and last logged values, for the progress line. */
interface EpochClock {
  t0: number;
  images: number;
  rate: number | null;
  loss: number | null;
  acc: number | null;
}

/** Reads the window back, appends the "step" row and accounts the window's time. */
async function logWindow(
  s: RunSession,
  c: EpochControl,
  clock: EpochClock,
  epoch: number,
  rows: MetricsRow[],
): Promise<void> {
  const row = await c.metrics.log({ epoch: epoch + 1, lr: s.lr(s.step - 1), step: s.step });
  const secs = (performance.now() - clock.t0) / 1000;
  s.extra.trainSeconds += secs;
  s.extra.trainImages += clock.images;
  clock.rate = clock.images / Math.max(secs, 1e-9);
  clock.t0 = performance.now();
  clock.images = 0;
  await s.writer.append(row);
  rows.push(row);
  checkFinite(row, s);
  clock.loss = row.loss;
  clock.acc = row.top1;
}

/**
 * Trains the batches of `epoch` (from `skipSteps` when it is the session's first) and returns
 * the step rows it logged. Saves `checkpoint-latest` every `checkpointEvery` steps inside the
 * epoch; on a stop request saves it and throws {@link RunStopped} (exit 130).
 */
export async function trainEpoch(
  s: RunSession,
  epoch: number,
  c: EpochControl,
): Promise<{ rows: MetricsRow[]; secondsLeft: number; imagesLeft: number }> {
  const cfg = s.cfg;
  s.model.train();
  const first = epoch === s.startEpoch;
  const skip = first ? s.skipSteps : 0;
  const rows: MetricsRow[] = first ? [...s.resumedRows] : [];
  const clock: EpochClock = { t0: performance.now(), images: 0, rate: null, loss: null, acc: null };
  const totalSteps = cfg.epochs * s.stepsPerEpoch;
  let index = skip;
  // Image folders decode ahead in workers (`for await`); both loaders start at `skip`.
  for await (const batch of s.trainLoader.epoch(epoch, skip)) {
    index++;
    const distilled = s.teacher ? distillation(s.teacher, batch.x) : null;
    try {
      s.optState = trainStep(s.model, s.tx, s.optState, batch, {
        params: s.params,
        labelSmoothing: cfg.labelSmoothing,
        loss: distilled?.loss,
        collector: s.collector,
        metrics: c.metrics,
      });
    } finally {
      distilled?.dispose();
    }
    s.step++;
    clock.images += batch.size;
    c.onStep();
    await yieldToEventLoop();
    const stopping = c.shouldStop();
    const checkpointing = !stopping && s.step % cfg.checkpointEvery === 0 &&
      index < s.stepsPerEpoch;
    const info: ProgressInfo = {
      epoch: epoch + 1,
      epochs: cfg.epochs,
      step: index,
      stepsPerEpoch: s.stepsPerEpoch,
      loss: clock.loss,
      acc: clock.acc,
      imagesPerSecond: clock.rate,
      etaSeconds: clock.rate ? ((totalSteps - s.step) * cfg.batchSize) / clock.rate : null,
    };
    if (c.metrics.due || stopping || checkpointing) {
      await logWindow(s, c, clock, epoch, rows);
      s.progress.log({ ...info, loss: clock.loss, acc: clock.acc, imagesPerSecond: clock.rate });
    } else {
      s.progress.update(info);
    }
    if (stopping || checkpointing) {
      s.extra.stepRows = rows;
      await saveLatest(s, epoch, index);
    }
    if (stopping) {
      await writeFlips(s.runDir, await s.collector.report());
      throw new RunStopped(
        `stopped at epoch ${epoch + 1}, step ${index} of ${s.stepsPerEpoch}; checkpoint saved. ` +
          c.resumeHint,
        130,
      );
    }
  }
  return {
    rows,
    secondsLeft: (performance.now() - clock.t0) / 1000,
    imagesLeft: clock.images,
  };
}

/**
 * Closes `epoch`: appends its train row (merged with the rows from before a resume), evaluates
 * on the test set when due, saves `checkpoint-latest` (and `checkpoint-best` on a new best)
 * and prints the epoch's line.
 */
export async function endEpoch(
  s: RunSession,
  epoch: number,
  c: EpochControl,
  trained: { rows: MetricsRow[]; secondsLeft: number; imagesLeft: number },
): Promise<void> {
  const cfg = s.cfg;
  s.extra.trainSeconds += trained.secondsLeft;
  s.extra.trainImages += trained.imagesLeft;
  s.collector.endEpoch();
  const diagnostics = diagnosticColumns(await readDiagnostics(s.optState));
  const trainRow = mergeEpochRow(
    await c.metrics.endEpoch({ epoch: epoch + 1, lr: s.lr(s.step - 1), step: s.step, diagnostics }),
    epoch === s.startEpoch ? s.resumedRows : [],
  );
  s.extra.stepRows = [];
  await s.writer.append(trainRow);
  checkFinite(trainRow, s);
  let line = `epoch ${epoch + 1}/${cfg.epochs}: train loss ${trainRow.loss?.toFixed(4)} ` +
    `top-1 ${(100 * (trainRow.top1 ?? NaN)).toFixed(2)}%`;
  let improved = false;
  if ((epoch + 1) % cfg.evalEvery === 0 || epoch + 1 === cfg.epochs) {
    const testRow = await evaluate(s.model, s.testLoader, { epoch: epoch + 1, step: s.step });
    await s.writer.append(testRow);
    checkFinite(testRow, s);
    line += `, test loss ${testRow.loss?.toFixed(4)} top-1 ` +
      `${(100 * (testRow.top1 ?? NaN)).toFixed(2)}%`;
    if (testRow.top1 !== null && (s.best === null || testRow.top1 > s.best.top1)) {
      s.best = { top1: testRow.top1, epoch: epoch + 1 };
      improved = true;
    }
  }
  await saveLatest(s, epoch + 1, 0, improved);
  s.progress.message(line);
}
