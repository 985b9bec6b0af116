/**
 * The error a command-line user can fix (bad flag, bad value, missing file): printed as one
 * line and exit code 2, never as a stack trace.
 *
 * @module
 */

/**
 * A problem with the user's input: the CLI prints `error: <message>` and exits with code 2.
 *
 * @example
 * ```ts
 * import { UsageError } from "@ovsw/cli";
 * const err = new UsageError("--lr must be a positive number, got 'abc'");
 * console.log(err.exitCode); // 2
 * ```
 */
export class UsageError extends Error {
  /** The process exit code for this error. */
  readonly exitCode: number = 2;

  /**
   * Creates the error.
   *
   * @param message one line naming the flag, file or value at fault
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * A run that had to stop (NaN/Inf loss, interrupted by a signal) after keeping its last good
 * checkpoint: printed as one line, exit code 1 (or 130 for Ctrl-C).
 *
 * @example
 * ```ts
 * import { RunStopped } from "@ovsw/cli";
 * const err = new RunStopped("loss became NaN at epoch 1 step 40", 1);
 * console.log(err.exitCode); // 1
 * ```
 */
export class RunStopped extends Error {
  /** The process exit code (1 for a diverged run, 130 for SIGINT). */
  readonly exitCode: number;

  /**
   * Creates the error.
   *
   * @param message what happened and where the last good checkpoint is
   * @param exitCode the process exit code
   */
  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
    this.name = "RunStopped";
  }
}

/**
 * One line describing any thrown value (its message, without a stack).
 *
 * @example
 * ```ts
 * import { oneLine } from "@ovsw/cli";
 * console.log(oneLine(new Error("bad\n  file"))); // "bad file"
 * ```
 */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n").map((s) => s.trim()).filter((s) => s.length > 0).join(" ");
}
