/**
 * Synthetic run directories for the figure tests and for looking at the report: weights move
 * by random steps on the GPU and the real {@link FlipCollector}, {@link MetricsWriter} and
 * {@link writeFlips} record them. Not exported from the package.
 *
 * @module
 */
import { Tensor, writeInOrder } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { FlipCollector } from "@ovsw/metrics";
import { MetricsWriter, writeFlips, writeJsonAtomic } from "@ovsw/train";

/** Settings of one synthetic run. */
export interface SyntheticRun {
  /** `config.json` name. */
  name: string;
  /** `config.json` method. */
  method: string;
  /** Optional γ for the gamma experiment. */
  gamma?: number;
  /** Random step size relative to each layer's init std (bigger → more flips). */
  stepStd: number;
  /** Epochs. */
  epochs: number;
  /** Steps per epoch. */
  steps: number;
  /** Seed. */
  seed: number;
  /** Record flips (otherwise only metrics are written). */
  flips?: boolean;
  /** Layer shapes (binary convs). */
  shapes?: Record<string, number[]>;
}

const DEFAULT_SHAPES: Record<string, number[]> = {
  "layer1.0.conv2.weight": [16, 16, 3, 3],
  "layer2.0.conv2.weight": [32, 32, 3, 3],
  "layer3.0.conv2.weight": [64, 32, 3, 3],
};

/** Writes config.json, metrics.jsonl/csv and (optionally) flips.json of a synthetic run. */
export async function writeSyntheticRun(dir: string, s: SyntheticRun): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await writeJsonAtomic(`${dir}/config.json`, {
    name: s.name,
    method: s.method,
    model: "synthetic",
    dataset: "none",
    epochs: s.epochs,
    seed: s.seed,
    ...(s.gamma !== undefined ? { gamma: s.gamma } : {}),
  });
  const rng = new Prng(s.seed);
  const writer = await MetricsWriter.open(dir);
  const shapes = s.shapes ?? DEFAULT_SHAPES;
  const host: Record<string, Float32Array<ArrayBuffer>> = {};
  const params: Record<string, Tensor> = {};
  const std: Record<string, number> = {};
  if (s.flips !== false) {
    for (const [name, shape] of Object.entries(shapes)) {
      const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
      std[name] = Math.sqrt(2 / fanIn);
      host[name] = Float32Array.from(rng.normalArray(fanIn * shape[0], 0, std[name]));
      params[name] = Tensor.from(host[name], shape);
      params[name].tag = "binary";
    }
  }
  const collector = s.flips !== false ? new FlipCollector(params) : null;
  // Speed of learning falls with |log10 γ| (the gamma experiment's expected shape).
  const speed = 1 / (1 + Math.abs(Math.log10(s.gamma ?? 1)) / 2) * (0.6 + s.stepStd);
  let step = 0;
  for (let e = 1; e <= s.epochs; e++) {
    const decay = 0.5 * (1 + Math.cos((Math.PI * (e - 1)) / s.epochs));
    for (let t = 0; t < s.steps; t++) {
      for (const name of Object.keys(params)) {
        const w = host[name];
        const size = s.stepStd * std[name] * decay;
        for (let i = 0; i < w.length; i++) w[i] += size * rng.normal();
        writeInOrder(params[name].buffer, w);
      }
      collector?.step();
      step++;
    }
    collector?.endEpoch();
    const acc = 0.1 + 0.8 * (1 - Math.exp(-speed * e / 3));
    const noise = () => 0.01 * rng.normal();
    const lr = 0.1 * decay;
    await writer.append({
      kind: "train",
      epoch: e,
      step,
      samples: 1000,
      loss: 2.3 * (1 - acc) + 0.1 + Math.abs(noise()),
      top1: Math.min(1, acc + 0.03 + noise()),
      top5: Math.min(1, acc + 0.15),
      lr,
      imagesPerSec: 500 + 10 * rng.normal(),
      timeSec: e * 2,
      "ags.ratio": 0.04 + 0.01 * rng.uniform(),
    });
    await writer.append({
      kind: "test",
      epoch: e,
      step,
      samples: 500,
      loss: 2.3 * (1 - acc) + 0.2 + Math.abs(noise()),
      top1: Math.max(0, acc - 0.02 + noise()),
      top5: Math.min(1, acc + 0.1),
      lr: null,
      imagesPerSec: 1500,
      timeSec: e * 2 + 0.5,
    });
  }
  if (collector) {
    await writeFlips(dir, await collector.report());
    collector.dispose();
  }
  Object.values(params).forEach((t) => t.dispose());
}
