import assert from "node:assert/strict";
import { setupGpu } from "../tests/util.ts";
import { readFlips, readRunDir } from "@ovsw/train";
import { layerLabel, renderReport, renderSvg } from "./mod.ts";
import { writeSyntheticRun } from "./_synthetic_runs.ts";

await setupGpu();

const shapes = { "layer1.0.conv2.weight": [8, 8, 3, 3], "layer2.0.conv2.weight": [16, 8, 3, 3] };

/** Items (paths, texts) inside each `<g class="mark-TYPE role-mark ...">` group, in order. */
function markCounts(svg: string, type: string): number[] {
  const re = new RegExp(`<g class="mark-${type} role-mark[^>]*>(.*?)</g>`, "gs");
  return [...svg.matchAll(re)].map((m) => (m[1].match(/<(path|text)[ >]/g) ?? []).length);
}

/** Total items of a mark type (line marks put each series in a group of its own). */
function markTotal(svg: string, type: string): number {
  return markCounts(svg, type).reduce((a, b) => a + b, 0);
}

Deno.test("renderReport: one recorded run gives the poster, flip-ratio, accuracy and loss figures", async () => {
  const root = await Deno.makeTempDir();
  await writeSyntheticRun(`${root}/v`, {
    name: "vanilla",
    method: "vanilla",
    stepStd: 0.05,
    epochs: 4,
    steps: 3,
    seed: 11,
    shapes,
  });
  const res = await renderReport([`${root}/v`], `${root}/out`);
  assert.deepEqual(res.figures.map((f) => f.name), [
    "poster",
    "silent",
    "flip_ratio",
    "accuracy",
    "loss",
  ]);
  const flips = await readFlips(`${root}/v/flips.json`);
  const svg = (name: string) => Deno.readTextFileSync(`${root}/out/${name}.svg`);

  const poster = svg("poster");
  assert.ok(poster.startsWith("<svg"));
  // one rect group per layer, 60 bins × (all, never flipped)
  assert.deepEqual(markCounts(poster, "rect"), [120, 120]);
  assert.deepEqual(markCounts(poster, "text"), [1, 1]); // the silent label per panel
  for (const l of flips.layers) {
    assert.ok(poster.includes(layerLabel(l.name)), `${l.name} panel header`);
    const label = `silent ${(100 * l.silentFraction).toFixed(2)}%`;
    assert.ok(poster.includes(label), `label ${label}`);
  }
  for (const s of ["initial weight", "weights", "all weights", "never flipped (silent)"]) {
    assert.ok(poster.includes(`>${s}<`), `poster text ${s}`);
  }

  const ratio = svg("flip_ratio");
  assert.equal(markTotal(ratio, "line"), 4); // per definition, one line per layer
  for (const s of ["flip events / weights", "sign changed over the epoch", "flip ratio (%)"]) {
    assert.ok(ratio.includes(`>${s}<`), `flip ratio text ${s}`);
  }
  assert.ok(ratio.includes('class="mark-group role-legend"'));

  const acc = svg("accuracy");
  assert.equal(markTotal(acc, "line"), 2); // train and test
  for (const s of ["top-1 accuracy (%)", "epoch", "train", "test", "split"]) {
    assert.ok(acc.includes(`>${s}<`), `accuracy text ${s}`);
  }
  assert.ok(svg("loss").includes(">loss (cross-entropy)<"));
  assert.deepEqual(markCounts(svg("silent"), "rect"), [3]); // 2 layers + overall

  const html = Deno.readTextFileSync(res.html);
  assert.equal(html.match(/<svg/g)?.length, 5);
  assert.ok(html.includes("<td>vanilla</td>"));
  await Deno.remove(root, { recursive: true });
});

