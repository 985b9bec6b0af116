/**
 * Builds the optimizer of a run from its configuration: the learning-rate schedule and the
 * `vanilla` / `agsOnly` / `ovsw` preset of `@ovsw/optim`.
 *
 * @module
 */
import {
  agsOnly,
  constantWithWarmup,
  cosineSchedule,
  cosineWithWarmup,
  type GradientTransformation,
  type OptState,
  ovsw,
  type Schedule,
  vanilla,
} from "@ovsw/optim";
import type { TrainConfig } from "@ovsw/train";

/** The optimizer and the learning-rate schedule it uses (for logging). */
export interface RunOptimizer {
  /** The gradient transformation. */
  tx: GradientTransformation<OptState>;
  /** Learning rate as a function of the optimizer step (0-based). */
  lr: Schedule;
}

/**
 * The learning-rate schedule of a run. `cosine` is docs/method.md §9.1 (per epoch, linear warm-up,
 * `+1e-5` floor); when the warm-up covers every epoch only its linear ramp applies.
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
  }
}

/**
 * The optimizer of a run: SGD (`vanilla`), AGS + SGD (`ags`) or AGS + SAD + SGD (`ovsw`).
 *
 * @example
 * ```ts
 * import { makeOptimizer, parseCli, toTrainConfig, TRAIN_TASK } from "@ovsw/cli";
 * const cfg = toTrainConfig((await parseCli(TRAIN_TASK, ["--method", "ags"])).values);
 * console.log(makeOptimizer(cfg, 32).tx.name); // chain(masked(ags), sgd)
 * ```
 */
export function makeOptimizer(cfg: TrainConfig, stepsPerEpoch: number): RunOptimizer {
  const lr = makeSchedule(cfg, stepsPerEpoch);
  const sgdOptions = {
    learningRate: lr,
    momentum: cfg.momentum,
    weightDecay: cfg.weightDecay,
    nesterov: cfg.nesterov,
    noBnDecay: cfg.noBnDecay,
  };
  let tx: GradientTransformation<OptState>;
  switch (cfg.method) {
    case "vanilla":
      tx = vanilla(sgdOptions);
      break;
    case "ags":
      tx = agsOnly({ ...sgdOptions, delta: cfg.delta }) as GradientTransformation<OptState>;
      break;
    case "ovsw":
      tx = ovsw({
        ...sgdOptions,
        delta: cfg.delta,
        dampenWeight: cfg.dampenWeight,
        trackMomentum: cfg.trackMomentum,
        threshold: cfg.trackThreshold,
        trackerInit: cfg.trackerInit,
      }) as GradientTransformation<OptState>;
      break;
  }
  return { tx, lr };
}
