/**
 * `evaluate`: test-set evaluation with the model in eval mode, no autograd tape, and metrics
 * accumulated on the GPU and read back once at the end.
 *
 * @module
 */
import { noGrad, softmaxCrossEntropy, type Tensor, tidy, topkCorrect } from "@ovsw/gpu";
import { type MetricsRow, TrainingMetrics } from "@ovsw/metrics";
import type { LabelledBatch } from "./step.ts";

/** The part of a model evaluation needs (a `Module` has it). */
export interface EvalModel {
  /** Forward pass. */
  forward(x: Tensor): Tensor;
  /** Switches to evaluation mode. */
  eval(): unknown;
  /** Switches to training mode. */
  train(): unknown;
  /** Whether it is in training mode. */
  training: boolean;
}

/**
 * A data loader evaluation can walk (a `DataLoader` or an `ImageFolderLoader`): epoch 0's
 * batches, in order, synchronously or asynchronously.
 */
export interface EvalLoader {
  /** The batches of one pass. */
  epoch(epoch: number): Iterable<LabelledBatch> | AsyncIterable<LabelledBatch>;
  /** The split's class count (top-5 is reported when it is at least 5). */
  split: { numClasses: number };
}

/** Where the evaluation row goes in the run's history, and what it reports. */
export interface EvaluateOptions {
  /** Epoch written to the row (1-based; default 0). */
  epoch?: number;
  /** Global step written to the row. */
  step?: number;
  /** Also count top-5 (default: with a loader, when it has at least 5 classes; else false). */
  top5?: boolean;
}

/**
 * Evaluates a model on every batch of a loader (or any iterable or async iterable of batches,
 * e.g. an image folder's decoded in workers) and returns the
 * `"test"` metrics row: mean loss, top-1 and, when asked, top-5 accuracy. The model's mode is
 * restored afterwards.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { createModel } from "@ovsw/models";
 * import { evaluate } from "@ovsw/train";
 * await initGpu();
 * const model = createModel("vgg-small-28", { classes: 10, seed: 0 });
 * const batch = {
 *   x: Tensor.from(new Float32Array(2 * 28 * 28).fill(0.5), [2, 1, 28, 28]),
 *   y: Tensor.from([3, 7], [2], "u32"),
 * };
 * const row = await evaluate(model, [batch], { epoch: 1 });
 * console.log(row.samples); // 2
 * ```
 */
export async function evaluate(
  model: EvalModel,
  data: EvalLoader | Iterable<LabelledBatch> | AsyncIterable<LabelledBatch>,
  options: EvaluateOptions = {},
): Promise<MetricsRow> {
  const loader = isLoader(data) ? data : null;
  const batches = loader
    ? loader.epoch(0)
    : data as Iterable<LabelledBatch> | AsyncIterable<LabelledBatch>;
  const top5 = options.top5 ?? (loader !== null && loader.split.numClasses >= 5);
  const wasTraining = model.training;
  model.eval();
  const metrics = new TrainingMetrics({ kind: "test", logEvery: Number.MAX_SAFE_INTEGER });
  try {
    const add = (batch: LabelledBatch) =>
      noGrad(() =>
        tidy(() => {
          const logits = model.forward(batch.x);
          metrics.add({
            loss: softmaxCrossEntropy(logits, batch.y),
            batchSize: batch.size ?? batch.x.shape[0],
            top1: topkCorrect(logits, batch.y, 1),
            top5: top5 ? topkCorrect(logits, batch.y, 5) : undefined,
          });
        })
      );
    if (Symbol.asyncIterator in batches) {
      for await (const batch of batches) add(batch);
    } else {
      for (const batch of batches) add(batch);
    }
    return await metrics.endEpoch({ epoch: options.epoch ?? 0, step: options.step });
  } finally {
    metrics.dispose();
    if (wasTraining) model.train();
  }
}

function isLoader(x: EvalLoader | object): x is EvalLoader {
  return typeof (x as EvalLoader).epoch === "function" && "split" in x;
}