Deno.test("renderReport: comparison of several runs and the gamma experiment", async () => {
  const root = await Deno.makeTempDir();
  const runs = [["vanilla", 0.02], ["ags", 0.06], ["ovsw", 0.15]] as const;
  for (const [m, step] of runs) {
    await writeSyntheticRun(`${root}/${m}`, {
      name: m,
      method: m,
      stepStd: step,
      epochs: 3,
      steps: 2,
      seed: 5,
      shapes,
    });
  }
  const gammas = [1e-3, 1, 100];
  for (const g of gammas) {
    await writeSyntheticRun(`${root}/g${g}`, {
      name: `vanilla γ=${g}`,
      method: "vanilla",
      gamma: g,
      stepStd: 0.02,
      epochs: 3,
      steps: 1,
      seed: 6,
      flips: false,
    });
  }
  const cmp = await renderReport(runs.map(([m]) => `${root}/${m}`), `${root}/cmp`);
  assert.equal(cmp.runs.length, 3);
  const poster = Deno.readTextFileSync(`${root}/cmp/poster.svg`);
  assert.equal(markCounts(poster, "rect").length, 6); // 2 layers × 3 runs
  for (const [m] of runs) assert.ok(poster.includes(`>${m}<`), `column header ${m}`);
  const acc = Deno.readTextFileSync(`${root}/cmp/accuracy.svg`);
  assert.equal(markTotal(acc, "line"), 6); // 3 runs × train/test
  assert.deepEqual(markCounts(Deno.readTextFileSync(`${root}/cmp/silent.svg`), "rect"), [9]);
  const ratio = Deno.readTextFileSync(`${root}/cmp/flip_ratio.svg`);
  assert.equal(markTotal(ratio, "line"), 12); // 2 definitions × 3 runs × 2 layers

  const g = await renderReport(gammas.map((x) => `${root}/g${x}`), `${root}/gamma`);
  assert.ok(g.figures.some((f) => f.name === "gamma"));
  assert.ok(!g.figures.some((f) => f.name === "poster")); // no flips.json in these runs
  const gamma = Deno.readTextFileSync(`${root}/gamma/gamma.svg`);
  for (const s of ["γ = 1e-3", "γ = 1", "γ = 100", "test top-1 (%)", "train loss", "epoch"]) {
    assert.ok(gamma.includes(`>${s}<`), `gamma text ${s}`);
  }
  assert.equal(markTotal(gamma, "line"), 6); // (accuracy, loss) × 3 γ
  await Deno.remove(root, { recursive: true });
});

Deno.test("readRunDir / renderReport: errors name the directory or file", async () => {
  const root = await Deno.makeTempDir();
  await assert.rejects(() => renderReport([], `${root}/o`), /no run directories/);
  await assert.rejects(
    () => readRunDir(`${root}/missing`),
    /run directory .*missing does not exist/,
  );
  await Deno.mkdir(`${root}/a`);
  await assert.rejects(() => readRunDir(`${root}/a`), /a: config\.json not found/);
  await Deno.writeTextFile(`${root}/a/config.json`, `{"name":"x"}`);
  await assert.rejects(() => readRunDir(`${root}/a`), /config\.json: "method" must be/);
  await Deno.writeTextFile(`${root}/a/config.json`, `{"name":"x","method":"m","gamma":-1}`);
  await assert.rejects(() => readRunDir(`${root}/a`), /"gamma" must be a positive number/);
  await Deno.writeTextFile(`${root}/a/config.json`, `{"name":"x","method":"m"}`);
  await Deno.writeTextFile(`${root}/a/metrics.jsonl`, `not json\n`);
  await assert.rejects(() => renderReport([`${root}/a`], `${root}/o`), /metrics\.jsonl:1/);
  await Deno.remove(`${root}/a/metrics.jsonl`);
  const empty = await renderReport([`${root}/a`], `${root}/o`);
  assert.equal(empty.figures.length, 0);
  assert.ok(Deno.readTextFileSync(empty.html).includes("no epoch rows"));
  await Deno.remove(root, { recursive: true });
});

Deno.test("renderSvg renders a plain Vega-Lite spec", async () => {
  const svg = await renderSvg({
    data: { values: [{ x: 1, y: 2 }, { x: 2, y: 1 }] },
    mark: "point",
    encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
  });
  assert.deepEqual(markCounts(svg, "symbol"), [2]);
});
