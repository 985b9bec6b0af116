import assert from "node:assert/strict";
import { add, backward, hardtanh, Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../tests/util.ts";
import { BasicBlock, BatchNorm2d, BiRealBlock, createBuilder, type Module } from "./mod.ts";
import { rowStats, rowStd } from "./estimators/_kernels.ts";

await setupGpu();

async function readAll(ts: Tensor[]): Promise<Float32Array[]> {
  return await Promise.all(ts.map((t) => t.read()));
}

Deno.test("BatchNorm2d.forwardHardtanh equals forward → add → hardtanh (train and eval)", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const shape = [3, 4, 5, 5];
  const n = 3 * 4 * 25;
  const xd = rng.normalArray(n, 0.3, 2);
  const rd = rng.normalArray(n, 0, 0.7);
  const gd = rng.normalArray(n);
  const gam = rng.normalArray(4);
  const bet = rng.normalArray(4, 0, 0.5);
  const layers = [new BatchNorm2d(4), new BatchNorm2d(4)];
  for (const bn of layers) {
    bn.setTensor("weight", Tensor.from(gam, [4]));
    bn.setTensor("bias", Tensor.from(bet, [4]));
  }
  for (const training of [true, false]) {
    const results: Float32Array[][] = [];
    for (const [k, bn] of layers.entries()) {
      if (training) bn.train();
      else bn.eval();
      const outs = tidy(() => {
        const x = Tensor.from(xd, shape);
        const r = Tensor.from(rd, shape);
        x.requiresGrad = r.requiresGrad = true;
        const y = k === 0 ? bn.forwardHardtanh(x, r) : hardtanh(add(bn.forward(x), r));
        const g = backward(y, [x, r, bn.weight, bn.bias], Tensor.from(gd, shape));
        return [y, ...g.map((t) => t!)];
      });
      const bufs = bn.namedBuffers().map(([, t]) => t);
      results.push(await readAll([...outs, ...bufs]));
      outs.forEach((t) => t.dispose());
    }
    const names = ["y", "grad x", "grad residual", "grad weight", "grad bias"];
    names.push("running_mean", "running_var", "num_batches_tracked");
    results[0].forEach((v, i) =>
      assertClose(v, results[1][i], 1e-4, `seed ${seed} training=${training} ${names[i]}`, 1)
    );
  }
  assert.deepEqual([...(await layers[0].namedBuffers()[2][1].read())], [1]);
  layers.forEach((l) => l.dispose());
});

/** The block's forward written out with separate BN, add and hardtanh (the unfused path). */
function unfused(block: BiRealBlock | BasicBlock, x: Tensor): Tensor {
  const sc = (block.shortcut as Module | null)?.forward(x) ?? x;
  if (block instanceof BiRealBlock) {
    const h = hardtanh(add(block.bn1.forward(block.conv1.forward(x)), sc));
    return hardtanh(add(block.bn2.forward(block.conv2.forward(h)), h));
  }
  const h = hardtanh(block.bn1.forward(block.conv1.forward(x)));
  return hardtanh(add(block.bn2.forward(block.conv2.forward(h)), sc));
}

for (const kind of ["BiRealBlock (pad shortcut)", "BasicBlock (binary shortcut)"]) {
  Deno.test(`${kind}: fused BN + Hardtanh equals the unfused composition, forward and backward`, async () => {
    const seed = freshSeed();
    const rng = new Prng(seed);
    const make = () => {
      const b = createBuilder({ rng: seed });
      return kind.startsWith("BiReal")
        ? new BiRealBlock(b, 4, 8, 2, "pad")
        : new BasicBlock(b, 4, 8, 2);
    };
    const blocks = [make(), make()];
    const shape = [2, 4, 6, 6];
    const xd = rng.normalArray(2 * 4 * 36);
    const gd = rng.normalArray(2 * 8 * 9);
    const results: Float32Array[][] = [];
    for (const [k, block] of blocks.entries()) {
      const params = block.namedParameters().map(([, t]) => t);
      const outs = tidy(() => {
        const x = Tensor.from(xd, shape);
        x.requiresGrad = true;
        const y = k === 0 ? block.forward(x) : unfused(block, x);
        const g = backward(y, [x, ...params], Tensor.from(gd, y.shape));
        return [y, ...g.map((t) => t!)];
      });
      const bufs = block.namedBuffers().map(([, t]) => t);
      results.push(await readAll([...outs, ...bufs]));
      outs.forEach((t) => t.dispose());
    }
    const names = ["y", "grad x", ...blocks[0].namedParameters().map(([n]) => `grad ${n}`)];
    names.push(...blocks[0].namedBuffers().map(([n]) => n));
    assert.equal(results[0].length, names.length);
    results[0].forEach((v, i) =>
      assertClose(v, results[1][i], 1e-4, `seed ${seed} ${names[i]}`, 1)
    );
    blocks.forEach((b) => b.dispose());
  });
}

Deno.test("rowStats (vec4 and scalar rows) and rowStd against float64", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const rows = 1 + rng.int(5);
  const k = 1 + rng.int(100);
  for (const n of [4 * k, 4 * k + 1 + rng.int(3)]) {
    const xd = rng.normalArray(rows * n, 0.2, 1.5);
    const [st, sd] = tidy(() => {
      const st = rowStats(Tensor.from(xd, [rows, n]), 1e-3);
      return [st, rowStd(st, 1e-3)];
    });
    const refSt: number[] = [];
    const refSd: number[] = [];
    for (let r = 0; r < rows; r++) {
      const row = Array.from(xd.subarray(r * n, (r + 1) * n));
      const mean = row.reduce((a, v) => a + v, 0) / n;
      const v = row.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
      const dev = row.reduce((a, x) => a + Math.abs(x - mean), 0) / n;
      const meanAbs = row.reduce((a, x) => a + Math.abs(x), 0) / n;
      refSt.push(mean, v, dev / Math.sqrt(v + 1e-3), meanAbs);
      refSd.push(Math.sqrt(v + 1e-3));
    }
    const what = `seed ${seed} [${rows}, ${n}]`;
    assertClose(await st.read(), refSt, 1e-4, `rowStats ${what}`);
    assertClose(await sd.read(), refSd, 1e-4, `rowStd ${what}`);
    st.dispose();
    sd.dispose();
  }
});
