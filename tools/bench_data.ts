/**
 * `deno task bench --only data`: batch preparation (shuffle, augmentation, normalisation) and
 * upload, in images per second, from `data/_bench.ts`.
 *
 * @module
 */
import { benchBatchPreparation } from "../data/_bench.ts";
import type { BenchOptions, BenchTable } from "./bench_table.ts";

/**
 * Adds the data rows: images/s prepared on the host and prepared + uploaded, batch 128.
 * Training runs at tens (software adapter) to thousands (real GPU) of images/s, far below these.
 *
 * @example
 * ```ts
 * import { BenchTable } from "./bench_table.ts";
 * import { benchData } from "./bench_data.ts";
 * const table = new BenchTable();
 * await benchData(table, { batch: 128, iters: 1 });
 * table.print();
 * ```
 */
export async function benchData(table: BenchTable, _options: BenchOptions): Promise<void> {
  for (const r of await benchBatchPreparation({ gpu: true })) {
    table.add({
      group: "data",
      name: `${r.name}, host only`,
      value: r.hostImagesPerSec,
      unit: "images/s",
      note: "batch 128: shuffle, augmentation and normalisation on the CPU",
    });
    if (r.uploadImagesPerSec !== null) {
      table.add({
        group: "data",
        name: `${r.name}, with upload`,
        value: r.uploadImagesPerSec,
        unit: "images/s",
        note: "plus Tensor.from (queue writeBuffer), double-buffered",
      });
    }
  }
}
