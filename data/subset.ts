/**
 * Class-balanced subsets: the first images of each class, in file order.
 *
 * @module
 */
import { makeSplit, type Split } from "./dataset.ts";
import { DatasetError } from "./errors.ts";

/**
 * Keeps the first `perClass` images of every class, in their original order (so classes stay
 * interleaved as in the source). Deterministic: no randomness is involved. Throws a
 * {@link DatasetError} if some class has fewer images.
 *
 * @example
 * ```ts
 * import { balancedSubset, makeSplit } from "@ovsw/data";
 * const s = makeSplit({
 *   images: new Uint8Array(4), labels: new Uint8Array([0, 0, 1, 1]),
 *   channels: 1, height: 1, width: 1, numClasses: 2, source: "toy",
 * });
 * console.log(balancedSubset(s, 1).labels); // Uint8Array [0, 1]
 * ```
 */
export function balancedSubset(split: Split, perClass: number): Split {
  const per = split.channels * split.height * split.width;
  const taken = new Array<number>(split.numClasses).fill(0);
  const keep: number[] = [];
  for (let i = 0; i < split.count && keep.length < perClass * split.numClasses; i++) {
    const l = split.labels[i];
    if (taken[l] < perClass) {
      taken[l]++;
      keep.push(i);
    }
  }
  const short = taken.findIndex((t) => t < perClass);
  if (short >= 0) {
    throw new DatasetError(
      split.source,
      `class ${short} has only ${taken[short]} images, fewer than the ${perClass} requested`,
    );
  }
  const images = new Uint8Array(keep.length * per);
  const labels = new Uint8Array(keep.length);
  keep.forEach((src, dst) => {
    images.set(split.images.subarray(src * per, (src + 1) * per), dst * per);
    labels[dst] = split.labels[src];
  });
  return makeSplit({ ...split, images, labels });
}
