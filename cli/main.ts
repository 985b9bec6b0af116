/**
 * The shared entry-point wrapper of every task: runs it, prints results on stdout, and turns
 * errors into one line on stderr with the right exit code (2 for usage errors, 1 for a failed
 * run, 130 after Ctrl-C). Set `OVSW_DEBUG=1` to also see stack traces.
 *
 * @module
 */
import { GpuUnavailableError } from "@ovsw/gpu";
import { oneLine, RunStopped, UsageError } from "./errors.ts";

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
  if (err instanceof UsageError) return { code: 2, text: `error: ${oneLine(err)}` };
  if (err instanceof RunStopped) return { code: err.exitCode, text: oneLine(err) };
  if (err instanceof GpuUnavailableError) return { code: 1, text: `error: ${err.message}` };
  if (err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied) {
    return { code: 2, text: `error: ${oneLine(err)}` };
  }
  return { code: 1, text: `error: ${oneLine(err)}` };
}

/**
 * Runs a task's main function and exits the process with its code; errors become one line
 * on stderr (see {@link describeFailure}).
 *
 * @example
 * ```ts
 * import { runMain } from "@ovsw/cli";
 * if (import.meta.main) await runMain(async () => 0);
 * ```
 */
export async function runMain(main: () => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await main();
  } catch (e) {
    const f = describeFailure(e);
    console.error(f.text);
    if (debug() && e instanceof Error && e.stack) console.error(e.stack);
    code = f.code;
  }
  Deno.exit(code);
}

/**
 * Writes text to stdout (results go to stdout, progress and messages to stderr).
 *
 * @example
 * ```ts
 * import { printOut } from "@ovsw/cli";
 * printOut("done\n");
 * ```
 */
export function printOut(text: string): void {
  const bytes = new TextEncoder().encode(text);
  let off = 0;
  while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
}
