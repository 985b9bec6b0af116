/**
 * Turns the data flags into training and test splits (via `@ovsw/data`'s `loadData`, or
 * `openImageFolder` for `--dataset imagenet|folder`), with every problem reported as one
 * {@link UsageError} line; {@link openRunData} gives a run both kinds behind one interface.
 *
 * @module
 */
import {
  type Batch,
  DataLoader,
  DatasetError,
  isImageFolderDataset,
  loadData,
  type LoadedData,
  openImageFolder,
} from "@ovsw/data";
import { UsageError } from "./errors.ts";

/** The data flags a run needs. */
export interface DataFlags {
  /** `embedded`, a dataset name, or null (auto). */
  dataset: string | null;
  /** Directory of the dataset files, or null. */
  dataDir: string | null;
  /** Download the dataset first. */
  download: boolean;
  /** First n training images, or all. */
  trainLimit: number | null;
  /** First n test images, or all. */
  testLimit: number | null;
}

/**
 * Loads the splits a run trains and tests on; a missing or corrupt dataset, or a limit above
 * the split's size, is a {@link UsageError} naming the file, directory or flag.
 *
 * @example
 * ```ts
 * import { loadRunData } from "@ovsw/cli";
 * const data = await loadRunData({ dataset: null, dataDir: null, download: false,
 *   trainLimit: 100, testLimit: 50 });
 * console.log(data.name, data.train.count, data.test.count); // embedded 100 50
 * ```
 */
export async function loadRunData(flags: DataFlags): Promise<LoadedData> {
  let data: LoadedData;
  try {
    data = await loadData({
      dataset: flags.dataset ?? undefined,
      dataDir: flags.dataDir ?? undefined,
      download: flags.download,
      trainLimit: flags.trainLimit ?? undefined,
      testLimit: flags.testLimit ?? undefined,
    });
  } catch (e) {
    if (e instanceof DatasetError || e instanceof RangeError) {
      throw new UsageError((e as Error).message.split("\n")[0]);
    }
    throw e;
  }
  for (
    const [flag, limit, split, what] of [
      ["--train-limit", flags.trainLimit, data.train, "training"],
      ["--test-limit", flags.testLimit, data.test, "test"],
    ] as const
  ) {
    if (limit !== null && limit > split.count) {
      throw new UsageError(
        `${flag} ${limit} is more than the ${split.count} ${what} images of ` +
          `${data.spec.title} (${data.source}); use at most ${split.count}, or none for all`,
      );
    }
  }
  return data;
}

/**
 * One-line description of the loaded data, for logs and `config.json`.
 *
 * @example
 * ```ts
 * import { describeData, loadRunData } from "@ovsw/cli";
 * const data = await loadRunData({ dataset: null, dataDir: null, download: false,
 *   trainLimit: 10, testLimit: 10 });
 * console.log(describeData(data)); // Fashion-MNIST (embedded): 10 train / 10 test images
 * ```
 */
export function describeData(d: LoadedData): string {
  return `${d.spec.title} (${d.source}): ${d.train.count} train / ${d.test.count} test images`;
}

/** Batches of one split for a run: a `DataLoader` (in memory) or an `ImageFolderLoader`. */
export interface RunLoader {
  /** Batches per epoch (the last may be partial). */
  readonly batchesPerEpoch: number;
  /** The split's class count. */
  readonly split: { numClasses: number };
  /** Epoch `e`'s batches from `startBatch` on (synchronous, or `for await` for image folders). */
  epoch(epoch: number, startBatch?: number): Iterable<Batch> | AsyncIterable<Batch>;
  /** Stops the loader's workers, if it has any. */
  close?(): void;
}

/** What a run needs to know about one split. */
export interface RunSplit {
  /** Images. */
  count: number;
  /** Channels per image. */
  channels: number;
  /** Height. */
  height: number;
  /** Width. */
  width: number;
  /** Classes. */
  numClasses: number;
  /** Where it came from. */
  source: string;
}

/** A run's data, in memory or streamed from an image folder. */
export interface RunData {
  /** Dataset name (recorded in `config.json` and the summary). */
  name: string;
  /** Human-readable name. */
  title: string;
  /** Where it came from. */
  source: string;
  /** Training split. */
  train: RunSplit;
  /** Test split. */
  test: RunSplit;
  /**
   * What the checkpoint fingerprint hashes: the pixels and labels of in-memory data; for an
   * image folder the file paths (relative to the split's directory) and labels.
   */
  fingerprint: {
    train: { images: Uint8Array; labels: Uint8Array };
    test: { images: Uint8Array; labels: Uint8Array };
  };
  /** A shuffling, augmenting training loader and an in-order test loader. */
  loaders(batchSize: number, seed: number): { train: RunLoader; test: RunLoader };
}

