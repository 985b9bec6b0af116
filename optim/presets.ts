/**
 * Ready-made optimizers: the OvSW step (`ovsw`), plain SGD (`vanilla`) and AGS without SAD
 * (`agsOnly`), each as a composition of the package's transformations.
 *
 * @module
 */
import { ags } from "./ags.ts";
import { chain, masked } from "./combine.ts";
import { sad } from "./sad.ts";
import { isBinary, isVector, not } from "./selectors.ts";
import { sgd } from "./sgd.ts";
import type { GradientTransformation, Hyper, OptState } from "./types.ts";
import { type FusedBinaryOptions, fusedPresetStep, type FusedSgdOptions } from "./fused_step.ts";

/** Options of {@link vanilla}: the SGD of docs/method.md §9.1. */
export interface VanillaOptions {
  /** Learning rate (number or schedule, e.g. {@link cosineWithWarmup}). */
  learningRate: Hyper;
  /** Momentum (default 0.9). */
  momentum?: Hyper;
  /** Weight decay (default 5e-4). */
  weightDecay?: Hyper;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
  /** No weight decay on 1-D parameters (BN γ/β, biases, …), §9.1 group 1 (default false). */
  noBnDecay?: boolean;
}

/** Options of {@link agsOnly}. */
export interface AgsOnlyOptions extends VanillaOptions {
  /** AGS δ (default 0.04, the CIFAR-10 ResNet-20 scripts; 0.01 on ImageNet). */
  delta?: Hyper;
}

/** Options of {@link ovsw}. */
export interface OvswOptions extends AgsOnlyOptions {
  /** SAD λ (default 9e-4, the CIFAR-10 ResNet-20 scripts; 2e-5 on ImageNet). */
  dampenWeight?: Hyper;
  /** SAD tracker momentum m (default 0.999). */
  trackMomentum?: number;
  /** SAD threshold τ (default 1e-4). */
  threshold?: number;
  /** SAD tracker initial value (default `"zeros"`). */
  trackerInit?: "zeros" | "ones";
}

function sgdOptions(o: VanillaOptions): FusedSgdOptions {
  return {
    learningRate: o.learningRate,
    momentum: o.momentum ?? 0.9,
    weightDecay: o.weightDecay ?? 5e-4,
    nesterov: o.nesterov ?? false,
    weightDecayMask: o.noBnDecay ? not(isVector) : undefined,
  };
}

function sgdPart(o: VanillaOptions): GradientTransformation {
  return sgd(sgdOptions(o));
}

/** Adds the fused step (one kernel per binary tensor, one per few others) to a preset's chain. */
function withFusedStep<S extends OptState>(
  tx: GradientTransformation<S>,
  o: VanillaOptions,
  bin: FusedBinaryOptions,
): GradientTransformation<S> {
  const step = fusedPresetStep(sgdOptions(o), bin);
  return { ...tx, fusedStep: (grads, state, params) => step(grads, state, params) as S };
}

/**
 * Plain SGD as in the paper's recipe: momentum 0.9, weight decay 5e-4 (optionally not on 1-D
 * parameters), learning rate.
 *
 * @example
 * ```ts
 * import { cosineWithWarmup, vanilla } from "@ovsw/optim";
 * const tx = vanilla({
 *   learningRate: cosineWithWarmup({ value: 0.1, epochs: 600, warmupEpochs: 5, stepsPerEpoch: 196 }),
 * });
 * console.log(tx.name); // sgd
 * ```
 */
export function vanilla(options: VanillaOptions): GradientTransformation {
  return withFusedStep(sgdPart(options), options, {});
}

/**
 * AGS on the binary weights, then SGD (SAD off).
 *
 * @example
 * ```ts
 * import { agsOnly } from "@ovsw/optim";
 * const tx = agsOnly({ learningRate: 0.1, delta: 0.04 });
 * console.log(tx.name); // chain(masked(ags), sgd)
 * ```
 */
export function agsOnly(options: AgsOnlyOptions): GradientTransformation<OptState[]> {
  const delta = options.delta ?? 0.04;
  return withFusedStep(chain(masked(ags({ delta }), isBinary), sgdPart(options)), options, {
    delta,
  });
}

/**
 * The OvSW step exactly as the authors' trainer (docs/method.md §3): gradients → AGS → SAD (both on
 * binary weights only) → weight decay (all parameters, or not on 1-D ones with `noBnDecay`) →
 * momentum (first step `buf = g`) → learning rate. Defaults are the CIFAR-10 ResNet-20 scripts'.
 *
 * @example
 * ```ts
 * import { cosineWithWarmup, ovsw } from "@ovsw/optim";
 * const tx = ovsw({
 *   learningRate: cosineWithWarmup({ value: 0.1, epochs: 600, warmupEpochs: 5, stepsPerEpoch: 196 }),
 *   delta: 0.04,
 *   dampenWeight: 9e-4,
 * });
 * console.log(tx.name); // chain(masked(chain(ags, sad)), sgd)
 * ```
 */
export function ovsw(options: OvswOptions): GradientTransformation<OptState[]> {
  const delta = options.delta ?? 0.04;
  const sadOptions = {
    dampenWeight: options.dampenWeight ?? 9e-4,
    trackMomentum: options.trackMomentum ?? 0.999,
    threshold: options.threshold ?? 1e-4,
  };
  const tx = chain(
    masked(
      chain(ags({ delta }), sad({ ...sadOptions, trackerInit: options.trackerInit })),
      isBinary,
    ),
    sgdPart(options),
  );
  return withFusedStep(tx, options, { delta, sad: sadOptions });
}
