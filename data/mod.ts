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
 * Image folders (`--dataset imagenet|folder`): `openImageFolder` lists the splits,
 * `ImageFolderLoader` decodes JPEGs in worker threads with torchvision's preprocessing and
 * normalises on the GPU (docs/data-imagefolder.md).
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
export {
  centerCropBox,
  type CropBox,
  type CropDraws,
  IMAGENET_CROP_RANGES,
  randomResizedCropBox,
  type RandomResizedCropRanges,
  resizeShorterSide,
  roundHalfEven,
} from "./crop_params.ts";
export { type ResampleSpec, resampleToPlanar } from "./resample.ts";
export {
  applyTransform,
  checkTransform,
  imageDraws,
  imagenetTransform,
  type ImageTransform,
  transformSpec,
} from "./image_transform.ts";
export { cmykToRgb, toRgb } from "./pixel_convert.ts";
export {
  evenSubset,
  IMAGE_EXTENSIONS,
  type ImageFolderSplit,
  listImageFolder,
} from "./image_folder.ts";
export { DecodePool, defaultDecodeWorkers } from "./decode_pool.ts";
export type { DecodeItem, DecodeJob, DecodeReply } from "./decode_types.ts";
export { normalizeBytes } from "./normalize_gpu.ts";
export {
  type ByteBatch,
  ImageFolderLoader,
  type ImageFolderLoaderOptions,
} from "./image_folder_loader.ts";
export {
  IMAGE_FOLDER_DATASETS,
  type ImageFolderData,
  type ImageFolderDatasetName,
  type ImageFolderLoaderSettings,
  IMAGENET_NORMALIZATION,
  isImageFolderDataset,
  openImageFolder,
  type OpenImageFolderOptions,
} from "./image_folder_data.ts";
export { defaultDataDir, loadData, type LoadDataOptions, type LoadedData } from "./load.ts";
