/**
 * Test-set evaluation: the model in eval mode, no autograd tape, metrics accumulated on the GPU
 * and read back once at the end.
 *
 * @module
 */
import { noGrad, softmaxCrossEntropy, type Tensor, tidy, topkCorrect } from "@ovsw/gpu";
import type { DataLoader } from "@ovsw/data";
import { type MetricsRow, TrainingMetrics } from "@ovsw/metrics";

/** The part of a model evaluation needs. */
export interface EvalModel {
  /** Forward pass. */
  forward(x: Tensor): Tensor;
  /** Switches to evaluation mode (returns the model). */
  eval(): unknown;
  /** Switches to training mode (returns the model). */
  train(): unknown;
  /** Whether it is in training mode. */
  training: boolean;
}

/**
 * Evaluates a model on every batch of a (non-shuffled) loader and returns the `"test"` row:
 * mean loss, top-1 and (with ≥ 5 classes) top-5 accuracy. The model's mode is restored after.
 *
 * @example
 * ```ts
 * import { evaluate } from "@ovsw/cli";
 * // const row = await evaluate(model, testLoader, { epoch: 1, step: 100 });
 * // console.log(row.top1);
 * console.log(typeof evaluate);
 * ```
 */
export async function evaluate(
  model: EvalModel,
  loader: DataLoader,
  ctx: { epoch: number; step: number },
): Promise<MetricsRow> {
  const wasTraining = model.training;
  model.eval();
  const metrics = new TrainingMetrics({ kind: "test", logEvery: Number.MAX_SAFE_INTEGER });
  const top5 = loader.split.numClasses >= 5;
  try {
    noGrad(() => {
      for (const batch of loader.epoch(0)) {
        tidy(() => {
          const logits = model.forward(batch.x);
          metrics.add({
            loss: softmaxCrossEntropy(logits, batch.y),
            batchSize: batch.size,
            top1: topkCorrect(logits, batch.y, 1),
            top5: top5 ? topkCorrect(logits, batch.y, 5) : undefined,
          });
        });
      }
    });
    return await metrics.endEpoch({ epoch: ctx.epoch, step: ctx.step });
  } finally {
    metrics.dispose();
    if (wasTraining) model.train();
  }
}
