import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  rejects as assertRejects,
} from "node:assert/strict";
import { TRAIN_CONFIG_KEYS } from "@ovsw/train";
import { helpText, parseCli } from "./args.ts";
import { UsageError } from "./errors.ts";
import { TRAIN_FLAGS } from "./flags.ts";
import {
  COMPARE_TASK,
  CONFIG_FLAG_KEYS,
  EVAL_TASK,
  GAMMA_TASK,
  REPORT_TASK,
  toTrainConfig,
  TRAIN_TASK,
} from "./tasks.ts";

async function usageError(argv: string[], pattern: RegExp, task = TRAIN_TASK): Promise<void> {
  let caught: unknown;
  try {
    await parseCli(task, argv);
  } catch (e) {
    caught = e;
  }
  if (!(caught instanceof UsageError)) throw new Error(`expected a UsageError for ${argv}`);
  assertEquals(caught.exitCode, 2);
  assertEquals(caught.message.includes("\n"), false, "one line");
  assertMatch(caught.message, pattern);
}

Deno.test("parseCli: defaults, and every flag of the issue exists in kebab-case", async () => {
  const { values, source, help } = await parseCli(TRAIN_TASK, []);
  assertEquals(help, false);
  assertEquals(values.model, "vgg-small-28");
  assertEquals(values.method, "ovsw");
  assertEquals(values.delta, 0.04);
  assertEquals(values.dampenWeight, 9e-4);
  assertEquals(values.dataDir, null);
  assertEquals(source.lr, "default");
  const required = [
    "model",
    "dataset",
    "data-dir",
    "download",
    "method",
    "delta",
    "dampen-weight",
    "track-momentum",
    "track-threshold",
    "tracker-init",
    "epochs",
    "batch-size",
    "lr",
    "momentum",
    "nesterov",
    "weight-decay",
    "no-bn-decay",
    "warmup",
    "schedule",
    "init",
    "gamma",
    "label-smoothing",
    "seed",
    "train-limit",
    "test-limit",
    "eval-every",
    "out",
    "name",
    "resume",
    "config",
    "json",
  ]; // deno-fmt-ignore
  const names = TRAIN_FLAGS.map((f) => f.name);
  for (const r of required) assertEquals(names.includes(r), true, `--${r}`);
});

Deno.test("parseCli: flags are parsed and typed", async () => {
  const { values, source } = await parseCli(TRAIN_TASK, [
    "--epochs=4",
    "--lr",
    "0.05",
    "--nesterov",
    "--no-bn-decay",
    "--train-limit",
    "none",
    "--method",
    "ags",
    "--gamma",
    "1e-3",
  ]);
  assertEquals(values.epochs, 4);
  assertEquals(values.lr, 0.05);
  assertEquals(values.nesterov, true);
  assertEquals(values.noBnDecay, true);
  assertEquals(values.trainLimit, null);
  assertEquals(values.method, "ags");
  assertEquals(values.gamma, 1e-3);
  assertEquals(source.lr, "flag");
  const cfg = toTrainConfig(values);
  assertEquals(Object.keys(cfg), [...TRAIN_CONFIG_KEYS]);
  // The run directory's configuration and the training flags describe the same keys.
  assertEquals([...CONFIG_FLAG_KEYS].sort(), [...TRAIN_CONFIG_KEYS].sort());
  assertEquals("json" in cfg, false);
});