/** The data flags of a run, with the crop side of image folders. */
export interface RunDataFlags extends DataFlags {
  /** Crop side for `imagenet|folder` (null: 224). */
  imageSize: number | null;
}

/** Relative paths and labels of an image-folder split, as bytes to hash. */
function folderPrint(split: { root: string; files: readonly string[]; labels: Uint32Array }) {
  const rel = split.files.map((f) => f.slice(split.root.length + 1)).join("\n");
  return {
    images: new TextEncoder().encode(rel),
    labels: new Uint8Array(split.labels.buffer, split.labels.byteOffset, split.labels.byteLength),
  };
}

/**
 * Opens `--dataset imagenet|folder` (listing only; nothing is decoded until an epoch runs).
 * `--download` and a missing `--data-dir` are {@link UsageError}s.
 */
function openFolderData(flags: RunDataFlags): RunData {
  const dataset = flags.dataset as "imagenet" | "folder";
  if (flags.dataDir === null) {
    throw new UsageError(
      `--dataset ${dataset} needs --data-dir <dir> holding train/<class>/ and val/<class>/`,
    );
  }
  if (flags.download) {
    throw new UsageError(`--download is not available for --dataset ${dataset}`);
  }
  let d;
  try {
    d = openImageFolder({
      dataset,
      dataDir: flags.dataDir,
      trainLimit: flags.trainLimit ?? undefined,
      testLimit: flags.testLimit ?? undefined,
      imageSize: flags.imageSize ?? undefined,
    });
  } catch (e) {
    if (e instanceof DatasetError || e instanceof RangeError) {
      throw new UsageError((e as Error).message.split("\n")[0]);
    }
    throw e;
  }
  const [channels, height, width] = d.imageShape;
  const shape = (s: { count: number; source: string }): RunSplit => ({
    count: s.count,
    channels,
    height,
    width,
    numClasses: d.classes.length,
    source: s.source,
  });
  return {
    name: d.name,
    title: d.title,
    source: d.source,
    train: shape(d.train),
    test: shape(d.test),
    fingerprint: { train: folderPrint(d.train), test: folderPrint(d.test) },
    loaders: (batchSize, seed) => ({
      train: d.trainLoader({ batchSize, seed }),
      test: d.testLoader({ batchSize, seed }),
    }),
  };
}

/**
 * The data of a run: an image folder for `--dataset imagenet|folder`, else the in-memory
 * splits of {@link loadRunData}; every problem is one {@link UsageError}.
 *
 * @example
 * ```ts
 * import { openRunData } from "@ovsw/cli";
 * const data = await openRunData({ dataset: null, dataDir: null, download: false,
 *   trainLimit: 100, testLimit: 50, imageSize: null });
 * const { train } = data.loaders(32, 0);
 * console.log(data.name, train.batchesPerEpoch); // embedded 4
 * ```
 */
export async function openRunData(flags: RunDataFlags): Promise<RunData> {
  if (isImageFolderDataset(flags.dataset ?? undefined)) return openFolderData(flags);
  if (flags.imageSize !== null) {
    throw new UsageError(`--image-size applies to --dataset imagenet|folder only`);
  }
  const data = await loadRunData(flags);
  return {
    name: data.name,
    title: data.spec.title,
    source: data.source,
    train: data.train,
    test: data.test,
    fingerprint: data,
    loaders: (batchSize, seed) => ({
      train: new DataLoader(data.train, { ...data.trainOptions, batchSize, seed }),
      test: new DataLoader(data.test, { ...data.testOptions, batchSize, seed }),
    }),
  };
}

/**
 * One-line description of a run's data, for logs and `config.json`.
 *
 * @example
 * ```ts
 * import { describeRunData, openRunData } from "@ovsw/cli";
 * const data = await openRunData({ dataset: null, dataDir: null, download: false,
 *   trainLimit: 10, testLimit: 10, imageSize: null });
 * console.log(describeRunData(data)); // Fashion-MNIST (embedded): 10 train / 10 test images
 * ```
 */
export function describeRunData(d: RunData): string {
  return `${d.title} (${d.source}): ${d.train.count} train / ${d.test.count} test images`;
}
