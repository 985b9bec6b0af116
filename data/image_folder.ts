/**
 * Listing an image folder the way torchvision's `ImageFolder` does: one sub-directory per class,
 * classes sorted by name, every file with an image extension found (recursively, links followed)
 * under a class directory, in sorted order.
 *
 * @module
 */
import { join } from "node:path";
import { DatasetError } from "./errors.ts";

/**
 * torchvision's `IMG_EXTENSIONS` (matched case-insensitively); other files are ignored.
 *
 * @example
 * ```ts
 * import { IMAGE_EXTENSIONS } from "@ovsw/data";
 * console.log(IMAGE_EXTENSIONS.includes(".jpeg")); // true
 * ```
 */
export const IMAGE_EXTENSIONS: readonly string[] = [
  ".jpg",
  ".jpeg",
  ".png",
  ".ppm",
  ".bmp",
  ".pgm",
  ".tif",
  ".tiff",
  ".webp",
];

/** The files of one split of an image folder and their labels (nothing decoded). */
export interface ImageFolderSplit {
  /** The split's directory. */
  readonly root: string;
  /** Class names (directory names), sorted; index = label. */
  readonly classes: readonly string[];
  /** Image paths, class by class, each class's files sorted. */
  readonly files: readonly string[];
  /** Label of each file. */
  readonly labels: Uint32Array;
  /** Number of images. */
  readonly count: number;
  /** Number of classes. */
  readonly numClasses: number;
  /** Where the data came from, for messages and run metadata. */
  readonly source: string;
}

function isImageFile(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** Code-point order, Python's `sorted` on str. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `sorted(os.walk(dir, followlinks=True))`, keeping each directory's sorted image files. */
function walkImages(dir: string, out: Array<[string, string[]]>): void {
  const files: string[] = [];
  const dirs: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const path = join(dir, e.name);
    const isDir = e.isDirectory || (e.isSymlink && Deno.statSync(path).isDirectory);
    if (isDir) dirs.push(path);
    else if (isImageFile(e.name)) files.push(e.name);
  }
  out.push([dir, files.sort(byCodePoint).map((f) => join(dir, f))]);
  for (const d of dirs) walkImages(d, out);
}

/**
 * Lists `dir` as an ImageFolder split. Errors name the directory: missing, no class
 * directories, or class directories without any image file (torchvision's "Found no valid
 * file for the classes …"). With `classes`, the split must have exactly those class
 * directories (the validation split must match the training split's classes).
 *
 * @example
 * ```ts
 * import { listImageFolder } from "@ovsw/data";
 * const dir = await Deno.makeTempDir();
 * for (const [cls, file] of [["dog", "b.jpg"], ["cat", "a.JPEG"], ["dog", "a.png"]]) {
 *   await Deno.mkdir(`${dir}/${cls}`, { recursive: true });
 *   await Deno.writeFile(`${dir}/${cls}/${file}`, new Uint8Array());
 * }
 * await Deno.writeTextFile(`${dir}/dog/notes.txt`, "ignored");
 * const split = listImageFolder(dir);
 * console.log(split.classes, split.labels); // [ "cat", "dog" ] Uint32Array(3) [ 0, 1, 1 ]
 * ```
 */
export function listImageFolder(dir: string, classes?: readonly string[]): ImageFolderSplit {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (e) {
    throw new DatasetError(dir, `cannot read the image folder (${(e as Error).message})`, {
      cause: e,
    });
  }
  const found = entries
    .filter((e) => e.isDirectory || (e.isSymlink && Deno.statSync(join(dir, e.name)).isDirectory))
    .map((e) => e.name)
    .sort(byCodePoint);
  if (found.length === 0) {
    throw new DatasetError(dir, "no class directories (expected <class>/<image> files)");
  }
  if (classes) {
    const missing = classes.filter((c) => !found.includes(c));
    const extra = found.filter((c) => !classes.includes(c));
    if (missing.length || extra.length) {
      throw new DatasetError(
        dir,
        `class directories differ from the training split's` +
          (missing.length ? `; missing: ${missing.slice(0, 5).join(", ")}` : "") +
          (extra.length ? `; not in training: ${extra.slice(0, 5).join(", ")}` : ""),
      );
    }
  }
  const files: string[] = [];
  const labels: number[] = [];
  const empty: string[] = [];
  found.forEach((cls, label) => {
    const walked: Array<[string, string[]]> = [];
    walkImages(join(dir, cls), walked);
    walked.sort((a, b) => byCodePoint(a[0], b[0]));
    const before = files.length;
    for (const [, paths] of walked) files.push(...paths);
    if (files.length === before) empty.push(cls);
    for (let i = before; i < files.length; i++) labels.push(label);
  });
  if (empty.length > 0) {
    throw new DatasetError(
      join(dir, empty[0]),
      `no image file in class director${empty.length > 1 ? "ies" : "y"} ` +
        `${empty.slice(0, 5).join(", ")}${empty.length > 5 ? ", …" : ""} ` +
        `(image extensions: ${IMAGE_EXTENSIONS.join(" ")})`,
    );
  }
  return {
    root: dir,
    classes: found,
    files,
    labels: Uint32Array.from(labels),
    count: files.length,
    numClasses: found.length,
    source: dir,
  };
}

/**
 * At most `n` images of a split spread evenly over it (image `floor(i · count / n)` for
 * i < n), so every class keeps its share; the whole split when `n` is undefined or ≥ count.
 * Used for `--train-limit` / `--test-limit` on image folders.
 *
 * @example
 * ```ts
 * import { evenSubset, type ImageFolderSplit } from "@ovsw/data";
 * const split: ImageFolderSplit = {
 *   root: "r", classes: ["a", "b"], files: ["a0", "a1", "b0", "b1"],
 *   labels: new Uint32Array([0, 0, 1, 1]), count: 4, numClasses: 2, source: "r",
 * };
 * console.log(evenSubset(split, 2).files); // [ "a0", "b0" ]
 * ```
 */
export function evenSubset(split: ImageFolderSplit, n?: number): ImageFolderSplit {
  if (n === undefined || n >= split.count) return split;
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`image limit must be a positive integer, got ${n}`);
  }
  const pick = Array.from({ length: n }, (_, i) => Math.floor((i * split.count) / n));
  return {
    ...split,
    files: pick.map((i) => split.files[i]),
    labels: Uint32Array.from(pick, (i) => split.labels[i]),
    count: n,
  };
}
