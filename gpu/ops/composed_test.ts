/**
 * A small composed graph (BN → hardtanh → max-pool → channel scale → PReLU → global pool →
 * bias → channel pad → cross-entropy): GPU gradients against central finite differences of
 * the float64 reference, and a 1,000-step training loop that must not leak.
 */
import { Prng } from "@ovsw/init";
import {
  addChannel,
  backward,
  batchNorm,
  globalAvgPool,
  hardtanh,
  keep,
  mapElements,
  maxPool2d,
  memory,
  mulChannel,
  noGrad,
  padChannels,
  prelu,
  softmaxCrossEntropy,
  Tensor,
  tidy,
} from "../mod.ts";
import { assertClose, freshSeed, randn, setupGpu } from "../../tests/util.ts";
import { type Nd, nd } from "../../tests/reference/nd.ts";
import { refBatchNorm } from "../../tests/reference/batchnorm.ts";
import {
  refAddChannel,
  refMulChannel,
  refPadChannels,
  refPrelu,
} from "../../tests/reference/channel.ts";
import { refMaxPool2d } from "../../tests/reference/pool.ts";
import { refMeanAxes } from "../../tests/reference/reduce.ts";
import { refCrossEntropy } from "../../tests/reference/classify.ts";

await setupGpu();

const N = 4, C = 3, H = 4, W = 4, PAD = 1, EPS = 0.1;

interface Params {
  x: Float64Array;
  gamma: Float64Array;
  beta: Float64Array;
  scale: Float64Array;
  slope: Float64Array;
  bias: Float64Array;
}

/** The shape of each parameter. */
const SHAPES: Record<keyof Params, number[]> = {
  x: [N, C, H, W],
  gamma: [C],
  beta: [C],
  scale: [C],
  slope: [C],
  bias: [C],
};

function refLoss(p: Params, labels: number[]): number {
  const ones = new Float64Array(C).fill(1);
  let h: Nd = refBatchNorm(nd(p.x, [N, C, H, W]), p.gamma, p.beta, new Float64Array(C), ones, true)
    .y;
  h = { data: h.data.map((v) => Math.min(1, Math.max(-1, v))), shape: h.shape };
  h = refMaxPool2d(h, { kernel: [2, 2], stride: [2, 2], padding: [0, 0] }).y;
  h = refMulChannel(h, p.scale);
  h = refPrelu(h, p.slope);
  h = refMeanAxes(h, [2, 3]);
  h = refAddChannel(h, p.bias);
  h = refPadChannels(h, PAD, PAD);
  return refCrossEntropy(h, labels, EPS);
}

function gpuLoss(t: Record<keyof Params, Tensor>, labels: Tensor, rm: Tensor, rv: Tensor) {
  let h = batchNorm(t.x, t.gamma, t.beta, rm, rv, { training: true });
  h = hardtanh(h);
  h = maxPool2d(h, { kernel: 2 });
  h = mulChannel(h, t.scale);
  h = prelu(h, t.slope);
  h = globalAvgPool(h);
  h = addChannel(h, t.bias);
  h = padChannels(h, PAD, PAD);
  return softmaxCrossEntropy(h, labels, { labelSmoothing: EPS });
}

function randomParams(rng: Prng): Params {
  const f = (n: number, std: number, mean = 0) =>
    Float64Array.from(randn(n, rng, std), (v) => v + mean);
  return {
    x: f(N * C * H * W, 1),
    gamma: f(C, 0.5, 1.5),
    beta: f(C, 0.3),
    scale: f(C, 0.5, 1),
    slope: f(C, 0.2, 0.25),
    bias: f(C, 0.5),
  };
}

Deno.test("composed graph: GPU gradients match finite differences of the float64 reference", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const p = randomParams(rng);
  const labels = Array.from({ length: N }, () => rng.int(C + 2 * PAD));
  const names = Object.keys(p) as (keyof Params)[];
  const { loss, grads } = tidy(() => {
    const t = Object.fromEntries(
      names.map((k) => {
        const v = Tensor.from(Float32Array.from(p[k]), SHAPES[k]);
        v.requiresGrad = true;
        return [k, v];
      }),
    ) as Record<keyof Params, Tensor>;
    const loss = gpuLoss(
      t,
      Tensor.from(new Uint32Array(labels), [N]),
      Tensor.zeros([C]),
      Tensor.full([C], 1),
    );
    const g = backward(loss, names.map((k) => t[k]));
    return { loss, grads: g };
  });
  assertClose(await loss.read(), [refLoss(p, labels)], 1e-4, `seed ${seed} loss`);
  const h = 1e-6;
  for (const [gi, k] of names.entries()) {
    const numeric = new Float64Array(p[k].length);
    for (let i = 0; i < numeric.length; i++) {
      const old = p[k][i];
      p[k][i] = old + h;
      const up = refLoss(p, labels);
      p[k][i] = old - h;
      const down = refLoss(p, labels);
      p[k][i] = old;
      numeric[i] = (up - down) / (2 * h);
    }
    assertClose(await grads[gi]!.read(), numeric, 1e-3, `seed ${seed} d loss / d ${k}`);
  }
});

Deno.test("1,000 training steps inside tidy() leave live tensors and bytes at baseline", async () => {
  const rng = new Prng(freshSeed());
  const p = randomParams(rng);
  const names = Object.keys(p) as (keyof Params)[];
  const params = Object.fromEntries(
    names.map((k) => {
      const v = keep(Tensor.from(Float32Array.from(p[k]), SHAPES[k]));
      v.requiresGrad = k !== "x";
      return [k, v];
    }),
  ) as Record<keyof Params, Tensor>;
  const labels = keep(Tensor.from(new Uint32Array([0, 1, 2, 3]), [N]));
  const rm = keep(Tensor.zeros([C]));
  const rv = keep(Tensor.full([C], 1));
  const base = memory();
  let lastLoss: Tensor | null = null;
  for (let step = 0; step < 1000; step++) {
    tidy(() => {
      const loss = gpuLoss(params, labels, rm, rv);
      const trainable = names.filter((k) => k !== "x");
      const grads = backward(loss, trainable.map((k) => params[k]));
      noGrad(() => {
        trainable.forEach((k, i) => {
          const next = mapElements("sgd", "a - p.s0 * b", [params[k], grads[i]!], [0.01]);
          next.requiresGrad = true;
          params[k].dispose();
          params[k] = keep(next);
        });
      });
      if (step === 999) lastLoss = keep(loss);
    });
    const m = memory();
    const extra = step === 999 ? 1 : 0;
    if (m.tensors !== base.tensors + extra || m.bytes !== base.bytes + extra * 4) {
      throw new Error(
        `step ${step}: ${m.tensors} tensors / ${m.bytes} bytes, baseline ${base.tensors} / ${base.bytes}`,
      );
    }
  }
  const final = (await lastLoss!.read())[0];
  if (!Number.isFinite(final)) throw new Error(`loss after training is ${final}`);
  lastLoss!.dispose();
  const m = memory();
  if (m.tensors !== base.tensors || m.bytes !== base.bytes) {
    throw new Error(`after: ${m.tensors} / ${m.bytes} vs ${base.tensors} / ${base.bytes}`);
  }
  for (const t of [...Object.values(params), labels, rm, rv]) t.dispose();
});
