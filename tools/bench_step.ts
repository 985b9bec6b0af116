/**
 * The training step the bench scripts time: a model from the registry, a fixed random batch,
 * forward + cross-entropy + backward + `ovsw()` update, and optionally the flip collector.
 *
 * @module
 */
import { backward, noGrad, softmaxCrossEntropy, Tensor } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import type { Module } from "@ovsw/layers";
import { FlipCollector } from "@ovsw/metrics";
import { createModel } from "@ovsw/models";
import {
  disposeState,
  type GradientTransformation,
  optimizerStep,
  ovsw,
  type Params,
} from "@ovsw/optim";

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
  /** One training step, returning the loss; run it inside `tidy` (as `timeIt` does). */
  step: () => Tensor;
  /** Frees the model, the batch, the optimizer state and the collector. */
  dispose: () => void;
}

/**
 * Builds a seeded training-step benchmark.
 *
 * @example
 * ```ts
 * import { initGpu, tidy } from "@ovsw/gpu";
 * import { trainingStepBench } from "./bench_step.ts";
 * await initGpu();
 * const b = trainingStepBench({ batch: 2 });
 * tidy(b.step);
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
  const names = Object.keys(params);
  const list = Object.values(params);
  const rng = new Prng(options.dataSeed ?? 3);
  const x = Tensor.from(rng.normalArray(batch * input.reduce((a, b) => a * b)), [batch, ...input]);
  const y = Tensor.from(Uint32Array.from({ length: batch }, () => rng.int(10)), [batch], "u32");
  const tx = ovsw({ learningRate: options.learningRate ?? 1e-4 });
  let state = tx.init(params);
  const collector = options.collector ? new FlipCollector(params) : null;
  const step = () => {
    const loss = softmaxCrossEntropy(model.forward(x), y);
    const g = backward(loss, list);
    const record: Record<string, Tensor | null> = {};
    names.forEach((name, i) => (record[name] = g[i]));
    state = noGrad(() => optimizerStep(tx, state, params, record));
    collector?.step();
    return loss;
  };
  const dispose = () => {
    collector?.dispose();
    x.dispose();
    y.dispose();
    model.dispose();
    disposeState(state);
  };
  return { model, params, tx, step, dispose };
}
