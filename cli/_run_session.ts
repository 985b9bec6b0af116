/**
 * Opening a training run: a new run directory, or an existing one resumed from its latest
 * checkpoint after checking the lock, the backend and the checkpoint's fingerprint. The
 * {@link RunSession} holds everything the epochs and the finish need.
 *
 * @module
 */
import { type AdapterDescription, adapterDescription, initGpu, type Tensor } from "@ovsw/gpu";
import { BinaryInputConv2d, type Module } from "@ovsw/layers";
import { FlipCollector, type FlipCollectorState, type MetricsRow } from "@ovsw/metrics";
import {
  disposeState,
  type GradientTransformation,
  type OptState,
  type Params,
  restoreState,
  type Schedule,
  type SerializedState,
  serializeState,
} from "@ovsw/optim";
import {
  checkFingerprint,
  type Checkpoint,
  checkpointDir,
  type CheckpointState,
  createRunDir,
  defaultRunName,
  describeInit,
  findCompleteDir,
  type Fingerprint,
  fingerprintRun,
  fingerprintState,
  initFromRun,
  LIBRARY_VERSION,
  loadCheckpoint,
  loadModelWeights,
  loadTeacher,
  lockRunDir,
  MetricsWriter,
  readModelWeights,
  RUN_FILES,
  type RunConfigFile,
  runConfigFile,
  type RunLock,
  saveCheckpoint,
  trimDir,
  writeRunConfig,
} from "@ovsw/train";
import { describeRunData, openRunData, type RunData, type RunLoader } from "./data_setup.ts";
import { UsageError } from "./errors.ts";
import { buildModel } from "./model_setup.ts";
import { makeOptimizer } from "./optimizer_setup.ts";
import type { Progress } from "./progress.ts";
import { readTrainRunConfig } from "./_run_config.ts";
import type { TrainOptions } from "./trainer.ts";
import type { TrainConfig } from "./tasks.ts";

/** Bookkeeping carried in a checkpoint's `state.json` across resumes. */
export interface Extra {
  /** Seconds spent in training steps. */
  trainSeconds: number;
  /** Images trained on. */
  trainImages: number;
  /** Wall-clock seconds of the earlier sessions. */
  wallSeconds: number;
  /** The "step" rows of the epoch a mid-epoch checkpoint was taken in. */
  stepRows: MetricsRow[];
}

/** Everything one session of a run holds. */
export interface RunSession {
  /** The configuration (a resumed run's own, with the session overrides). */
  cfg: TrainConfig;
  /** The run directory. */
  runDir: string;
  /** Its lock, released by {@link closeRun}. */
  lock: RunLock;
  /** Training and test data. */
  data: RunData;
  /** The model. */
  model: Module;
  /** Its parameters by name. */
  params: Params;
  /** The optimizer. */
  tx: GradientTransformation<OptState>;
  /** Its state (replaced every step). */
  optState: OptState;
  /** The learning rate by step. */
  lr: Schedule;
  /** The flip collector. */
  collector: FlipCollector;
  /** Training batches (shuffled per epoch). */
  trainLoader: RunLoader;
  /** Test batches. */
  testLoader: RunLoader;
  /** The float teacher of the distributional loss (`--teacher`), or null. */
  teacher: Module | null;
  /** Batches per epoch. */
  stepsPerEpoch: number;
  /** The metrics files. */
  writer: MetricsWriter;
  /** Hashes of the configuration and data, stored with every checkpoint. */
  base: Pick<Fingerprint, "config" | "data">;
  /** First epoch of this session (0-based). */
  startEpoch: number;
  /** Batches of `startEpoch` trained before this session. */
  skipSteps: number;
  /** Optimizer steps so far. */
  step: number;
  /** Best test top-1 so far. */
  best: CheckpointState["best"];
  /** Bookkeeping kept in checkpoints. */
  extra: Extra;
  /** The step rows of `startEpoch` from before this session. */
  resumedRows: MetricsRow[];
  /** Where the last good checkpoint was taken, in words (null before the first). */
  lastGood: string | null;
  /** `performance.now()` at the session's start. */
  wallStart: number;
  /** Progress display. */
  progress: Progress;
}

/**
 * The weights whose sign flips are counted: the binary ones, or with `--weights real` (two-step
 * step 1) the real weights of the convs that step 2 binarises.
 */
