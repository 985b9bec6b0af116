/**
 * A BNN method's training recipe (optimizer, learning rate and its schedule, weight decay and
 * the parameters it applies to, label smoothing, epochs, OvSW optimizer pieces), as its own code
 * trains it (docs/methods.md).
 *
 * @module
 */

/** The base optimizers a recipe can use. */
export const OPTIMIZERS = ["sgd", "adam"] as const;

/** A base optimizer: SGD (PyTorch, momentum) or Adam (PyTorch, coupled L2 decay). */
export type OptimizerName = (typeof OPTIMIZERS)[number];

/**
 * Which parameters get weight decay: `all`; `no-vector` (not the 1-D ones: BN, biases, scales;
 * docs/method.md §9.1 `no_bn_decay`); `no-bn` (all but BatchNorm's γ/β: ReCU's `*conv*`/`*fc*`
 * groups); `no-binary-layers` (none of the binary convs' own parameters — latent weights and
 * their scales — SiMaN's `layer*conv*` group with wd 0).
 */
export const DECAY_SETS = ["all", "no-vector", "no-bn", "no-binary-layers"] as const;

/** A weight-decay set (see {@link DECAY_SETS}). */
export type DecaySet = (typeof DECAY_SETS)[number];

/** OvSW's optimizer pieces, applied to the binary weights before the base optimizer. */
export const OPTIMIZER_PIECES = ["ags", "sad"] as const;

/** AGS (adaptive gradient scaling) or SAD (silence awareness decaying). */
export type OptimizerPiece = (typeof OPTIMIZER_PIECES)[number];

/**
 * Learning-rate schedules: `cosine` (per epoch, warm-up, +1e-5 floor, docs/method.md §9.1),
 * `cosine-step` (per step), `constant` (after the warm-up), `linear` (Bi-Real/ReActNet's
 * `LambdaLR(1 − e/E)` stepped at the start of each epoch: epoch e uses `lr·(1 − (e+1)/E)`).
 */
export const SCHEDULES = ["cosine", "cosine-step", "constant", "linear"] as const;

/** A learning-rate schedule (see {@link SCHEDULES}). */
export type LrScheduleName = (typeof SCHEDULES)[number];

/** A method's recipe defaults (every field overridable by a flag or an option). */
export interface MethodRecipe {
  /** Base optimizer. */
  optimizer: OptimizerName;
  /** Base learning rate. */
  lr: number;
  /** Weight decay (L2, coupled, as PyTorch's SGD and Adam). */
  weightDecay: number;
  /** The parameters that get weight decay. */
  decaySet: DecaySet;
  /** Learning-rate schedule. */
  schedule: LrScheduleName;
  /** Warm-up epochs (cosine/constant; 1 = no warm-up). */
  warmup: number;
  /** Label smoothing of the cross-entropy. */
  labelSmoothing: number;
  /** The recipe's own epochs (CIFAR where the code has it); the CLI keeps its own budget. */
  epochs: number;
  /** OvSW optimizer pieces the method uses by itself (`ovsw`: ags, sad). */
  pieces: readonly OptimizerPiece[];
}
