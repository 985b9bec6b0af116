/**
 * Builds the optimizer of a run from its configuration: the learning-rate schedule and the
 * method's optimizer (train/methods) with `--optimizer-pieces`.
 *
 * @module
 */
import type { Module } from "@ovsw/layers";
import {
  constantWithWarmup,
  cosineSchedule,
  cosineWithWarmup,
  type GradientTransformation,
  type OptState,
  type Schedule,
} from "@ovsw/optim";
import type { TrainConfig } from "@ovsw/train";
import { runMethod } from "./method_setup.ts";

/** The optimizer and the learning-rate schedule it uses (for logging). */
export interface RunOptimizer {
  /** The gradient transformation. */
  tx: GradientTransformation<OptState>;
  /** Learning rate as a function of the optimizer step (0-based). */
  lr: Schedule;
}

/**
 * The learning-rate schedule of a run. `cosine` is docs/method.md §9.1 (per epoch, linear warm-up,
 * `+1e-5` floor); when the warm-up covers every epoch only its linear ramp applies. `linear` is
 * Bi-Real/ReActNet's per-epoch decay to 0 (no warm-up).
 *
 * @example
 * ```ts
 * import { makeSchedule } from "@ovsw/cli";
 * const lr = makeSchedule({ lr: 0.1, epochs: 2, warmup: 1, schedule: "cosine" }, 10);
 * console.log(lr(0), lr(10)); // 0.1 0.10001
 * ```
 */
export function makeSchedule(
  cfg: Pick<TrainConfig, "lr" | "epochs" | "warmup" | "schedule">,
  stepsPerEpoch: number,
): Schedule {
  const base = { value: cfg.lr, warmupEpochs: cfg.warmup, stepsPerEpoch };
  switch (cfg.schedule) {
    case "cosine":
      return cfg.warmup < cfg.epochs
        ? cosineWithWarmup({ ...base, epochs: cfg.epochs })
        : constantWithWarmup(base);
    case "cosine-step": {
      const steps = cfg.epochs * stepsPerEpoch;
      const warmupSteps = Math.min(cfg.warmup * stepsPerEpoch, steps - 1);
      return cosineSchedule({ value: cfg.lr, steps, warmupSteps });
    }
    case "constant":
      return constantWithWarmup(base);
    case "linear":
      // LambdaLR(1 − e/E) stepped at the start of each epoch: epoch e runs at lr·(1 − (e+1)/E).
      return (step) =>
        cfg.lr * Math.max(0, 1 - (Math.floor(step / stepsPerEpoch) + 1) / cfg.epochs);
  }
}

/**
 * The optimizer of a run: the method's base optimizer (SGD or Adam) with its weight-decay set,
 * after `--optimizer-pieces` (AGS, SAD) on the binary weights; SGD with `all`/`no-vector` decay
 * is the `vanilla` / `agsOnly` / `ovsw` preset. `model` is needed for the decay sets that select
 * by layer (`no-bn`, `no-binary-layers`).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { createModel } from "@ovsw/models";
 * import { makeOptimizer, parseCli, toTrainConfig, TRAIN_TASK } from "@ovsw/cli";
 * await initGpu();
 * const cfg = toTrainConfig((await parseCli(TRAIN_TASK, ["--method", "ags"])).values);
 * console.log(makeOptimizer(cfg, 32, createModel("vgg-small-28")).tx.name); // chain(masked(ags), sgd)
 * ```
 */
export function makeOptimizer(
  cfg: TrainConfig,
  stepsPerEpoch: number,
  model: Module,
): RunOptimizer {
  const lr = makeSchedule(cfg, stepsPerEpoch);
  return { tx: runMethod(cfg).optimizer(model, lr), lr };
}
