/**
 * What ovsw knows about each supported dataset: image shape, classes, normalisation, default
 * augmentation, file names, and official download locations with SHA-256 checksums.
 *
 * @module
 */

/** Datasets that can be read from a directory or downloaded. */
export type DatasetName = "mnist" | "fashion-mnist" | "cifar10" | "cifar100";

/** Train-time augmentation: none, or random crop with zero padding plus horizontal flip. */
export type AugmentKind = "none" | "crop-flip";

/** Per-channel normalisation: `x = (pixel / 255 − mean[c]) / std[c]`. */
export interface Normalization {
  /** Mean per channel, on the 0–1 scale. */
  mean: readonly number[];
  /** Standard deviation per channel, on the 0–1 scale. */
  std: readonly number[];
}

/** One file to download: its name under the base URL and its SHA-256. */
export interface RemoteFile {
  /** File name, appended to the base URL. */
  name: string;
  /** Lower-case hex SHA-256 of the file. */
  sha256: string;
  /** Size in bytes. */
  bytes: number;
}

/** Everything the package knows about one dataset. */
export interface DatasetSpec {
  /** Name used by `--dataset`. */
  name: DatasetName;
  /** Human-readable name. */
  title: string;
  /** Channels per image. */
  channels: number;
  /** Image height. */
  height: number;
  /** Image width. */
  width: number;
  /** Number of classes (CIFAR-100: fine labels; 20 with coarse labels). */
  numClasses: number;
  /** Normalisation constants. */
  normalization: Normalization;
  /** Augmentation used for training by default. */
  augment: AugmentKind;
  /** Zero padding of the random crop, in pixels. */
  cropPadding: number;
  /** Files that make up the dataset on disk, train then test (IDX files may carry `.gz`). */
  trainFiles: readonly string[];
  /** Test-split files. */
  testFiles: readonly string[];
  /** Sub-directory names under `--data-dir` that are searched, after the directory itself. */
  subdirs: readonly string[];
  /** Official download base URL (ends with `/`). */
  baseUrl: string;
  /** Files fetched from `baseUrl`. */
  remote: readonly RemoteFile[];
  /** For archives: the directory (under the download directory) the archive unpacks to. */
  archiveDir?: string;
  /** Class names, index order. */
  classes: readonly string[];
}

const IDX_TRAIN = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"] as const;
const IDX_TEST = ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] as const;

/** Index of a CIFAR-100 superclass name list is the coarse label. */
// deno-fmt-ignore
const CIFAR100_COARSE = [
  "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
  "household_electrical_devices", "household_furniture", "insects", "large_carnivores",
  "large_man-made_outdoor_things", "large_natural_outdoor_scenes",
  "large_omnivores_and_herbivores", "medium_mammals", "non-insect_invertebrates", "people",
  "reptiles", "small_mammals", "trees", "vehicles_1", "vehicles_2",
] as const;

/**
 * The supported datasets. Normalisation: CIFAR-10/100 use docs/method.md §9.2
 * (mean 0.491/0.482/0.447, std 0.247/0.243/0.262); MNIST the usual 0.1307/0.3081;
 * Fashion-MNIST 0.2860/0.3530 (the statistics of its 60,000 training images).
 *
 * @example
 * ```ts
 * import { DATASETS } from "@ovsw/data";
 * console.log(DATASETS.cifar10.normalization.mean); // [0.491, 0.482, 0.447]
 * ```
 */
