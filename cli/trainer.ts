/**
 * One training run from a resolved configuration: data, model, optimizer, flip collector,
 * metrics, checkpoints (latest and best, atomic), exact resume, Ctrl-C and NaN handling, and
 * the final summary and report.
 *
 * @module
 */
import {
  adapterDescription,
  backward,
  initGpu,
  softmaxCrossEntropy,
  type Tensor,
  tidy,
  topkCorrect,
} from "@ovsw/gpu";
import { DataLoader } from "@ovsw/data";
import type { Module } from "@ovsw/layers";
import {
  FlipCollector,
  type FlipCollectorState,
  type FlipReport,
  type MetricsRow,
  MetricsWriter,
  TrainingMetrics,
  writeFlips,
} from "@ovsw/metrics";
import {
  disposeState,
  optimizerStep,
  type OptState,
  readDiagnostics,
  restoreState,
  type SerializedState,
  serializeState,
} from "@ovsw/optim";
import {
  type Checkpoint,
  type CheckpointState,
  loadCheckpoint,
  saveCheckpoint,
} from "./checkpoint.ts";
import { describeData, loadRunData } from "./data_setup.ts";
import { RunStopped, UsageError } from "./errors.ts";
import { evaluate } from "./evaluate.ts";
import { buildModel } from "./model_setup.ts";
import { loadModelWeights, readModelWeights } from "./model_io.ts";
import { makeOptimizer } from "./optimizer_setup.ts";
import type { Progress } from "./progress.ts";
import { renderRunReport } from "./report_setup.ts";
import {
  createRunDir,
  defaultRunName,
  LIBRARY_VERSION,
  readRunConfig,
  runConfigFile,
  writeRunConfig,
} from "./run_dir.ts";
import { type RunSummary, summarize } from "./run_summary.ts";
import type { TrainConfig } from "./tasks.ts";

