import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { decodeSafetensors, encodeSafetensors, readSafetensors } from "../train/safetensors.ts";
import { errorLines, runTaskScript, sameFileBytes, tinyRun } from "./cli_helpers.ts";

const TINY = tinyRun(2);

async function bytes(path: string): Promise<Uint8Array> {
  return await Deno.readFile(path);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

const out = await Deno.makeTempDir({ prefix: "ovsw-cli-test-" });

Deno.test("train: a tiny run writes the run directory and a --json summary", async () => {
  const r = await runTaskScript("train", [...TINY, "--out", out, "--name", "full", "--json"]);
  assertEquals(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assertEquals(lines.length, 1, "stdout is exactly the JSON summary");
  const s = JSON.parse(lines[0]);
  for (const key of ["test_top1", "silent_fraction", "epochs", "images_per_second"]) {
    assert(key in s, `summary has ${key}`);
  }
  assertEquals(s.epochs, 2);
  assertEquals(s.steps, 6);
  assertEquals(s.train_images, 24);
  assertEquals(s.test_images, 8);
  assert(s.test_top1 >= 0 && s.test_top1 <= 1);
  assert(s.silent_fraction >= 0 && s.silent_fraction <= 1);
  assert(s.images_per_second > 0);
  assertEquals(
    Object.keys(s.silent_fraction_per_layer),
    ["conv1.weight", "conv2.weight", "conv3.weight", "conv4.weight"],
  );
  // Progress and messages went to stderr as plain lines (not a terminal).
  assertMatch(r.stderr, /epoch 1\/2 step 2\/3 loss \d/);
  assertEquals(r.stderr.includes("\x1b["), false, "NO_COLOR and no TTY: no escape codes");

  const dir = `${out}/full`;
  const files = [
    "config.json",
    "metrics.jsonl",
    "metrics.csv",
    "flips.json",
    "summary.json",
    "report/index.html",
    "report/poster.svg",
    "checkpoint-latest/weights.safetensors",
    "checkpoint-latest/optimizer.safetensors",
    "checkpoint-latest/collector.safetensors",
    "checkpoint-latest/state.json",
    "checkpoint-best/weights.safetensors",
  ];
  for (const f of files) assert((await Deno.stat(`${dir}/${f}`)).isFile, f);
  const config = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
  assertEquals(config.library, "0.1.0");
  assertEquals(config.config.batchSize, 8);
  assertEquals(config.method, "ovsw");
  const rows = (await Deno.readTextFile(`${dir}/metrics.jsonl`)).trim().split("\n")
    .map((l) => JSON.parse(l));
  assertEquals(rows.filter((r) => r.kind === "train").length, 2);
  assertEquals(rows.filter((r) => r.kind === "test").length, 2);
  const csv = (await Deno.readTextFile(`${dir}/metrics.csv`)).trim().split("\n");
  assertEquals(csv.length, rows.length + 1);
  const weights = await readSafetensors(`${dir}/checkpoint-latest/weights.safetensors`);
  assertEquals(weights.metadata?.format, "pt");
  assertEquals(weights.tensors.get("conv1.weight")?.shape, [64, 64, 3, 3]);
  assertEquals(weights.tensors.get("bn1.num_batches_tracked")?.dtype, "I64");
  const state = JSON.parse(await Deno.readTextFile(`${dir}/checkpoint-latest/state.json`));
  assertEquals([state.epoch, state.stepInEpoch, state.step], [2, 0, 6]);
  assertEquals(
    (await Deno.readTextFile(`${dir}/report/index.html`)).includes("<svg"),
    true,
    "the report embeds the figures",
  );
});

Deno.test("train: stopped mid-epoch and resumed, the run ends bitwise equal", async () => {
  const stop = await runTaskScript("train", [
    ...TINY,
    "--out",
    out,
    "--name",
    "resumed",
    "--stop-after-steps",
    "4",
  ]);
  assertEquals(stop.code, 130, stop.stderr);
  assertMatch(stop.stderr, /stopped at epoch 2, step 1 of 3; checkpoint saved/);
  const state = JSON.parse(
    await Deno.readTextFile(`${out}/resumed/checkpoint-latest/state.json`),
  );
  assertEquals([state.epoch, state.stepInEpoch, state.step], [1, 1, 4]);

  const resumed = await runTaskScript("train", ["--resume", `${out}/resumed`, "--json"]);
  assertEquals(resumed.code, 0, resumed.stderr);
  assertMatch(resumed.stderr, /resuming .*resumed at epoch 2, step 1 of 3/);
  for (const f of ["weights", "optimizer", "collector"]) {
    assert(
      await sameFileBytes(
        `${out}/full/checkpoint-latest/${f}.safetensors`,
        `${out}/resumed/checkpoint-latest/${f}.safetensors`,
      ),
      `${f}.safetensors equals the uninterrupted run's`,
    );
  }
  const full = JSON.parse(await Deno.readTextFile(`${out}/full/summary.json`));
  const again = JSON.parse(resumed.stdout);
  assertEquals(again.test_top1, full.test_top1);
  assertEquals(again.silent_fraction_per_layer, full.silent_fraction_per_layer);
  assertEquals(again.steps, 6);
  // The interrupted epoch's train row still covers the whole epoch.
  const epochRows = async (run: string) =>
    (await Deno.readTextFile(`${out}/${run}/metrics.jsonl`)).trim().split("\n")
      .map((l) => JSON.parse(l)).filter((r) => r.kind === "train" || r.kind === "test");
  const [fr, rr] = [await epochRows("full"), await epochRows("resumed")];
  assertEquals(
    rr.map((r) => [r.kind, r.epoch, r.step, r.samples, r.top1]),
    fr.map((r) => [r.kind, r.epoch, r.step, r.samples, r.top1]),
  );
  // Losses are summed in f32 on the GPU per logging window, so the split windows round apart.
  fr.forEach((r, i) => assert(Math.abs(r.loss - rr[i].loss) <= 1e-5 * Math.abs(r.loss), "loss"));
});

Deno.test("train: resuming keeps the configuration; a finished run needs more --epochs", async () => {
  const changed = await runTaskScript("train", ["--resume", `${out}/full`, "--lr", "0.5"]);
  assertEquals(changed.code, 2);
  assertMatch(errorLines(changed.stderr)[0], /--lr cannot be changed when resuming/);
  const done = await runTaskScript("train", ["--resume", `${out}/full`]);
  assertEquals(done.code, 2);
  assertMatch(errorLines(done.stderr)[0], /already finished 2 of 2 epochs; pass --epochs/);
  const taken = await runTaskScript("train", [...TINY, "--out", out, "--name", "full"]);
  assertEquals(taken.code, 2);
  assertMatch(errorLines(taken.stderr)[0], /already holds a run; use --resume/);
});

Deno.test("train: an Inf/NaN loss stops the run and keeps the last good checkpoint", async () => {
  // Stop a fresh run after its third step (a good checkpoint)...
  const r = await runTaskScript("train", [
    ...TINY,
    "--out",
    out,
    "--name",
    "diverge",
    "--stop-after-steps",
    "3",
  ]);
  assertEquals(r.code, 130, r.stderr);
  // ...then make the classifier weights huge, so the next step's loss is not finite.
  const wpath = `${out}/diverge/checkpoint-latest/weights.safetensors`;
  const file = decodeSafetensors(await bytes(wpath));
  (file.tensors.get("fc.weight")!.data as Float32Array).fill(3e38);
  await Deno.writeFile(wpath, encodeSafetensors(file.tensors, file.metadata!));
  const before = await bytes(wpath);
  const run = await runTaskScript("train", ["--resume", `${out}/diverge`, "--log-every", "1"]);
  assertEquals(run.code, 1, run.stderr);
  const lines = errorLines(run.stderr);
  assertMatch(
    lines[lines.length - 1],
    /^training diverged: the (step|train|test) loss became \S+ at epoch \d, step \d+; the last good checkpoint \(epoch 1, step 3\) is kept in .*diverge\/checkpoint-latest/,
  );
  assert(sameBytes(before, await bytes(wpath)), "the checkpoint was not overwritten");
});

Deno.test("train: Ctrl-C (SIGINT) saves a checkpoint and exits 130", async () => {
  const r = await runTaskScript(
    "train",
    [...TINY, "--out", out, "--name", "sigint", "--log-every", "1"],
    { signal: { afterStderr: /epoch 1\/2 step 1\/3/, signo: "SIGINT" } },
  );
  assertEquals(r.code, 130, r.stderr);
  assertMatch(r.stderr, /interrupted: saving a checkpoint/);
  assertMatch(r.stderr, /stopped at epoch \d, step \d of 3; checkpoint saved/);
  const resumed = await runTaskScript("train", ["--resume", `${out}/sigint`, "--json"]);
  assertEquals(resumed.code, 0, resumed.stderr);
  assert(
    await sameFileBytes(
      `${out}/full/checkpoint-latest/weights.safetensors`,
      `${out}/sigint/checkpoint-latest/weights.safetensors`,
    ),
    "interrupted by a signal and resumed equals the uninterrupted run",
  );
});

Deno.test("cleanup", async () => {
  await Deno.remove(out, { recursive: true });
});
