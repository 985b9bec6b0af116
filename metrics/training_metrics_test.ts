import assert from "node:assert/strict";
import { engineStats, memory, resetStats, Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../tests/util.ts";
import { TrainingMetrics } from "./mod.ts";

await setupGpu();

Deno.test("TrainingMetrics: windows and epochs match float64 sums; no readback per step", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const m = new TrainingMetrics({ logEvery: 3 });
  const diag = Tensor.from([1, 2, 3, 6], [4]);
  const ref = { loss: 0, top1: 0, top5: 0, n: 0 };
  const win = { loss: 0, top1: 0, top5: 0, n: 0 };
  const rows = [];
  const before = memory().tensors;
  for (let step = 1; step <= 7; step++) {
    const bs = 1 + rng.int(64);
    const loss = rng.uniform() * 3;
    const c1 = rng.int(bs + 1);
    const c5 = Math.min(bs, c1 + rng.int(bs + 1));
    resetStats();
    tidy(() => {
      m.add({
        loss: Tensor.from([loss], [1]),
        top1: Tensor.from([c1], [1]),
        top5: Tensor.from([c5], [1]),
        batchSize: bs,
      });
    });
    assert.equal(engineStats().readbacks, 0);
    for (const r of [ref, win]) {
      r.loss += Math.fround(loss) * bs;
      r.top1 += c1;
      r.top5 += c5;
      r.n += bs;
    }
    assert.equal(m.due, step % 3 === 0);
    if (m.due) {
      const row = await m.log({ epoch: 1, lr: 0.05, diagnostics: { "ags.ratio": diag, k: 2 } });
      assert.equal(row.kind, "step");
      assert.equal(row.step, step);
      assert.equal(row.samples, win.n);
      assertClose([row.loss!], [win.loss / win.n], 1e-5, `window loss (seed ${seed})`);
      assertClose([row.top1!, row.top5!], [win.top1 / win.n, win.top5 / win.n], 1e-6, "acc");
      assert.equal(row.lr, 0.05);
      assert.equal(row["ags.ratio"], 3);
      assert.equal(row.k, 2);
      assert.ok(row.imagesPerSec! > 0);
      rows.push(row);
      Object.assign(win, { loss: 0, top1: 0, top5: 0, n: 0 });
    }
  }
  assert.equal(rows.length, 2);
  const epoch = await m.endEpoch({ epoch: 1, lr: 0.05 });
  assert.equal(epoch.kind, "train");
  assert.equal(epoch.samples, ref.n);
  assertClose([epoch.loss!], [ref.loss / ref.n], 1e-5, `epoch loss (seed ${seed})`);
  assertClose([epoch.top1!, epoch.top5!], [ref.top1 / ref.n, ref.top5 / ref.n], 1e-6, "acc");
  assert.equal(memory().tensors, before);

  // A new epoch starts from zero; a test aggregator without top-5.
  const t = new TrainingMetrics({ kind: "test" });
  tidy(() => t.add({ loss: Tensor.from([2], [1]), top1: Tensor.from([1], [1]), batchSize: 4 }));
  const tr = await t.endEpoch({ epoch: 2 });
  assert.deepEqual([tr.kind, tr.loss, tr.top1, tr.top5, tr.lr], ["test", 2, 0.25, null, null]);
  const empty = await m.endEpoch({ epoch: 2 });
  assert.deepEqual([empty.samples, empty.loss, empty.top1], [0, null, null]);
  [m, t].forEach((x) => x.dispose());
  diag.dispose();
});

Deno.test("TrainingMetrics: clear errors", async () => {
  const m = new TrainingMetrics();
  const big = Tensor.from([1, 2], [2]);
  assert.throws(() => m.add({ loss: big, batchSize: 2 }), /loss must be a one-element f32/);
  const one = Tensor.from([1], [1]);
  assert.throws(() => m.add({ loss: one, batchSize: 0 }), /batchSize/);
  await assert.rejects(
    () => m.log({ epoch: 1, diagnostics: { loss: 1 } }),
    /clashes with a standard column/,
  );
  assert.throws(() => new TrainingMetrics({ logEvery: 0 }), /logEvery/);
  m.dispose();
  big.dispose();
  one.dispose();
});
