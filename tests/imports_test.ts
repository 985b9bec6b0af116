/**
 * The public surface: which npm packages each package's entry point pulls in (`deno info`), and
 * what the root module leaves out.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import * as root from "../mod.ts";
import * as data from "@ovsw/data";
import * as gpu from "@ovsw/gpu";
import * as init from "@ovsw/init";
import * as layers from "@ovsw/layers";
import * as metrics from "@ovsw/metrics";
import * as models from "@ovsw/models";
import * as optim from "@ovsw/optim";

const ROOT_DIR = fileURLToPath(new URL("..", import.meta.url));

/** The npm packages in the module graph of `entry` (a path relative to the repository root). */
async function npmPackagesOf(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT_DIR,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `deno info ${entry} failed: ${err}`);
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { kind?: string; specifier: string; npmPackage?: string }[];
  };
  return graph.modules
    .filter((m) => m.kind === "npm" || m.specifier.startsWith("npm:"))
    .map((m) => m.npmPackage ?? m.specifier);
}

const NPM_FREE = [
  "gpu/mod.ts",
  "layers/mod.ts",
  "optim/mod.ts",
  "init/mod.ts",
  "models/mod.ts",
  "data/mod.ts",
];

for (const entry of NPM_FREE) {
  Deno.test(`${entry} pulls in no npm package`, async () => {
    assert.deepEqual(await npmPackagesOf(entry), [], entry);
  });
}

for (const entry of ["metrics/mod.ts", "train/mod.ts", "mod.ts"]) {
  Deno.test(`${entry} pulls in no plotting library (vega, vega-lite)`, async () => {
    const plotting = (await npmPackagesOf(entry)).filter((p) => /(^|\/)vega/.test(p));
    assert.deepEqual(plotting, [], entry);
  });
}

Deno.test("report/mod.ts is where vega and vega-lite come in (the check above can fail)", async () => {
  const npm = await npmPackagesOf("report/mod.ts");
  assert.ok(npm.some((p) => /(^|\/)vega-lite@/.test(p)), npm.join(", "));
  assert.ok(npm.some((p) => /(^|\/)vega@/.test(p)), npm.join(", "));
});

Deno.test("the root module exports what a user trains with, not internals, the CLI or the report", () => {
  const names = Object.keys(root);
  for (const internal of ["acquireBuffer", "recordDispatch", "track", "untrack", "setPoison"]) {
    assert.ok(!names.includes(internal), `root exports the internal ${internal}`);
  }
  assert.deepEqual(names.filter((n) => /Main$/.test(n)), [], "no task *Main functions");
  for (const other of ["renderReport", "renderSvg", "posterSpec", "renderRunReport"]) {
    assert.ok(!names.includes(other), `root exports ${other}`);
  }
  for (
    const needed of [
      "initGpu",
      "Tensor",
      "tidy",
      "kaimingNormal",
      "BinaryConv2d",
      "createModel",
      "ovsw",
      "ags",
      "sad",
      "FlipCollector",
      "TrainingMetrics",
      "DataLoader",
      "loadData",
      "trainStep",
      "valueAndGrad",
      "evaluate",
    ]
  ) {
    assert.ok(names.includes(needed), `root lacks ${needed}`);
  }
});

Deno.test("the root module re-exports every value of the training packages (nothing forgotten)", () => {
  const names = new Set(Object.keys(root));
  const left = new Set([
    "LiveLine",
    "progressBarCells",
    "progressLine",
    "stderrProgress",
    "stderrSink",
  ]);
  const packages = { gpu, init, layers, models, optim, metrics, data };
  for (const [pkg, mod] of Object.entries(packages)) {
    const missing = Object.keys(mod).filter((n) => !names.has(n) && !left.has(n));
    assert.deepEqual(missing, [], `@ovsw/${pkg} names the root module lacks`);
  }
});
