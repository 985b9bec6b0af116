import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { Tensor, writeInOrder } from "@ovsw/gpu";
import { setupGpu } from "../tests/util.ts";
import { FlipCollector, type MetricsRow } from "@ovsw/metrics";
import { writeFileAtomic } from "./atomic.ts";
import { MetricsWriter, readFlips, readMetrics, writeFlips } from "./metrics_writer.ts";

const row = (kind: string, epoch: number, extra: Record<string, number> = {}): MetricsRow => ({
  kind,
  epoch,
  step: epoch * 10,
  samples: 640,
  loss: 1 / epoch,
  top1: 0.5 + epoch / 100,
  top5: kind === "test" ? null : 0.9,
  lr: kind === "test" ? null : 0.1 / epoch,
  imagesPerSec: 123.5,
  timeSec: epoch * 1.5,
  ...extra,
});

function csvRows(text: string): Record<string, string>[] {
  return parse(text, { columns: true });
}

Deno.test("MetricsWriter: jsonl and csv round-trip with the same columns; new columns widen", async () => {
  const dir = await Deno.makeTempDir();
  const w = await MetricsWriter.open(`${dir}/run`);
  const rows = [
    row("step", 1),
    row("train", 1),
    row("test", 1),
    row("train", 2, { "ags.ratio": 0.25 }),
    row("test", 2),
    { ...row("train", 3), loss: NaN },
    { ...row("test", 3), kind: 'test, "quoted"\nline' },
  ];
  for (const r of rows) await w.append(r);
  const back = await readMetrics(w.jsonlPath);
  assert.deepEqual(back, rows.map((r) => ({ ...r, loss: Number.isNaN(r.loss) ? null : r.loss })));
  const csvText = await Deno.readTextFile(w.csvPath);
  const csv = csvRows(csvText);
  assert.deepEqual(Object.keys(csv[0]), [...w.columns]);
  assert.equal(w.columns.at(-1), "ags.ratio");
  assert.equal(csv.length, rows.length);
  csv.forEach((c, i) => {
    for (const col of w.columns) {
      const v = back[i][col];
      assert.equal(c[col], v === null || v === undefined ? "" : String(v), `row ${i} ${col}`);
    }
  });
  // Resume at epoch 2 keeps epoch-1 rows only, in both files.
  const r2 = await MetricsWriter.open(`${dir}/run`, { resumeAtEpoch: 2 });
  assert.equal(r2.rows.length, 3);
  await r2.append(row("train", 2));
  assert.equal((await readMetrics(r2.jsonlPath)).length, 4);
  assert.equal(csvRows(await Deno.readTextFile(r2.csvPath)).length, 4);
  const names = [...Deno.readDirSync(`${dir}/run`)].map((e) => e.name).sort();
  assert.deepEqual(names, ["metrics.csv", "metrics.jsonl"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readMetrics / readFlips: errors name the file and line", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/metrics.jsonl`, `{"kind":"train","epoch":1}\n{oops\n`);
  await assert.rejects(
    () => readMetrics(`${dir}/metrics.jsonl`),
    /metrics\.jsonl:2: not valid JSON/,
  );
  await Deno.writeTextFile(`${dir}/m2.jsonl`, `{"epoch":1}\n`);
  await assert.rejects(() => readMetrics(`${dir}/m2.jsonl`), /m2\.jsonl:1: .*"kind"/);
  await assert.rejects(() => readMetrics(`${dir}/none.jsonl`), /cannot read .*none\.jsonl/);
  await Deno.writeTextFile(`${dir}/flips.json`, `{"version":2}`);
  await assert.rejects(() => readFlips(`${dir}/flips.json`), /flips\.json: not a flip report/);
  await assert.rejects(() => writeFileAtomic(`${dir}/no/such/dir/x`, "x"), /cannot write/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writeFlips / readFlips round-trip a real report", async () => {
  await setupGpu();
  const w = Tensor.from([0.1, -0.2, 0.3, 0, 0.05], [5]);
  const c = new FlipCollector({ w }, { select: () => true, bins: 8 });
  writeInOrder(w.buffer, Float32Array.from([-0.1, -0.2, 0.3, 0.1, 0.05]));
  c.step();
  c.endEpoch();
  const report = await c.report();
  const dir = await Deno.makeTempDir();
  const path = await writeFlips(dir, report);
  assert.deepEqual(await readFlips(path), report);
  assert.equal(report.layers[0].silent, 3);
  c.dispose();
  w.dispose();
  await Deno.remove(dir, { recursive: true });
});
