/**
 * Turns the data flags into training and test splits (via `@ovsw/data`'s `loadData`), with
 * every problem reported as one {@link UsageError} line.
 *
 * @module
 */
import { DatasetError, loadData, type LoadedData } from "@ovsw/data";
import { UsageError } from "./errors.ts";

/** The data flags a run needs. */
export interface DataFlags {
  /** `embedded`, a dataset name, or null (auto). */
  dataset: string | null;
  /** Directory of the dataset files, or null. */
  dataDir: string | null;
  /** Download the dataset first. */
  download: boolean;
  /** First n training images, or all. */
  trainLimit: number | null;
  /** First n test images, or all. */
  testLimit: number | null;
}

/**
 * Loads the splits a run trains and tests on; a missing or corrupt dataset, or a limit above
 * the split's size, is a {@link UsageError} naming the file, directory or flag.
 *
 * @example
 * ```ts
 * import { loadRunData } from "@ovsw/cli";
 * const data = await loadRunData({ dataset: null, dataDir: null, download: false,
 *   trainLimit: 100, testLimit: 50 });
 * console.log(data.name, data.train.count, data.test.count); // embedded 100 50
 * ```
 */
export async function loadRunData(flags: DataFlags): Promise<LoadedData> {
  let data: LoadedData;
  try {
    data = await loadData({
      dataset: flags.dataset ?? undefined,
      dataDir: flags.dataDir ?? undefined,
      download: flags.download,
      trainLimit: flags.trainLimit ?? undefined,
      testLimit: flags.testLimit ?? undefined,
    });
  } catch (e) {
    if (e instanceof DatasetError || e instanceof RangeError) {
      throw new UsageError((e as Error).message.split("\n")[0]);
    }
    throw e;
  }
  for (
    const [flag, limit, split, what] of [
      ["--train-limit", flags.trainLimit, data.train, "training"],
      ["--test-limit", flags.testLimit, data.test, "test"],
    ] as const
  ) {
    if (limit !== null && limit > split.count) {
      throw new UsageError(
        `${flag} ${limit} is more than the ${split.count} ${what} images of ` +
          `${data.spec.title} (${data.source}); use at most ${split.count}, or none for all`,
      );
    }
  }
  return data;
}

/**
 * One-line description of the loaded data, for logs and `config.json`.
 *
 * @example
 * ```ts
 * import { describeData, loadRunData } from "@ovsw/cli";
 * const data = await loadRunData({ dataset: null, dataDir: null, download: false,
 *   trainLimit: 10, testLimit: 10 });
 * console.log(describeData(data)); // Fashion-MNIST (embedded): 10 train / 10 test images
 * ```
 */
export function describeData(d: LoadedData): string {
  return `${d.spec.title} (${d.source}): ${d.train.count} train / ${d.test.count} test images`;
}
