/**
 * In-memory image classification datasets: u8 images in NCHW order plus integer labels.
 *
 * @module
 */
import { DatasetError } from "./errors.ts";

/**
 * A split of an image dataset held in memory.
 *
 * `images` holds `count × channels × height × width` bytes in NCHW order (one image after the
 * other, each channel plane after the other), pixel values 0–255. `labels` holds one class index
 * per image, each `< numClasses`.
 *
 * @example
 * ```ts
 * import { makeSplit } from "@ovsw/data";
 * const s = makeSplit({
 *   images: new Uint8Array(2 * 4), labels: new Uint8Array([0, 1]),
 *   channels: 1, height: 2, width: 2, numClasses: 2, source: "toy",
 * });
 * console.log(s.count); // 2
 * ```
 */
export interface Split {
  /** Pixels, NCHW, 0–255. */
  readonly images: Uint8Array;
  /** Class index per image. */
  readonly labels: Uint8Array;
  /** Number of images. */
  readonly count: number;
  /** Channels per image (1 for grey, 3 for RGB). */
  readonly channels: number;
  /** Image height in pixels. */
  readonly height: number;
  /** Image width in pixels. */
  readonly width: number;
  /** Number of classes; every label is below it. */
  readonly numClasses: number;
  /** Where the data came from (file names), for messages and run metadata. */
  readonly source: string;
}

/** Fields of a {@link Split} before validation (`count` is derived). */
export interface SplitInit {
  /** Pixels, NCHW, 0–255. */
  images: Uint8Array;
  /** Class index per image. */
  labels: Uint8Array;
  /** Channels per image. */
  channels: number;
  /** Image height. */
  height: number;
  /** Image width. */
  width: number;
  /** Number of classes. */
  numClasses: number;
  /** Where the data came from. */
  source: string;
}

/**
 * Builds a {@link Split} and checks that sizes and labels agree, throwing a
 * {@link DatasetError} that names `source` otherwise.
 *
 * @example
 * ```ts
 * import { makeSplit } from "@ovsw/data";
 * const s = makeSplit({
 *   images: new Uint8Array(3), labels: new Uint8Array([2]),
 *   channels: 3, height: 1, width: 1, numClasses: 10, source: "one-pixel",
 * });
 * console.log(s.count); // 1
 * ```
 */
export function makeSplit(init: SplitInit): Split {
  const { images, labels, channels, height, width, numClasses, source } = init;
  const per = channels * height * width;
  if (!(per > 0)) {
    throw new DatasetError(source, `invalid image shape ${channels}×${height}×${width}`);
  }
  if (images.length % per !== 0) {
    throw new DatasetError(
      source,
      `${images.length} pixel bytes is not a whole number of ${channels}×${height}×${width} images`,
    );
  }
  const count = images.length / per;
  if (count !== labels.length) {
    throw new DatasetError(source, `${count} images but ${labels.length} labels`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= numClasses) {
      throw new DatasetError(
        source,
        `label ${labels[i]} of image ${i} is out of range for ${numClasses} classes`,
      );
    }
  }
  return { images, labels, count, channels, height, width, numClasses, source };
}

/**
 * The first `n` images of a split (all of them if `n` is undefined or ≥ the count); shares
 * memory with the original. Used for `--train-limit` / `--test-limit`.
 *
 * @example
 * ```ts
 * import { makeSplit, takeFirst } from "@ovsw/data";
 * const s = makeSplit({
 *   images: new Uint8Array(3), labels: new Uint8Array([0, 1, 0]),
 *   channels: 1, height: 1, width: 1, numClasses: 2, source: "toy",
 * });
 * console.log(takeFirst(s, 2).count); // 2
 * ```
 */
export function takeFirst(split: Split, n?: number): Split {
  if (n === undefined || n >= split.count) return split;
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`image limit must be a positive integer, got ${n}`);
  }
  const per = split.channels * split.height * split.width;
  return {
    ...split,
    images: split.images.subarray(0, n * per),
    labels: split.labels.subarray(0, n),
    count: n,
  };
}

/**
 * Number of images of each class, indexed by class.
 *
 * @example
 * ```ts
 * import { classCounts, makeSplit } from "@ovsw/data";
 * const s = makeSplit({
 *   images: new Uint8Array(3), labels: new Uint8Array([0, 1, 0]),
 *   channels: 1, height: 1, width: 1, numClasses: 2, source: "toy",
 * });
 * console.log(classCounts(s)); // [2, 1]
 * ```
 */
export function classCounts(split: Split): number[] {
  const counts = new Array<number>(split.numClasses).fill(0);
  for (const l of split.labels) counts[l]++;
  return counts;
}
