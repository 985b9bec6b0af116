import assert from "node:assert/strict";
import { backward, mul, noGrad, sum, Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, assertThrowsAll, freshSeed, setupGpu } from "../../tests/util.ts";
import { assertExact, withZeros } from "../../tests/reference/binary_conv.ts";
import {
  approxSignSlope,
  distributionLossRef,
  rpreluRef,
  rsignRef,
  signOf,
} from "../../tests/reference/methods/react.ts";
import {
  checkFixtureCase,
  type FixtureCase,
  readFixture,
} from "../../tests/reference/methods/harness.ts";
import { createBuilder } from "../builder.ts";
import { HardBinaryConv2d } from "./hard_binary.ts";
import { approxSign } from "./approx_sign.ts";
import { LearnableBias, RSign, rsign } from "./rsign.ts";
import { RPReLU, rprelu } from "./rprelu.ts";
import { ReActBlock } from "./react_block.ts";
import { distributionLoss } from "../losses/distribution_loss.ts";

await setupGpu();

function param(data: ArrayLike<number>, shape: number[]): Tensor {
  const t = Tensor.from(Float32Array.from(data), shape);
  t.requiresGrad = true;
  return t;
}

/** `[value, ...grads]` of `sum(f(inputs) · g)` read back. */
async function valueAndGrads(
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  g: Float32Array,
): Promise<Float32Array[]> {
  const out = tidy(() => {
    const y = f(...inputs);
    const gs = backward(sum(mul(y, Tensor.from(g, y.shape))), inputs);
    return [noGrad(() => y.view(y.shape)), ...gs.map((t) => t!)];
  });
  return await Promise.all(out.map((t) => t.read()));
}

Deno.test("approxSign: sign(0) = 0 forward, the piecewise window backward incl. ±1 and 0", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const edges = [-2, -1, -0.5, 0, 0.5, 1, 2, -1e-3, 1e-3];
  const x = Float32Array.from([...edges, ...withZeros(40, rng)]);
  const g = rng.normalArray(x.length);
  const [y, gx] = await valueAndGrads(approxSign, [param(x, [x.length])], g);
  assertExact(y, Array.from(x, signOf), `approxSign forward (seed ${seed})`);
  assertClose(gx, Array.from(x, (v, i) => g[i] * approxSignSlope(v)), 1e-6, `grad (seed ${seed})`);
});

Deno.test("rsign and RSign: sign(x + b), ApproxSign at x + b, bias gets the channel sum", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const [n, c, inner] = [2, 3, 4];
  const b = rng.normalArray(c, 0, 0.5);
  const x = withZeros(n * c * inner, rng);
  // x + b = 0 exactly for a few entries: sign(0) = 0.
  for (let i = 0; i < x.length; i += 5) x[i] = -b[Math.floor(i / inner) % c];
  const g = rng.normalArray(x.length);
  const ref = rsignRef(x, b, g, inner);
  const [y, gx, gb] = await valueAndGrads(rsign, [param(x, [n, c, 2, 2]), param(b, [c])], g);
  assertExact(y, ref.y, `rsign forward (seed ${seed})`);
  assertClose(gx, ref.gx, 1e-5, `rsign grad x (seed ${seed})`);
  assertClose(gb, ref.gb, 1e-5, `rsign grad b (seed ${seed})`);
  const layer = new RSign(c);
  const yl = tidy(() => layer.forward(Tensor.from(x, [n, c, 2, 2])));
  assertExact(await yl.read(), Array.from(x, signOf), "RSign with bias 0");
  assert.deepEqual(layer.namedParameters().map(([k, t]) => `${k}:${t.tag}`), ["bias:vector"]);
  assertThrowsAll([[() => layer.forward(Tensor.zeros([1, 4, 2, 2])), "RSign(3)"]]);
});

