/**
 * The one error type of the data package.
 *
 * @module
 */

/**
 * A dataset file or directory is missing, truncated, corrupt or inconsistent, or a download
 * failed. The message names the file (or URL) and what is wrong; `file` holds the path.
 *
 * @example
 * ```ts
 * import { DatasetError } from "@ovsw/data";
 * try {
 *   throw new DatasetError("data/x.gz", "truncated gzip stream");
 * } catch (e) {
 *   console.log((e as Error).message); // data/x.gz: truncated gzip stream
 * }
 * ```
 */
export class DatasetError extends Error {
  /** The file, directory or URL at fault. */
  readonly file: string;

  /**
   * Builds the message `file: problem`.
   *
   * @param file the file, directory or URL at fault
   * @param problem what is wrong with it
   */
  constructor(file: string, problem: string, options?: ErrorOptions) {
    super(`${file}: ${problem}`, options);
    this.name = "DatasetError";
    this.file = file;
  }
}
