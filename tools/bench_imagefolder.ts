/**
 * `deno task bench --only imagefolder`: the image-folder pipeline's decode throughput
 * (read + JPEG decode + RandomResizedCrop 224 + flip, in decode workers) with 1, 2 and every
 * core, per core, and a ResNet-18 training step at 224×224 for comparison.
 *
 * @module
 */
import { adapterDescription } from "@ovsw/gpu";
import {
  ImageFolderLoader,
  IMAGENET_NORMALIZATION,
  imagenetTransform,
  listImageFolder,
} from "@ovsw/data";
import { jpeg } from "../data/_image_folder_fixture.ts";
import { type BenchOptions, type BenchTable, timeIt } from "./bench_table.ts";
import { trainingStepBench } from "./bench_step.ts";

/** Images generated for the decode rows (ImageNet's typical 500×375 JPEGs). */
const IMAGES = 96;
const BATCH = 32;

async function makeFolder(dir: string): Promise<void> {
  for (let i = 0; i < IMAGES; i++) {
    const cls = `c${i % 4}`;
    await Deno.mkdir(`${dir}/${cls}`, { recursive: true });
    const [w, h] = i % 2 ? [500, 375] : [375, 500];
    await Deno.writeFile(`${dir}/${cls}/${i}.JPEG`, await jpeg(w, h, i));
  }
}

/** Images per second of one epoch of training preprocessing with `workers` decode workers. */
async function decodeRate(dir: string, workers: number): Promise<number> {
  using loader = new ImageFolderLoader(listImageFolder(dir), {
    batchSize: BATCH,
    transform: imagenetTransform("train"),
    normalization: IMAGENET_NORMALIZATION,
    shuffle: true,
    workers,
    prefetch: 2,
  });
  for await (const _ of loader.hostEpoch(0)); // starts the workers, warms sharp
  const t0 = performance.now();
  let n = 0;
  for (let e = 1; e <= 2; e++) for await (const b of loader.hostEpoch(e)) n += b.size;
  return n / ((performance.now() - t0) / 1000);
}

/**
 * Adds the image-folder rows. The step row uses batch `--batch` on a GPU and 4 on a software
 * adapter (a ResNet-18 step at 224² takes seconds per image there).
 *
 * @example
 * ```ts ignore
 * import { BenchTable } from "./bench_table.ts";
 * import { benchImageFolder } from "./bench_imagefolder.ts";
 * const table = new BenchTable();
 * await benchImageFolder(table, { batch: 4, iters: 1 }); // needs --allow-ffi
 * table.print();
 * ```
 */
export async function benchImageFolder(table: BenchTable, options: BenchOptions): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ovsw_bench_imagefolder_" });
  try {
    await makeFolder(dir);
    const cores = navigator.hardwareConcurrency || 1;
    const counts = [...new Set([1, 2, cores])].filter((c) => c <= Math.max(cores, 2));
    let all = 0;
    for (const workers of counts) {
      const rate = await decodeRate(dir, workers);
      if (workers === cores) all = rate;
      table.add({
        group: "imagefolder",
        name: `decode + RandomResizedCrop 224, ${workers} worker${workers > 1 ? "s" : ""}`,
        value: rate,
        unit: "images/s",
        note: `${(rate / workers).toFixed(1)} images/s per worker; 500×375 JPEGs; ${cores} cores`,
      });
    }
    const software = adapterDescription().isFallbackAdapter;
    const batch = software ? 4 : options.batch;
    const bench = trainingStepBench({ model: "resnet18", input: [3, 224, 224], batch });
    try {
      const t = await timeIt(() => bench.step(), { warmup: 1, iters: software ? 1 : 3, minMs: 0 });
      const stepRate = (batch * 1000) / t.ms;
      table.add({
        group: "imagefolder",
        name: `resnet18 training step 224², batch ${batch}`,
        value: stepRate,
        unit: "images/s",
        note: `decode (${cores} cores) / step = ${(all / stepRate).toFixed(2)}; ` +
          "above 1: decoding is not the bottleneck",
        timing: t,
      });
    } finally {
      bench.dispose();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
