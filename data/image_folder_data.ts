/**
 * `--dataset imagenet|folder --data-dir DIR`: the two splits of an image folder, the ImageNet
 * preprocessing, and loaders for both splits — the one entry point a trainer calls.
 *
 * @module
 */
import { join } from "node:path";
import { DatasetError } from "./errors.ts";
import { evenSubset, type ImageFolderSplit, listImageFolder } from "./image_folder.ts";
import { ImageFolderLoader } from "./image_folder_loader.ts";
import { imagenetTransform, type ImageTransform } from "./image_transform.ts";
import type { Normalization } from "./specs.ts";

/** Dataset names read from image folders. */
export type ImageFolderDatasetName = "imagenet" | "folder";

/**
 * `--dataset` values read from folders of image files rather than loaded into memory.
 *
 * @example
 * ```ts
 * import { IMAGE_FOLDER_DATASETS } from "@ovsw/data";
 * console.log(IMAGE_FOLDER_DATASETS); // [ "imagenet", "folder" ]
 * ```
 */
export const IMAGE_FOLDER_DATASETS: readonly ImageFolderDatasetName[] = ["imagenet", "folder"];

/**
 * Whether a `--dataset` value names an image-folder dataset (use {@link openImageFolder}).
 *
 * @example
 * ```ts
 * import { isImageFolderDataset } from "@ovsw/data";
 * console.log(isImageFolderDataset("imagenet"), isImageFolderDataset("cifar10")); // true false
 * ```
 */
export function isImageFolderDataset(name: string | undefined): name is ImageFolderDatasetName {
  return (IMAGE_FOLDER_DATASETS as readonly string[]).includes(name ?? "");
}

/**
 * torchvision's ImageNet normalisation (mean 0.485/0.456/0.406, std 0.229/0.224/0.225), also
 * used for `--dataset folder`.
 *
 * @example
 * ```ts
 * import { IMAGENET_NORMALIZATION } from "@ovsw/data";
 * console.log(IMAGENET_NORMALIZATION.std); // [0.229, 0.224, 0.225]
 * ```
 */
export const IMAGENET_NORMALIZATION: Normalization = {
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/** Directory names tried for the training and the validation split, in order. */
const TRAIN_DIRS = ["train"];
const VAL_DIRS = ["val", "validation", "test"];

/** Options of {@link openImageFolder}, mirroring the CLI flags. */
export interface OpenImageFolderOptions {
  /** `imagenet` (1000 classes required) or `folder` (any number). */
  dataset: ImageFolderDatasetName;
  /** Directory holding `train/<class>/…` and `val/<class>/…` (`--data-dir`). */
  dataDir: string;
  /** Keep N training images spread evenly over the split (`--train-limit`). */
  trainLimit?: number;
  /** Keep N validation images spread evenly over the split (`--test-limit`). */
  testLimit?: number;
  /** Crop side (224; the evaluation resize scales with it, 256 at 224). */
  imageSize?: number;
}

/** Settings of a loader made by {@link ImageFolderData}. */
export interface ImageFolderLoaderSettings {
  /** Images per batch. */
  batchSize: number;
  /** Run seed (order and augmentation). */
  seed: number;
  /** Decode workers; default every core. */
  workers?: number;
  /** Batches decoded ahead; default 2. */
  prefetch?: number;
}

/** The two splits of an image folder and how to batch them. */
export interface ImageFolderData {
  /** `imagenet` or `folder`. */
  name: ImageFolderDatasetName;
  /** Human-readable name. */
  title: string;
  /** The `--data-dir`. */
  source: string;
  /** Training files (after `trainLimit`). */
  train: ImageFolderSplit;
  /** Validation files (after `testLimit`). */
  test: ImageFolderSplit;
  /** Class names, index = label. */
  classes: readonly string[];
  /** Shape of one preprocessed image, `[3, S, S]`. */
  imageShape: [number, number, number];
  /** Normalisation (applied on the GPU). */
  normalization: Normalization;
  /** `RandomResizedCrop(S)` + flip. */
  trainTransform: ImageTransform;
  /** `Resize(S·256/224)` + `CenterCrop(S)`. */
  testTransform: ImageTransform;
  /** A shuffling, augmenting loader of the training split. */
  trainLoader(settings: ImageFolderLoaderSettings): ImageFolderLoader;
  /** A loader of the validation split in file order. */
  testLoader(settings: ImageFolderLoaderSettings): ImageFolderLoader;
}

function findSplitDir(dir: string, names: readonly string[], what: string): string {
  for (const n of names) {
    try {
      if (Deno.statSync(join(dir, n)).isDirectory) return join(dir, n);
    } catch {
      // try the next name
    }
  }
  throw new DatasetError(
    dir,
    `no ${what} directory (expected ${names.map((n) => `${n}/<class>/<image>`).join(" or ")})`,
  );
}

/**
 * Lists `dataDir/train` and `dataDir/val` (or `validation`, `test`) as image folders with the
 * same classes and returns them with the ImageNet preprocessing and loader factories. Nothing is
 * decoded here. `imagenet` requires the 1000 ILSVRC-2012 class directories (e.g. `n01440764`).
 *
 * @example
 * ```ts
 * import { openImageFolder } from "@ovsw/data";
 * const dir = await Deno.makeTempDir();
 * for (const split of ["train", "val"]) {
 *   for (const cls of ["a", "b"]) {
 *     await Deno.mkdir(`${dir}/${split}/${cls}`, { recursive: true });
 *     await Deno.writeFile(`${dir}/${split}/${cls}/x.jpg`, new Uint8Array()); // listed, not read
 *   }
 * }
 * const data = openImageFolder({ dataset: "folder", dataDir: dir, imageSize: 16 });
 * console.log(data.classes, data.train.count, data.imageShape); // [ "a", "b" ] 2 [ 3, 16, 16 ]
 * ```
 */
export function openImageFolder(opts: OpenImageFolderOptions): ImageFolderData {
  const size = opts.imageSize ?? 224;
  const train = listImageFolder(findSplitDir(opts.dataDir, TRAIN_DIRS, "training"));
  if (opts.dataset === "imagenet" && train.numClasses !== 1000) {
    throw new DatasetError(
      train.root,
      `ImageNet has 1000 class directories, found ${train.numClasses}; ` +
        `use --dataset folder for other image folders`,
    );
  }
  const test = listImageFolder(findSplitDir(opts.dataDir, VAL_DIRS, "validation"), train.classes);
  for (
    const [flag, v, split] of [
      ["--train-limit", opts.trainLimit, train],
      ["--test-limit", opts.testLimit, test],
    ] as const
  ) {
    if (v !== undefined && v > split.count) {
      throw new RangeError(`${flag} ${v} is more than the ${split.count} images in ${split.root}`);
    }
  }
  const trainTransform = imagenetTransform("train", size);
  const testTransform = imagenetTransform("eval", size);
  const normalization = IMAGENET_NORMALIZATION;
  return {
    name: opts.dataset,
    title: opts.dataset === "imagenet" ? "ImageNet" : "image folder",
    source: opts.dataDir,
    train: evenSubset(train, opts.trainLimit),
    test: evenSubset(test, opts.testLimit),
    classes: train.classes,
    imageShape: [3, size, size],
    normalization,
    trainTransform,
    testTransform,
    trainLoader(s) {
      return new ImageFolderLoader(this.train, {
        ...s,
        transform: trainTransform,
        normalization,
        shuffle: true,
      });
    },
    testLoader(s) {
      return new ImageFolderLoader(this.test, {
        ...s,
        transform: testTransform,
        normalization,
        shuffle: false,
      });
    },
  };
}
