import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { runTaskScript } from "./cli_helpers.ts";

const out = await Deno.makeTempDir({ prefix: "ovsw-cli-methods-" });

Deno.test("compare --methods irnet,reactnet --optimizer-pieces ags,sad: one table, same budget", async () => {
  const args = [
    ...["--train-limit", "16", "--test-limit", "8", "--batch-size", "8", "--epochs", "2"],
    ...["--methods", "irnet,reactnet", "--optimizer-pieces", "ags,sad"],
    ...["--out", out, "--name", "cmp"],
  ];
  const r = await runTaskScript("compare", args);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(
    r.stdout,
    /^method +test top-1 +best top-1 +silent \(all\) .* flips\/weight +wall s +img\/s/,
  );
  assertMatch(r.stdout, /\nirnet\+ags\+sad +\d+\.\d\d%/);
  assertMatch(r.stdout, /\nreactnet\+ags\+sad +\d+\.\d\d%/);
  const runs = JSON.parse(await Deno.readTextFile(`${out}/cmp/compare.json`)).runs;
  assertEquals(runs.map((s: { method: string }) => s.method), ["irnet", "reactnet"]);
  for (const s of runs) assertEquals([s.train_images, s.epochs, s.seed], [16, 2, 0]);
  const cfg = (m: string) =>
    Deno.readTextFile(`${out}/cmp/${m}+ags+sad/config.json`).then(JSON.parse);
  const [irnet, react] = [(await cfg("irnet")).config, (await cfg("reactnet")).config];
  assertEquals([irnet.optimizer, irnet.optimizerPieces], ["sgd", ["ags", "sad"]]);
  assertEquals([react.optimizer, react.schedule, react.lr], ["adam", "linear", 1.25e-3]);
  assert((await Deno.stat(`${out}/cmp/report/poster.svg`)).isFile);
});

Deno.test("cleanup", async () => {
  await Deno.remove(out, { recursive: true });
});
