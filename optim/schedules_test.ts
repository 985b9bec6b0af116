import assert from "node:assert/strict";
import {
  constantSchedule,
  constantWithWarmup,
  cosineSchedule,
  cosineWithWarmup,
  hyperAt,
  linearSchedule,
  multistepSchedule,
  stepDecaySchedule,
} from "./mod.ts";

function close(a: number, b: number, what: string): void {
  assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} != ${b}`);
}

Deno.test("cosineWithWarmup: docs/method.md §9.1, per epoch", () => {
  const lr = cosineWithWarmup({ value: 0.1, epochs: 600, warmupEpochs: 5, stepsPerEpoch: 196 });
  close(lr(0), 0.02, "epoch 0");
  close(lr(195), 0.02, "last step of epoch 0");
  close(lr(196), 0.04, "epoch 1");
  close(lr(4 * 196), 0.1, "epoch 4");
  close(lr(5 * 196), 0.1 + 1e-5, "lr(w) = η₀ + 1e-5");
  close(lr(300 * 196 + 3), 0.5 * (1 + Math.cos(Math.PI * 295 / 595)) * 0.1 + 1e-5, "epoch 300");
  close(lr(599 * 196), 0.5 * (1 + Math.cos(Math.PI * 594 / 595)) * 0.1 + 1e-5, "last epoch");
  assert.ok(lr(600 * 196) >= 1e-5, "never reaches 0");
  // A warm-up of 1 epoch is no warm-up: epoch 0 already has the base rate.
  const one = cosineWithWarmup({ value: 0.1, epochs: 10, warmupEpochs: 1 });
  close(one(0), 0.1, "w=1 epoch 0");
  close(one(1), 0.1 + 1e-5, "w=1 epoch 1");
  const none = cosineWithWarmup({ value: 0.1, epochs: 10 });
  close(none(0), 0.1 + 1e-5, "w=0");
  close(none(5), 0.05 + 1e-5, "w=0 half way");
  assert.throws(
    () => cosineWithWarmup({ value: 0.1, epochs: 5, warmupEpochs: 5 }),
    /must be < epochs/,
  );
  assert.throws(
    () => cosineWithWarmup({ value: 0.1, epochs: 5, stepsPerEpoch: 0 }),
    /stepsPerEpoch/,
  );
});

Deno.test("per-step cosine, multistep, step decay, constant, linear", () => {
  const c = cosineSchedule({ value: 1, steps: 100, warmupSteps: 10, final: 0.1 });
  close(c(0), 0.1, "warm-up start");
  close(c(9), 1, "warm-up end");
  close(c(10), 1, "peak");
  close(c(55), 0.1 + 0.45 * (1 + Math.cos(Math.PI * 0.5)), "middle");
  close(c(100), 0.1, "end");
  close(c(1000), 0.1, "after the end");
  const m = multistepSchedule({ value: 0.1, milestones: [2, 4], gamma: 0.5, stepsPerEpoch: 10 });
  close(m(19), 0.1, "before milestone");
  close(m(20), 0.05, "first milestone");
  close(m(45), 0.025, "second milestone");
  close(stepDecaySchedule({ value: 1, every: 30, gamma: 0.1 })(59), 0.1, "authors' multistep");
  close(constantSchedule(0.3)(12345), 0.3, "constant");
  const cw = constantWithWarmup({ value: 0.1, warmupEpochs: 4 });
  close(cw(1), 0.05, "constant warm-up");
  close(cw(4), 0.1, "constant after warm-up");
  close(linearSchedule({ value: 1, steps: 4 })(1), 0.75, "linear");
  close(linearSchedule({ value: 1, steps: 4 })(9), 0, "linear end");
  close(hyperAt(c, 10, "lr"), 1, "hyperAt schedule");
  assert.throws(() => hyperAt(() => Number.NaN, 3, "lr"), /lr must be a finite number.*step 3/);
  assert.throws(() => multistepSchedule({ value: 1, milestones: [-1] }), /milestones\[0\]/);
});
