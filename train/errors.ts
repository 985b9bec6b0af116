/**
 * The errors of the run directory: a problem the user can fix (a missing or edited file, a
 * checkpoint that does not match), and a write that failed (disk full, unwritable path). Both
 * carry one line that names the path at fault.
 *
 * @module
 */

/**
 * A run directory, checkpoint or weights file that cannot be used as it is (missing, damaged,
 * edited since the checkpoint, locked by another process). The CLI prints it as one line and
 * exits with code 2.
 *
 * @example
 * ```ts
 * import { RunDirError } from "@ovsw/train";
 * const err = new RunDirError("runs/a/config.json: \"batchSize\" differs from the checkpoint's");
 * console.log(err.exitCode); // 2
 * ```
 */
export class RunDirError extends Error {
  /** The process exit code for this error. */
  readonly exitCode: number = 2;

  /**
   * Creates the error.
   *
   * @param message one line naming the file or field at fault
   */
  constructor(message: string) {
    super(message);
    this.name = "RunDirError";
  }
}

/** Why a write failed. */
export type StorageProblem = "disk full" | "not writable" | "not a directory" | "other";

/**
 * A file or directory that could not be written: disk full, a read-only or missing parent, a
 * path under a regular file. The message is one line, `cannot write <path>: <why>`.
 *
 * @example
 * ```ts
 * import { StorageError } from "@ovsw/train";
 * const err = new StorageError("runs/a/metrics.jsonl", "disk full", "no space left on device");
 * console.log(err.message); // cannot write runs/a/metrics.jsonl: no space left on device
 * ```
 */
export class StorageError extends Error {
  /** The process exit code for this error. */
  readonly exitCode: number = 1;
  /** The path that could not be written. */
  readonly path: string;
  /** The kind of problem. */
  readonly problem: StorageProblem;

  /**
   * Creates the error.
   *
   * @param path the path that could not be written
   * @param problem the kind of problem
   * @param why what went wrong, in words
   */
  constructor(path: string, problem: StorageProblem, why: string) {
    super(`cannot write ${path}: ${why}`);
    this.name = "StorageError";
    this.path = path;
    this.problem = problem;
  }
}

/**
 * Turns an error thrown by a file-system call on `path` into a {@link StorageError} naming it
 * (a `StorageError` passes through unchanged). ENOSPC becomes "disk full".
 *
 * @example
 * ```ts
 * import { storageError } from "@ovsw/train";
 * const e = await Deno.writeTextFile("/dev/full", "x").catch((e) => storageError("/dev/full", e));
 * console.log(e?.problem); // disk full
 * ```
 */
export function storageError(path: string, err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string } | null)?.code ?? "";
  if (code === "ENOSPC" || /no space left|os error 28\b/i.test(msg)) {
    return new StorageError(path, "disk full", "no space left on device (disk full)");
  }
  if (code === "EDQUOT" || /quota exceeded/i.test(msg)) {
    return new StorageError(path, "disk full", "disk quota exceeded");
  }
  if (
    err instanceof Deno.errors.PermissionDenied || code === "EACCES" || code === "EPERM" ||
    code === "EROFS" || /read-only file system/i.test(msg)
  ) {
    return new StorageError(path, "not writable", "permission denied or read-only file system");
  }
  if (err instanceof Deno.errors.NotADirectory || code === "ENOTDIR") {
    return new StorageError(path, "not a directory", "a parent of it is a file, not a directory");
  }
  if (err instanceof Deno.errors.NotFound) {
    return new StorageError(path, "not writable", "its parent directory does not exist");
  }
  return new StorageError(path, "other", msg.split("\n")[0]);
}
