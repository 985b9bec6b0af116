/**
 * `--init-from <run>`: a model initialised by name from another run's weights (two-step
 * training's step 2 from step 1).
 *
 * @module
 */
import { checkpointDir, loadCheckpoint } from "./checkpoint.ts";
import { RunDirError } from "./errors.ts";
import { loadModelWeights, type NamedTensors } from "./model_io.ts";
import type { SafeTensor } from "./safetensors.ts";

/** What {@link initFromRun} loaded and left at the model's own initial values. */
export interface InitReport {
  /** Names loaded from the run. */
  loaded: string[];
  /** The model's names the run does not have (kept as initialised). */
  missing: string[];
}

function listNames(xs: string[]): string {
  return xs.slice(0, 6).join(", ") + (xs.length > 6 ? `, … (${xs.length} in all)` : "");
}

/**
 * Loads every tensor of `weights` into the model tensor of the same name. A name the model does
 * not have, or a shape that differs, is a {@link RunDirError} naming `source`; the model's names
 * the weights lack are returned as `missing` (e.g. a binary method's learned scale, which the
 * real-weight step 1 has not got) and keep their values.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { loadWeightsByName } from "@ovsw/train";
 * await initGpu();
 * const model = { namedParameters: () => [["w", Tensor.zeros([2])], ["a", Tensor.zeros([1])]] as [string, Tensor][], namedBuffers: () => [] };
 * const r = loadWeightsByName(model, new Map([["w", { dtype: "F32", shape: [2], data: new Float32Array([1, 2]) }]]), "run");
 * console.log(r.loaded, r.missing); // ["w"] ["a"]
 * ```
 */
export function loadWeightsByName(
  model: NamedTensors,
  weights: Map<string, SafeTensor>,
  source: string,
): InitReport {
  const all = [...model.namedParameters(), ...model.namedBuffers()];
  const names = new Set(all.map(([n]) => n));
  const unexpected = [...weights.keys()].filter((n) => !names.has(n));
  if (unexpected.length > 0) {
    throw new RunDirError(
      `${source} does not match the model: unexpected ${listNames(unexpected)} ` +
        `(is it the same --model and --method?)`,
    );
  }
  const present = all.filter(([n]) => weights.has(n));
  loadModelWeights(
    { namedParameters: () => present, namedBuffers: () => [] },
    weights,
    source,
  );
  return {
    loaded: present.map(([n]) => n),
    missing: all.filter(([n]) => !weights.has(n)).map(([n]) => n),
  };
}

/**
 * Initialises `model` from `runDir`'s `checkpoint-latest` weights by name
 * ({@link loadWeightsByName}); a run without a complete checkpoint is a {@link RunDirError}.
 *
 * @example
 * ```ts
 * import { initFromRun } from "@ovsw/train";
 * await initFromRun({ namedParameters: () => [], namedBuffers: () => [] }, "/nonexistent")
 *   .catch((e) => console.log(e.message));
 * ```
 */
export async function initFromRun(model: NamedTensors, runDir: string): Promise<InitReport> {
  let ckpt;
  try {
    ckpt = await loadCheckpoint(runDir, "latest");
  } catch (e) {
    throw new RunDirError(`--init-from ${runDir}: ${(e as Error).message}`);
  }
  const source = `--init-from ${checkpointDir(runDir, "latest")}/weights.safetensors`;
  return loadWeightsByName(model, ckpt.weights, source);
}

/** One line describing an {@link InitReport}. */
export function describeInit(r: InitReport, runDir: string): string {
  return `initialised ${r.loaded.length} tensors from ${runDir}` +
    (r.missing.length > 0
      ? `; not in it, kept at their initial values: ${listNames(r.missing)}`
      : "");
}
