/**
 * The training step the bench scripts time: a model from the registry, a fixed random batch and
 * `trainStep` from `@ovsw/train` (forward, cross-entropy, backward, `ovsw()` update and, when
 * asked, the flip collector) — the step the CLI's trainer runs.
 *
 * @module
 */
import { keep, softmaxCrossEntropy, Tensor } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import type { Module } from "@ovsw/layers";
import { FlipCollector } from "@ovsw/metrics";
import { createModel } from "@ovsw/models";
import { disposeState, type GradientTransformation, ovsw, type Params } from "@ovsw/optim";
import { trainStep } from "@ovsw/train";

/** How {@link trainingStepBench} builds its step. */
export interface TrainingStepOptions {
  /** Model name for `createModel` (default `cresnet20`). */
  model?: string;
  /** Input shape of one image (default `[3, 32, 32]`). */
  input?: number[];
  /** Batch size. */
  batch: number;
  /** Seed of the batch's random data (default 3). */
  dataSeed?: number;
  /** Seed of the model's weights (default 1). */
  modelSeed?: number;
  /** Learning rate of the `ovsw()` step (default 1e-4). */
  learningRate?: number;
  /** Whether each step also runs `FlipCollector.step()` (default false). */
  collector?: boolean;
}

/** A model with its parameters, a fixed batch and a step closure to time. */
export interface TrainingStepBench {
  /** The model (train mode). */
  model: Module;
  /** Its named parameters. */
  params: Params;
  /** The `ovsw()` transformation the step uses. */
  tx: GradientTransformation;
  /**
   * One `trainStep`; returns the step's loss, owned by the bench and valid until the next step
   * or `dispose()` (nothing is read back).
   */
  step: () => Tensor;
  /** Frees the model, the batch, the optimizer state, the collector and the last loss. */
  dispose: () => void;
}

/**
 * Builds a seeded training-step benchmark.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { trainingStepBench } from "./bench_step.ts";
 * await initGpu();
 * const b = trainingStepBench({ model: "vgg-small-28", input: [1, 28, 28], batch: 2 });
 * console.log(Number.isFinite((await b.step().read())[0])); // true
 * b.dispose();
 * ```
 */
export function trainingStepBench(options: TrainingStepOptions): TrainingStepBench {
  const { batch, input = [3, 32, 32] } = options;
  const model = createModel(options.model ?? "cresnet20", {
    classes: 10,
    seed: options.modelSeed ?? 1,
  });
  model.train();
  const params = model.paramRecord();
  const rng = new Prng(options.dataSeed ?? 3);
  const x = Tensor.from(rng.normalArray(batch * input.reduce((a, b) => a * b)), [batch, ...input]);
  const y = Tensor.from(Uint32Array.from({ length: batch }, () => rng.int(10)), [batch], "u32");
  const tx = ovsw({ learningRate: options.learningRate ?? 1e-4 });
  let state = tx.init(params);
  const collector = options.collector ? new FlipCollector(params) : null;
  let lastLoss: Tensor | null = null;
  // The loss is kept out of trainStep's scope so that the caller can read it back.
  const loss = (
    logits: Tensor,
    labels: Tensor,
  ) => (lastLoss = keep(softmaxCrossEntropy(logits, labels)));
  const step = () => {
    lastLoss?.dispose();
    state = trainStep(model, tx, state, { x, y }, { params, collector, loss });
    return lastLoss!;
  };
  const dispose = () => {
    lastLoss?.dispose();
    collector?.dispose();
    x.dispose();
    y.dispose();
    model.dispose();
    disposeState(state);
  };
  return { model, params, tx, step, dispose };
}
