/**
 * Reading a located dataset's files into memory as {@link Split}s.
 *
 * @module
 */
import { decodeCifar10, decodeCifar100 } from "./cifar.ts";
import { makeSplit, type Split } from "./dataset.ts";
import { DatasetError } from "./errors.ts";
import { readDataFile, readMaybeGzip } from "./_files.ts";
import { decodeIdxImages, decodeIdxLabels } from "./idx.ts";
import type { DatasetLocation } from "./layout.ts";
import type { DatasetSpec } from "./specs.ts";

/** Train and test splits of one dataset. */
export interface DatasetSplits {
  /** The training split. */
  train: Split;
  /** The test split. */
  test: Split;
}

/** Which CIFAR-100 labels to use: the 100 fine classes or the 20 superclasses. */
export type Cifar100Labels = "fine" | "coarse";

/**
 * Reads an IDX image file and its label file (gzip or raw) into a split, checking the image
 * size against `spec` and that the counts agree.
 *
 * @example
 * ```ts
 * import { DATASETS, encodeIdx, readIdxSplit } from "@ovsw/data";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/images`, encodeIdx(new Uint8Array(3 * 28 * 28), [3, 28, 28]));
 * await Deno.writeFile(`${dir}/labels`, encodeIdx(new Uint8Array([0, 9, 4]), [3]));
 * const test = await readIdxSplit(`${dir}/images`, `${dir}/labels`, DATASETS["fashion-mnist"]);
 * console.log(test.count, test.labels); // 3 Uint8Array(3) [ 0, 9, 4 ]
 * ```
 */
export async function readIdxSplit(
  imagesFile: string,
  labelsFile: string,
  spec: Pick<DatasetSpec, "height" | "width" | "numClasses">,
): Promise<Split> {
  const img = decodeIdxImages(await readMaybeGzip(imagesFile), imagesFile, spec);
  const labels = decodeIdxLabels(await readMaybeGzip(labelsFile), labelsFile);
  if (img.count !== labels.length) {
    throw new DatasetError(
      labelsFile,
      `${labels.length} labels but ${imagesFile} has ${img.count} images (count mismatch)`,
    );
  }
  return makeSplit({
    images: img.pixels,
    labels,
    channels: 1,
    height: img.height,
    width: img.width,
    numClasses: spec.numClasses,
    source: labelsFile,
  });
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Reads CIFAR-10 binary batch files (concatenated in the given order) into a split.
 *
 * @example
 * ```ts
 * import { readCifar10Split } from "@ovsw/data";
 * const dir = await Deno.makeTempDir();
 * const records = new Uint8Array(2 * 3073); // two records: label byte + 3072 pixel bytes
 * records.set([7], 0);
 * records.set([2], 3073);
 * await Deno.writeFile(`${dir}/test_batch.bin`, records);
 * const s = await readCifar10Split([`${dir}/test_batch.bin`]);
 * console.log(s.count, s.labels); // 2 Uint8Array(2) [ 7, 2 ]
 * ```
 */
export async function readCifar10Split(files: readonly string[]): Promise<Split> {
  const images: Uint8Array[] = [];
  const labels: Uint8Array[] = [];
  for (const f of files) {
    const r = decodeCifar10(await readDataFile(f), f);
    images.push(r.images);
    labels.push(r.labels);
  }
  return makeSplit({
    images: concat(images),
    labels: concat(labels),
    channels: 3,
    height: 32,
    width: 32,
    numClasses: 10,
    source: files.join(", "),
  });
}

/**
 * Reads a CIFAR-100 binary file into a split with fine (100) or coarse (20) labels.
 *
 * @example
 * ```ts
 * import { readCifar100Split } from "@ovsw/data";
 * const dir = await Deno.makeTempDir();
 * const record = new Uint8Array(2 + 3072); // coarse label, fine label, image
 * record.set([3, 42]);
 * await Deno.writeFile(`${dir}/test.bin`, record);
 * const s = await readCifar100Split(`${dir}/test.bin`, "coarse");
 * console.log(s.numClasses, s.labels); // 20 Uint8Array(1) [ 3 ]
 * ```
 */
export async function readCifar100Split(
  file: string,
  labels: Cifar100Labels = "fine",
): Promise<Split> {
  const r = decodeCifar100(await readDataFile(file), file);
  return makeSplit({
    images: r.images,
    labels: labels === "fine" ? r.fine : r.coarse,
    channels: 3,
    height: 32,
    width: 32,
    numClasses: labels === "fine" ? 100 : 20,
    source: file,
  });
}

/**
 * Reads both splits of a dataset found by {@link locateDataset}.
 *
 * @example
 * ```ts
 * import { DATASETS, encodeIdx, locateDataset, readDataset } from "@ovsw/data";
 * const dir = await Deno.makeTempDir();
 * const spec = DATASETS["fashion-mnist"];
 * for (const f of [...spec.trainFiles, ...spec.testFiles]) {
 *   const bytes = f.includes("images")
 *     ? encodeIdx(new Uint8Array(2 * 28 * 28), [2, 28, 28])
 *     : encodeIdx(new Uint8Array([1, 8]), [2]);
 *   await Deno.writeFile(`${dir}/${f}`, bytes);
 * }
 * const data = await readDataset(locateDataset(dir, "fashion-mnist"));
 * console.log(data.train.count, data.test.count); // 2 2
 * ```
 */
export async function readDataset(
  loc: DatasetLocation,
  opts: { cifar100Labels?: Cifar100Labels } = {},
): Promise<DatasetSplits> {
  const { spec } = loc;
  switch (spec.name) {
    case "mnist":
    case "fashion-mnist":
      return {
        train: await readIdxSplit(loc.train[0], loc.train[1], spec),
        test: await readIdxSplit(loc.test[0], loc.test[1], spec),
      };
    case "cifar10":
      return {
        train: await readCifar10Split(loc.train),
        test: await readCifar10Split(loc.test),
      };
    case "cifar100":
      return {
        train: await readCifar100Split(loc.train[0], opts.cifar100Labels),
        test: await readCifar100Split(loc.test[0], opts.cifar100Labels),
      };
  }
}
