/**
 * Coupled (L2) weight decay and learning-rate scaling as separate transformations.
 *
 * @module
 */
import { mapElements, type Tensor } from "@ovsw/gpu";
import type { GradientTransformation, Hyper, Selector } from "./types.ts";
import { hyperAt } from "./hyper.ts";
import { checkHyper, present } from "./_util.ts";

/** State of the stateless-but-scheduled transformations: the step count. */
export type CountState = { kind: string; count: number };

/**
 * Adds `wd·W` to the updates (PyTorch's `weight_decay`), for the parameters chosen by `mask`
 * (default all). One kernel per tensor.
 *
 * @example
 * ```ts
 * import { addDecayedWeights, isVector, not } from "@ovsw/optim";
 * const decay = addDecayedWeights(5e-4, not(isVector));
 * console.log(decay.name); // addDecayedWeights
 * ```
 */
export function addDecayedWeights(
  weightDecay: Hyper,
  mask?: Selector,
): GradientTransformation<CountState> {
  const wd = checkHyper(weightDecay, "addDecayedWeights: weightDecay");
  return {
    name: "addDecayedWeights",
    init: () => ({ kind: "addDecayedWeights", count: 0 }),
    update(updates, state, params) {
      const decay = hyperAt(wd, state.count, "addDecayedWeights: weightDecay");
      const out: Record<string, Tensor> = {};
      for (const [name, g, p] of present("addDecayedWeights", updates, params)) {
        out[name] = mask && !mask(name, p)
          ? g
          : mapElements("optim_decay", "a + p.s0 * b", [g, p], [decay]);
      }
      state.count++;
      return { updates: out, state };
    },
  };
}

/**
 * Multiplies the updates by `−learningRate` (so {@link applyUpdates} descends). One kernel per
 * tensor.
 *
 * @example
 * ```ts
 * import { scaleByLearningRate, stepDecaySchedule } from "@ovsw/optim";
 * const lr = scaleByLearningRate(stepDecaySchedule({ value: 0.1, gamma: 0.1, every: 30, stepsPerEpoch: 100 }));
 * console.log(lr.name); // scaleByLearningRate
 * ```
 */
export function scaleByLearningRate(
  learningRate: Hyper,
  options: { flipSign?: boolean } = {},
): GradientTransformation<CountState> {
  const lr = checkHyper(learningRate, "scaleByLearningRate: learningRate");
  const sign = options.flipSign === false ? 1 : -1;
  return {
    name: "scaleByLearningRate",
    init: () => ({ kind: "scaleByLearningRate", count: 0 }),
    update(updates, state, params) {
      const eta = hyperAt(lr, state.count, "scaleByLearningRate: learningRate");
      const out: Record<string, Tensor> = {};
      for (const [name, g] of present("scaleByLearningRate", updates, params)) {
        out[name] = mapElements("optim_scale", "a * p.s0", [g], [sign * eta]);
      }
      state.count++;
      return { updates: out, state };
    },
  };
}
