/**
 * The baseline that the optimizer and metrics suites compare against: one cResNet20 training
 * step (forward, cross-entropy, backward, `ovsw()` update) on a fixed random batch.
 *
 * @module
 */
import { backward, noGrad, softmaxCrossEntropy, Tensor } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import type { Module } from "@ovsw/layers";
import { createModel } from "@ovsw/models";
import {
  disposeState,
  type GradientTransformation,
  optimizerStep,
  ovsw,
  type Params,
} from "@ovsw/optim";

/** A cResNet20 with its parameters, a fixed batch and a step closure to time. */
export interface TrainingStepBench {
  /** The model (train mode). */
  model: Module;
  /** Its named parameters. */
  params: Params;
  /** The `ovsw()` transformation the step uses. */
  tx: GradientTransformation;
  /** One training step; run it inside `tidy` (as `timeIt` does). */
  step: () => void;
  /** Frees the model, the batch and the optimizer state. */
  dispose: () => void;
}

/**
 * Builds the cResNet20 training-step baseline at the given batch size (seeded).
 *
 * @example
 * ```ts
 * import { initGpu, tidy } from "@ovsw/gpu";
 * import { cresnet20TrainingStep } from "./bench_step.ts";
 * await initGpu();
 * const b = cresnet20TrainingStep(2);
 * tidy(b.step);
 * b.dispose();
 * ```
 */
export function cresnet20TrainingStep(batch: number, seed = 3): TrainingStepBench {
  const model = createModel("cresnet20", { classes: 10, seed: 1 });
  model.train();
  const params = model.paramRecord();
  const names = Object.keys(params);
  const list = Object.values(params);
  const rng = new Prng(seed);
  const x = Tensor.from(rng.normalArray(batch * 3 * 32 * 32), [batch, 3, 32, 32]);
  const y = Tensor.from(Uint32Array.from({ length: batch }, () => rng.int(10)), [batch], "u32");
  const tx = ovsw({ learningRate: 1e-4 });
  let state = tx.init(params);
  const step = () => {
    const loss = softmaxCrossEntropy(model.forward(x), y);
    const g = backward(loss, list);
    const record: Record<string, Tensor | null> = {};
    names.forEach((name, i) => (record[name] = g[i]));
    state = noGrad(() => optimizerStep(tx, state, params, record));
  };
  const dispose = () => {
    x.dispose();
    y.dispose();
    model.dispose();
    disposeState(state);
  };
  return { model, params, tx, step, dispose };
}
