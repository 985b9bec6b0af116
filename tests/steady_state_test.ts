/**
 * Counted, not timed: after warm-up, a training step of a small model (cResNet20 at batch 2:
 * forward, backward, the fused ovsw() update and the flip collector) creates no GPU buffer,
 * pipeline or bind group and writes no uniform bytes, and, with the software adapters' kernel
 * table (fixed here, so that the count does not depend on the adapter), records at most 250
 * dispatches (534 before the fusions of issue 14).
 */
import assert from "node:assert/strict";
import {
  engineStats,
  memory,
  resetStats,
  setBinaryConvKernels,
  SOFTWARE_BINARY_CONV_KERNELS,
  sync,
  Tensor,
} from "@ovsw/gpu";
import { setBinaryTiling, SOFTWARE_BINARY_TILING } from "@ovsw/gpu/internal";
import { Prng } from "@ovsw/init";
import { FlipCollector } from "@ovsw/metrics";
import { createModel } from "@ovsw/models";
import { disposeState, ovsw } from "@ovsw/optim";
import { trainStep } from "@ovsw/train";
import { freshSeed, setupGpu } from "./util.ts";

await setupGpu();

Deno.test("cResNet20 steady state: no creation, no uniform upload, fewer dispatches", async () => {
  setBinaryConvKernels(SOFTWARE_BINARY_CONV_KERNELS);
  setBinaryTiling(SOFTWARE_BINARY_TILING);
  const rng = new Prng(freshSeed());
  const model = createModel("cresnet20", { classes: 10, seed: 1 });
  model.train();
  const params = model.paramRecord();
  const x = Tensor.from(rng.normalArray(2 * 3 * 32 * 32), [2, 3, 32, 32]);
  const y = Tensor.from(new Uint32Array([3, 7]), [2], "u32");
  const tx = ovsw({ learningRate: 0.01 });
  let state = tx.init(params);
  const collector = new FlipCollector(params);
  const step = () => {
    state = trainStep(model, tx, state, { x, y }, { params, collector });
  };
  for (let i = 0; i < 3; i++) step(); // compiles, fills the pool and the momentum buffers
  await sync();
  const before = memory();
  resetStats();
  for (let i = 0; i < 2; i++) step();
  await sync();
  const s = engineStats();
  assert.equal(s.pipelinesCompiled, 0, "pipelines created in the steady state");
  assert.equal(s.buffersCreated, 0, "buffers created in the steady state");
  assert.equal(s.bindGroupsCreated, 0, "bind groups created in the steady state");
  assert.equal(s.uniformBytesWritten, 0, "uniform bytes written in the steady state");
  // Tests poison every new tensor with a "fill" dispatch; a real step has none of those.
  const perStep = (s.dispatches - (s.dispatchesByKernel["fill"] ?? 0)) / 2;
  assert.ok(perStep <= 250, `${perStep} dispatches per step`);
  assert.equal(s.dispatchesByKernel["optim_apply"], undefined, "the optimizer step is fused");
  assert.equal(memory().tensors, before.tensors);
  assert.equal(memory().allocatedBytes, before.allocatedBytes);
  collector.dispose();
  disposeState(state);
  model.dispose();
  x.dispose();
  y.dispose();
  setBinaryConvKernels(null);
  setBinaryTiling(null);
});
