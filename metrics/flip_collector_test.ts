import assert from "node:assert/strict";
import { engineStats, memory, resetStats, Tensor, writeInOrder } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../tests/util.ts";
import { FlipCollector, type FlipReport } from "./mod.ts";

await setupGpu();

/** float64 CPU model of the collector, fed the same weight sequence. */
class SimLayer {
  readonly init: Float32Array;
  readonly prev: Int8Array;
  readonly start: Int8Array;
  readonly ever: Uint8Array;
  readonly count: Uint32Array;
  epochEvents = 0;
  lastStep = 0;
  totalFlips = 0;
  epochs: { flipEvents: number; signChanged: number }[] = [];

  constructor(w: Float32Array) {
    this.init = Float32Array.from(w);
    this.prev = Int8Array.from(w, Math.sign);
    this.start = Int8Array.from(this.prev);
    this.ever = new Uint8Array(w.length);
    this.count = new Uint32Array(w.length);
  }

  step(w: Float32Array): void {
    let flips = 0;
    for (let i = 0; i < w.length; i++) {
      const s = Math.sign(w[i]);
      if (s !== this.prev[i]) {
        flips++;
        this.ever[i] = 1;
        this.count[i]++;
        this.prev[i] = s;
      }
    }
    this.epochEvents += flips;
    this.totalFlips += flips;
    this.lastStep = flips;
  }

  endEpoch(): void {
    let changed = 0;
    for (let i = 0; i < this.prev.length; i++) {
      if (this.prev[i] !== this.start[i]) changed++;
      this.start[i] = this.prev[i];
    }
    this.epochs.push({ flipEvents: this.epochEvents, signChanged: changed });
    this.epochEvents = 0;
  }
}

/** Next weights: some keep their value, some move within their sign, some cross or hit 0. */
function nextWeights(w: Float32Array, rng: Prng): Float32Array<ArrayBuffer> {
  const out = Float32Array.from(w);
  for (let i = 0; i < w.length; i++) {
    if (i % 7 === 3) continue; // a guaranteed-silent subset
    const u = rng.uniform();
    if (u < 0.55) continue;
    else if (u < 0.7) out[i] = w[i] * (0.5 + rng.uniform());
    else if (u < 0.8) out[i] = -w[i] + (w[i] === 0 ? rng.normal() * 0.1 : 0);
    else if (u < 0.9) out[i] = 0;
    else out[i] = rng.normal() * 0.1;
  }
  return out;
}

function checkLayer(
  got: FlipReport["layers"][number],
  sim: SimLayer,
  epochSteps: number[],
  openSteps: number,
  seed: number,
) {
  const n = sim.init.length;
  const what = `${got.name} (seed ${seed})`;
  const silent = n - sim.ever.reduce((a, v) => a + v, 0);
  let same = 0;
  for (let i = 0; i < n; i++) if (sim.prev[i] === Math.sign(sim.init[i])) same++;
  assert.equal(got.weights, n, what);
  assert.equal(got.silent, silent, `${what}: silent count`);
  assert.equal(got.silentFraction, silent / n, what);
  assert.equal(got.sameSignAsInit, same, `${what}: same sign as init`);
  assert.equal(got.totalFlips, sim.totalFlips, `${what}: total flips`);
  assert.equal(got.flipsPerWeight, sim.totalFlips / n, what);
  assert.equal(got.lastStepFlips, sim.lastStep, `${what}: last step flips`);
  assert.deepEqual(
    got.epochs.map((e) => [e.epoch, e.steps, e.flipEvents, e.signChanged]),
    sim.epochs.map((e, i) => [i + 1, epochSteps[i], e.flipEvents, e.signChanged]),
    `${what}: epochs`,
  );
  for (const e of got.epochs) {
    assert.equal(e.flipRatio, e.flipEvents / n);
    assert.equal(e.signChangeRatio, e.signChanged / n);
  }
  assert.deepEqual(got.openEpoch, { steps: openSteps, flipEvents: sim.epochEvents }, what);

  // Initial moments against float64.
  const mean = sim.init.reduce((a, v) => a + v, 0) / n;
  const std = Math.sqrt(sim.init.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  assertClose([got.initMean], [mean], 1e-4, `${what} initMean`, std);
  assertClose([got.initStd], [std], 1e-4, `${what} initStd`);

  // Histograms: same f32 binning rule as the kernel, on the reported range.
  const h = got.histogram;
  const bins = h.bins;
  const half = 4 * got.initStd;
  const lo = Math.fround(-half);
  const scale = Math.fround(bins / (2 * half));
  assert.equal(h.lo, lo);
  const all = new Array(bins + 2).fill(0);
  const sil = new Array(bins + 2).fill(0);
  for (let i = 0; i < n; i++) {
    const t = Math.fround(Math.fround(sim.init[i] - lo) * scale);
    const b = t >= bins ? bins + 1 : t >= 0 ? Math.floor(t) + 1 : 0;
    all[b]++;
    if (!sim.ever[i]) sil[b]++;
  }
  assert.deepEqual(h.all, all.slice(1, bins + 1), `${what}: histogram (all)`);
  assert.deepEqual(h.silent, sil.slice(1, bins + 1), `${what}: histogram (silent)`);
  assert.deepEqual(h.underflow, { all: all[0], silent: sil[0] });
  assert.deepEqual(h.overflow, { all: all[bins + 1], silent: sil[bins + 1] });
  const total = h.all.reduce((a, v) => a + v, 0) + h.underflow.all + h.overflow.all;
  const totalSilent = h.silent.reduce((a, v) => a + v, 0) + h.underflow.silent +
    h.overflow.silent;
  assert.equal(total, n, `${what}: histogram total`);
  assert.equal(totalSilent, silent, `${what}: silent histogram total`);
  assert.equal(h.edges.length, bins + 1);
}

function makeParams(rng: Prng) {
  const shapes: Record<string, number[]> = { "a.weight": [10, 100], "b.weight": [3, 2, 3, 3] };
  const host: Record<string, Float32Array<ArrayBuffer>> = {};
  const params: Record<string, Tensor> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const w = Float32Array.from(rng.normalArray(n, 0, 0.05));
    for (let i = 0; i < n; i += 11) w[i] = 0; // exact zeros at init
    // far tails so under/overflow are exercised
    w[1] = 1;
    w[2] = -1;
    host[name] = w;
    params[name] = Tensor.from(w, shape);
    params[name].tag = "binary";
  }
  params["fc.weight"] = Tensor.from([1, 2, 3, 4], [2, 2]);
  params["fc.weight"].tag = "float";
  return { host, params };
}

