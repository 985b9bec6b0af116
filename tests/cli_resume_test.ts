import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { errorLines, runTaskScript, sameFileBytes, tinyRun } from "./cli_helpers.ts";

const TINY = tinyRun(1);

const out = await Deno.makeTempDir({ prefix: "ovsw-cli-resume-" });

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(path));
}

/** Rewrites a JSON file through `edit`, runs `body`, then puts the original back. */
async function withEdited(
  path: string,
  edit: (v: Record<string, unknown>) => void,
  body: () => Promise<void>,
): Promise<void> {
  const original = await Deno.readTextFile(path);
  const v = JSON.parse(original);
  edit(v);
  await Deno.writeTextFile(path, JSON.stringify(v));
  try {
    await body();
  } finally {
    await Deno.writeTextFile(path, original);
  }
}

/** `train --resume dir` must fail with exit 2 and one line matching `pattern`. */
async function refusesResume(dir: string, pattern: RegExp, extra: string[] = []): Promise<void> {
  const r = await runTaskScript("train", ["--resume", dir, ...extra]);
  const lines = errorLines(r.stderr);
  assertEquals(r.code, 2, r.stderr);
  assertMatch(lines[lines.length - 1], pattern);
}

Deno.test("a run killed before its first checkpoint is restarted by --resume", async () => {
  const dir = `${out}/restart`;
  const killed = await runTaskScript("train", [...TINY, "--out", out, "--name", "restart"], {
    signal: { afterStderr: /^run .*restart/m, signo: "SIGKILL" },
  });
  assertEquals(killed.code, 137, killed.stderr);
  assert((await Deno.stat(`${dir}/config.json`)).isFile);
  const again = await runTaskScript("train", [...TINY, "--out", out, "--name", "restart"]);
  assertEquals(again.code, 2);
  assertMatch(
    errorLines(again.stderr)[0],
    /already holds a run; use --resume .*restart to continue it \(or to restart it when it has no checkpoint yet\)/,
  );
  const r = await runTaskScript("train", ["--resume", dir, "--json"]);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stderr, /warning: taking over the lock of .*restart left by process \d+/);
  assertMatch(r.stderr, /has no complete checkpoint yet: restarting the run from the beginning/);
  assertEquals(JSON.parse(r.stdout).steps, 6);
  assertEquals(await Deno.readTextFile(`${dir}/lock`), "", "the lock is released at the end");
});

Deno.test("--checkpoint-every: a SIGKILL loses at most n steps; resume ends bitwise equal", async () => {
  const dir = `${out}/killed`;
  const killed = await runTaskScript(
    "train",
    [...TINY, "--out", out, "--name", "killed", "--checkpoint-every", "2"],
    { signal: { afterStderr: /epoch 2\/2 step 2\/3/, signo: "SIGKILL" } },
  );
  assertEquals(killed.code, 137, killed.stderr);
  // Step 5 was logged, so the checkpoint of step 4 (mid-epoch 2) is complete.
  const state = await readJson(`${dir}/checkpoint-latest/state.json`);
  assertEquals([state.epoch, state.stepInEpoch, state.step], [1, 1, 4]);
  const r = await runTaskScript("train", ["--resume", dir, "--json"]);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stderr, /taking over the lock/);
  assertMatch(r.stderr, /resuming .*killed at epoch 2, step 1 of 3/);
  for (const f of ["weights", "optimizer", "collector"]) {
    assert(
      await sameFileBytes(
        `${out}/restart/checkpoint-latest/${f}.safetensors`,
        `${dir}/checkpoint-latest/${f}.safetensors`,
      ),
      `${f}.safetensors equals the uninterrupted run's`,
    );
  }
});

Deno.test("resume refuses an edited config.json or state.json, naming the field", async () => {
  const dir = `${out}/edited`;
  const stop = await runTaskScript(
    "train",
    [...TINY, "--out", out, "--name", "edited", "--stop-after-steps", "1"],
  );
  assertEquals(stop.code, 130, stop.stderr);
  const config = `${dir}/config.json`;
  const state = `${dir}/checkpoint-latest/state.json`;
  const cfg = (v: Record<string, unknown>) => v.config as Record<string, unknown>;
  for (const [key, value] of [["batchSize", 4], ["trainLimit", 16], ["lr", 0.05]] as const) {
    await withEdited(config, (v) => (cfg(v)[key] = value), () =>
      refusesResume(
        dir,
        new RegExp(`config\\.json: "config\\.${key}" differs from the value .*checkpoint-latest`),
      ));
  }
  await withEdited(
    state,
    (v) => (v.step = 7),
    () => refusesResume(dir, /state\.json: "step" differs from the value .*refusing to resume/),
  );
});

Deno.test("a second process on a run fails with a clear message (the lock)", async () => {
  const dir = `${out}/edited`;
  // This test process plays the first one: it holds the lock as a training process does.
  const lock = await Deno.open(`${dir}/lock`, { read: true, write: true });
  try {
    assert(await lock.tryLock(true));
    await lock.write(new TextEncoder().encode(JSON.stringify({ pid: Deno.pid, since: "now" })));
    await refusesResume(dir, new RegExp(`edited is in use by process ${Deno.pid} \\(since now\\)`));
  } finally {
    await lock.truncate(0);
    await lock.unlock();
    lock.close();
  }
});

Deno.test("resume refuses another WebGPU backend unless --allow-backend-change", async () => {
  const dir = `${out}/edited`;
  const config = `${dir}/config.json`;
  const other = (
    v: Record<string, unknown>,
  ) => ((v.backend as Record<string, unknown>).backend = "other-backend");
  await withEdited(
    config,
    other,
    () => refusesResume(dir, /was trained on backend other-backend .*--allow-backend-change/),
  );
  const original = await readJson(config);
  other(original);
  await Deno.writeTextFile(config, JSON.stringify(original));
  const r = await runTaskScript("train", ["--resume", dir, "--allow-backend-change", "--json"]);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stderr, /warning: .*other-backend.*the results will differ bit-wise/);
  const after = await readJson(config);
  const changes = after.backendChanges as { step: number; from: { backend: string } }[];
  assertEquals([changes[0].step, changes[0].from.backend], [1, "other-backend"]);
});

Deno.test("Ctrl-C is honoured within one step, without waiting for a log line", async () => {
  const r = await runTaskScript(
    "train",
    [
      ...TINY,
      "--epochs",
      "1",
      "--train-limit",
      "64",
      "--log-every",
      "100",
      "--out",
      out,
      "--name",
      "sigint",
    ],
    { signal: { afterStderr: /^run .*sigint/m, signo: "SIGINT" } },
  );
  assertEquals(r.code, 130, r.stderr);
  const m = r.stderr.match(/stopped at epoch 1, step (\d+) of 8; checkpoint saved/);
  assert(m !== null, r.stderr);
  assert(Number(m[1]) < 8, `stopped inside the epoch, at step ${m[1]}`);
});

Deno.test("cleanup", async () => {
  await Deno.remove(out, { recursive: true });
});