Deno.test("rprelu and RPReLU: PReLU_β(x + γ) + ζ forward and all four gradients", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const [n, c, inner] = [2, 3, 4];
  const p = {
    gamma: rng.normalArray(c, 0, 0.3),
    beta: rng.uniformArray(c, -0.5, 0.5),
    zeta: rng.normalArray(c, 0, 0.3),
  };
  const x = rng.normalArray(n * c * inner);
  const g = rng.normalArray(x.length);
  const ref = rpreluRef(x, p, g, inner);
  const ins = [
    param(x, [n, c, inner]),
    param(p.gamma, [c]),
    param(p.beta, [c]),
    param(p.zeta, [c]),
  ];
  const [y, gx, gg, gbe, gz] = await valueAndGrads(rprelu, ins, g);
  assertClose(y, ref.y, 1e-5, `rprelu (seed ${seed})`);
  assertClose(gx, ref.gx, 1e-5, `grad x (seed ${seed})`);
  assertClose(gg, ref.gGamma, 1e-5, `grad γ (seed ${seed})`);
  assertClose(gbe, ref.gBeta, 1e-5, `grad β (seed ${seed})`);
  assertClose(gz, ref.gZeta, 1e-5, `grad ζ (seed ${seed})`);
  const layer = new RPReLU(c);
  assert.deepEqual(layer.namedParameters().map(([k, t]) => `${k}:${t.tag}`), [
    "gamma:vector",
    "beta:vector",
    "zeta:vector",
  ]);
  const init = { gamma: [0, 0, 0], beta: [0.25, 0.25, 0.25], zeta: [0, 0, 0] };
  const yl = tidy(() => layer.forward(Tensor.from(x, [n, c, inner])));
  assertClose(await yl.read(), rpreluRef(x, init, g, inner).y, 1e-6, "RPReLU at init");
  assert.equal(new LearnableBias(5).describe(), "LearnableBias(5)");
});

Deno.test("ReActBlock: official child names, shortcut rule, forward = its children composed", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const b = createBuilder({ rng: seed });
  const down = new ReActBlock(b, 2, 4, 2);
  assert.deepEqual(down.namedChildren().map(([k]) => k), [
    "move0",
    "binary_conv",
    "bn1",
    "move1",
    "prelu",
    "move2",
    "downsample",
  ]);
  assert.equal(down.binaryConv.namedParameters()[0][1].tag, "binary");
  assert.equal(down.downsample!.namedParameters()[0][1].tag, "float");
  assert.deepEqual(down.outputShape([2, 2, 4, 4]), [2, 4, 2, 2]);
  assert.equal(new ReActBlock(b, 4, 4, 1).downsample, null);
  assertThrowsAll([[() => new ReActBlock(b, 2, 4, 1), "ReActBlock(2→4, s1)"]]);
  const xs = rng.normalArray(2 * 2 * 4 * 4);
  const init = { gamma: [0, 0, 0, 0], beta: [0.25, 0.25, 0.25, 0.25], zeta: [0, 0, 0, 0] };
  for (const mode of ["train", "eval"] as const) {
    down.train(mode === "train");
    const [y, h, r] = await Promise.all(
      tidy(() =>
        noGrad(() => {
          const x = Tensor.from(xs, [2, 2, 4, 4]);
          const branch = down.bn1.forward(down.binaryConv.forward(down.move0.forward(x)));
          return [down.forward(x), branch, down.downsample!.forward(x)];
        })
      ).map((t) => t.read()),
    );
    const sumHr = h.map((v, i) => v + r[i]);
    const expect = rpreluRef(sumHr, init, new Float32Array(h.length), 4).y;
    assertClose(y, expect, 1e-5, `ReActBlock ${mode} (seed ${seed})`);
  }
  down.train();
  const grads = tidy(() => {
    const x = param(xs, [2, 2, 4, 4]);
    return backward(sum(down.forward(x)), [x, ...down.parameters()]).map((t) => t!);
  });
  for (const gr of grads) assert.ok((await gr.read()).every(Number.isFinite));
  down.dispose();
});

Deno.test("distributionLoss: mean_n(−Σ softmax(t)·log_softmax(s)) and the student's gradient", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const [n, k] = [3, 5];
  const s = rng.normalArray(n * k, 0, 3);
  const t = rng.normalArray(n * k, 0, 3);
  const ref = distributionLossRef(s, t, n, k, 2);
  const [loss, gs] = await valueAndGrads(
    (a) => distributionLoss(a, Tensor.from(t, [n, k])),
    [param(s, [n, k])],
    new Float32Array([2]),
  );
  assertClose(loss, [ref.loss], 1e-5, `loss (seed ${seed})`);
  assertClose(gs, ref.gs, 1e-5, `grad (seed ${seed})`);
  assertThrowsAll([
    [() => distributionLoss(Tensor.zeros([2, 3]), param(new Float32Array(6), [2, 3])), "noGrad"],
    [() => distributionLoss(Tensor.zeros([2, 3]), Tensor.zeros([3, 2])), "[2, 3]"],
  ]);
});

