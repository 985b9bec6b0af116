/**
 * One call from command-line choices (`--dataset`, `--data-dir`, `--download`, limits) to
 * train/test splits plus the loader settings that go with them.
 *
 * @module
 */
import { type Split, takeFirst } from "./dataset.ts";
import { downloadDataset, type DownloadDatasetOptions } from "./download.ts";
import { loadEmbedded } from "./embedded.ts";
import { DatasetError } from "./errors.ts";
import { isImageFolderDataset } from "./image_folder_data.ts";
import { locateDataset } from "./layout.ts";
import type { LoaderOptions } from "./loader.ts";
import { type Cifar100Labels, readDataset } from "./read.ts";
import { type DatasetName, DATASETS, type DatasetSpec, datasetSpec } from "./specs.ts";

/** Options of {@link loadData}, mirroring the CLI flags. */
export interface LoadDataOptions {
  /** `embedded` (default when no `dataDir`), `mnist`, `fashion-mnist`, `cifar10`, `cifar100`. */
  dataset?: string;
  /** Directory holding the dataset (`--data-dir`); default {@link defaultDataDir}. */
  dataDir?: string;
  /** Download the dataset into `dataDir` when it is missing (`--download`). */
  download?: boolean;
  /** Keep only the first N training images (`--train-limit`). */
  trainLimit?: number;
  /** Keep only the first N test images (`--test-limit`). */
  testLimit?: number;
  /** CIFAR-100 labels: 100 fine classes (default) or 20 superclasses. */
  cifar100Labels?: Cifar100Labels;
  /** Download settings (base URL override, retries, progress, log). */
  downloadOptions?: DownloadDatasetOptions;
}

/** Splits plus what a trainer needs to batch them. */
export interface LoadedData {
  /** Dataset name (`embedded` for the built-in subset). */
  name: DatasetName | "embedded";
  /** The dataset's description (Fashion-MNIST's for the embedded subset). */
  spec: DatasetSpec;
  /** Training images (after `trainLimit`). */
  train: Split;
  /** Test images (after `testLimit`). */
  test: Split;
  /** Where the data came from (directory, or `embedded`). */
  source: string;
  /** Loader settings for training: normalisation, dataset augmentation, shuffling. */
  trainOptions: Omit<LoaderOptions, "batchSize" | "seed">;
  /** Loader settings for evaluation: normalisation only, no shuffling. */
  testOptions: Omit<LoaderOptions, "batchSize" | "seed">;
}

/**
 * The default `--data-dir`: `$OVSW_DATA_DIR` if set, else `datasets` (relative to the working
 * directory).
 *
 * @example
 * ```ts
 * import { defaultDataDir } from "@ovsw/data";
 * console.log(defaultDataDir());
 * ```
 */
export function defaultDataDir(): string {
  try {
    return Deno.env.get("OVSW_DATA_DIR") || "datasets";
  } catch {
    return "datasets";
  }
}

/** Debian's dataset-fashion-mnist location, searched for Fashion-MNIST when nothing else is. */
const SYSTEM_DIRS: Partial<Record<DatasetName, string>> = {
  "fashion-mnist": "/usr/share/datasets/fashion-mnist",
};

/**
 * Loads the dataset named by the options. No options: the embedded Fashion-MNIST subset.
 * A named dataset is looked for under `dataDir` (for Fashion-MNIST also in
 * /usr/share/datasets/fashion-mnist), downloaded there when `download` is set, and otherwise
 * reported missing with the expected files. With a `dataDir` and no name, the layout is
 * detected.
 *
 * @example
 * ```ts
 * import { loadData } from "@ovsw/data";
 * const data = await loadData({ trainLimit: 1000 });
 * console.log(data.name, data.train.count, data.test.count); // embedded 1000 1000
 * ```
 */
export async function loadData(opts: LoadDataOptions = {}): Promise<LoadedData> {
  for (const [flag, v] of [["--train-limit", opts.trainLimit], ["--test-limit", opts.testLimit]]) {
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 1)) {
      throw new RangeError(`${flag} must be a positive integer, got ${v}`);
    }
  }
  if (isImageFolderDataset(opts.dataset)) {
    throw new RangeError(
      `--dataset ${opts.dataset} is a folder of image files, streamed by openImageFolder ` +
        `(not loaded into memory by loadData)`,
    );
  }
  let name: DatasetName | "embedded";
  let spec: DatasetSpec;
  let splits;
  let source: string;
  if (opts.dataset === "embedded" || (opts.dataset === undefined && !opts.dataDir)) {
    if (opts.download) {
      throw new RangeError("--download needs --dataset (the embedded subset ships with ovsw)");
    }
    name = "embedded";
    spec = DATASETS["fashion-mnist"];
    splits = await loadEmbedded();
    source = "embedded";
  } else {
    if (opts.dataset !== undefined) datasetSpec(opts.dataset); // validates the name
    const dir = opts.dataDir ?? defaultDataDir();
    const wanted = opts.dataset as DatasetName | undefined;
    let loc;
    if (opts.download) {
      if (!wanted) throw new RangeError("--download needs --dataset to know what to fetch");
      loc = await downloadDataset(wanted, dir, opts.downloadOptions);
    } else {
      try {
        loc = locateDataset(dir, wanted);
      } catch (e) {
        const sys = wanted && !opts.dataDir ? SYSTEM_DIRS[wanted] : undefined;
        if (!sys || !(e instanceof DatasetError)) throw e;
        try {
          loc = locateDataset(sys, wanted);
        } catch {
          throw e;
        }
      }
    }
    spec = loc.spec;
    name = spec.name;
    splits = await readDataset(loc, { cifar100Labels: opts.cifar100Labels });
    source = loc.dir;
  }
  const train = takeFirst(splits.train, opts.trainLimit);
  const test = takeFirst(splits.test, opts.testLimit);
  const normalization = spec.normalization;
  return {
    name,
    spec,
    train,
    test,
    source,
    trainOptions: {
      normalization,
      shuffle: true,
      augment: spec.augment,
      cropPadding: spec.cropPadding,
    },
    testOptions: { normalization, shuffle: false, augment: "none" },
  };
}
