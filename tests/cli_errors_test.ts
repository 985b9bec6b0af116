import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { errorLines, runTaskScript } from "./cli_helpers.ts";

/** Every bad input is exit code 2 and exactly one line on stderr, nothing on stdout. */
async function expectUsageError(
  task: string,
  args: string[],
  pattern: RegExp,
  code = 2,
): Promise<void> {
  const r = await runTaskScript(task, args);
  const lines = errorLines(r.stderr);
  assertEquals(r.code, code, `${task} ${args.join(" ")}: exit code (stderr: ${r.stderr})`);
  assertEquals(lines.length, 1, `${task} ${args.join(" ")}: one line, got ${lines.join(" | ")}`);
  assertMatch(lines[0], /^error: /);
  assertMatch(lines[0], pattern);
  assertEquals(lines[0].includes("    at "), false, "no stack trace");
  assertEquals(r.stdout, "");
}

Deno.test("train: unknown flag, bad values, unreadable config → exit 2, one line", async () => {
  const dir = await Deno.makeTempDir();
  await expectUsageError("train", ["--learning-rate", "0.1"], /unknown flag --learning-rate/);
  await expectUsageError("train", ["--lr", "fast"], /--lr must be a number > 0, got 'fast'/);
  await expectUsageError(
    "train",
    ["--method", "sgd"],
    /--method must be one of vanilla\|ags\|ovsw/,
  );
  await expectUsageError("train", ["--epochs", "0"], /--epochs must be ≥ 1, got 0/);
  await expectUsageError(
    "train",
    ["--seed", "4294967297"],
    /--seed must be ≥ 0 and ≤ 4294967295, got 4294967297/,
  );
  await expectUsageError("train", ["--config", `${dir}/nope.json`], /cannot read config file/);
  await Deno.writeTextFile(`${dir}/bad.json`, "{ epochs: 3 }");
  await expectUsageError("train", ["--config", `${dir}/bad.json`], /bad\.json is not valid JSON/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("train: missing dataset, wrong model, bad resume directory → exit 2, one line", async () => {
  const dir = await Deno.makeTempDir();
  await expectUsageError(
    "train",
    ["--data-dir", `${dir}/nowhere`, "--out", dir],
    /nowhere: directory not found/,
  );
  await expectUsageError(
    "train",
    ["--dataset", "cifar10", "--data-dir", dir, "--out", dir],
    /no complete CIFAR-10 found/,
  );
  await expectUsageError(
    "train",
    ["--model", "alexnet", "--train-limit", "8", "--test-limit", "8", "--out", dir],
    /--model: unknown model "alexnet"/,
  );
  await expectUsageError(
    "train",
    ["--model", "cresnet20", "--train-limit", "8", "--test-limit", "8", "--out", dir],
    /--model cresnet20 takes 3×32×32 images but the data has 1×28×28/,
  );
  await expectUsageError("train", ["--resume", `${dir}/no-run`], /config\.json: not found/);
  await expectUsageError(
    "train",
    ["--train-limit", "6001", "--test-limit", "8", "--out", dir],
    /--train-limit 6001 is more than the 6000 training images of Fashion-MNIST \(embedded\)/,
  );
  await expectUsageError(
    "train",
    ["--train-limit", "8", "--test-limit", "1001", "--out", dir],
    /--test-limit 1001 is more than the 1000 test images/,
  );
  // An unwritable --out (a path under a regular file: root ignores permission bits) is one
  // line naming the path, exit 1.
  await Deno.writeTextFile(`${dir}/file`, "");
  await expectUsageError(
    "train",
    ["--train-limit", "8", "--test-limit", "8", "--out", `${dir}/file`, "--name", "r"],
    new RegExp(`^error: cannot write ${dir}/file/r: a parent of it is a file, not a directory$`),
    1,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("--help prints every flag with its default on stdout, exit 0", async () => {
  const r = await runTaskScript("train", ["--help"]);
  assertEquals(r.code, 0);
  assertMatch(r.stdout, /^usage: deno task train/);
  assertMatch(r.stdout, /--batch-size <n> +mini-batch size .*\(default: \d+\)/);
  assertMatch(r.stdout, /--dampen-weight <x> .*\(default: 0\.0009\)/);
});