export const DATASETS: Readonly<Record<DatasetName, DatasetSpec>> = {
  "mnist": {
    name: "mnist",
    title: "MNIST",
    channels: 1,
    height: 28,
    width: 28,
    numClasses: 10,
    normalization: { mean: [0.1307], std: [0.3081] },
    augment: "none",
    cropPadding: 2,
    trainFiles: IDX_TRAIN,
    testFiles: IDX_TEST,
    subdirs: ["mnist", "MNIST/raw", "MNIST"],
    baseUrl: "https://ossci-datasets.s3.amazonaws.com/mnist/",
    remote: [
      {
        name: "train-images-idx3-ubyte.gz",
        sha256: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        bytes: 9912422,
      },
      {
        name: "train-labels-idx1-ubyte.gz",
        sha256: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        bytes: 28881,
      },
      {
        name: "t10k-images-idx3-ubyte.gz",
        sha256: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        bytes: 1648877,
      },
      {
        name: "t10k-labels-idx1-ubyte.gz",
        sha256: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        bytes: 4542,
      },
    ],
    classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  },
  "fashion-mnist": {
    name: "fashion-mnist",
    title: "Fashion-MNIST",
    channels: 1,
    height: 28,
    width: 28,
    numClasses: 10,
    normalization: { mean: [0.2860], std: [0.3530] },
    augment: "none",
    cropPadding: 2,
    trainFiles: IDX_TRAIN,
    testFiles: IDX_TEST,
    subdirs: ["fashion-mnist", "FashionMNIST/raw", "FashionMNIST", "fashion"],
    baseUrl: "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    remote: [
      {
        name: "train-images-idx3-ubyte.gz",
        sha256: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        bytes: 26421880,
      },
      {
        name: "train-labels-idx1-ubyte.gz",
        sha256: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        bytes: 29515,
      },
      {
        name: "t10k-images-idx3-ubyte.gz",
        sha256: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        bytes: 4422102,
      },
      {
        name: "t10k-labels-idx1-ubyte.gz",
        sha256: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        bytes: 5148,
      },
    ],
    // deno-fmt-ignore
    classes: [
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ],
  },
  "cifar10": {
    name: "cifar10",
    title: "CIFAR-10",
    channels: 3,
    height: 32,
    width: 32,
    numClasses: 10,
    normalization: { mean: [0.491, 0.482, 0.447], std: [0.247, 0.243, 0.262] },
    augment: "crop-flip",
    cropPadding: 4,
    trainFiles: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
    testFiles: ["test_batch.bin"],
    subdirs: ["cifar-10-batches-bin", "cifar10/cifar-10-batches-bin", "cifar10"],
    baseUrl: "https://www.cs.toronto.edu/~kriz/",
    remote: [{
      name: "cifar-10-binary.tar.gz",
      sha256: "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
      bytes: 170052171,
    }],
    archiveDir: "cifar-10-batches-bin",
    // deno-fmt-ignore
    classes: [
      "airplane", "automobile", "bird", "cat", "deer",
      "dog", "frog", "horse", "ship", "truck",
    ],
  },
  "cifar100": {
    name: "cifar100",
    title: "CIFAR-100",
    channels: 3,
    height: 32,
    width: 32,
    numClasses: 100,
    normalization: { mean: [0.491, 0.482, 0.447], std: [0.247, 0.243, 0.262] },
    augment: "crop-flip",
    cropPadding: 4,
    trainFiles: ["train.bin"],
    testFiles: ["test.bin"],
    subdirs: ["cifar-100-binary", "cifar100/cifar-100-binary", "cifar100"],
    baseUrl: "https://www.cs.toronto.edu/~kriz/",
    remote: [{
      name: "cifar-100-binary.tar.gz",
      sha256: "58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec",
      bytes: 168513733,
    }],
    archiveDir: "cifar-100-binary",
    // deno-fmt-ignore
    classes: [
      "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle",
      "bottle", "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle",
      "caterpillar", "cattle", "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch",
      "crab", "crocodile", "cup", "dinosaur", "dolphin", "elephant", "flatfish", "forest", "fox",
      "girl", "hamster", "house", "kangaroo", "keyboard", "lamp", "lawn_mower", "leopard",
      "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain", "mouse",
      "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck",
      "pine_tree", "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray",
      "road", "rocket", "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail",
      "snake", "spider", "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank",
      "telephone", "television", "tiger", "tractor", "train", "trout", "tulip", "turtle",
      "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    ],
  },
};

/**
 * CIFAR-100 superclass names, indexed by coarse label.
 *
 * @example
 * ```ts
 * import { CIFAR100_SUPERCLASSES } from "@ovsw/data";
 * console.log(CIFAR100_SUPERCLASSES[1]); // fish
 * ```
 */
export const CIFAR100_SUPERCLASSES: readonly string[] = CIFAR100_COARSE;

/**
 * Every dataset name accepted by `--dataset`; `embedded` is the built-in Fashion-MNIST subset,
 * `imagenet` and `folder` are image folders read by `openImageFolder`.
 *
 * @example
 * ```ts
 * import { DATASET_NAMES } from "@ovsw/data";
 * console.log(DATASET_NAMES.join(", "));
 * ```
 */
export const DATASET_NAMES: readonly string[] = [
  "embedded",
  ...Object.keys(DATASETS),
  "imagenet",
  "folder",
];

/**
 * Looks up a dataset by name, with a clear error listing the valid names.
 *
 * @example
 * ```ts
 * import { datasetSpec } from "@ovsw/data";
 * console.log(datasetSpec("cifar100").numClasses); // 100
 * ```
 */
export function datasetSpec(name: string): DatasetSpec {
  const spec = (DATASETS as Record<string, DatasetSpec>)[name];
  if (!spec) {
    throw new RangeError(
      `unknown dataset "${name}"; expected one of: ${DATASET_NAMES.join(", ")}`,
    );
  }
  return spec;
}
