import assert from "node:assert/strict";
import { setupGpu } from "../tests/util.ts";
import { main, type SummaryJson } from "./summary.ts";

await setupGpu();

async function capture(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    const code = await main(args);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("summary --json for vgg-small-28 and cResNet20 (alias, CIFAR-100)", async () => {
  const r = await capture(["--model", "vgg-small-28", "--json"]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as SummaryJson;
  assert.equal(j.params, 577_866);
  assert.equal(j.binary_params, 552_960);
  assert.equal(j.float_params, 577_866 - 552_960);
  assert.deepEqual(j.input_shape, [1, 1, 28, 28]);
  assert.deepEqual(j.output_shape, [1, 10]);
  const c = JSON.parse(
    (await capture(["--model", "cResNet20_1w1a", "--json", "--classes", "100"])).out,
  );
  assert.equal(c.params, 269_850 + 90 * 65);
  assert.equal(c.binary_params, 267_264);
  assert.equal(c.binary_macs, 40_108_032);
  const t = await capture(["--model", "cresnet20"]);
  assert.match(t.out, /Parameters: 269,850 \(binary 267,264, float 2,586\)/);
});

Deno.test("summary: unknown model, bad flags → one line and exit code 2", async () => {
  const r = await capture(["--model", "resnet50"]);
  assert.equal(r.code, 2);
  assert.equal(r.err.split("\n").length, 1);
  assert.match(r.err, /^error: --model: unknown model "resnet50"; choose one of cresnet20,/);
  assert.equal((await capture([])).code, 2);
  assert.match(
    (await capture(["--model", "cresnet20", "--classes", "x"])).err,
    /--classes must be/,
  );
  assert.equal((await capture(["--modle", "cresnet20"])).code, 2);
  assert.equal((await capture(["--help"])).code, 0);
});
