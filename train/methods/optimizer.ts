/**
 * A method's optimizer: its base optimizer (SGD or Adam) with its weight-decay set, after any
 * of OvSW's pieces (AGS, SAD) on the binary weights. The pieces combine with every method:
 * they see each method's latent weights through the `binary` tag.
 *
 * @module
 */
import type { Module } from "@ovsw/layers";
import {
  adam,
  ags,
  agsOnly,
  chain,
  type GradientTransformation,
  type Hyper,
  isBinary,
  masked,
  type OptState,
  ovsw,
  sad,
  sgd,
  vanilla,
} from "@ovsw/optim";
import { decayMask } from "./decay_sets.ts";
import type { DecaySet, OptimizerName, OptimizerPiece } from "./recipe.ts";

/** Options of {@link methodOptimizer}. */
export interface MethodOptimizerOptions {
  /** Base optimizer. */
  optimizer: OptimizerName;
  /** Learning rate (number or schedule). */
  learningRate: Hyper;
  /** Weight decay. */
  weightDecay: number;
  /** The parameters that get weight decay. */
  decaySet: DecaySet;
  /** OvSW pieces on the binary weights, in this order (AGS before SAD). */
  pieces: readonly OptimizerPiece[];
  /** SGD momentum (default 0.9; Adam ignores it). */
  momentum?: number;
  /** SGD Nesterov momentum (default false). */
  nesterov?: boolean;
  /** AGS δ (default 0.04). */
  delta?: number;
  /** SAD λ (default 9e-4). */
  dampenWeight?: number;
  /** SAD tracker momentum m (default 0.999). */
  trackMomentum?: number;
  /** SAD threshold τ (default 1e-4). */
  threshold?: number;
  /** SAD tracker initial value (default zeros). */
  trackerInit?: "zeros" | "ones";
}

/**
 * The optimizer of a method on `model`: `chain(masked(chain(ags, sad), isBinary), base)`, the
 * pieces present as asked, `base` SGD or Adam with the weight-decay set's mask. With SGD and a
 * decay set of `all` or `no-vector` it is exactly the `vanilla` / `agsOnly` / `ovsw` preset
 * (with its fused step).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { createModel } from "@ovsw/models";
 * import { methodOptimizer } from "@ovsw/train";
 * await initGpu();
 * const model = createModel("vgg-small-28");
 * const tx = methodOptimizer(model, { optimizer: "adam", learningRate: 1e-3, weightDecay: 0,
 *   decaySet: "all", pieces: ["ags", "sad"] });
 * console.log(tx.name); // chain(masked(chain(ags, sad)), adam)
 * ```
 */
export function methodOptimizer(
  model: Module,
  o: MethodOptimizerOptions,
): GradientTransformation<OptState> {
  const [hasAgs, hasSad] = [o.pieces.includes("ags"), o.pieces.includes("sad")];
  const sadOptions = {
    dampenWeight: o.dampenWeight ?? 9e-4,
    trackMomentum: o.trackMomentum ?? 0.999,
    threshold: o.threshold ?? 1e-4,
    trackerInit: o.trackerInit,
  };
  const common = {
    learningRate: o.learningRate,
    momentum: o.momentum ?? 0.9,
    weightDecay: o.weightDecay,
    nesterov: o.nesterov ?? false,
  };
  const preset = o.optimizer === "sgd" && (o.decaySet === "all" || o.decaySet === "no-vector");
  if (preset && (hasAgs || !hasSad)) {
    const sgdOptions = { ...common, noBnDecay: o.decaySet === "no-vector" };
    const tx = !hasAgs
      ? vanilla(sgdOptions)
      : !hasSad
      ? agsOnly({ ...sgdOptions, delta: o.delta ?? 0.04 })
      : ovsw({
        ...sgdOptions,
        ...sadOptions,
        delta: o.delta ?? 0.04,
        threshold: sadOptions.threshold,
      });
    return tx as GradientTransformation<OptState>;
  }
  const weightDecayMask = decayMask(model, o.decaySet);
  const base = o.optimizer === "adam"
    ? adam({ learningRate: o.learningRate, weightDecay: o.weightDecay, weightDecayMask })
    : sgd({ ...common, weightDecayMask });
  const pieces: GradientTransformation[] = [];
  if (hasAgs) pieces.push(ags({ delta: o.delta ?? 0.04 }));
  if (hasSad) pieces.push(sad(sadOptions));
  if (pieces.length === 0) return base as GradientTransformation<OptState>;
  const binary = pieces.length === 1 ? pieces[0] : chain(...pieces);
  return chain(masked(binary, isBinary), base) as GradientTransformation<OptState>;
}