/** How a run is started and observed. */
export interface TrainOptions {
  /** The resolved configuration (ignored when resuming: the run's own config.json is used). */
  config: TrainConfig;
  /** Resume this run directory from its latest checkpoint instead of starting a new run. */
  resume?: string | null;
  /** Overrides applied to a resumed run's configuration (epochs, eval/log intervals). */
  resumeOverrides?: Partial<Pick<TrainConfig, "epochs" | "evalEvery" | "logEvery">>;
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

/** Bookkeeping carried in `state.json` across resumes. */
interface Extra {
  trainSeconds: number;
  trainImages: number;
  wallSeconds: number;
  /** The "step" rows of the epoch a mid-epoch checkpoint was taken in. */
  stepRows: MetricsRow[];
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

function checkFinite(row: MetricsRow, runDir: string, lastGood: string | null): void {
  if (row.samples === 0 || (row.loss !== null && Number.isFinite(row.loss))) return;
  const where = `epoch ${row.epoch}, step ${row.step}`;
  const keep = lastGood === null
    ? "no checkpoint had been saved yet"
    : `the last good checkpoint (${lastGood}) is kept in ${runDir}/checkpoint-latest`;
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

/**
 * Trains one run to the end (or until stopped) and returns its summary.
 *
 * @example
 * ```ts
 * import { Progress, stderrSink, trainRun, parseCli, toTrainConfig, TRAIN_TASK } from "@ovsw/cli";
 * const config = toTrainConfig((await parseCli(TRAIN_TASK, ["--epochs", "1",
 *   "--train-limit", "64", "--test-limit", "64"])).values);
 * const { summary } = await trainRun({ config, progress: new Progress(stderrSink()) });
 * console.log(summary.test_top1);
 * ```
 */
export async function trainRun(opts: TrainOptions): Promise<TrainResult> {
  const wallStart = performance.now();
  const progress = opts.progress;
  let cfg = opts.config;
  let runDir: string;
  let ckpt: Checkpoint | null = null;
  if (opts.resume) {
    runDir = opts.resume.replace(/\/+$/, "");
    const file = await readRunConfig(runDir);
    cfg = { ...file.config, ...opts.resumeOverrides };
    ckpt = await loadCheckpoint(runDir, "latest");
    if (ckpt.state.model !== cfg.model) {
      throw new UsageError(`${runDir}: checkpoint model ${ckpt.state.model} != ${cfg.model}`);
    }
    if (ckpt.state.epoch >= cfg.epochs && ckpt.state.stepInEpoch === 0) {
      throw new UsageError(
        `${runDir} already finished ${ckpt.state.epoch} of ${cfg.epochs} epochs; pass ` +
          `--epochs <more> with --resume to train further`,
      );
    }
  } else {
    runDir = "";
  }

  const data = await loadRunData(cfg);
  await initGpu();
  const trainLoader = new DataLoader(data.train, {
    ...data.trainOptions,
    batchSize: cfg.batchSize,
    seed: cfg.seed,
  });
  const testLoader = new DataLoader(data.test, {
    ...data.testOptions,
    batchSize: cfg.batchSize,
    seed: cfg.seed,
  });
  const stepsPerEpoch = trainLoader.batchesPerEpoch;
  const model: Module = buildModel(cfg, data.train);
  const params = model.paramRecord();
  const paramList = Object.values(params);
  const paramNames = Object.keys(params);
  const { tx, lr } = makeOptimizer(cfg, stepsPerEpoch);
  let optState: OptState = tx.init(params);
  const collector = new FlipCollector(params);
  // A new run's directory is created only once data and model are known to be fine.
  if (!ckpt) runDir = await createRunDir(cfg.out, cfg.name ?? defaultRunName(cfg));

  let startEpoch = 0;
  let skipSteps = 0;
  let step = 0;
  let best: CheckpointState["best"] = null;
  const extra: Extra = { trainSeconds: 0, trainImages: 0, wallSeconds: 0, stepRows: [] };
  let lastGoodEpoch: string | null = null;
  if (ckpt) {
    loadModelWeights(model, ckpt.weights, `${runDir}/checkpoint-latest/weights.safetensors`);
    const restored = restoreState(ckpt.optimizer as SerializedState, optState);
    disposeState(optState);
    optState = restored;
    collector.restore(ckpt.collector as FlipCollectorState);
    startEpoch = ckpt.state.epoch;
    skipSteps = ckpt.state.stepInEpoch;
    step = ckpt.state.step;
    best = ckpt.state.best;
    Object.assign(extra, ckpt.state.extra);
    lastGoodEpoch = skipSteps > 0
      ? `epoch ${startEpoch + 1}, step ${skipSteps}`
      : `end of epoch ${startEpoch}`;
    progress.message(
      `resuming ${runDir} at epoch ${startEpoch + 1}, step ${skipSteps} of ${stepsPerEpoch}`,
    );
  } else {
    await writeRunConfig(
      runDir,
      runConfigFile(
        runDir.split("/").pop()!,
        cfg,
        data.name,
        describeData(data),
        adapterDescription().description,
      ),
    );
  }
  // A resumed run may have logged rows after its checkpoint: keep only the earlier epochs.
  const writer = await MetricsWriter.open(runDir, ckpt ? { resumeAtEpoch: startEpoch + 1 } : {});
  // The rows of the interrupted epoch up to its checkpoint belong to the run: put them back.
  const resumedRows = skipSteps > 0 ? extra.stepRows : [];
  for (const r of resumedRows) await writer.append(r);
  let epochRows: MetricsRow[] = [...resumedRows];
  const trainMetrics = new TrainingMetrics({ kind: "train", logEvery: cfg.logEvery });
  progress.message(
    `run ${runDir}: ${cfg.model}, ${cfg.method}, ${describeData(data)}, ` +
      `${cfg.epochs} epochs × ${stepsPerEpoch} steps of batch ${cfg.batchSize}`,
  );

  const snapshot = async (epoch: number, stepInEpoch: number): Promise<Checkpoint> => ({
    weights: await readModelWeights(model),
    optimizer: await serializeState(optState),
    collector: await collector.serialize(),
    state: {
      format: "ovsw-checkpoint",
      version: 1,
      library: LIBRARY_VERSION,
      model: cfg.model,
      epoch,
      stepInEpoch,
      step,
      best,
      extra: {
        ...extra,
        wallSeconds: extra.wallSeconds + (performance.now() - wallStart) / 1000,
      } as unknown as Record<string, unknown>,
      savedAt: new Date().toISOString(),
    },
  });

  let stepsThisProcess = 0;
  const stopNow = () =>
    (opts.shouldStop?.() ?? false) ||
    (opts.stopAfterSteps != null && stepsThisProcess >= opts.stopAfterSteps);
  const totalSteps = cfg.epochs * stepsPerEpoch;
  let lastLoss: number | null = null;
  let lastAcc: number | null = null;
  let rate: number | null = null;

  try {
    for (let epoch = startEpoch; epoch < cfg.epochs; epoch++) {
      model.train();
      const skip = epoch === startEpoch ? skipSteps : 0;
      let index = 0;
      let t0 = performance.now();
      let images = 0;
      for (const batch of trainLoader.epoch(epoch)) {
        if (index++ < skip) continue;
        tidy(() => {
          const logits = model.forward(batch.x);
          const loss = softmaxCrossEntropy(logits, batch.y, {
            labelSmoothing: cfg.labelSmoothing,
          });
          const grads = backward(loss, paramList);
          const named: Record<string, Tensor | null> = {};
          paramNames.forEach((n, i) => (named[n] = grads[i]));
          optState = optimizerStep(tx, optState, params, named);
          collector.step();
          trainMetrics.add({
            loss,
            batchSize: batch.size,
            top1: topkCorrect(logits, batch.y, 1),
          });
        });
        step++;
        stepsThisProcess++;
        images += batch.size;
        const info = () => ({
          epoch: epoch + 1,
          epochs: cfg.epochs,
          step: index,
          stepsPerEpoch,
          loss: lastLoss,
          acc: lastAcc,
          imagesPerSecond: rate,
          etaSeconds: rate ? ((totalSteps - step) * cfg.batchSize) / rate : null,
        });
        const stopping = stopNow();
        if (trainMetrics.due || stopping) {
          const row = await trainMetrics.log({ epoch: epoch + 1, lr: lr(step - 1), step });
          const secs = (performance.now() - t0) / 1000;
          extra.trainSeconds += secs;
          extra.trainImages += images;
          rate = images / Math.max(secs, 1e-9);
          t0 = performance.now();
          images = 0;
          await writer.append(row);
          epochRows.push(row);
          checkFinite(row, runDir, lastGoodEpoch);
          lastLoss = row.loss;
          lastAcc = row.top1;
          progress.log(info());
        } else {
          progress.update(info());
        }
        if (stopping) {
          extra.stepRows = epochRows;
          const c = await snapshot(epoch, index);
          await saveCheckpoint(runDir, "latest", c);
          await writeFlips(runDir, await collector.report());
          throw new RunStopped(
            `stopped at epoch ${epoch + 1}, step ${index} of ${stepsPerEpoch}; checkpoint ` +
              `saved. ${opts.resumeHint ?? `Continue with: deno task train --resume ${runDir}`}`,
            130,
          );
        }
      }
      const secs = (performance.now() - t0) / 1000;
      extra.trainSeconds += secs;
      extra.trainImages += images;
      collector.endEpoch();
      const diag = diagnosticColumns(await readDiagnostics(optState));
      const trainRow = mergeEpochRow(
        await trainMetrics.endEpoch({
          epoch: epoch + 1,
          lr: lr(step - 1),
          step,
          diagnostics: diag,
        }),
        epoch === startEpoch ? resumedRows : [],
      );
      epochRows = [];
      extra.stepRows = [];
      await writer.append(trainRow);
      checkFinite(trainRow, runDir, lastGoodEpoch);
      let line = `epoch ${epoch + 1}/${cfg.epochs}: train loss ${trainRow.loss?.toFixed(4)} ` +
        `top-1 ${(100 * (trainRow.top1 ?? NaN)).toFixed(2)}%`;
      const last = epoch + 1 === cfg.epochs;
      let improved = false;
      if ((epoch + 1) % cfg.evalEvery === 0 || last) {
        const testRow = await evaluate(model, testLoader, { epoch: epoch + 1, step });
        await writer.append(testRow);
        checkFinite(testRow, runDir, lastGoodEpoch);
        line += `, test loss ${testRow.loss?.toFixed(4)} top-1 ` +
          `${(100 * (testRow.top1 ?? NaN)).toFixed(2)}%`;
        if (testRow.top1 !== null && (best === null || testRow.top1 > best.top1)) {
          best = { top1: testRow.top1, epoch: epoch + 1 };
          improved = true;
        }
      }
      const c = await snapshot(epoch + 1, 0);
      await saveCheckpoint(runDir, "latest", c);
      if (improved) await saveCheckpoint(runDir, "best", c);
      lastGoodEpoch = `end of epoch ${epoch + 1}`;
      progress.message(line);
      t0 = performance.now();
    }
    progress.done();
    const flips = await collector.report();
    await writeFlips(runDir, flips);
    extra.wallSeconds += (performance.now() - wallStart) / 1000;
    const summary = summarize({
      runDir,
      config: cfg,
      data,
      rows: writer.rows,
      flips,
      best,
      steps: step,
      trainSeconds: extra.trainSeconds,
      trainImages: extra.trainImages,
      wallSeconds: extra.wallSeconds,
    });
    await Deno.writeTextFile(`${runDir}/summary.json`, JSON.stringify(summary, null, 2) + "\n");
    if (!opts.skipReport) await renderRunReport(runDir);
    return { runDir, summary, flips, rows: writer.rows };
  } finally {
    progress.done();
    trainMetrics.dispose();
    collector.dispose();
    disposeState(optState);
    for (const [, t] of [...model.namedParameters(), ...model.namedBuffers()]) t.dispose();
  }
}
