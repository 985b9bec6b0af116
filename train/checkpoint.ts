/**
 * Checkpoints: a directory `checkpoint-latest` or `checkpoint-best` inside the run directory,
 * replaced atomically, holding
 *
 * | file | content |
 * | --- | --- |
 * | `weights.safetensors` | parameters and BN buffers by PyTorch-style name (loadable by PyTorch) |
 * | `optimizer.json` + `optimizer.safetensors` | optimizer state (momentum, SAD trackers and previous weights) |
 * | `collector.json` + `collector.safetensors` | flip-collector state |
 * | `state.json` | epoch, step, RNG state, best accuracy, loop bookkeeping (written last) |
 *
 * @module
 */
import { COMPLETE_MARKER, findCompleteDir, replaceDirAtomic, writeFileAtomic } from "./atomic.ts";
import { RunDirError } from "./errors.ts";
import type { Fingerprint } from "./fingerprint.ts";
import { RUN_FILES } from "./run_files.ts";
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from "./safetensors.ts";
import { decodeTree, encodeTree } from "./tree_store.ts";

/** Which checkpoint of a run. */
export type CheckpointKind = "latest" | "best";

/** The bookkeeping part of a checkpoint (`state.json`). */
export interface CheckpointState {
  /** Format tag. */
  format: "ovsw-checkpoint";
  /** Format version. */
  version: 1;
  /** Library version that wrote it. */
  library: string;
  /** Model name. */
  model: string;
  /** Epoch being trained (0-based); equals the epoch count once training is complete. */
  epoch: number;
  /** Batches of `epoch` already trained. */
  stepInEpoch: number;
  /** Optimizer steps in total. */
  step: number;
  /** Best test top-1 so far and its epoch (`null` before the first evaluation). */
  best: { top1: number; epoch: number } | null;
  /** Loop-specific data (RNG state, metrics history, sizes of the metrics files...). */
  extra: Record<string, unknown>;
  /** ISO time of writing. */
  savedAt: string;
  /** Hashes of the configuration, data and bookkeeping it was written with (checked on resume). */
  fingerprint?: Fingerprint;
}

/** Everything a checkpoint holds, in host memory. */
export interface Checkpoint {
  /** Parameters and buffers by name (F32). */
  weights: Map<string, SafeTensor>;
  /** Optimizer state tree (plain data). */
  optimizer: unknown;
  /** Flip-collector state tree (plain data), or null when none is attached. */
  collector: unknown;
  /** Bookkeeping. */
  state: CheckpointState;
}

/**
 * The directory of a run's checkpoint of the given kind.
 *
 * @example
 * ```ts
 * import { checkpointDir } from "@ovsw/train";
 * console.log(checkpointDir("runs/a", "best")); // runs/a/checkpoint-best
 * ```
 */
export function checkpointDir(runDir: string, kind: CheckpointKind): string {
  return `${runDir}/${RUN_FILES[kind]}`;
}

/**
 * Writes a checkpoint atomically (temporary directory, synced, renamed into place).
 *
 * @example
 * ```ts
 * import { saveCheckpoint } from "@ovsw/train";
 * const run = await Deno.makeTempDir();
 * await saveCheckpoint(run, "latest", {
 *   weights: new Map([["fc.weight", { dtype: "F32", shape: [1], data: new Float32Array([1]) }]]),
 *   optimizer: {}, collector: null,
 *   state: { format: "ovsw-checkpoint", version: 1, library: "0.1.0", model: "toy", epoch: 1,
 *     stepInEpoch: 0, step: 10, best: null, extra: {}, savedAt: new Date().toISOString() },
 * });
 * ```
 */
export async function saveCheckpoint(
  runDir: string,
  kind: CheckpointKind,
  ckpt: Checkpoint,
): Promise<string> {
  const dir = checkpointDir(runDir, kind);
  await replaceDirAtomic(dir, async (tmp) => {
    await writeFileAtomic(
      `${tmp}/weights.safetensors`,
      encodeSafetensors(ckpt.weights, {
        format: "pt",
        library: `ovsw ${ckpt.state.library}`,
        model: ckpt.state.model,
        epoch: String(ckpt.state.epoch),
        step: String(ckpt.state.step),
      }),
    );
    for (const [name, tree] of [["optimizer", ckpt.optimizer], ["collector", ckpt.collector]]) {
      const { json, tensors } = encodeTree(tree);
      await writeFileAtomic(`${tmp}/${name}.safetensors`, tensors);
      await writeFileAtomic(`${tmp}/${name}.json`, json);
    }
    await writeFileAtomic(`${tmp}/${COMPLETE_MARKER}`, JSON.stringify(ckpt.state, null, 1));
  });
  return dir;
}

async function readText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new RunDirError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    throw new RunDirError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/**
 * Loads a run's checkpoint, recovering the previous complete version after a crash mid-save.
 * A missing or damaged checkpoint is a {@link RunDirError} naming the file.
 *
 * @example
 * ```ts
 * import { loadCheckpoint } from "@ovsw/train";
 * const ckpt = await loadCheckpoint("runs/my-run", "latest").catch((e) => console.log(e.message));
 * ```
 */
export async function loadCheckpoint(runDir: string, kind: CheckpointKind): Promise<Checkpoint> {
  const want = checkpointDir(runDir, kind);
  const dir = await findCompleteDir(want);
  if (!dir) {
    throw new RunDirError(
      `no complete checkpoint at ${want} (is ${runDir} a run directory written by train?)`,
    );
  }
  const statePath = `${dir}/${COMPLETE_MARKER}`;
  let state: CheckpointState;
  try {
    state = JSON.parse(await readText(statePath));
  } catch (e) {
    if (e instanceof RunDirError) throw e;
    throw new RunDirError(`${statePath} is not valid JSON: ${(e as Error).message}`);
  }
  if (state?.format !== "ovsw-checkpoint" || state.version !== 1) {
    throw new RunDirError(`${statePath} is not an ovsw checkpoint (format/version mismatch)`);
  }
  try {
    const wpath = `${dir}/weights.safetensors`;
    const weights = decodeSafetensors(await readBytes(wpath), wpath).tensors;
    const trees: unknown[] = [];
    for (const name of ["optimizer", "collector"]) {
      trees.push(decodeTree(
        await readText(`${dir}/${name}.json`),
        await readBytes(`${dir}/${name}.safetensors`),
        `${dir}/${name}`,
      ));
    }
    return { weights, optimizer: trees[0], collector: trees[1], state };
  } catch (e) {
    if (e instanceof RunDirError) throw e;
    throw new RunDirError((e as Error).message);
  }
}
