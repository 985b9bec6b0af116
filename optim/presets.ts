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

function sgdPart(o: VanillaOptions): GradientTransformation {
  return sgd({
    learningRate: o.learningRate,
    momentum: o.momentum ?? 0.9,
    weightDecay: o.weightDecay ?? 5e-4,
    nesterov: o.nesterov ?? false,
    weightDecayMask: o.noBnDecay ? not(isVector) : undefined,
  });
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
  return sgdPart(options);
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
  return chain(masked(ags({ delta: options.delta ?? 0.04 }), isBinary), sgdPart(options));
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
  return chain(
    masked(
      chain(
        ags({ delta: options.delta ?? 0.04 }),
        sad({
          dampenWeight: options.dampenWeight ?? 9e-4,
          trackMomentum: options.trackMomentum,
          threshold: options.threshold,
          trackerInit: options.trackerInit,
        }),
      ),
      isBinary,
    ),
    sgdPart(options),
  );
}
