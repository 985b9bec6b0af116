import assert from "node:assert/strict";
import { memory, Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../tests/util.ts";
import { agsRef } from "../tests/reference/optim.ts";
import { ags, diagnostics, readDiagnostics } from "./mod.ts";

await setupGpu();

Deno.test("ags: golden vector of docs/method.md §5", async () => {
  const w = Tensor.from([0.3, -0.1, 0.02, 0.05], [2, 2, 1, 1]);
  const params = { w };
  const tx = ags({ delta: 10 });
  const state = tx.init(params);
  const g = Tensor.from([0, 1.4141252, 0, 1.3987573], [2, 2, 1, 1]);
  const out = tidy(() => tx.update({ w: g }, state, params).updates.w);
  assertClose(await out.read(), [0, 3.1622777, 0, 1.3987573], 1e-6, "AGS gradient");
  const d = await readDiagnostics(state);
  assertClose([d.ags.w.meanRatio], [15.2231], 1e-5, "mean ratio");
  assert.deepEqual(d.ags.w.scaledFraction, 0.5);
  assertClose(await diagnostics(state).ags.w.ratio.read(), [4.4719, 25.9743], 1e-4, "ratios");
});

function norm(x: ArrayLike<number>, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

Deno.test("ags: invariant, both clamps and exact-zero gradients vs float64", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const delta = 0.04;
  const [O, n] = [7, 5 * 3 * 3];
  const w = new Float32Array(O * n);
  const g = new Float32Array(O * n);
  // Per channel: [weight std, target ratio ‖g‖/‖W‖ (or gradient std when W≈0)].
  const kinds = ["large", "small", "zeroW", "tinyW", "zeroG", "tinyG", "small2"];
  kinds.forEach((kind, o) => {
    const ws = kind === "zeroW" ? 0 : kind === "tinyW" ? 1e-7 : 0.05 + 0.1 * rng.uniform();
    for (let i = 0; i < n; i++) w[o * n + i] = ws * rng.normal();
    const wn = Math.max(norm(w, o * n, (o + 1) * n), 1e-3);
    const target = {
      large: delta * (5 + 20 * rng.uniform()) * wn,
      small: delta * (0.001 + 0.2 * rng.uniform()) * wn,
      small2: delta * 0.5 * wn,
      zeroW: delta * 0.3 * 1e-3,
      tinyW: 1e-2,
      zeroG: 0,
      tinyG: 5e-7 * rng.uniform(),
    }[kind]!;
    const raw = Array.from({ length: n }, () => rng.normal());
    const rn = Math.sqrt(raw.reduce((a, x) => a + x * x, 0));
    for (let i = 0; i < n; i++) g[o * n + i] = target * raw[i] / rn;
  });
  const params = { conv: Tensor.from(w, [O, 5, 3, 3]) };
  const tx = ags({ delta });
  const state = tx.init(params);
  const out = tidy(() => tx.update({ conv: Tensor.from(g, [O, 5, 3, 3]) }, state, params));
  const got = await out.updates.conv.read();
  const ref = agsRef(g, w, O, delta);
  for (let o = 0; o < O; o++) {
    const what = `seed ${seed} channel ${o} (${kinds[o]})`;
    const s = o * n;
    const e = (o + 1) * n;
    assertClose(got.subarray(s, e), ref.g.subarray(s, e), 1e-5, what, 1e-30);
    const gin = norm(g, s, e);
    if (gin >= 1e-6) {
      const bound = delta * Math.max(norm(w, s, e), 1e-3);
      assert.ok(norm(got, s, e) >= bound * (1 - 1e-5), `${what}: ‖g_o‖ below δ·‖W_o‖`);
    }
  }
  assert.deepEqual(ref.scaled[4], 1, "zero gradient counts as scaled");
  assert.ok(got.subarray(4 * n, 5 * n).every((x) => x === 0), "zero gradient stays zero");
  assert.deepEqual(Array.from(ref.scaled), [0, 1, 1, 0, 1, 1, 1]);
  const d = await readDiagnostics(state);
  const meanRatio = ref.ratio.reduce((a, x) => a + x, 0) / O;
  assertClose([d.ags.conv.meanRatio], [meanRatio], 1e-5, `seed ${seed} mean ratio`);
  assertClose([d.ags.conv.scaledFraction], [5 / 7], 1e-6, "scaled fraction");
});

Deno.test("ags: schedules for delta, 2-D weights, clear errors, flat memory", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const w = rng.normalArray(12, 0, 1);
  const g = rng.normalArray(12, 0, 1e-3);
  const params = { fc: Tensor.from(w, [3, 4]) };
  const tx = ags({ delta: (step) => (step === 0 ? 0 : 1) });
  const state = tx.init(params);
  const gt = Tensor.from(g, [3, 4]);
  const first = tidy(() => tx.update({ fc: gt }, state, params).updates.fc);
  assertClose(await first.read(), g, 1e-6, "delta 0 leaves g unchanged");
  first.dispose();
  const before = memory().tensors;
  const second = tidy(() => tx.update({ fc: gt }, state, params).updates.fc);
  assertClose(await second.read(), agsRef(g, w, 3, 1).g, 1e-5, `seed ${seed} delta 1`);
  assert.deepEqual(memory().tensors, before + 1);
  assert.throws(() => tx.update({ nope: gt }, state, params), /"nope", which is not in params/);
  assert.throws(() => ags({ delta: -1 }), /ags: delta must be/);
  assert.throws(
    () => tx.update({ fc: Tensor.zeros([4, 3]) }, state, { fc: Tensor.zeros([4, 3]) }),
    /"fc" has 4 output channels/,
  );
});
