import assert from "node:assert/strict";
import { backward, mul, noGrad, sum, Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, assertThrowsAll, freshSeed, setupGpu } from "../../tests/util.ts";
import { cmimStepRef, contrastLossRef } from "../../tests/reference/methods/cmim.ts";
import { readFixture } from "../../tests/reference/methods/harness.ts";
import { CmimContrast, CmimNegativeSampler, contrastLoss, normalizeRows } from "./cmim_contrast.ts";

await setupGpu();

Deno.test("contrastLoss: CRD's ContrastLoss value and gradient (P = K/nData)", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const [bs, k1, nData] = [3, 6, 40];
  const x = Float32Array.from(rng.uniformArray(bs * k1, 0.01, 2));
  const ref = contrastLossRef(x, bs, nData);
  const xt = Tensor.from(x, [bs, k1]);
  xt.requiresGrad = true;
  const [l, g] = tidy(() => {
    const l = contrastLoss(xt, nData);
    return [l, backward(mul(l, Tensor.from([2], [])), [xt])[0]!];
  });
  assertClose(await l.read(), [ref.loss], 1e-5, `loss (seed ${seed})`);
  assertClose(await g.read(), ref.gx.map((v) => 2 * v), 1e-5, `∂x (seed ${seed})`);
  assertThrowsAll([
    [() => contrastLoss(Tensor.zeros([3]), 5), "contrastLoss"],
    [() => contrastLoss(Tensor.zeros([2, 3]), 0), "contrastLoss"],
  ]);
  for (const t of [xt, l, g]) t.dispose();
});

Deno.test("normalizeRows: F.normalize and its gradient; a zero row stays 0", async () => {
  const x = Tensor.from([3, 4, 0, 0], [2, 2]);
  x.requiresGrad = true;
  const [y, g] = tidy(() => {
    const y = normalizeRows(x);
    return [y, backward(sum(mul(y, Tensor.from([1, 0, 1, 1], [2, 2]))), [x])[0]!];
  });
  assertClose(await y.read(), [0.6, 0.8, 0, 0], 1e-6, "y");
  // (g − y·⟨y, g⟩)/‖x‖ = ([1, 0] − 0.6·[0.6, 0.8])/5; zero row: g/1e-12 · 0 … g/eps
  const got = await g.read();
  assertClose(got.slice(0, 2), [(1 - 0.36) / 5, -0.48 / 5], 1e-6, "∂x");
  assertClose(got.slice(2), [1e12, 1e12], 1e-6, "zero row: g / eps (as F.normalize)");
});

