/**
 * The shared entry-point wrapper of every task: runs it, prints results on stdout, and turns
 * errors into one line on stderr with the right exit code (2 for usage errors and unusable run
 * directories, 1 for a failed run or a failed write, 130 after Ctrl-C). Set `OVSW_DEBUG=1` to also see stack traces.
 *
 * @module
 */
import { GpuUnavailableError } from "@ovsw/gpu";
import { RunDirError, StorageError } from "@ovsw/train";
import { oneLine, RunStopped, UsageError } from "./errors.ts";
import { stderrSink, type TextSink } from "./progress.ts";

function debug(): boolean {
  try {
    return (Deno.env.get("OVSW_DEBUG") ?? "") !== "";
  } catch {
    return false;
  }
}

/**
 * The exit code and stderr text for an error thrown by a task.
 *
 * @example
 * ```ts
 * import { describeFailure, UsageError } from "@ovsw/cli";
 * console.log(describeFailure(new UsageError("--lr must be > 0, got 0")));
 * // { code: 2, text: "error: --lr must be > 0, got 0" }
 * ```
 */
export function describeFailure(err: unknown): { code: number; text: string } {
  if (err instanceof UsageError || err instanceof RunDirError) {
    return { code: 2, text: `error: ${oneLine(err)}` };
  }
  if (err instanceof StorageError) return { code: 1, text: `error: ${oneLine(err)}` };
  if (err instanceof RunStopped) return { code: err.exitCode, text: oneLine(err) };
  if (err instanceof GpuUnavailableError) return { code: 1, text: `error: ${err.message}` };
  if (err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied) {
    return { code: 2, text: `error: ${oneLine(err)}` };
  }
  return { code: 1, text: `error: ${oneLine(err)}` };
}

/** Where a task writes: results to `out` (stdout), progress and errors to `err` (stderr). */
export interface CliIo {
  /** Writes result text (stdout). */
  out(text: string): void;
  /** Progress and messages (stderr). */
  err: TextSink;
  /** Whether Ctrl-C handlers may be installed (false in tests). */
  signals: boolean;
}

function writeAll(w: { writeSync(b: Uint8Array): number }, text: string): void {
  const bytes = new TextEncoder().encode(text);
  let off = 0;
  while (off < bytes.length) off += w.writeSync(bytes.subarray(off));
}

/**
 * The process's real stdout/stderr.
 *
 * @example
 * ```ts
 * import { processIo } from "@ovsw/cli";
 * processIo().out("hello\n");
 * ```
 */
export function processIo(): CliIo {
  return { out: (t) => writeAll(Deno.stdout, t), err: stderrSink(), signals: true };
}

/**
 * Runs a task's main function and returns its exit code; a thrown error becomes one line on
 * `io.err` (see {@link describeFailure}).
 *
 * @example
 * ```ts
 * import { processIo, runTask, UsageError } from "@ovsw/cli";
 * const code = await runTask(async () => { throw new UsageError("bad"); }, processIo());
 * console.log(code); // 2 (and "error: bad" on stderr)
 * ```
 */
export async function runTask(
  main: (io: CliIo) => Promise<number>,
  io: CliIo,
): Promise<number> {
  try {
    return await main(io);
  } catch (e) {
    const f = describeFailure(e);
    let text = f.text + "\n";
    if (debug() && e instanceof Error && e.stack) text += e.stack + "\n";
    io.err.write(new TextEncoder().encode(text));
    return f.code;
  }
}

/**
 * The entry point of a task script: runs it on the real stdout/stderr and exits the process.
 *
 * @example
 * ```ts
 * import { runMain } from "@ovsw/cli";
 * if (import.meta.main) await runMain(async () => 0);
 * ```
 */
export async function runMain(main: (io: CliIo) => Promise<number>): Promise<never> {
  Deno.exit(await runTask(main, processIo()));
}
