import { Prng } from "@ovsw/init";
import { backward, batchNorm, Tensor, tidy } from "../mod.ts";
import {
  assertClose,
  assertNoGradLeavesNoStats,
  freshSeed,
  randn,
  setupGpu,
} from "../../tests/util.ts";
import { nd } from "../../tests/reference/nd.ts";
import { refBatchNorm, refBatchNormGrad } from "../../tests/reference/batchnorm.ts";

await setupGpu();

function shapes(rng: Prng): number[][] {
  return [
    [2 + rng.int(6), 1 + rng.int(9)],
    [1 + rng.int(3), 1 + rng.int(5), 1 + rng.int(5), 2 + rng.int(4)],
    [8, 3, 10 + rng.int(6), 10 + rng.int(6)],
    [2 + rng.int(3), 2 + rng.int(3), 3 + rng.int(4)],
  ];
}

for (const training of [true, false]) {
  Deno.test(`batchNorm ${training ? "training" : "eval"} forward, running stats and backward`, async () => {
    const seed = freshSeed();
    const rng = new Prng(seed);
    for (const shape of shapes(rng)) {
      const c = shape[1];
      const n = shape.reduce((a, d) => a * d, 1);
      const xs = randn(n, rng, 2).map((v) => v + 0.5);
      const gam = randn(c, rng);
      const bet = randn(c, rng);
      const rm0 = randn(c, rng);
      const rv0 = rng.uniformArray(c, 0.5, 2);
      const gs = randn(n, rng);
      const what = `batchNorm(training=${training}) seed ${seed} shape [${shape}]`;
      const rm = Tensor.from(rm0, [c]);
      const rv = Tensor.from(rv0, [c]);
      const [y, gx, gg, gb] = tidy(() => {
        const x = Tensor.from(xs, shape);
        const gamma = Tensor.from(gam, [c]);
        const beta = Tensor.from(bet, [c]);
        for (const t of [x, gamma, beta]) t.requiresGrad = true;
        const y = batchNorm(x, gamma, beta, rm, rv, { training });
        const [gx, gg, gb] = backward(y, [x, gamma, beta], Tensor.from(gs, shape));
        return [y, gx!, gg!, gb!];
      });
      const ref = refBatchNorm(nd(xs, shape), gam, bet, rm0, rv0, training);
      assertClose(await y.read(), ref.y.data, 1e-4, `${what} y`);
      assertClose(await rm.read(), ref.runningMean, 1e-4, `${what} running mean`);
      assertClose(await rv.read(), ref.runningVar, 1e-4, `${what} running var`);
      const gref = refBatchNormGrad(
        nd(xs, shape),
        gam,
        nd(gs, shape),
        ref.mean,
        ref.invstd,
        training,
      );
      // gx is a difference of terms of size |γ·g|/σ that cancel exactly when a channel has
      // two values; judge its error against that scale.
      let scale = 0;
      gs.forEach((v, i) => {
        const ch = Math.floor(i / (n / shape[0] / c)) % c;
        scale = Math.max(scale, Math.abs(v * gam[ch] * ref.invstd[ch]));
      });
      assertClose(await gx.read(), gref.gx.data, 1e-4, `${what} grad x`, scale);
      assertClose(await gg.read(), gref.gGamma, 1e-4, `${what} grad gamma`);
      assertClose(await gb.read(), gref.gBeta, 1e-4, `${what} grad beta`);
      for (const t of [y, gx, gg, gb, rm, rv]) t.dispose();
    }
  });
}

Deno.test("batchNorm under noGrad records nothing and leaves no statistics behind", () => {
  assertNoGradLeavesNoStats(batchNorm);
});

Deno.test("batchNorm errors name the offending tensor and shape", () => {
  const x = Tensor.zeros([1, 3]);
  const v = Tensor.zeros([3]);
  let msg = "";
  try {
    batchNorm(x, v, v, v, v, { training: true });
  } catch (e) {
    msg = (e as Error).message;
  }
  if (!msg.includes("more than 1 value") || !msg.includes("[1, 3]")) throw new Error(msg);
  msg = "";
  try {
    batchNorm(Tensor.zeros([2, 3]), v, v, Tensor.zeros([4]), v, { training: false });
  } catch (e) {
    msg = (e as Error).message;
  }
  if (!msg.includes("runningMean") || !msg.includes("[4]")) throw new Error(msg);
});
