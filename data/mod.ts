/**
 * `@ovsw/data`: dataset readers (IDX, CIFAR-10/100 binary), the embedded Fashion-MNIST subset,
 * verified and resumable downloads, seeded augmentation and shuffling, and a double-buffered
 * batch loader that uploads to the GPU.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { DataLoader, loadData } from "@ovsw/data";
 * await initGpu();
 * const data = await loadData(); // the embedded Fashion-MNIST subset
 * const loader = new DataLoader(data.train, { batchSize: 128, seed: 1, ...data.trainOptions });
 * for (const { x, y } of loader.epoch(0)) {
 *   console.log(x.shape, y.shape); // [128, 1, 28, 28] [128]
 *   break;
 * }
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./dataset.ts";
export * from "./files.ts";
export * from "./idx.ts";
export * from "./cifar.ts";
export * from "./specs.ts";
export * from "./layout.ts";
export * from "./read.ts";
export * from "./subset.ts";
export * from "./embedded.ts";
export * from "./augment.ts";
export * from "./loader.ts";
export * from "./progress.ts";
export * from "./tar.ts";
export * from "./download.ts";
export * from "./load.ts";