function flipSelection(model: Module): (name: string, t: Tensor) => boolean {
  const real = new Set<Tensor>();
  for (const [, m] of model.namedModules()) {
    if (m instanceof BinaryInputConv2d) real.add(m.weight);
  }
  return (_name, t) => t.tag === "binary" || real.has(t);
}

/** The parts of the adapter that decide the bits a run computes. */
function backendKey(b: AdapterDescription): string {
  return `${b.backend} / ${b.description} / ${b.vendor} / ${b.architecture}`;
}

/**
 * Refuses to resume on another WebGPU backend or adapter than the run was started on, unless
 * `allow` (then warns: the results will differ bit-wise from an uninterrupted run).
 */
function checkBackend(
  file: RunConfigFile,
  now: AdapterDescription,
  allow: boolean,
  runDir: string,
  progress: Progress,
): boolean {
  const was = file.backend ? backendKey(file.backend) : `unrecorded (adapter ${file.adapter})`;
  if (file.backend && was === backendKey(now)) return false;
  const what = `${runDir} was trained on backend ${was}; this process has ${backendKey(now)}`;
  if (!allow) {
    throw new UsageError(
      `${what}. Resume with the same DENO_WEBGPU_BACKEND and adapter, or pass ` +
        `--allow-backend-change (the results will then differ bit-wise)`,
    );
  }
  progress.message(
    `warning: ${what}; continuing (--allow-backend-change): the results will differ bit-wise ` +
      `from an uninterrupted run`,
  );
  return true;
}

/** Options of a session that are not part of the configuration. */
type OpenOptions = Pick<TrainOptions, "resume" | "resumeOverrides" | "allowBackendChange">;

/** Where a session starts: a new run, or a resumed one with its lock and checkpoint. */
interface RunStart {
  /** The configuration. */
  cfg: TrainConfig;
  /** The resumed run's directory (null: a new run). */
  runDir: string | null;
  /** Its `config.json`. */
  file: RunConfigFile | null;
  /** Its lock. */
  lock: RunLock | null;
  /** Its latest checkpoint (null: start from step 0). */
  ckpt: Checkpoint | null;
}

/** Reads a resumed run's configuration, takes its lock and loads its latest checkpoint. */
async function locateRun(
  opts: OpenOptions & { config: TrainConfig },
  progress: Progress,
): Promise<RunStart> {
  if (!opts.resume) return { cfg: opts.config, runDir: null, file: null, lock: null, ckpt: null };
  const runDir = trimDir(opts.resume);
  const file = await readTrainRunConfig(runDir);
  const cfg: TrainConfig = { ...file.config, ...opts.resumeOverrides };
  const lock = await takeLock(runDir, progress);
  try {
    return { cfg, runDir, file, lock, ckpt: await latestCheckpoint(runDir, cfg, progress) };
  } catch (e) {
    await lock.release();
    throw e;
  }
}

/** The run's latest checkpoint, or null (with a message) when it has none yet. */
async function latestCheckpoint(
  runDir: string,
  cfg: TrainConfig,
  progress: Progress,
): Promise<Checkpoint | null> {
  if (!(await findCompleteDir(checkpointDir(runDir, "latest")))) {
    progress.message(
      `${runDir} has no complete checkpoint yet: restarting the run from the beginning`,
    );
    return null;
  }
  const ckpt = await loadCheckpoint(runDir, "latest");
  if (ckpt.state.model !== cfg.model) {
    throw new UsageError(`${runDir}: checkpoint model ${ckpt.state.model} != ${cfg.model}`);
  }
  if (ckpt.state.epoch >= cfg.epochs && ckpt.state.stepInEpoch === 0) {
    throw new UsageError(
      `${runDir} already finished ${ckpt.state.epoch} of ${cfg.epochs} epochs; pass ` +
        `--epochs <more> with --resume to train further`,
    );
  }
  return ckpt;
}

/**
 * Opens a run: a new directory (created once the data and model are known to be fine) or a
 * resumed one (lock, backend and fingerprint checked; weights, optimizer and collector
 * restored). A resumed run without a complete checkpoint restarts from step 0.
 */