/** A fixture case with the gradients of named parameters. */
interface NamedGradsCase extends FixtureCase {
  grads: Record<string, number[]>;
}

interface BlockFixture {
  in: number;
  out: number;
  stride: number;
  params: Record<string, number[]>;
  running: Record<string, number[]>;
  runs: (NamedGradsCase & { training: boolean })[];
}

const fixture = await readFixture<{
  rsign: NamedGradsCase & { bias: number[] };
  rprelu: NamedGradsCase & { params: Record<string, number[]> };
  blocks: BlockFixture[];
  distribution: {
    s: number[];
    t: number[];
    shape: [number, number];
    g_loss: number;
    loss: number;
    gs: number[];
  };
}>("reactnet");

function fixed(v: number[]): Tensor {
  const t = Tensor.from(Float32Array.from(v), [v.length]);
  t.requiresGrad = true;
  return t;
}

Deno.test("rsign and rprelu match the official LearnableBias, BinaryActivation and PReLU (reactnet.json)", async () => {
  const { rsign: rs, rprelu: rp } = fixture;
  const b = fixed(rs.bias);
  await checkFixtureCase((x) => rsign(x, b), rs, [[b, rs.grads.bias, "dL/db"]], "rsign");
  const [gamma, beta, zeta] = ["gamma", "beta", "zeta"].map((n) => fixed(rp.params[n]));
  await checkFixtureCase((x) => rprelu(x, gamma, beta, zeta), rp, [
    [gamma, rp.grads.gamma, "dL/dγ"],
    [beta, rp.grads.beta, "dL/dβ"],
    [zeta, rp.grads.zeta, "dL/dζ"],
  ], "rprelu");
  for (const t of [b, gamma, beta, zeta]) t.dispose();
});

Deno.test("ReActBlock with HardBinaryConv2d matches the official BasicBlock, train then eval (reactnet.json)", async () => {
  const b = createBuilder({
    binaryConv: (cin, cout, k, spec) => new HardBinaryConv2d(cin, cout, k, spec),
  });
  // The official Sequential(AvgPool2d, conv1x1, BN) names its children 0, 1, 2 as ours does.
  for (const f of fixture.blocks) {
    const block = new ReActBlock(b, f.in, f.out, f.stride);
    const params = block.namedParameters();
    assert.deepEqual(params.map(([n]) => n), Object.keys(f.params));
    for (const [n, t] of params) {
      block.setTensor(n, Tensor.from(Float32Array.from(f.params[n]), t.shape));
    }
    for (const run of f.runs) {
      block.train(run.training);
      const now = block.namedParameters();
      await checkFixtureCase(
        (x) => block.forward(x),
        run,
        now.map(([n, t]) => [t, run.grads[n], `dL/d ${n}`]),
        `${f.in}→${f.out} s${f.stride} ${run.training ? "train" : "eval"}`,
        2e-4,
      );
    }
    const running = block.namedBuffers().filter(([n]) => n.includes("running"));
    assert.deepEqual(running.map(([n]) => n), Object.keys(f.running));
    for (const [n, t] of running) assertClose(await t.read(), f.running[n], 1e-5, n);
    block.dispose();
  }
});

Deno.test("distributionLoss matches the official DistributionLoss (reactnet.json)", async () => {
  const d = fixture.distribution;
  const [loss, gs] = await valueAndGrads(
    (a) => distributionLoss(a, Tensor.from(Float32Array.from(d.t), d.shape)),
    [param(d.s, d.shape)],
    new Float32Array([d.g_loss]),
  );
  assertClose(loss, [d.loss], 1e-5, "loss");
  assertClose(gs, d.gs, 1e-5, "dL/ds");
});
