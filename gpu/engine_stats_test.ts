import assert from "node:assert/strict";
import {
  add,
  backward,
  engineStats,
  kernelTimes,
  mul,
  profileKernels,
  resetStats,
  sum,
  sync,
  Tensor,
  tidy,
} from "./mod.ts";
import { device } from "./device.ts";
import { setupGpu } from "../tests/util.ts";

await setupGpu();

/** A small forward + backward that allocates, dispatches and frees the same way every time. */
function step(w: Tensor, x: Tensor): void {
  tidy(() => {
    const [g] = backward(sum(mul(add(w, x), w)), [w]);
    mul(g!, x);
  });
}

Deno.test("engineStats counts dispatches per kernel, pool hits and misses, uniform blocks", async () => {
  const x = Tensor.from([1, 2, 3, 4], [4]);
  const w = Tensor.from([0.5, -1, 2, 0], [4]);
  w.requiresGrad = true;
  await sync();
  resetStats();
  step(w, x);
  const s = engineStats();
  assert.ok(s.dispatches > 0);
  const byKernel = Object.values(s.dispatchesByKernel).reduce((a, b) => a + b, 0);
  assert.equal(byKernel, s.dispatches, "every dispatch is counted under its kernel's name");
  assert.ok((s.dispatchesByKernel["mul"] ?? 0) >= 2, JSON.stringify(s.dispatchesByKernel));
  assert.ok(s.buffersAcquired >= s.buffersCreated);
  assert.ok(s.buffersAcquired > 0);
  assert.equal(s.uniformBlocks, s.dispatches, "every kernel here has a uniform block");
  assert.equal(s.bindGroupsCreated + s.bindGroupsReused, s.dispatches);
  resetStats();
  assert.equal(engineStats().dispatches, 0);
  assert.deepEqual(engineStats().dispatchesByKernel, {});
  x.dispose();
  w.dispose();
});

Deno.test("a repeated step creates no buffer, bind group or pipeline and writes no uniforms", async () => {
  const x = Tensor.from([1, 2, 3, 4, 5, 6], [6]);
  const w = Tensor.from([0.5, -1, 2, 0, 1, 3], [6]);
  w.requiresGrad = true;
  for (let i = 0; i < 3; i++) step(w, x); // warm-up: pipelines, pool, bind groups, uniform slots
  await sync();
  resetStats();
  for (let i = 0; i < 3; i++) step(w, x);
  await sync();
  const s = engineStats();
  assert.ok(s.dispatches > 0);
  assert.equal(s.buffersCreated, 0, "pool misses");
  assert.equal(s.pipelinesCompiled, 0, "pipelines");
  assert.equal(s.bindGroupsCreated, 0, "bind groups");
  assert.equal(s.bindGroupsReused, s.dispatches);
  assert.equal(s.uniformBytesWritten, 0, "uniform bytes");
  x.dispose();
  w.dispose();
});

Deno.test("reused uniform slots and bind groups keep results right when values change", async () => {
  const x = Tensor.from([1, 2, 3], [3]);
  const outs: number[][] = [];
  for (const s of [2, 3, 2, 5]) {
    const y = tidy(() => mul(x, Tensor.full([3], s)));
    outs.push(Array.from(await y.read()));
    y.dispose();
  }
  assert.deepEqual(outs, [[2, 4, 6], [3, 6, 9], [2, 4, 6], [5, 10, 15]]);
  x.dispose();
});

Deno.test("kernelTimes reports GPU time per kernel where timestamp-query is offered", async () => {
  const has = device().features.has("timestamp-query");
  const on = profileKernels(true);
  assert.equal(on, has);
  if (!on) return; // the adapter cannot time kernels; profileKernels says so and does nothing
  const x = Tensor.from([1, 2, 3, 4], [4]);
  const w = Tensor.from([0.5, -1, 2, 0], [4]);
  w.requiresGrad = true;
  resetStats();
  step(w, x);
  const times = await kernelTimes();
  profileKernels(false);
  const s = engineStats();
  assert.deepEqual(
    Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.dispatches])),
    s.dispatchesByKernel,
  );
  for (const v of Object.values(times)) assert.ok(v.ms >= 0 && Number.isFinite(v.ms));
  assert.deepEqual(await kernelTimes(), {}, "collected once");
  x.dispose();
  w.dispose();
});
