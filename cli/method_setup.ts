/**
 * A run's method: its recipe defaults filled into the configuration (every flag left unset
 * takes the method's value), the model options and the per-epoch hooks.
 *
 * @module
 */
import {
  type BnnMethod,
  bnnMethod,
  methodInfo,
  type OptimizerPiece,
  type TrainConfig,
} from "@ovsw/train";
import { UsageError } from "./errors.ts";

/** A configuration whose recipe keys may still be null (unset flags). */
export type UnresolvedConfig =
  & Omit<TrainConfig, "lr" | "weightDecay" | "warmup" | "schedule" | "labelSmoothing">
  & {
    [K in "lr" | "weightDecay" | "warmup" | "schedule" | "labelSmoothing"]:
      | TrainConfig[K]
      | null;
  };

/**
 * The pieces of `--optimizer-pieces` in AGS-then-SAD order; `off` alone is none. A null list
 * is the method's own.
 *
 * @example
 * ```ts
 * import { resolvePieces } from "@ovsw/cli";
 * console.log(resolvePieces(["sad", "ags"], "recu"), resolvePieces(null, "ovsw")); // ["ags", "sad"] ["ags", "sad"]
 * ```
 */
export function resolvePieces(
  list: readonly string[] | null,
  method: string,
): OptimizerPiece[] {
  if (list === null) return [...methodInfo(method).recipe.pieces];
  if (list.includes("off")) {
    if (list.some((p) => p !== "off")) {
      throw new UsageError(`--optimizer-pieces: off cannot be combined with ${list.join(",")}`);
    }
    return [];
  }
  return (["ags", "sad"] as const).filter((p) => list.includes(p));
}

/**
 * Fills every unset (null) recipe key of `cfg` from its method's recipe: optimizer, lr, weight
 * decay and its set (`--no-bn-decay` means `no-vector`), schedule, warm-up, label smoothing and
 * the optimizer pieces (stored as a list, `["off"]` for none).
 *
 * @example
 * ```ts
 * import { parseCli, resolveMethodDefaults, TRAIN_TASK } from "@ovsw/cli";
 * const { values } = await parseCli(TRAIN_TASK, ["--method", "bireal", "--lr", "0.002"]);
 * const cfg = resolveMethodDefaults(values as never);
 * console.log(cfg.optimizer, cfg.lr, cfg.schedule, cfg.labelSmoothing); // adam 0.002 linear 0.1
 * ```
 */
export function resolveMethodDefaults(cfg: UnresolvedConfig): TrainConfig {
  let info;
  try {
    info = methodInfo(cfg.method);
  } catch (e) {
    throw new UsageError(`--method: ${(e as Error).message}`);
  }
  const r = info.recipe;
  const pieces = resolvePieces(cfg.optimizerPieces, cfg.method);
  return {
    ...cfg,
    optimizer: cfg.optimizer ?? r.optimizer,
    lr: cfg.lr ?? r.lr,
    weightDecay: cfg.weightDecay ?? r.weightDecay,
    decaySet: cfg.decaySet ?? (cfg.noBnDecay ? "no-vector" : r.decaySet),
    schedule: cfg.schedule ?? r.schedule,
    warmup: cfg.warmup ?? r.warmup,
    labelSmoothing: cfg.labelSmoothing ?? r.labelSmoothing,
    optimizerPieces: pieces.length > 0 ? pieces : ["off"],
  };
}

/**
 * The method of a resolved configuration (older runs' null keys fall back to the recipe).
 *
 * @example
 * ```ts
 * import { parseCli, runMethod, toTrainConfig, TRAIN_TASK } from "@ovsw/cli";
 * const cfg = toTrainConfig((await parseCli(TRAIN_TASK, ["--method", "irnet"])).values);
 * console.log(runMethod(cfg).epochHook !== null); // true
 * ```
 */
export function runMethod(cfg: TrainConfig): BnnMethod {
  return bnnMethod(cfg.method, {
    optimizer: cfg.optimizer ?? undefined,
    lr: cfg.lr,
    weightDecay: cfg.weightDecay,
    decaySet: cfg.decaySet ?? (cfg.noBnDecay ? "no-vector" : undefined),
    schedule: cfg.schedule,
    warmup: cfg.warmup,
    labelSmoothing: cfg.labelSmoothing,
    pieces: resolvePieces(cfg.optimizerPieces, cfg.method),
    momentum: cfg.momentum,
    nesterov: cfg.nesterov,
    delta: cfg.delta,
    dampenWeight: cfg.dampenWeight,
    trackMomentum: cfg.trackMomentum,
    threshold: cfg.trackThreshold,
    trackerInit: cfg.trackerInit,
  });
}
