/**
 * The BNN methods (docs/methods.md): registry, recipes, optimizer composition with OvSW's
 * pieces, and {@link bnnMethod}.
 *
 * @module
 */
export { type BnnMethod, bnnMethod, type MethodOverrides } from "./method.ts";
export { methodOptimizer, type MethodOptimizerOptions } from "./optimizer.ts";
export { decayMask } from "./decay_sets.ts";
export {
  METHOD_INFO,
  METHOD_NAMES,
  type MethodInfo,
  methodInfo,
  type MethodName,
} from "./registry.ts";
export {
  DECAY_SETS,
  type DecaySet,
  type LrScheduleName,
  type MethodRecipe,
  OPTIMIZER_PIECES,
  type OptimizerName,
  type OptimizerPiece,
  OPTIMIZERS,
  SCHEDULES,
} from "./recipe.ts";
