import assert from "node:assert/strict";
import { Tensor } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { freshSeed, setupGpu } from "../tests/util.ts";
import { initKernel, multiStepKernel, stepKernel } from "./_flip_kernels.ts";

await setupGpu();

Deno.test("multiStepKernel updates state and counters exactly as one stepKernel per layer", async () => {
  const rng = new Prng(freshSeed());
  // Sizes that are and are not multiples of 256, more layers than one dispatch binds.
  const sizes = [7, 256, 300, 1000, 33, 512, 9, 700];
  const make = () =>
    sizes.map((n) => ({
      w: Tensor.zeros([n]),
      init: Tensor.zeros([n]),
      state: Tensor.zeros([n], "u32"),
      counters: Tensor.from(new Uint32Array([0xfffffff0, 0, 5, 7]), [4]),
    }));
  const [a, b] = [make(), make()];
  const start = sizes.map((n) => rng.normalArray(n));
  for (const set of [a, b]) {
    set.forEach((l, i) => {
      l.w.dispose();
      l.w = Tensor.from(start[i], [sizes[i]]);
      initKernel(l.w, l.init, l.state);
    });
  }
  for (let step = 0; step < 3; step++) {
    const next = sizes.map((_, i) => start[i].map((v, j) => (j % (step + 2) === 0 ? -v : v)));
    for (const set of [a, b]) {
      set.forEach((l, i) => {
        l.w.dispose();
        l.w = Tensor.from(next[i], [sizes[i]]);
      });
    }
    a.forEach((l) => stepKernel(l.w, l.state, l.counters, step & 1));
    multiStepKernel(b, step & 1);
  }
  for (let i = 0; i < sizes.length; i++) {
    assert.deepEqual(await b[i].state.readU32(), await a[i].state.readU32(), `state of layer ${i}`);
    assert.deepEqual(
      await b[i].counters.readU32(),
      await a[i].counters.readU32(),
      `counters of layer ${i}`,
    );
  }
  for (const l of [...a, ...b]) [l.w, l.init, l.state, l.counters].forEach((t) => t.dispose());
});