Deno.test("CmimContrast: two steps vs float64 (Z fixed at the first call, memory update after scoring)", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const labels = Array.from({ length: 24 }, (_, i) => i % 4);
  const [sDim, tDim, featDim, K, nData, bs] = [6, 5, 8, 7, 24, 3];
  const cmim = new CmimContrast({ sDim, tDim, nData, featDim, nceK: K, rng: new Prng(seed) });
  const buf = Object.fromEntries(cmim.namedBuffers());
  assert.deepEqual(Object.keys(buf), [
    "embedS.weight",
    "embedS.bias",
    "embedT.weight",
    "embedT.bias",
    "memoryT",
    "memoryS",
  ]);
  const stdv = 1 / Math.sqrt(featDim / 3);
  const memT0 = await buf.memoryT.read();
  assert.ok(memT0.every((v) => Math.abs(v) <= stdv), "memory init U(±1/√(featDim/3))");
  const st = {
    wS: await buf["embedS.weight"].read(),
    bS: await buf["embedS.bias"].read(),
    wT: await buf["embedT.weight"].read(),
    bT: await buf["embedT.bias"].read(),
    memS: Float64Array.from(await buf.memoryS.read()),
    memT: Float64Array.from(memT0),
    zS: null as number | null,
    zT: null as number | null,
  };
  const sampler = new CmimNegativeSampler(labels, K, new Prng(seed + 1));
  const p = { nData, T: 0.1, momentum: 0.5 };
  for (const [step, idx] of [[0, [5, 2, 11]], [1, [2, 7, 20]]] as const) {
    const sidx = sampler.sample(idx);
    const fs = rng.normalArray(bs * sDim), ft = rng.normalArray(bs * tDim);
    const ref = cmimStepRef(st, fs, ft, bs, idx, sidx, p);
    const fsT = Tensor.from(fs, [bs, sDim, 1, 1]);
    const ftT = Tensor.from(ft, [bs, tDim]);
    fsT.requiresGrad = ftT.requiresGrad = true;
    const outs = tidy(() => {
      const l = cmim.loss(fsT, ftT, idx, sidx);
      return [l, ...backward(mul(l, Tensor.from([1.5], [])), [fsT, ftT]).map((g) => g!)];
    });
    const [l, gs, gt] = await Promise.all(outs.map((t) => t.read()));
    const what = `step ${step} (seed ${seed})`;
    assertClose(l, [ref.loss], 1e-5, `loss ${what}`);
    assertClose(gs, ref.gFeatS.map((v) => 1.5 * v), 1e-4, `∂featS ${what}`);
    assertClose(gt, ref.gFeatT.map((v) => 1.5 * v), 1e-4, `∂featT ${what}`);
    assertClose(await buf.memoryS.read(), st.memS, 1e-5, `memoryS ${what}`);
    assertClose(await buf.memoryT.read(), st.memT, 1e-5, `memoryT ${what}`);
    const { zS, zT } = cmim.normalisers;
    assertClose(
      [(await zS!.read())[0], (await zT!.read())[0]],
      [st.zS!, st.zT!],
      1e-5,
      `Z ${what}`,
    );
    for (const t of [...outs, fsT, ftT]) t.dispose();
  }
  // Without gradient (evaluation): the loss alone, the memories still move (as the official).
  const before = await buf.memoryT.read();
  const l = noGrad(() =>
    cmim.loss(Tensor.full([1, sDim], 1), Tensor.full([1, tDim], 1), [0], sampler.sample([0]))
  );
  assert.ok(Number.isFinite((await l.read())[0]));
  assert.notDeepEqual(await buf.memoryT.read(), before);
  assertThrowsAll([
    [
      () => cmim.loss(Tensor.zeros([2, sDim]), Tensor.zeros([2, tDim]), [1, 1], new Int32Array(16)),
      "repeats 1",
    ],
    [
      () => cmim.loss(Tensor.zeros([1, sDim]), Tensor.zeros([1, tDim]), [24], new Int32Array(8)),
      "idx[0] = 24",
    ],
    [
      () => cmim.loss(Tensor.zeros([1, 3]), Tensor.zeros([1, tDim]), [0], new Int32Array(8)),
      "featS",
    ],
    [
      () => cmim.loss(Tensor.zeros([1, sDim]), Tensor.zeros([1, tDim]), [0], new Int32Array(7)),
      "bs·(K+1)",
    ],
    [() => new CmimContrast({ sDim: 0, tDim, nData }), "sDim"],
  ]);
  cmim.dispose();
});

Deno.test("CmimNegativeSampler: positive first, negatives of other classes, distinct unless K > pool", () => {
  const seed = freshSeed();
  const labels = Array.from({ length: 30 }, (_, i) => (i * 7) % 3);
  const s = new CmimNegativeSampler(labels, 12, new Prng(seed));
  const idx = [0, 4, 29];
  const out = s.sample(idx);
  assert.equal(out.length, 3 * 13);
  idx.forEach((i, b) => {
    const row = Array.from(out.slice(b * 13, (b + 1) * 13));
    assert.equal(row[0], i);
    const neg = row.slice(1);
    assert.ok(neg.every((j) => labels[j] !== labels[i]), `row ${b}: another class`);
    assert.equal(new Set(neg).size, 12, `row ${b}: without replacement (pool 20)`);
  });
  assert.deepEqual(new CmimNegativeSampler(labels, 12, new Prng(seed)).sample(idx), out, "seeded");
  const big = new CmimNegativeSampler(labels, 25, new Prng(seed)).sample([1]);
  assert.ok(Array.from(big.slice(1)).every((j) => labels[j] !== labels[1]), "with replacement");
  // Uniform over the pool: each of the 20 negatives is drawn ≈ 12/20 of the time.
  const counts = new Map<number, number>();
  for (let r = 0; r < 500; r++) {
    for (const j of s.sample([0]).slice(1)) counts.set(j, (counts.get(j) ?? 0) + 1);
  }
  assert.equal(counts.size, 20);
  for (const [, c] of counts) assert.ok(Math.abs(c / 500 - 0.6) < 0.12, `frequency ${c / 500}`);
  assertThrowsAll([
    [() => new CmimNegativeSampler([0, 0], 1), "no other class"],
    [() => new CmimNegativeSampler([0, -1], 1), "labels[1]"],
    [() => s.sample([30]), "idx[0] = 30"],
  ]);
});

