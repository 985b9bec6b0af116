/**
 * The embedded default dataset: a fixed, class-balanced subset of Fashion-MNIST shipped in
 * `data/embedded/` (6,000 training images, 600 per class, and 1,000 test images, 100 per class:
 * the first images of each class in the official files' order), under Zalando Research's MIT
 * licence (`data/embedded/LICENSE`). `tools/make_embedded_subset.ts` regenerates the files
 * byte for byte from the full Fashion-MNIST.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { DatasetSplits } from "./read.ts";
import { readIdxSplit } from "./read.ts";
import { DATASETS } from "./specs.ts";
import { DatasetError } from "./errors.ts";

/**
 * File names of the embedded subset, in `data/embedded/`.
 *
 * @example
 * ```ts
 * import { EMBEDDED_FILES } from "@ovsw/data";
 * console.log(EMBEDDED_FILES.trainImages); // train-images-idx3-ubyte.gz
 * ```
 */
export const EMBEDDED_FILES = {
  trainImages: "train-images-idx3-ubyte.gz",
  trainLabels: "train-labels-idx1-ubyte.gz",
  testImages: "t10k-images-idx3-ubyte.gz",
  testLabels: "t10k-labels-idx1-ubyte.gz",
} as const;

/**
 * Images per class in the embedded subset.
 *
 * @example
 * ```ts
 * import { EMBEDDED_PER_CLASS } from "@ovsw/data";
 * console.log(EMBEDDED_PER_CLASS.train * 10); // 6000
 * ```
 */
export const EMBEDDED_PER_CLASS = { train: 600, test: 100 } as const;

/**
 * The directory (a `file:` URL) that holds the embedded files.
 *
 * @example
 * ```ts
 * import { embeddedDir } from "@ovsw/data";
 * console.log(embeddedDir().pathname.endsWith("/embedded/")); // true
 * ```
 */
export function embeddedDir(): URL {
  return new URL("./embedded/", import.meta.url);
}

async function fetchToTemp(url: URL): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new DatasetError(url.href, `HTTP ${res.status} ${res.statusText}`);
  const path = await Deno.makeTempFile({ suffix: ".gz" });
  await Deno.writeFile(path, new Uint8Array(await res.arrayBuffer()));
  return path;
}

/**
 * Loads the embedded Fashion-MNIST subset (no download needed).
 *
 * @example
 * ```ts
 * import { classCounts, loadEmbedded } from "@ovsw/data";
 * const { train, test } = await loadEmbedded();
 * console.log(train.count, test.count, classCounts(test)); // 6000 1000 [100, 100, ...]
 * ```
 */
export async function loadEmbedded(): Promise<DatasetSplits> {
  const base = embeddedDir();
  const spec = DATASETS["fashion-mnist"];
  const path = async (name: string) => {
    const url = new URL(name, base);
    return url.protocol === "file:" ? fileURLToPath(url) : await fetchToTemp(url);
  };
  const f = EMBEDDED_FILES;
  return {
    train: await readIdxSplit(await path(f.trainImages), await path(f.trainLabels), spec),
    test: await readIdxSplit(await path(f.testImages), await path(f.testLabels), spec),
  };
}