Deno.test("FlipCollector matches a CPU simulation (flips, silent, epochs, zeros, histograms)", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const { host, params } = makeParams(rng);
  const c = new FlipCollector(params);
  assert.deepEqual(c.names, ["a.weight", "b.weight"]);
  const sims: Record<string, SimLayer> = {};
  for (const name of c.names) sims[name] = new SimLayer(host[name]);
  const epochSteps: number[] = [];
  const runEpoch = (steps: number, close: boolean) => {
    for (let s = 0; s < steps; s++) {
      for (const name of c.names) {
        host[name] = nextWeights(host[name], rng);
        writeInOrder(params[name].buffer, host[name]);
        sims[name].step(host[name]);
      }
      c.step();
    }
    if (close) {
      c.endEpoch();
      for (const name of c.names) sims[name].endEpoch();
      epochSteps.push(steps);
    }
  };
  runEpoch(5, true);
  runEpoch(1, true);
  const r1 = await c.report();
  c.names.forEach((name, i) => checkLayer(r1.layers[i], sims[name], epochSteps, 0, seed));
  runEpoch(4, true);
  runEpoch(0, true); // an empty epoch
  runEpoch(2, false);
  const r2 = await c.report();
  assert.equal(r2.steps, 12);
  assert.equal(r2.epochs, 4);
  c.names.forEach((name, i) => checkLayer(r2.layers[i], sims[name], epochSteps, 2, seed));
  const o = r2.overall;
  assert.equal(o.weights, 1054);
  assert.equal(o.silent, r2.layers[0].silent + r2.layers[1].silent);
  assert.equal(o.totalFlips, sims["a.weight"].totalFlips + sims["b.weight"].totalFlips);
  assert.deepEqual(
    o.epochs.map((e) => e.flipEvents),
    sims["a.weight"].epochs.map((e, i) => e.flipEvents + sims["b.weight"].epochs[i].flipEvents),
  );
  assert.ok(o.silent > 0 && o.silent < o.weights);
  c.dispose();
  Object.values(params).forEach((t) => t.dispose());
});