export async function openRun(
  opts: OpenOptions & { config: TrainConfig; progress: Progress },
): Promise<RunSession> {
  const progress = opts.progress;
  const wallStart = performance.now();
  const found = await locateRun(opts, progress);
  const cfg = found.cfg;
  let lock = found.lock;
  const opened: RunLoader[] = [];
  try {
    const data = await openRunData(cfg);
    await initGpu();
    const backend = adapterDescription();
    let backendChanged = false;
    if (found.file && found.ckpt) {
      backendChanged = checkBackend(
        found.file,
        backend,
        opts.allowBackendChange ?? false,
        found.runDir!,
        progress,
      );
    }
    const model: Module = buildModel(cfg, data.train);
    if (!found.ckpt && cfg.initFrom) {
      progress.message(describeInit(await initFromRun(model, cfg.initFrom), cfg.initFrom));
    }
    const teacher = cfg.teacher
      ? await loadTeacher(cfg.teacher, cfg.teacherArch, data.train.numClasses)
      : null;
    const { train: trainLoader, test: testLoader } = data.loaders(cfg.batchSize, cfg.seed);
    opened.push(trainLoader, testLoader);
    const stepsPerEpoch = trainLoader.batchesPerEpoch;
    const params = model.paramRecord();
    const { tx, lr } = makeOptimizer(cfg, stepsPerEpoch, model);
    const session: RunSession = {
      cfg,
      runDir: found.runDir ?? "",
      lock: lock!,
      data,
      model,
      params,
      tx,
      optState: tx.init(params),
      lr,
      collector: new FlipCollector(params, { select: flipSelection(model) }),
      trainLoader,
      testLoader,
      teacher,
      stepsPerEpoch,
      writer: null as unknown as MetricsWriter,
      base: await fingerprintRun(cfg, data.fingerprint),
      startEpoch: 0,
      skipSteps: 0,
      step: 0,
      best: null,
      extra: { trainSeconds: 0, trainImages: 0, wallSeconds: 0, stepRows: [] },
      resumedRows: [],
      lastGood: null,
      wallStart,
      progress,
    };
    if (found.ckpt) {
      await restoreCheckpoint(session, found.ckpt);
      if (backendChanged) await recordBackendChange(session, found.file!, backend);
      else if (opts.resumeOverrides) await writeOverrides(session, found.file!);
    } else {
      if (!found.runDir) {
        session.runDir = await createRunDir(cfg.out, cfg.name ?? defaultRunName(cfg));
        lock = session.lock = await takeLock(session.runDir, progress);
      }
      await writeRunConfig(
        session.runDir,
        runConfigFile(
          session.runDir.split("/").pop()!,
          cfg,
          data.name,
          describeRunData(data),
          backend,
        ),
      );
    }
    // A resumed run may have logged rows after its checkpoint: keep only the earlier epochs,
    // then put back the rows of the interrupted epoch up to its checkpoint.
    session.writer = await MetricsWriter.open(
      session.runDir,
      found.ckpt ? { resumeAtEpoch: session.startEpoch + 1 } : {},
    );
    for (const r of session.resumedRows) await session.writer.append(r);
    progress.message(
      `run ${session.runDir}: ${cfg.model}, ${cfg.method}, ${describeRunData(data)}, ` +
        `${cfg.epochs} epochs × ${stepsPerEpoch} steps of batch ${cfg.batchSize}`,
    );
    return session;
  } catch (e) {
    for (const l of opened) l.close?.();
    await lock?.release();
    throw e;
  }
}

async function takeLock(runDir: string, progress: Progress): Promise<RunLock> {
  const lock = await lockRunDir(runDir);
  if (lock.stale) {
    progress.message(
      `warning: taking over the lock of ${runDir} left by process ${lock.stale.pid} ` +
        `(since ${lock.stale.since}), which ended without releasing it`,
    );
  }
  return lock;
}

