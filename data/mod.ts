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
export { DatasetError } from "./errors.ts";
export { classCounts, makeSplit, type Split, type SplitInit, takeFirst } from "./dataset.ts";
export { decodeIdx, decodeIdxImages, decodeIdxLabels, encodeIdx, type IdxArray } from "./idx.ts";
export {
  type Cifar100Records,
  type Cifar10Records,
  CIFAR_IMAGE_BYTES,
  decodeCifar10,
  decodeCifar100,
} from "./cifar.ts";
export {
  type AugmentKind,
  CIFAR100_SUPERCLASSES,
  DATASET_NAMES,
  type DatasetName,
  DATASETS,
  type DatasetSpec,
  datasetSpec,
  type Normalization,
  type RemoteFile,
} from "./specs.ts";
export { type DatasetLocation, expectedLayout, locateDataset } from "./layout.ts";
export {
  type Cifar100Labels,
  type DatasetSplits,
  readCifar100Split,
  readCifar10Split,
  readDataset,
  readIdxSplit,
} from "./read.ts";
export { balancedSubset } from "./subset.ts";
export { EMBEDDED_FILES, EMBEDDED_PER_CLASS, embeddedDir, loadEmbedded } from "./embedded.ts";
export { type Batch, DataLoader, type HostBatch, type LoaderOptions } from "./loader.ts";
export {
  LiveLine,
  progressBarCells,
  progressLine,
  type ProgressSink,
  stderrProgress,
  stderrSink,
  type TextSink,
} from "./progress.ts";
export {
  downloadDataset,
  type DownloadDatasetOptions,
  downloadFile,
  type DownloadFileOptions,
  type DownloadResult,
  extractTarGz,
  sha256File,
} from "./download.ts";
export { defaultDataDir, loadData, type LoadDataOptions, type LoadedData } from "./load.ts";