Deno.test("parseCli: --config values, overridden by flags", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/c.json`;
  await Deno.writeTextFile(
    path,
    JSON.stringify({ "lr": 0.2, "batchSize": 32, "method": "vanilla", "train-limit": null }),
  );
  const { values, source } = await parseCli(TRAIN_TASK, ["--config", path, "--lr", "0.3"]);
  assertEquals(values.lr, 0.3);
  assertEquals(source.lr, "flag");
  assertEquals(values.batchSize, 32);
  assertEquals(source.batchSize, "config");
  assertEquals(values.method, "vanilla");
  assertEquals(values.trainLimit, null);
  await Deno.writeTextFile(path, JSON.stringify({ "learning-rate": 1 }));
  await usageError(["--config", path], /config file .*c\.json: unknown key "learning-rate"/);
  await Deno.writeTextFile(path, JSON.stringify({ epochs: "many" }));
  await usageError(["--config", path], /c\.json: "epochs" must be an integer/);
  await Deno.writeTextFile(path, "{ not json");
  await usageError(["--config", path], /c\.json is not valid JSON/);
  await Deno.writeTextFile(path, "[1, 2]");
  await usageError(["--config", path], /must hold a JSON object/);
  await usageError(["--config", `${dir}/missing.json`], /cannot read config file .*missing/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("parseCli: bad input is one clear line", async () => {
  await usageError(["--learning-rate", "1"], /unknown flag --learning-rate/);
  await usageError(["--lr", "abc"], /--lr must be a number > 0, got 'abc'/);
  await usageError(["--lr", "0"], /--lr must be > 0, got 0/);
  await usageError(["--epochs", "1.5"], /--epochs must be an integer/);
  await usageError(["--method", "adam"], /--method must be one of vanilla\|ags\|ovsw/);
  await usageError(["--momentum", "2"], /--momentum must be ≥ 0 and ≤ 1, got 2/);
  await usageError(["--epochs"], /--epochs needs a value/);
  await usageError(["--json=yes"], /--json is a switch/);
  await usageError(["stray"], /unexpected argument stray/);
  await usageError(["--epochs", "none"], /--epochs cannot be none/);
  await usageError([], /needs at least 1 run-dir/, REPORT_TASK);
  await usageError(["--gammas", "1,x"], /--gammas must be a number/, GAMMA_TASK);
  await usageError(["--methods", "ovsw,sgd"], /--methods must be one of/, COMPARE_TASK);
});

Deno.test("parseCli: task-specific defaults and lists", async () => {
  const g = await parseCli(GAMMA_TASK, ["--gammas", "1e-3,1,1e3"]);
  assertEquals(g.values.gammas, [1e-3, 1, 1e3]);
  assertEquals(g.values.methods, ["vanilla", "ags"]);
  assertEquals(g.values.trainLimit, 512);
  const c = await parseCli(COMPARE_TASK, []);
  assertEquals(c.values.methods, ["vanilla", "ags", "ovsw"]);
  const r = await parseCli(REPORT_TASK, ["a", "b"]);
  assertEquals(r.positionals, ["a", "b"]);
  const e = await parseCli(EVAL_TASK, ["--run", "x"]);
  assertEquals(e.values.run, "x");
  assertEquals(e.values.checkpoint, "best");
});

Deno.test("helpText lists every flag with its default", async () => {
  for (const task of [TRAIN_TASK, EVAL_TASK, REPORT_TASK, COMPARE_TASK, GAMMA_TASK]) {
    const text = helpText(task);
    for (const f of task.flags) {
      const line = text.split("\n").find((l) =>
        l.trimStart().startsWith(`--${f.name} `) ||
        l.trim() === `--${f.name}` || l.trimStart().startsWith(`--${f.name}  `)
      );
      if (!line) throw new Error(`${task.name}: --${f.name} missing from help`);
      assertMatch(line, /\(default: [^)]+\)$/);
    }
    assertEquals((await parseCli(task, ["--help"])).help, true);
  }
  assertMatch(
    helpText(TRAIN_TASK),
    /--lr <x> +base learning rate η₀ \(default: the method's recipe\)/,
  );
});

Deno.test("parseCli rejects a nested config key", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/c.json`, JSON.stringify({ config: "x.json" }));
  await assertRejects(() => parseCli(TRAIN_TASK, ["--config", `${dir}/c.json`]), UsageError);
  await Deno.remove(dir, { recursive: true });
});
