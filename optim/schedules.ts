/**
 * Schedules: hyperparameter values as a function of the step count (see {@link Schedule}).
 * Per-epoch schedules take `stepsPerEpoch` and hold their value for a whole epoch.
 *
 * @module
 */
import type { Schedule } from "./types.ts";
import { checkNumber } from "./_util.ts";

function checkInt(v: unknown, what: string, min: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new RangeError(`${what} must be an integer ≥ ${min}, got ${String(v)}`);
  }
  return v;
}

function epochOf(step: number, stepsPerEpoch: number): number {
  return Math.floor(step / stepsPerEpoch);
}

/**
 * A constant value.
 *
 * @example
 * ```ts
 * import { constantSchedule } from "@ovsw/optim";
 * console.log(constantSchedule(0.1)(1000)); // 0.1
 * ```
 */
export function constantSchedule(value: number): Schedule {
  const v = checkNumber(value, "constantSchedule: value");
  return () => v;
}

/** Options of {@link cosineWithWarmup} and {@link constantWithWarmup}. */
export interface EpochScheduleOptions {
  /** Base value η₀ (e.g. the learning rate 0.1). */
  value: number;
  /** Linear warm-up epochs w (default 0). A warm-up of 1 epoch is no warm-up. */
  warmupEpochs?: number;
  /** Optimizer steps per epoch (iterations per epoch; default 1, i.e. step = epoch). */
  stepsPerEpoch?: number;
}

/** Options of {@link cosineWithWarmup}. */
export interface CosineWithWarmupOptions extends EpochScheduleOptions {
  /** Total epochs E. */
  epochs: number;
}

/**
 * The OvSW recipe's learning rate (docs/method.md §9.1), stepped per epoch `e`:
 * `η₀·(e+1)/w` for `e < w`, else `0.5·(1 + cos(π·(e−w)/(E−w)))·η₀ + 1e-5`.
 * So `lr(w) = η₀ + 1e-5` and the rate never reaches 0.
 *
 * @example
 * ```ts
 * import { cosineWithWarmup } from "@ovsw/optim";
 * const lr = cosineWithWarmup({ value: 0.1, epochs: 600, warmupEpochs: 5, stepsPerEpoch: 196 });
 * console.log(lr(0), lr(5 * 196)); // 0.02 0.10001
 * ```
 */
export function cosineWithWarmup(options: CosineWithWarmupOptions): Schedule {
  const base = checkNumber(options?.value, "cosineWithWarmup: value");
  const epochs = checkInt(options.epochs, "cosineWithWarmup: epochs", 1);
  const w = checkInt(options.warmupEpochs ?? 0, "cosineWithWarmup: warmupEpochs", 0);
  const spe = checkInt(options.stepsPerEpoch ?? 1, "cosineWithWarmup: stepsPerEpoch", 1);
  if (w >= epochs) {
    throw new RangeError(`cosineWithWarmup: warmupEpochs (${w}) must be < epochs (${epochs})`);
  }
  return (step) => {
    const e = epochOf(step, spe);
    if (e < w) return base * (e + 1) / w;
    return 0.5 * (1 + Math.cos(Math.PI * (e - w) / (epochs - w))) * base + 1e-5;
  };
}

/**
 * The authors' `constant_lr`: linear warm-up `η₀·(e+1)/w` for `e < w`, then `η₀`; per epoch.
 *
 * @example
 * ```ts
 * import { constantWithWarmup } from "@ovsw/optim";
 * console.log(constantWithWarmup({ value: 0.1, warmupEpochs: 2 })(0)); // 0.05
 * ```
 */
export function constantWithWarmup(options: EpochScheduleOptions): Schedule {
  const base = checkNumber(options?.value, "constantWithWarmup: value");
  const w = checkInt(options.warmupEpochs ?? 0, "constantWithWarmup: warmupEpochs", 0);
  const spe = checkInt(options.stepsPerEpoch ?? 1, "constantWithWarmup: stepsPerEpoch", 1);
  return (step) => {
    const e = epochOf(step, spe);
    return e < w ? base * (e + 1) / w : base;
  };
}

/** Options of {@link cosineSchedule}. */
export interface CosineScheduleOptions {
  /** Peak value (reached after the warm-up). */
  value: number;
  /** Total steps T; after T the value stays at `final`. */
  steps: number;
  /** Linear warm-up steps (default 0): `value·(s+1)/warmupSteps` for `s < warmupSteps`. */
  warmupSteps?: number;
  /** Value at the end of the decay (default 0). */
  final?: number;
}

/**
 * A per-step cosine decay with optional linear warm-up:
 * `final + 0.5·(1 + cos(π·min(s−w, T−w)/(T−w)))·(value − final)` after the warm-up.
 *
 * @example
 * ```ts
 * import { cosineSchedule } from "@ovsw/optim";
 * const lr = cosineSchedule({ value: 1, steps: 100 });
 * console.log(lr(0), lr(50), lr(100)); // 1 0.5 0
 * ```
 */
