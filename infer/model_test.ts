import { BnnModel } from "./model.ts";
import { decodeExport, encodeExport, type HeaderDraft } from "./format.ts";
import { referenceLogits } from "./_reference.ts";

/**
 * Fresh pseudo-random multiples of 1/64 in [−1, 1] (seeded from the clock: new inputs every
 * run). Dyadic values keep every sum that feeds a sign exact in f32 as in f64, so no sign can
 * flip between the engine and the reference; some values are exactly 0.
 */
function randoms(n: number, state: { s: number }): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    state.s = (state.s * 1664525 + 1013904223) >>> 0;
    out[i] = Math.round((state.s / 2 ** 31 - 1) * 64) / 64;
  }
  return out;
}

function randomBits(n: number, state: { s: number }): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    state.s = (state.s * 1664525 + 1013904223) >>> 0;
    out[i] = state.s ^ (state.s << 13) >>> 0;
  }
  return out;
}

/**
 * Makes each sample's sum an odd multiple of 2/256 while every value stays dyadic: two odd
 * multiples of 1/256 per sample, the rest multiples of 1/64. No value can then equal its
 * sample's mean, and the distance (≥ 1/(256·size)) dwarfs the f32 rounding of the mean, so
 * `sample_centre` feeds the same signs to the binary conv as the f64 reference.
 */
function noTiesWithSampleMean(x: Float32Array, batch: number): void {
  const per = x.length / batch;
  for (let b = 0; b < batch; b++) {
    x[b * per] = 3 / 256;
    x[b * per + 1] = -5 / 256;
  }
}

/** A graph with every op kind, random weights, zero weights and zero activations. */
function everyOpModel(seed: number) {
  const st = { s: seed };
  const blobs = new Map<string, { shape: number[]; data: Float32Array | Uint32Array }>();
  const f = (name: string, shape: number[], scale = 1) => {
    const data = randoms(shape.reduce((a, b) => a * b, 1), st).map((v) => v * scale);
    blobs.set(name, { shape, data });
    return name;
  };
  const bits = (name: string, shape: number[], channels: number) => {
    const data = randomBits(shape.reduce((a, b) => a * b, 1), st);
    const cw = shape[2];
    for (let i = 0; i < data.length; i++) {
      const valid = channels - 32 * (i % cw);
      if (valid < 32) data[i] &= (1 << valid) - 1; // nothing past C
    }
    blobs.set(name, { shape, data });
    return name;
  };
  f("c0.scale", [8]);
  (blobs.get("c0.scale")!.data as Float32Array)[2] = 0; // channel 2 is exactly 0: sign(0) = 0
  const draft: HeaderDraft = {
    model: "every-op",
    inputShape: [3, 9, 9],
    normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
    classes: ["a", "b", "c", "d", "e"],
    output: "logits",
    metadata: {},
    ops: [
      { op: "sample_centre", input: "input", output: "sc" },
      {
        op: "binary_conv2d",
        input: "sc",
        output: "b0",
        signs: bits("b0.signs", [8, 9, 1], 3),
        nonzero: bits("b0.nonzero", [8, 9, 1], 3),
        inChannels: 3,
        outChannels: 8,
        kernel: 3,
        stride: 1,
        padding: 1,
        scale: f("b0.scale", [8], 0.125),
        shift: f("b0.shift", [8]),
      },
      {
        op: "conv2d",
        input: "input",
        output: "c0",
        residual: "b0",
        weight: f("c0.weight", [8, 3, 3, 3]),
        bias: f("c0.bias", [8]),
        inChannels: 3,
        outChannels: 8,
        kernel: 3,
        stride: 1,
        padding: 1,
        scale: "c0.scale",
        shift: f("c0.shift", [8], 0),
        activation: "hardtanh",
      },
      {
        op: "binary_conv2d",
        input: "c0",
        output: "b1",
        signs: bits("b1.signs", [40, 9, 1], 8),
        nonzero: bits("b1.nonzero", [40, 9, 1], 8),
        inChannels: 8,
        outChannels: 40,
        kernel: 3,
        stride: 2,
        padding: 1,
        scale: f("b1.scale", [40], 0.125),
        shift: f("b1.shift", [40]),
      },
      { op: "max_pool2d", input: "b1", output: "p1", kernel: 3, stride: 2, padding: 1 },
      {
        op: "affine",
        input: "p1",
        output: "a1",
        scale: f("a1.scale", [40]),
        shift: f("a1.shift", [40]),
        activation: "hardtanh",
      },
      {
        op: "binary_conv2d",
        input: "a1",
        output: "b2",
        signs: bits("b2.signs", [40, 9, 2], 40),
        inChannels: 40,
        outChannels: 40,
        kernel: 3,
        stride: 1,
        padding: 1,
        scale: f("b2.scale", [40], 0.0625),
        residual: "a1",
        activation: "hardtanh",
      },
      { op: "avg_pool2d", input: "b2", output: "ap", kernel: 2, stride: 1 },
      { op: "pad_channels", input: "ap", output: "pc", before: 3, after: 5 },
      {
        op: "prelu",
        input: "pc",
        output: "pr",
        weight: f("pr.weight", [48]),
        inputShift: f("pr.before", [48]),
        outputShift: f("pr.after", [48]),
      },
      { op: "global_avg_pool", input: "pr", output: "g" },
      { op: "flatten", input: "g", output: "fl" },
      {
        op: "linear",
        input: "fl",
        output: "logits",
        weight: f("fc.weight", [5, 48]),
        bias: f("fc.bias", [5]),
        inFeatures: 48,
        outFeatures: 5,
      },
    ],
  };
  return decodeExport(encodeExport(draft, blobs));
}

