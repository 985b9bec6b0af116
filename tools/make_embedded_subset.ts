/**
 * Regenerates the embedded Fashion-MNIST subset in `data/embedded/` from the full dataset
 * (Debian: `apt-get install dataset-fashion-mnist`, files in /usr/share/datasets/fashion-mnist/).
 *
 * The subset is the first 600 training and first 100 test images of each class, in file order,
 * written as IDX files gzipped by `node:zlib` at level 9 (no name, mtime 0), so a rerun with the
 * same Deno reproduces the committed files byte for byte.
 *
 * Usage: `deno run --allow-read --allow-write tools/make_embedded_subset.ts [SOURCE_DIR]`
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import {
  balancedSubset,
  DATASETS,
  EMBEDDED_FILES,
  EMBEDDED_PER_CLASS,
  embeddedDir,
  encodeIdx,
  readIdxSplit,
  type Split,
} from "@ovsw/data";

/** Where Debian's dataset-fashion-mnist package puts the full files. */
export const DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist";

function gzipIdx(data: Uint8Array, dims: number[]): Uint8Array {
  const z = gzipSync(encodeIdx(data, dims), { level: 9 });
  return new Uint8Array(z.buffer, z.byteOffset, z.byteLength);
}

function encodeSplit(s: Split): [Uint8Array, Uint8Array] {
  return [gzipIdx(s.images, [s.count, s.height, s.width]), gzipIdx(s.labels, [s.count])];
}

/**
 * Builds the embedded subset's four files (name → bytes) from the full Fashion-MNIST in
 * `sourceDir`.
 *
 * @example
 * ```ts
 * import { makeEmbeddedSubset } from "./make_embedded_subset.ts";
 * const files = await makeEmbeddedSubset().catch(() => null);
 * console.log(files?.size); // 4
 * ```
 */
export async function makeEmbeddedSubset(
  sourceDir: string = DEBIAN_FASHION_MNIST,
): Promise<Map<string, Uint8Array>> {
  const spec = DATASETS["fashion-mnist"];
  const read = (a: string, b: string) =>
    readIdxSplit(`${sourceDir}/${a}.gz`, `${sourceDir}/${b}.gz`, spec);
  const train = await read("train-images-idx3-ubyte", "train-labels-idx1-ubyte");
  const test = await read("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
  const [trImg, trLab] = encodeSplit(balancedSubset(train, EMBEDDED_PER_CLASS.train));
  const [teImg, teLab] = encodeSplit(balancedSubset(test, EMBEDDED_PER_CLASS.test));
  return new Map([
    [EMBEDDED_FILES.trainImages, trImg],
    [EMBEDDED_FILES.trainLabels, trLab],
    [EMBEDDED_FILES.testImages, teImg],
    [EMBEDDED_FILES.testLabels, teLab],
  ]);
}

if (import.meta.main) {
  const files = await makeEmbeddedSubset(Deno.args[0] ?? DEBIAN_FASHION_MNIST);
  for (const [name, bytes] of files) {
    const url = new URL(name, embeddedDir());
    await Deno.writeFile(url, bytes);
    console.log(`wrote ${decodeURIComponent(url.pathname)} (${bytes.length} bytes)`);
  }
}
