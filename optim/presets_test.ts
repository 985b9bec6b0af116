import assert from "node:assert/strict";
import { memory, Tensor } from "@ovsw/gpu";
import type { ParamTag } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../tests/util.ts";
import {
  agsRef,
  sadRef,
  type SadRefState,
  sgdRef,
  type SgdRefState,
} from "../tests/reference/optim.ts";
import { agsOnly, optimizerStep, ovsw, type Params, vanilla } from "./mod.ts";

await setupGpu();

const LAYOUT: [string, number[], ParamTag][] = [
  ["stem.weight", [4, 3, 3, 3], "float"],
  ["layer1.0.conv1.weight", [8, 4, 3, 3], "binary"],
  ["layer1.0.conv2.weight", [8, 8, 3, 3], "binary"],
  ["layer1.0.bn1.weight", [8], "vector"],
  ["layer1.0.bn1.bias", [8], "vector"],
  ["fc.weight", [5, 8], "float"],
  ["fc.bias", [5], "vector"],
];

/** Runs a preset and the float64 re-implementation of the authors' step side by side. */
async function compare(
  kind: "ovsw" | "agsOnly" | "vanilla",
  o: { delta: number; lambda: number; m: number; tau: number; wd: number; mu: number },
  noBnDecay: boolean,
  steps: number,
) {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const lrs = Array.from({ length: steps }, (_, s) => 0.2 * (1 - s / steps) + 0.01);
  const ref: Record<string, Float64Array> = {};
  const params: Params = {};
  for (const [k, shape, tag] of LAYOUT) {
    const n = shape.reduce((a, d) => a * d, 1);
    const data = rng.normalArray(n, 0, tag === "vector" ? 0.5 : 0.1);
    ref[k] = Float64Array.from(data);
    params[k] = Tensor.from(data, shape);
    params[k].tag = tag;
  }
  const common = {
    learningRate: (s: number) => lrs[s],
    momentum: o.mu,
    weightDecay: o.wd,
    noBnDecay,
  };
  const tx = kind === "ovsw"
    ? ovsw({
      ...common,
      delta: o.delta,
      dampenWeight: o.lambda,
      trackMomentum: o.m,
      threshold: o.tau,
    })
    : kind === "agsOnly"
    ? agsOnly({ ...common, delta: o.delta })
    : vanilla(common);
  let state = tx.init(params);
  const sadState: Record<string, SadRefState> = {};
  const bufs: Record<string, SgdRefState> = {};
  for (const [k] of LAYOUT) {
    sadState[k] = { tracker: new Float64Array(ref[k].length), prev: Float64Array.from(ref[k]) };
    bufs[k] = null;
  }
  const live = memory().tensors;
  for (let s = 0; s < steps; s++) {
    const grads: Record<string, Tensor> = {};
    for (const [k, shape, tag] of LAYOUT) {
      // Binary layers get gradients of very different sizes per step so AGS both acts and not.
      const std = tag === "binary" ? 10 ** (-3 + 3 * rng.uniform()) : 0.1;
      const g64: ArrayLike<number> = rng.normalArray(ref[k].length, 0, std);
      grads[k] = Tensor.from(g64 as Float32Array, shape);
      let g: ArrayLike<number> = g64;
      if (tag === "binary" && kind !== "vanilla") {
        g = agsRef(g, ref[k], shape[0], o.delta).g;
        if (kind === "ovsw") {
          g = sadRef(g, ref[k], sadState[k], { lambda: o.lambda, m: o.m, tau: o.tau }).g;
        }
      }
      const wd = noBnDecay && tag === "vector" ? 0 : o.wd;
      bufs[k] = sgdRef(ref[k], g, bufs[k], { lr: lrs[s], momentum: o.mu, wd });
    }
    state = optimizerStep(tx, state, params, grads);
    for (const g of Object.values(grads)) g.dispose();
    for (const [k] of LAYOUT) {
      assertClose(await params[k].read(), ref[k], 1e-4, `${kind} seed ${seed} step ${s} ${k}`);
    }
    assert.equal(memory().tensors, live, "optimizer step leaves no tensors behind");
  }
}

Deno.test("ovsw(): several steps vs float64 AGS → SAD → PyTorch SGD", async () => {
  await compare(
    "ovsw",
    { delta: 0.5, lambda: 0.05, m: 0.9, tau: 0.05, wd: 5e-4, mu: 0.9 },
    false,
    6,
  );
});

Deno.test("ovsw(): noBnDecay leaves 1-D parameters undecayed", async () => {
  await compare(
    "ovsw",
    { delta: 0.04, lambda: 9e-4, m: 0.999, tau: 1e-4, wd: 0.05, mu: 0.9 },
    true,
    4,
  );
});

Deno.test("agsOnly() and vanilla() vs float64", async () => {
  const o = { delta: 0.3, lambda: 0, m: 0.9, tau: 0.05, wd: 1e-3, mu: 0.8 };
  await compare("agsOnly", o, false, 4);
  await compare("vanilla", o, true, 4);
});

Deno.test("presets: defaults and names", () => {
  assert.equal(ovsw({ learningRate: 0.1 }).name, "chain(masked(chain(ags, sad)), sgd)");
  assert.equal(agsOnly({ learningRate: 0.1 }).name, "chain(masked(ags), sgd)");
  assert.equal(vanilla({ learningRate: 0.1 }).name, "sgd");
  assert.throws(() => ovsw({ learningRate: Number.NaN }), /learningRate/);
});
