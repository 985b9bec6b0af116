/**
 * `trainStep`: one optimizer step of a classifier — forward, loss, backward, update, flip
 * collection and metrics — recorded into the shared command encoder inside one `tidy` scope.
 *
 * @module
 */
import { softmaxCrossEntropy, type Tensor, tidy, topkCorrect } from "@ovsw/gpu";
import type { FlipCollector, TrainingMetrics } from "@ovsw/metrics";
import {
  type GradientTransformation,
  optimizerStep,
  type OptState,
  type Params,
} from "@ovsw/optim";
import { valueAndGrad } from "./value_and_grad.ts";

/** The part of a model a training step needs (a `Module` has it). */
export interface TrainableModel {
  /** Forward pass: images `[N, C, H, W]` to logits `[N, classes]`. */
  forward(x: Tensor): Tensor;
  /** The parameters by name (`Module.paramRecord()`). */
  paramRecord(): Params;
}

/** One batch of images and labels (a `DataLoader` batch has these). */
export interface LabelledBatch {
  /** Images, f32 `[N, C, H, W]`. */
  x: Tensor;
  /** Labels, u32 `[N]`. */
  y: Tensor;
  /** Images in the batch (default: the first dimension of `x`). */
  size?: number;
}

/** Options of {@link trainStep}. */
export interface TrainStepOptions {
  /** The parameters to update (default: `model.paramRecord()`, built anew each step). */
  params?: Params;
  /** Label smoothing of the default cross-entropy loss (default 0). */
  labelSmoothing?: number;
  /** A loss other than softmax cross-entropy: logits and labels to a scalar. */
  loss?: (logits: Tensor, labels: Tensor) => Tensor;
  /** A flip collector stepped after the update. */
  collector?: FlipCollector | null;
  /** Training metrics that get the batch's loss and top-1 count (read back by the caller). */
  metrics?: TrainingMetrics | null;
}

/**
 * One training step: forward, loss, backward, `tx`'s update applied to the parameters, then the
 * flip collector and the metrics, all in one `tidy` scope (nothing is read back). Returns the new
 * optimizer state; the old one is consumed. The model must be in training mode.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { createModel } from "@ovsw/models";
 * import { ovsw } from "@ovsw/optim";
 * import { trainStep } from "@ovsw/train";
 * await initGpu();
 * const model = createModel("vgg-small-28", { classes: 10, seed: 0 }).train();
 * const tx = ovsw({ learningRate: 0.1 });
 * let state = tx.init(model.paramRecord());
 * const batch = {
 *   x: Tensor.from(new Float32Array(2 * 28 * 28).fill(0.5), [2, 1, 28, 28]),
 *   y: Tensor.from([3, 7], [2], "u32"),
 * };
 * state = trainStep(model, tx, state, batch);
 * ```
 */
export function trainStep<S extends OptState>(
  model: TrainableModel,
  tx: GradientTransformation<S>,
  state: S,
  batch: LabelledBatch,
  opts: TrainStepOptions = {},
): S {
  const params = opts.params ?? model.paramRecord();
  return tidy(() => {
    const { loss, logits, grads } = valueAndGrad(() => {
      const logits = model.forward(batch.x);
      const loss = opts.loss
        ? opts.loss(logits, batch.y)
        : softmaxCrossEntropy(logits, batch.y, { labelSmoothing: opts.labelSmoothing ?? 0 });
      return { loss, logits };
    }, params);
    const next = optimizerStep(tx, state, params, grads);
    opts.collector?.step();
    opts.metrics?.add({
      loss,
      batchSize: batch.size ?? batch.x.shape[0],
      top1: topkCorrect(logits, batch.y, 1),
    });
    return next;
  });
}
