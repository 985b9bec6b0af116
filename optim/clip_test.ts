import assert from "node:assert/strict";
import { Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../tests/util.ts";
import { clipByGlobalNorm, globalNorm } from "./mod.ts";

await setupGpu();

Deno.test("clipByGlobalNorm: global norm over many tensors, clips only above maxNorm", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const sizes = [3, 300, 70000, 1];
  const data = sizes.map((n) => rng.normalArray(n));
  let sq = 0;
  for (const d of data) for (const x of d) sq += x * x;
  const norm = Math.sqrt(sq);
  const params: Record<string, Tensor> = {};
  const grads: Record<string, Tensor> = {};
  data.forEach((d, i) => {
    params[`p${i}`] = Tensor.zeros([d.length]);
    grads[`p${i}`] = Tensor.from(d, [d.length]);
  });
  const n = tidy(() => globalNorm(Object.values(grads)));
  assertClose(await n.read(), [norm], 1e-5, `seed ${seed} global norm`);
  for (const max of [norm / 3, norm * 2]) {
    const tx = clipByGlobalNorm(max);
    const out = tidy(() => tx.update(grads, tx.init(params), params).updates);
    const f = norm >= max ? max / norm : 1;
    for (let i = 0; i < sizes.length; i++) {
      assertClose(await out[`p${i}`].read(), data[i].map((x) => x * f), 1e-5, `seed ${seed} p${i}`);
    }
  }
  assert.throws(() => clipByGlobalNorm(0), /maxNorm must be > 0/);
});
