/**
 * Batch-preparation throughput (images per second): shuffling, augmentation and normalisation
 * on the CPU (`hostEpoch`), and the same plus the GPU upload (`epoch`). Run it alone with
 * `deno run --allow-read --allow-env data/bench.ts`, or call {@link benchBatchPreparation}
 * from a bench script.
 *
 * @module
 */
import { initGpu, sync } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { makeSplit, type Split } from "./dataset.ts";
import { loadEmbedded } from "./embedded.ts";
import { DataLoader } from "./loader.ts";
import { DATASETS } from "./specs.ts";

/** One measured configuration. */
export interface BatchPrepResult {
  /** What was measured. */
  name: string;
  /** Images prepared per second on the host. */
  hostImagesPerSec: number;
  /** Images prepared and uploaded per second (null when not measured). */
  uploadImagesPerSec: number | null;
}

function cifarLike(count: number): Split {
  const rng = new Prng(7);
  const images = new Uint8Array(count * 3072);
  for (let i = 0; i < images.length; i++) images[i] = rng.nextU32() & 255;
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = i % 10;
  return makeSplit({
    images,
    labels,
    channels: 3,
    height: 32,
    width: 32,
    numClasses: 10,
    source: "synthetic CIFAR-like",
  });
}

async function measure(loader: DataLoader, gpu: boolean): Promise<[number, number | null]> {
  const n = loader.split.count;
  let t = performance.now();
  for (const _ of loader.hostEpoch(0)) { /* prepare only */ }
  const host = n / ((performance.now() - t) / 1000);
  if (!gpu) return [host, null];
  t = performance.now();
  for (const _ of loader.epoch(1)) { /* prepare + upload */ }
  await sync();
  return [host, n / ((performance.now() - t) / 1000)];
}

/**
 * Measures batch preparation for the embedded Fashion-MNIST subset (no augmentation) and a
 * synthetic CIFAR-sized split (random crop + flip), batch 128, shuffled.
 *
 * @example
 * ```ts
 * import { benchBatchPreparation } from "./_bench.ts";
 * for (const r of await benchBatchPreparation({ gpu: false, cifarImages: 512 })) {
 *   console.log(r.name, Math.round(r.hostImagesPerSec));
 * }
 * ```
 */
export async function benchBatchPreparation(
  opts: { gpu?: boolean; cifarImages?: number } = {},
): Promise<BatchPrepResult[]> {
  const gpu = opts.gpu ?? true;
  if (gpu) await initGpu();
  const { train } = await loadEmbedded();
  const fm = DATASETS["fashion-mnist"];
  const c10 = DATASETS.cifar10;
  const cases: [string, DataLoader][] = [
    [
      "fashion-mnist 1×28×28, shuffle",
      new DataLoader(train, {
        batchSize: 128,
        normalization: fm.normalization,
        shuffle: true,
        seed: 1,
      }),
    ],
    [
      "cifar 3×32×32, shuffle + crop/flip",
      new DataLoader(cifarLike(opts.cifarImages ?? 5000), {
        batchSize: 128,
        normalization: c10.normalization,
        shuffle: true,
        augment: "crop-flip",
        cropPadding: 4,
        seed: 1,
      }),
    ],
  ];
  const out: BatchPrepResult[] = [];
  for (const [name, loader] of cases) {
    await measure(loader, false); // warm-up
    const [host, up] = await measure(loader, gpu);
    out.push({ name, hostImagesPerSec: host, uploadImagesPerSec: up });
  }
  return out;
}

if (import.meta.main) {
  for (const r of await benchBatchPreparation()) {
    const up = r.uploadImagesPerSec === null
      ? ""
      : `, with upload ${r.uploadImagesPerSec.toFixed(0)}`;
    console.log(`batch prep ${r.name}: ${r.hostImagesPerSec.toFixed(0)} images/s${up}`);
  }
}