Deno.test("FlipCollector: growth past 16 epochs, a zero crossing script", async () => {
  const w = Tensor.from([0.5, 0, -0.25, 0.125], [4]);
  w.tag = "binary";
  const c = new FlipCollector({ w });
  // element 0: 0.5 → 0 → 0 → -0.5 ... ; element 1 starts at 0 and leaves it; 2, 3 stay.
  const script = [
    [0, 0.1, -0.25, 0.125],
    [0, 0.1, -0.3, 0.125],
    [-0.5, 0.1, -0.3, 0.125],
    [0.5, 0, -0.3, 0.125],
  ];
  for (let e = 0; e < 20; e++) {
    for (const v of script) {
      writeInOrder(w.buffer, Float32Array.from(v));
      c.step();
    }
    c.endEpoch();
  }
  const r = await c.report();
  const l = r.layers[0];
  // per epoch: element 0 flips 3 times (0.5→0, 0→-0.5, -0.5→0.5), element 1 twice.
  // First epoch starts from [0.5, 0]; each epoch ends at [0.5, 0]: no sign changed.
  assert.equal(l.epochs.length, 20);
  for (const e of l.epochs) {
    assert.equal(e.flipEvents, 5);
    assert.equal(e.signChanged, 0);
    assert.equal(e.steps, 4);
  }
  assert.equal(l.silent, 2);
  assert.equal(l.sameSignAsInit, 4);
  assert.equal(l.totalFlips, 100);
  assert.equal(l.lastStepFlips, 2);
  c.dispose();
  w.dispose();
});

Deno.test("FlipCollector: one step kernel for several tensors, one epoch kernel per tensor, no readback, flat memory", async () => {
  const rng = new Prng(freshSeed());
  const { params } = makeParams(rng);
  const c = new FlipCollector(params);
  c.step();
  c.endEpoch();
  await c.report();
  const before = memory().tensors;
  resetStats();
  for (let i = 0; i < 5; i++) c.step();
  assert.equal(engineStats().dispatches, 5, "both tensors' step in one dispatch");
  c.endEpoch();
  assert.equal(engineStats().dispatches, 5 + 2);
  assert.equal(engineStats().readbacks, 0);
  assert.equal(memory().tensors, before);
  await c.report();
  assert.equal(memory().tensors, before);
  c.dispose();
  Object.values(params).forEach((t) => t.dispose());
});

Deno.test("FlipCollector: serialize/restore continues exactly; 64-bit epoch counter carries", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const { host, params } = makeParams(rng);
  const a = new FlipCollector(params);
  const advance = (steps: number, cs: FlipCollector[]) => {
    for (let s = 0; s < steps; s++) {
      for (const name of a.names) {
        host[name] = nextWeights(host[name], rng);
        writeInOrder(params[name].buffer, host[name]);
      }
      cs.forEach((c) => c.step());
    }
  };
  advance(3, [a]);
  a.endEpoch();
  advance(2, [a]);
  const state = await a.serialize();
  assert.equal(state.steps, 5);
  assert.equal(state.stepsInEpoch, 2);
  const b = new FlipCollector(params); // a fresh snapshot, replaced by restore
  b.restore(structuredClone(state));
  advance(3, [a, b]);
  a.endEpoch();
  b.endEpoch();
  assert.deepEqual(await b.report(), await a.report(), `seed ${seed}`);

  // Carry: an epoch counter just below 2^32 crosses into the high word.
  const s2 = await a.serialize();
  const lo = 0xffffffff - 3;
  s2.layers["a.weight"].counters[0] = lo;
  const c = new FlipCollector(params);
  c.restore(s2);
  const before = (await c.report()).layers[0].openEpoch.flipEvents;
  assert.equal(before, lo);
  advance(1, [c]);
  const mid = (await c.report()).layers[0];
  assert.ok(mid.lastStepFlips > 4, `seed ${seed}: expected > 4 flips in a step`);
  assert.equal(mid.openEpoch.flipEvents, lo + mid.lastStepFlips);
  c.endEpoch();
  const last = (await c.report()).layers[0].epochs.at(-1)!;
  assert.equal(last.flipEvents, lo + mid.lastStepFlips);

  assert.throws(
    () => c.restore({ ...s2, layers: { "a.weight": s2.layers["a.weight"] } }),
    /missing: b\.weight/,
  );
  const bad = structuredClone(s2);
  bad.layers["b.weight"].shape = [54];
  assert.throws(() => c.restore(bad), /b\.weight has shape \[54\]/);
  [a, b, c].forEach((x) => x.dispose());
  Object.values(params).forEach((t) => t.dispose());
});

Deno.test("FlipCollector: clear errors", () => {
  const t = Tensor.from([1, 2], [2]);
  assert.throws(() => new FlipCollector({ t }), /none of the 1 parameters was selected/);
  assert.throws(() => new FlipCollector({ t }, { select: () => true, bins: 0 }), /bins/);
  const c = new FlipCollector({ t }, { select: () => true });
  c.dispose();
  assert.throws(() => c.step(), /after dispose/);
  t.dispose();
});