Deno.test("BnnModel: every op matches the float64 reference (relative error)", async () => {
  const seed = Date.now() >>> 0;
  const exported = everyOpModel(seed);
  const model = await BnnModel.load(exported);
  try {
    for (const batch of [1, 3]) {
      const x = randoms(batch * 3 * 9 * 9, { s: seed ^ 0x9e3779b9 });
      for (let i = 0; i < x.length; i += 7) x[i] = 0;
      noTiesWithSampleMean(x, batch);
      const got = await model.logits(x, batch);
      const ref = referenceLogits(exported, x, batch);
      let num = 0;
      let den = 0;
      for (let i = 0; i < ref.length; i++) {
        num += (got[i] - ref[i]) ** 2;
        den += ref[i] ** 2;
      }
      const rel = Math.sqrt(num / Math.max(den, 1e-30));
      if (!(rel < 1e-4)) throw new Error(`seed ${seed}, batch ${batch}: relative error ${rel}`);
    }
  } finally {
    model.dispose();
  }
});

Deno.test("BnnModel: classify normalises 8-bit pixels like the data loader", async () => {
  const exported = everyOpModel(7);
  const model = await BnnModel.load(exported);
  try {
    const pixels = Uint8Array.from({ length: 2 * 3 * 81 }, (_, i) => (i * 37) % 256);
    const x = model.normalize(pixels, 2);
    if (x[1] !== Math.fround((37 / 255 - 0.5) / 0.25)) throw new Error(`normalised ${x[1]}`);
    const { logits, predictions } = await model.classify(pixels, 2, { batchSize: 1 });
    const direct = await model.logits(x, 2);
    if (logits.join() !== direct.join()) throw new Error("batched and direct logits differ");
    if (predictions.length !== 2) throw new Error(`predictions ${predictions}`);
  } finally {
    model.dispose();
  }
});

Deno.test("BnnModel: wrong input sizes are one clear error", async () => {
  const model = await BnnModel.load(everyOpModel(1));
  try {
    let msg = "";
    await model.logits(new Float32Array(5), 1).catch((e) => (msg = e.message));
    if (!msg.includes("5 values are not 1 images of 3×9×9")) throw new Error(msg);
  } finally {
    model.dispose();
  }
});
