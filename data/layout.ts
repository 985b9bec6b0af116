/**
 * Finding a dataset's files under a user-given directory (`--data-dir`).
 *
 * @module
 */
import { DatasetError } from "./errors.ts";
import { type DatasetName, DATASETS, type DatasetSpec, datasetSpec } from "./specs.ts";

/** Where a dataset's files were found. */
export interface DatasetLocation {
  /** The dataset. */
  spec: DatasetSpec;
  /** The directory holding the files. */
  dir: string;
  /** Full paths of the training files, in {@link DatasetSpec.trainFiles} order. */
  train: string[];
  /** Full paths of the test files. */
  test: string[];
}

function join(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** The path of `name` in `dir`, also accepting `name.gz` for IDX files; null if absent. */
function findFile(dir: string, name: string, idx: boolean): string | null {
  const plain = join(dir, name);
  if (isFile(plain)) return plain;
  if (idx && isFile(plain + ".gz")) return plain + ".gz";
  return null;
}

function candidates(dir: string, spec: DatasetSpec): string[] {
  return [dir, ...spec.subdirs.map((s) => join(dir, s))];
}

/** Tries one dataset; returns the location or the candidate with the fewest missing files. */
function tryLocate(
  dir: string,
  spec: DatasetSpec,
): { found: DatasetLocation | null; missing: string[]; where: string } {
  const idx = spec.trainFiles[0].includes("idx");
  let best = { missing: [...spec.trainFiles, ...spec.testFiles], where: dir };
  for (const cand of candidates(dir, spec)) {
    if (!isDir(cand)) continue;
    const missing: string[] = [];
    const get = (n: string) => {
      const p = findFile(cand, n, idx);
      if (!p) missing.push(idx ? `${n}[.gz]` : n);
      return p ?? "";
    };
    const train = spec.trainFiles.map(get);
    const test = spec.testFiles.map(get);
    if (missing.length === 0) {
      return { found: { spec, dir: cand, train, test }, missing, where: cand };
    }
    if (missing.length < best.missing.length) best = { missing, where: cand };
  }
  return { found: null, ...best };
}

/**
 * Describes where a dataset's files are expected, for error messages and `--help`.
 *
 * @example
 * ```ts
 * import { DATASETS, expectedLayout } from "@ovsw/data";
 * console.log(expectedLayout("datasets", DATASETS.cifar10));
 * ```
 */
export function expectedLayout(dir: string, spec: DatasetSpec): string {
  const idx = spec.trainFiles[0].includes("idx");
  const files = [...spec.trainFiles, ...spec.testFiles].map((f) => idx ? `${f}[.gz]` : f);
  return `${spec.title} expects ${files.join(", ")} in ${dir} or in one of its sub-directories ` +
    `${spec.subdirs.join(", ")}`;
}

/**
 * Finds a dataset's files under `dir`: in `dir` itself or in one of the usual sub-directories
 * (e.g. `cifar-10-batches-bin`, torchvision's `FashionMNIST/raw`). IDX files may be gzipped.
 *
 * Without a name the layout is detected: CIFAR-10 batches, CIFAR-100 `train.bin`/`test.bin`,
 * or the four IDX files, which are taken as Fashion-MNIST when the directory path contains
 * "fashion" and as MNIST otherwise. When nothing matches, a {@link DatasetError} lists the
 * files expected and those missing.
 *
 * @example
 * ```ts
 * import { locateDataset } from "@ovsw/data";
 * try {
 *   locateDataset("/nonexistent", "cifar10");
 * } catch (e) {
 *   console.log((e as Error).message);
 * }
 * ```
 */
export function locateDataset(dir: string, name?: DatasetName | string): DatasetLocation {
  if (!isDir(dir)) {
    throw new DatasetError(
      dir,
      isFile(dir) ? "is a file; --data-dir must be a directory" : "directory not found",
    );
  }
  if (name !== undefined) {
    const spec = datasetSpec(name);
    const r = tryLocate(dir, spec);
    if (r.found) return r.found;
    throw new DatasetError(
      dir,
      `no complete ${spec.title} found: missing ${r.missing.join(", ")} in ${r.where}. ` +
        `${expectedLayout(dir, spec)}; or pass --download to fetch it.`,
    );
  }
  const order: DatasetName[] = ["cifar10", "cifar100"];
  for (const n of order) {
    const r = tryLocate(dir, DATASETS[n]);
    if (r.found) return r.found;
  }
  for (const n of ["fashion-mnist", "mnist"] as DatasetName[]) {
    const r = tryLocate(dir, DATASETS[n]);
    if (r.found) {
      const spec = DATASETS[/fashion/i.test(r.found.dir) ? "fashion-mnist" : "mnist"];
      return { ...r.found, spec };
    }
  }
  const layouts = (["mnist", "fashion-mnist", "cifar10", "cifar100"] as DatasetName[])
    .map((n) => expectedLayout(dir, DATASETS[n]));
  throw new DatasetError(
    dir,
    `no dataset found. ${layouts.join("; ")}. Pass --dataset NAME --download to fetch one.`,
  );
}