const fixture = await readFixture<{
  s_dim: number;
  t_dim: number;
  feat_dim: number;
  nce_n: number;
  n_data: number;
  bs: number;
  state: Record<string, number[]>;
  steps: {
    idx: number[];
    sample_idx: number[];
    feat_s: number[];
    feat_t: number[];
    loss: number;
    g_feat_s: number[];
    g_feat_t: number[];
    z_s: number;
    z_t: number;
    memory_s: number[];
    memory_t: number[];
  }[];
}>("cmim");

Deno.test("CmimContrast matches the official contrastive_alignment (tests/fixtures/methods/cmim.json)", async () => {
  const f = fixture;
  const cmim = new CmimContrast({
    sDim: f.s_dim,
    tDim: f.t_dim,
    nData: f.n_data,
    featDim: f.feat_dim,
    nceK: f.nce_n,
  });
  const names: [string, string, number[]][] = [
    ["embedS.weight", "embed_s_w", [f.feat_dim, f.s_dim]],
    ["embedS.bias", "embed_s_b", [f.feat_dim]],
    ["embedT.weight", "embed_t_w", [f.feat_dim, f.t_dim]],
    ["embedT.bias", "embed_t_b", [f.feat_dim]],
    ["memoryS", "memory_s", [f.n_data, f.feat_dim]],
    ["memoryT", "memory_t", [f.n_data, f.feat_dim]],
  ];
  for (const [ours, theirs, shape] of names) {
    cmim.setBuffer(ours, Tensor.from(Float32Array.from(f.state[theirs]), shape));
  }
  const buf = () => Object.fromEntries(cmim.namedBuffers());
  for (const [i, s] of f.steps.entries()) {
    const fs = Tensor.from(Float32Array.from(s.feat_s), [f.bs, f.s_dim]);
    const ft = Tensor.from(Float32Array.from(s.feat_t), [f.bs, f.t_dim]);
    fs.requiresGrad = ft.requiresGrad = true;
    const outs = tidy(() => {
      const l = cmim.loss(fs, ft, s.idx, s.sample_idx);
      return [l, ...backward(l, [fs, ft]).map((g) => g!)];
    });
    const [l, gs, gt] = await Promise.all(outs.map((t) => t.read()));
    assertClose(l, [s.loss], 1e-5, `loss step ${i}`);
    assertClose(gs, s.g_feat_s, 1e-4, `∂featS step ${i}`);
    assertClose(gt, s.g_feat_t, 1e-4, `∂featT step ${i}`);
    const { zS, zT } = cmim.normalisers;
    assertClose([(await zS!.read())[0], (await zT!.read())[0]], [s.z_s, s.z_t], 1e-5, `Z ${i}`);
    assertClose(await buf().memoryS.read(), s.memory_s, 1e-5, `memoryS step ${i}`);
    assertClose(await buf().memoryT.read(), s.memory_t, 1e-5, `memoryT step ${i}`);
    for (const t of [...outs, fs, ft]) t.dispose();
  }
  assertThrowsAll([[() => cmim.setBuffer("memoryS", Tensor.zeros([2, 2])), "setBuffer"]]);
  cmim.dispose();
});