/** Restores a checkpoint into a fresh session after checking its fingerprint. */
async function restoreCheckpoint(s: RunSession, ckpt: Checkpoint): Promise<void> {
  const dir = checkpointDir(s.runDir, "latest");
  const st = ckpt.state;
  if (st.fingerprint) {
    const now = { ...s.base, state: await fingerprintState(st) };
    checkFingerprint(st.fingerprint, now, {
      config: `${s.runDir}/${RUN_FILES.config}`,
      data: describeRunData(s.data),
      state: `${dir}/state.json`,
      checkpoint: dir,
    });
  } else {
    s.progress.message(
      `warning: ${dir} was written before checkpoints recorded their configuration; ` +
        `it cannot be checked against ${s.runDir}/${RUN_FILES.config}`,
    );
  }
  loadModelWeights(s.model, ckpt.weights, `${dir}/weights.safetensors`);
  const restored = restoreState(ckpt.optimizer as SerializedState, s.optState);
  disposeState(s.optState);
  s.optState = restored;
  s.collector.restore(ckpt.collector as FlipCollectorState);
  s.startEpoch = st.epoch;
  s.skipSteps = st.stepInEpoch;
  s.step = st.step;
  s.best = st.best;
  Object.assign(s.extra, st.extra);
  s.resumedRows = s.skipSteps > 0 ? [...s.extra.stepRows] : [];
  s.lastGood = s.skipSteps > 0
    ? `epoch ${s.startEpoch + 1}, step ${s.skipSteps}`
    : `end of epoch ${s.startEpoch}`;
  s.progress.message(
    `resuming ${s.runDir} at epoch ${s.startEpoch + 1}, step ${s.skipSteps} of ${s.stepsPerEpoch}`,
  );
}

/** Keeps `config.json` in step with the session overrides (e.g. a larger `--epochs`). */
async function writeOverrides(s: RunSession, file: RunConfigFile): Promise<void> {
  if (JSON.stringify(file.config) === JSON.stringify(s.cfg)) return;
  await writeRunConfig(s.runDir, { ...file, epochs: s.cfg.epochs, config: s.cfg });
}

/** Records in `config.json` that the run continued on another backend. */
async function recordBackendChange(
  s: RunSession,
  file: RunConfigFile,
  backend: AdapterDescription,
): Promise<void> {
  const changes = [...(file.backendChanges ?? [])];
  changes.push({ step: s.step, from: file.backend ?? null, to: backend });
  await writeRunConfig(s.runDir, {
    ...file,
    epochs: s.cfg.epochs,
    config: s.cfg,
    adapter: backend.description,
    backend,
    backendChanges: changes,
  });
}

/**
 * The checkpoint of the session as it stands: weights, optimizer and collector state, and the
 * bookkeeping with its fingerprint.
 */
export async function snapshot(
  s: RunSession,
  epoch: number,
  stepInEpoch: number,
): Promise<Checkpoint> {
  const extra = {
    ...s.extra,
    wallSeconds: s.extra.wallSeconds + (performance.now() - s.wallStart) / 1000,
  } as unknown as Record<string, unknown>;
  const core = { model: s.cfg.model, epoch, stepInEpoch, step: s.step, best: s.best, extra };
  return {
    weights: await readModelWeights(s.model),
    optimizer: await serializeState(s.optState),
    collector: await s.collector.serialize(),
    state: {
      format: "ovsw-checkpoint",
      version: 1,
      library: LIBRARY_VERSION,
      ...core,
      savedAt: new Date().toISOString(),
      fingerprint: { ...s.base, state: await fingerprintState(core) },
    },
  };
}

/** Saves `checkpoint-latest` (and `checkpoint-best` when `best`) at a position of the run. */
export async function saveLatest(
  s: RunSession,
  epoch: number,
  stepInEpoch: number,
  best = false,
): Promise<void> {
  const c = await snapshot(s, epoch, stepInEpoch);
  await saveCheckpoint(s.runDir, "latest", c);
  if (best) await saveCheckpoint(s.runDir, "best", c);
  s.lastGood = stepInEpoch > 0
    ? `epoch ${epoch + 1}, step ${stepInEpoch}`
    : `end of epoch ${epoch}`;
}

/** Frees the session's GPU memory and releases the lock. */
export async function closeRun(s: RunSession): Promise<void> {
  s.progress.done();
  s.collector.dispose();
  disposeState(s.optState);
  s.trainLoader.close?.();
  s.testLoader.close?.();
  for (const m of s.teacher ? [s.model, s.teacher] : [s.model]) {
    for (const [, t] of [...m.namedParameters(), ...m.namedBuffers()]) t.dispose();
  }
  await s.lock.release();
}
