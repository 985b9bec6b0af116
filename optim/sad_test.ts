import assert from "node:assert/strict";
import { Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../tests/util.ts";
import { sadRef, type SadRefState } from "../tests/reference/optim.ts";
import { ags, chain, diagnostics, isBinary, masked, readDiagnostics, sad } from "./mod.ts";
import type { SadState } from "./sad.ts";

await setupGpu();

Deno.test("sad: golden vector of docs/method.md §5 (after AGS, then one flip)", async () => {
  const w = Tensor.from([0.3, -0.1, 0.02, 0.05], [2, 2, 1, 1]);
  const tx = chain(
    ags({ delta: 10 }),
    sad({ dampenWeight: 0.1, trackMomentum: 0.9, threshold: 0.05 }),
  );
  const state = tx.init({ w });
  const g0 = Tensor.from([0, 1.4141252, 0, 1.3987573], [2, 2, 1, 1]);
  const out0 = tidy(() => tx.update({ w: g0 }, state, { w }).updates.w);
  assertClose(await out0.read(), [0.03, 3.1522777, 0.002, 1.4037573], 1e-6, "step 0 gradient");
  assert.equal((await readDiagnostics(state)).sad.w.maskedFraction, 1);

  const flipped = Tensor.from([-0.3, -0.1, 0.02, 0.05], [2, 2, 1, 1]);
  const out1 = tidy(() => tx.update({ w: Tensor.zeros([2, 2, 1, 1]) }, state, { w: flipped }));
  assertClose(await out1.updates.w.read(), [0, -0.01, 0.002, 0.005], 1e-6, "step 1 gradient");
  const s = (state as unknown[])[1] as SadState;
  assertClose(await s.tracker.w.read(), [0.1, 0, 0, 0], 1e-6, "tracker");
  assert.deepEqual(await s.prev.w.read(), await flipped.read(), "prev = W");
  const d = await readDiagnostics(state);
  assert.equal(d.sad.w.maskedFraction, 0.75);
  assert.ok(d.ags.w.meanRatio > 0, "ags diagnostics present");
});

async function stepsUntilSilent(trackerInit: "zeros" | "ones", flipFirst: boolean, check: number) {
  const a = Tensor.from([0.5, -0.25, 0.125, 1], [4]);
  const b = Tensor.from([-0.5, -0.25, 0.125, 1], [4]);
  const tx = sad({ dampenWeight: 1, trackerInit });
  const state = tx.init({ w: a });
  const g = Tensor.zeros([4]);
  const step = (w: Tensor) => tidy(() => void tx.update({ w: g }, state, { w }));
  if (flipFirst) step(b); // the one flip: tracker[0] = 1 − m
  const w = flipFirst ? b : a;
  for (let k = 0; k < check - 1; k++) step(w);
  const before = await state.tracker.w.read();
  step(w);
  const after = await state.tracker.w.read();
  return { before: before[0], after: after[0], masked: await readDiagnostics(state) };
}

Deno.test("sad: one flip, then exactly 2302 flip-free steps until silent (m=0.999, τ=1e-4)", async () => {
  const expected = Math.ceil(Math.log(0.1) / Math.log(0.999));
  assert.equal(expected, 2302);
  const r = await stepsUntilSilent("zeros", true, expected);
  assert.ok(r.before >= 1e-4, `after ${expected - 1} flip-free steps tracker ${r.before} ≥ τ`);
  assert.ok(r.after < 1e-4, `after ${expected} flip-free steps tracker ${r.after} < τ`);
  assert.equal(r.masked.sad.w.maskedFraction, 1);
});

Deno.test("sad: with trackerInit ones a weight that never flips is silent after 9206 steps", async () => {
  const expected = Math.ceil(Math.log(1e-4) / Math.log(0.999));
  assert.equal(expected, 9206);
  const r = await stepsUntilSilent("ones", false, expected);
  assert.ok(r.before >= 1e-4 && r.after < 1e-4, `tracker ${r.before} → ${r.after}`);
});

Deno.test("sad: several steps with flips vs float64, masked to binary weights", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const n = 600;
  const opts = { lambda: 0.3, m: 0.9, tau: 0.05 };
  let w = rng.normalArray(n, 0, 0.1);
  const bin = Tensor.from(w, [6, 100]);
  bin.tag = "binary";
  const vec = Tensor.from(rng.normalArray(6), [6]);
  vec.tag = "vector";
  const tx = masked(
    sad({ dampenWeight: opts.lambda, trackMomentum: opts.m, threshold: opts.tau }),
    isBinary,
  );
  const state = tx.init({ bin, vec });
  const ref: SadRefState = { tracker: new Float64Array(n), prev: Float64Array.from(w) };
  for (let step = 0; step < 8; step++) {
    const g = rng.normalArray(n);
    const gv = Tensor.from(rng.normalArray(6), [6]);
    const params = { bin: Tensor.from(w, [6, 100]), vec };
    params.bin.tag = "binary";
    const out = tidy(() => tx.update({ bin: Tensor.from(g, [6, 100]), vec: gv }, state, params));
    assert.equal(out.updates.vec, gv, "non-binary update passes through");
    const r = sadRef(g, w, ref, opts);
    assertClose(await out.updates.bin.read(), r.g, 1e-5, `seed ${seed} step ${step} gradient`);
    assertClose(await state.tracker.bin.read(), ref.tracker, 1e-5, `seed ${seed} tracker`);
    const d = await readDiagnostics(state);
    assertClose([d.sad.bin.maskedFraction], [r.silent], 1e-6, `seed ${seed} silent fraction`);
    assert.deepEqual(Object.keys(diagnostics(state).sad), ["bin"]);
    // Move the weights: about a tenth of them change sign.
    w = w.map((x) => (rng.uniform() < 0.1 ? -x : x + 0.01 * rng.normal()));
  }
  assert.throws(() => sad({ dampenWeight: 0.1, trackerInit: "twos" as never }), /trackerInit/);
});
