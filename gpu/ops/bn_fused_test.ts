import assert from "node:assert/strict";
import { Prng } from "@ovsw/init";
import {
  backward,
  batchNorm,
  batchNormHardtanh,
  engineStats,
  resetStats,
  Tensor,
  tidy,
} from "@ovsw/gpu";
import { setFusedBatchNorm } from "@ovsw/gpu/internal";
import { freshSeed, setupGpu } from "../../tests/util.ts";

await setupGpu();

const SHAPES = [
  [6, 3], // [N, C]
  [2, 3, 4, 6], // planes of 4k values: vec4
  [3, 2, 3, 5], // planes of 15 values: scalar
  [4, 2, 40, 32], // > 4096 values per channel: several chunks
  [5, 2, 33, 31],
  [3, 2, 32, 32], // planes of 256 vec4 loads: the aligned runs
  [2, 3, 64, 64], // several runs per plane, several chunks
];

/** Forward + backward of one op, fused or with the separate merge kernels. */
async function run(
  fused: boolean,
  hardtanh: boolean,
  training: boolean,
  shape: number[],
  seed: number,
): Promise<{ values: number[][]; dispatches: number }> {
  setFusedBatchNorm(fused);
  try {
    const rng = new Prng(seed);
    const n = shape.reduce((a, b) => a * b, 1);
    const c = shape[1];
    const rm = Tensor.from(rng.normalArray(c, 0, 0.1), [c]);
    const rv = Tensor.from(rng.normalArray(c).map((v) => 1 + Math.abs(v)), [c]);
    const count = Tensor.zeros([1]);
    resetStats();
    const outs = tidy(() => {
      const x = Tensor.from(rng.normalArray(n, 0.3, 1.5), shape);
      const gamma = Tensor.from(rng.normalArray(c, 1, 0.2), [c]);
      const beta = Tensor.from(rng.normalArray(c, 0, 0.2), [c]);
      const r = hardtanh ? Tensor.from(rng.normalArray(n, 0, 0.5), shape) : null;
      const wrt = r ? [x, gamma, beta, r] : [x, gamma, beta];
      for (const t of wrt) t.requiresGrad = true;
      const opts = { training, numBatchesTracked: count };
      const y = hardtanh
        ? batchNormHardtanh(x, gamma, beta, rm, rv, opts, r)
        : batchNorm(x, gamma, beta, rm, rv, opts);
      const grads = backward(y, wrt, Tensor.from(rng.normalArray(n), shape));
      return [y, ...grads.map((g) => g!)];
    });
    const fills = engineStats().dispatchesByKernel["fill"] ?? 0;
    const dispatches = engineStats().dispatches - fills;
    const values = [];
    for (const t of [...outs, rm, rv, count]) values.push(Array.from(await t.read()));
    for (const t of [...outs, rm, rv, count]) t.dispose();
    return { values, dispatches };
  } finally {
    setFusedBatchNorm(true);
  }
}

for (const hardtanh of [false, true]) {
  for (const training of [true, false]) {
    const op = hardtanh ? "batchNormHardtanh" : "batchNorm";
    Deno.test(`${op} (${training ? "training" : "eval"}): fused merge is bit-identical, fewer dispatches`, async () => {
      const seed = freshSeed();
      for (const shape of SHAPES) {
        const a = await run(true, hardtanh, training, shape, seed);
        const b = await run(false, hardtanh, training, shape, seed);
        const what = `seed ${seed}, shape [${shape}]`;
        a.values.forEach((v, i) => assert.deepEqual(v, b.values[i], `${what}: output ${i}`));
        // Training: one merge dispatch fewer forward and backward; eval: one fewer backward.
        assert.equal(a.dispatches, b.dispatches - (training ? 2 : 1), what);
      }
    });
  }
}
