/**
 * `@ovsw/train`: the training API — `valueAndGrad`, `trainStep` (forward, loss, backward,
 * update, flip collection and metrics in one `tidy` scope) and `evaluate`.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { createModel } from "@ovsw/models";
 * import { vanilla } from "@ovsw/optim";
 * import { evaluate, trainStep } from "@ovsw/train";
 * await initGpu();
 * const model = createModel("vgg-small-28", { classes: 10, seed: 0 }).train();
 * const tx = vanilla({ learningRate: 0.1 });
 * let state = tx.init(model.paramRecord());
 * const batch = {
 *   x: Tensor.from(new Float32Array(2 * 28 * 28).fill(0.5), [2, 1, 28, 28]),
 *   y: Tensor.from([3, 7], [2], "u32"),
 * };
 * state = trainStep(model, tx, state, batch);
 * console.log((await evaluate(model, [batch])).samples); // 2
 * ```
 *
 * @module
 */
export { type LossOutput, type ValueAndGrad, valueAndGrad } from "./value_and_grad.ts";
export {
  type LabelledBatch,
  type TrainableModel,
  trainStep,
  type TrainStepOptions,
} from "./step.ts";
export { type EvalLoader, type EvalModel, evaluate, type EvaluateOptions } from "./evaluate.ts";
