import { Tensor } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../tests/util.ts";
import { adamRef, type AdamRefState } from "../tests/reference/optim.ts";
import {
  adam,
  adamw,
  chain,
  type GradientTransformation,
  optimizerStep,
  scaleByAdam,
  scaleByLearningRate,
} from "./mod.ts";

await setupGpu();

async function run(tx: GradientTransformation, seed: number, steps: number) {
  const rng = new Prng(seed);
  const params = { w: Tensor.from(rng.normalArray(40, 0, 0.3), [4, 10]) };
  const state = tx.init(params);
  for (let s = 0; s < steps; s++) {
    optimizerStep(tx, state, params, { w: Tensor.from(rng.normalArray(40), [4, 10]) });
  }
  return await params.w.read();
}

function ref(seed: number, steps: number, o: { lr: number; wd: number; decoupled: boolean }) {
  const rng = new Prng(seed);
  const w = Float64Array.from(rng.normalArray(40, 0, 0.3));
  const s: AdamRefState = { m: new Float64Array(40), v: new Float64Array(40), t: 0 };
  for (let k = 0; k < steps; k++) {
    adamRef(w, rng.normalArray(40), s, { ...o, b1: 0.9, b2: 0.999, eps: 1e-8 });
  }
  return w;
}

Deno.test("adam, adamw and scaleByAdam vs float64 torch.optim formulas", async () => {
  const seed = freshSeed();
  const a = await run(adam({ learningRate: 0.01, weightDecay: 0.1 }), seed, 6);
  assertClose(a, ref(seed, 6, { lr: 0.01, wd: 0.1, decoupled: false }), 1e-5, `seed ${seed} adam`);
  const aw = await run(adamw({ learningRate: 0.01, weightDecay: 0.1 }), seed, 6);
  assertClose(aw, ref(seed, 6, { lr: 0.01, wd: 0.1, decoupled: true }), 1e-5, `seed ${seed} adamw`);
  const parts = await run(chain(scaleByAdam(), scaleByLearningRate(0.01)), seed, 6);
  assertClose(
    parts,
    ref(seed, 6, { lr: 0.01, wd: 0, decoupled: false }),
    1e-5,
    `seed ${seed} parts`,
  );
});