export function cosineSchedule(options: CosineScheduleOptions): Schedule {
  const peak = checkNumber(options?.value, "cosineSchedule: value");
  const total = checkInt(options.steps, "cosineSchedule: steps", 1);
  const w = checkInt(options.warmupSteps ?? 0, "cosineSchedule: warmupSteps", 0);
  const final = checkNumber(options.final ?? 0, "cosineSchedule: final");
  if (w >= total) {
    throw new RangeError(`cosineSchedule: warmupSteps (${w}) must be < steps (${total})`);
  }
  return (step) => {
    if (step < w) return peak * (step + 1) / w;
    const t = Math.min(step - w, total - w) / (total - w);
    return final + 0.5 * (1 + Math.cos(Math.PI * t)) * (peak - final);
  };
}

/** Options of {@link multistepSchedule}. */
export interface MultistepOptions {
  /** Initial value. */
  value: number;
  /** Epochs at which the value is multiplied by `gamma` (e.g. `[150, 225]`). */
  milestones: readonly number[];
  /** Factor per milestone (default 0.1). */
  gamma?: number;
  /** Optimizer steps per epoch (default 1). */
  stepsPerEpoch?: number;
}

/**
 * `value·gamma^k` where k is the number of milestones ≤ the current epoch (PyTorch MultiStepLR).
 *
 * @example
 * ```ts
 * import { multistepSchedule } from "@ovsw/optim";
 * const lr = multistepSchedule({ value: 0.1, milestones: [2, 4] });
 * console.log(lr(1), lr(2), lr(4)); // 0.1 0.010000000000000002 0.0010000000000000002
 * ```
 */
export function multistepSchedule(options: MultistepOptions): Schedule {
  const base = checkNumber(options?.value, "multistepSchedule: value");
  const gamma = checkNumber(options.gamma ?? 0.1, "multistepSchedule: gamma");
  const spe = checkInt(options.stepsPerEpoch ?? 1, "multistepSchedule: stepsPerEpoch", 1);
  if (!Array.isArray(options.milestones)) {
    throw new TypeError("multistepSchedule: milestones must be an array of epochs");
  }
  const ms = options.milestones.map((m, i) =>
    checkInt(m, `multistepSchedule: milestones[${i}]`, 0)
  );
  return (step) => {
    const e = epochOf(step, spe);
    return base * gamma ** ms.filter((m) => m <= e).length;
  };
}

/** Options of {@link stepDecaySchedule}. */
export interface StepDecayOptions {
  /** Initial value. */
  value: number;
  /** Multiply by `gamma` every `every` epochs. */
  every: number;
  /** Factor (default 0.1). */
  gamma?: number;
  /** Optimizer steps per epoch (default 1). */
  stepsPerEpoch?: number;
}

/**
 * The authors' `multistep_lr`: `value·gamma^floor(epoch/every)`.
 *
 * @example
 * ```ts
 * import { stepDecaySchedule } from "@ovsw/optim";
 * console.log(stepDecaySchedule({ value: 1, every: 30, gamma: 0.5 })(60)); // 0.25
 * ```
 */
export function stepDecaySchedule(options: StepDecayOptions): Schedule {
  const base = checkNumber(options?.value, "stepDecaySchedule: value");
  const every = checkInt(options.every, "stepDecaySchedule: every", 1);
  const gamma = checkNumber(options.gamma ?? 0.1, "stepDecaySchedule: gamma");
  const spe = checkInt(options.stepsPerEpoch ?? 1, "stepDecaySchedule: stepsPerEpoch", 1);
  return (step) => base * gamma ** Math.floor(epochOf(step, spe) / every);
}

/** Options of {@link linearSchedule}. */
export interface LinearScheduleOptions {
  /** Value at step 0. */
  value: number;
  /** Value at `steps` and after (default 0). */
  final?: number;
  /** Length of the ramp in steps. */
  steps: number;
}

/**
 * Linear ramp `value + (final − value)·min(s, T)/T` (Bi-Real/ReActNet decay to 0).
 *
 * @example
 * ```ts
 * import { linearSchedule } from "@ovsw/optim";
 * console.log(linearSchedule({ value: 1e-3, steps: 10 })(5)); // 0.0005
 * ```
 */
export function linearSchedule(options: LinearScheduleOptions): Schedule {
  const from = checkNumber(options?.value, "linearSchedule: value");
  const to = checkNumber(options.final ?? 0, "linearSchedule: final");
  const total = checkInt(options.steps, "linearSchedule: steps", 1);
  return (step) => from + (to - from) * Math.min(step, total) / total;
}
