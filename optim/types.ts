/**
 * The gradient-transformation interface shared by every piece of the optimizer package.
 *
 * @module
 */
import type { Tensor } from "@ovsw/gpu";

/** Named parameters (PyTorch-style dotted names), each a kept GPU tensor with a `tag`. */
export type Params = Record<string, Tensor>;

/**
 * Gradients or updates keyed like the parameters. A missing, `null` or `undefined` entry means
 * "no gradient this step": that parameter is skipped, as PyTorch skips `grad is None`.
 */
export type Updates = Record<string, Tensor | null | undefined>;

/**
 * Optimizer state: a named tree of kept tensors, numbers, strings, booleans and nulls, which
 * {@link serializeState} turns into plain data. Tensors in it are updated in place.
 */
export type OptState =
  | Tensor
  | number
  | string
  | boolean
  | null
  | OptState[]
  | { [key: string]: OptState };

/** What {@link GradientTransformation.update} returns. */
export interface UpdateResult<S extends OptState = OptState> {
  /** The transformed updates (new tensors owned by the caller's `tidy` scope, or inputs). */
  updates: Record<string, Tensor>;
  /** The state: the same object that was passed in, updated in place. */
  state: S;
}

/**
 * An optax-style gradient transformation.
 *
 * `init(params)` allocates the state (kept tensors, so call it once, outside any hot loop).
 * `update(updates, state, params)` records GPU work only (no readback, never awaits), mutates
 * the state's tensors and counters in place and returns new update tensors; run it inside
 * `tidy()` so those temporaries are freed.
 *
 * @example
 * ```ts
 * import type { GradientTransformation } from "@ovsw/optim";
 * const identity: GradientTransformation = {
 *   name: "identity",
 *   init: () => null,
 *   update: (updates, state) => ({ updates: updates as never, state }),
 * };
 * console.log(identity.name);
 * ```
 */
export interface GradientTransformation<S extends OptState = OptState> {
  /** Short name used in error messages. */
  readonly name: string;
  /** Allocates the state for these parameters. */
  init(params: Params): S;
  /** Transforms `updates` (gradients at the start of a chain) given the current parameters. */
  update(updates: Updates, state: S, params: Params): UpdateResult<S>;
  /**
   * Optional: `update` followed by `applyUpdates`, fused into fewer dispatches, with the same
   * state changes. {@link optimizerStep} uses it when present (the presets have one).
   */
  fusedStep?(grads: Updates, state: S, params: Params): S;
}

/**
 * A schedule: the value of a hyperparameter as a function of the number of updates already
 * made by the transformation that uses it (0 for the first step). Per-epoch schedules take
 * `stepsPerEpoch` and use `epoch = floor(step / stepsPerEpoch)`.
 */
export type Schedule = (step: number) => number;

/** A hyperparameter: a fixed number or a {@link Schedule}. */
export type Hyper = number | Schedule;

/**
 * Chooses parameters by name and/or tensor (its `tag`, shape, …).
 *
 * @example
 * ```ts
 * import type { Selector } from "@ovsw/optim";
 * const convWeights: Selector = (name, p) => name.endsWith(".weight") && p.shape.length === 4;
 * console.log(typeof convWeights);
 * ```
 */
export type Selector = (name: string, param: Tensor) => boolean;
