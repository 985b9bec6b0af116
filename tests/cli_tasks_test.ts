import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { errorLines, runTaskScript } from "./cli_helpers.ts";

/** One epoch of 16 images in batches of 8: the smallest budget that exercises everything. */
const TINY = [
  "--train-limit",
  "16",
  "--test-limit",
  "8",
  "--batch-size",
  "8",
  "--epochs",
  "1",
  "--log-every",
  "1",
];

const out = await Deno.makeTempDir({ prefix: "ovsw-cli-tasks-" });

Deno.test("compare: same budget per method, table and report; a rerun reuses the runs", async () => {
  const args = [...TINY, "--methods", "vanilla,ovsw", "--out", out, "--name", "cmp"];
  const r = await runTaskScript("compare", [...args, "--json"]);
  assertEquals(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  assertEquals(res.runs.map((s: { method: string }) => s.method), ["vanilla", "ovsw"]);
  for (const s of res.runs) {
    assertEquals([s.train_images, s.test_images, s.epochs, s.seed], [16, 8, 1, 0]);
    assert(s.silent_fraction >= 0 && s.silent_fraction <= 1);
  }
  assert((await Deno.stat(`${out}/cmp/report/poster.svg`)).isFile);
  assert((await Deno.stat(`${out}/cmp/compare.json`)).isFile);
  const again = await runTaskScript("compare", args);
  assertEquals(again.code, 0, again.stderr);
  assertMatch(again.stderr, /vanilla: already finished, reusing it/);
  assertMatch(again.stdout, /^method +test top-1 +best top-1 +silent \(all\) +silent conv1/);
  assertMatch(again.stdout, /\novsw +\d+\.\d\d%/);
});

Deno.test("eval: a run's checkpoint on its test data, flags override the data", async () => {
  const run = `${out}/cmp/ovsw`;
  const r = await runTaskScript("eval", ["--run", run, "--checkpoint", "latest", "--json"]);
  assertEquals(r.code, 0, r.stderr);
  const e = JSON.parse(r.stdout);
  assertEquals([e.checkpoint, e.epoch, e.step, e.test_images], ["latest", 1, 2, 8]);
  const summary = JSON.parse(await Deno.readTextFile(`${run}/summary.json`));
  assertEquals(e.test_top1, summary.test_top1, "same accuracy as at the end of training");
  const more = await runTaskScript("eval", ["--run", run, "--test-limit", "24", "--json"]);
  assertEquals(more.code, 0, more.stderr);
  assertEquals(JSON.parse(more.stdout).test_images, 24);
  const missing = await runTaskScript("eval", []);
  assertEquals(missing.code, 2);
  assertMatch(errorLines(missing.stderr)[0], /eval needs --run <run-dir>/);
});

Deno.test("report: several runs side by side into --out", async () => {
  const r = await runTaskScript("report", [
    `${out}/cmp/vanilla`,
    `${out}/cmp/ovsw`,
    "--out",
    `${out}/rep`,
  ]);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stdout, /^report: .*rep\/index\.html\n {2}poster: /);
  const html = await Deno.readTextFile(`${out}/rep/index.html`);
  assert(html.includes("vanilla") && html.includes("ovsw"));
  const bad = await runTaskScript("report", [`${out}/nothing-here`]);
  assertEquals(bad.code, 2);
  assertMatch(errorLines(bad.stderr)[0], /nothing-here/);
});

Deno.test("gamma: one run per (init, method, γ) and the accuracy-vs-epoch figure", async () => {
  const r = await runTaskScript("gamma", [
    ...TINY,
    "--gammas",
    "1e-3,1",
    "--inits",
    "kaiming-uniform",
    "--methods",
    "vanilla",
    "--out",
    out,
    "--name",
    "gam",
    "--json",
  ]);
  assertEquals(r.code, 0, r.stderr);
  const g = JSON.parse(r.stdout);
  assertEquals(
    g.runs.map((s: { init: string; gamma: number }) => [s.init, s.gamma]),
    [["kaiming-uniform", 1e-3], ["kaiming-uniform", 1]],
  );
  assertMatch(g.figures["kaiming-uniform vanilla"], /report-kaiming-uniform-vanilla\/gamma\.svg$/);
  const config = JSON.parse(
    await Deno.readTextFile(`${out}/gam/kaiming-uniform-vanilla-g1e-3/config.json`),
  );
  assertEquals([config.gamma, config.config.init], [1e-3, "kaiming-uniform"]);
});

Deno.test("cleanup", async () => {
  await Deno.remove(out, { recursive: true });
});
