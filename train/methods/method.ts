/**
 * A BNN method as one function: {@link bnnMethod} returns its layer factory (the models'
 * `binaryConv` and `block` options), its optimizer and its per-epoch hooks, with the recipe's
 * defaults merged with yours.
 *
 * @module
 */
import type { EpochHook, Module } from "@ovsw/layers";
import type { ModelOptions } from "@ovsw/models";
import type { GradientTransformation, Hyper, OptState } from "@ovsw/optim";
import { methodOptimizer, type MethodOptimizerOptions } from "./optimizer.ts";
import type { MethodRecipe } from "./recipe.ts";
import { methodInfo, type MethodName } from "./registry.ts";

/** Overrides of a method's recipe and OvSW's piece hyper-parameters. */
export type MethodOverrides =
  & Partial<MethodRecipe>
  & Pick<
    MethodOptimizerOptions,
    | "momentum"
    | "nesterov"
    | "delta"
    | "dampenWeight"
    | "trackMomentum"
    | "threshold"
    | "trackerInit"
  >;

/** A method ready to use: layers for the model, optimizer, hooks and the resolved recipe. */
export interface BnnMethod {
  /** Its name. */
  name: MethodName;
  /** The recipe with the overrides applied. */
  recipe: MethodRecipe;
  /** Pass to `createModel` (spread into its options): the method's conv and block. */
  modelOptions: Pick<ModelOptions, "binaryConv" | "block">;
  /** The optimizer for `model` at a learning rate (a number or a schedule). */
  optimizer(model: Module, learningRate?: Hyper): GradientTransformation<OptState>;
  /** Await before each epoch (0-based), or null. */
  epochHook: EpochHook | null;
  /** Await before the rest of an epoch a session resumes in the middle of, or null. */
  resumeHook: EpochHook | null;
}

/**
 * A method by name, e.g. ReCU with OvSW's AGS and SAD on top:
 * `bnnMethod("recu", { pieces: ["ags", "sad"] })`.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { createModel } from "@ovsw/models";
 * import { bnnMethod } from "@ovsw/train";
 * await initGpu();
 * const recu = bnnMethod("recu", { pieces: ["ags", "sad"] });
 * const model = createModel("vgg-small-28", { seed: 0, ...recu.modelOptions });
 * const tx = recu.optimizer(model); // lr = the recipe's 0.1 (pass a schedule instead)
 * await recu.epochHook?.(model, 0, 10); // τ before epoch 0
 * console.log(tx.name, recu.recipe.decaySet); // chain(masked(chain(ags, sad)), sgd) no-bn
 * ```
 */
export function bnnMethod(name: string, overrides: MethodOverrides = {}): BnnMethod {
  const info = methodInfo(name);
  const defined = Object.fromEntries(
    Object.entries(overrides).filter(([, v]) => v !== undefined),
  ) as MethodOverrides;
  const recipe: MethodRecipe = { ...info.recipe, ...defined };
  const hook = info.epochHook ?? null;
  return {
    name: info.name,
    recipe,
    modelOptions: { binaryConv: info.binaryConv, block: info.block },
    optimizer: (model, learningRate = recipe.lr) =>
      methodOptimizer(model, { ...defined, ...recipe, learningRate }),
    epochHook: hook,
    resumeHook: info.resumeHook ?? hook,
  };
}
