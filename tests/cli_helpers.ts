/**
 * Helpers of the CLI integration tests: run a task script as a real subprocess (the same
 * Deno executable, the permissions of its `deno task`) and capture exit code, stdout and
 * stderr.
 *
 * @module
 */

/**
 * A tiny training run: 24 training images in batches of 8 (3 steps per epoch), 2 epochs, a log
 * line every `logEvery` steps.
 */
export function tinyRun(logEvery: number): string[] {
  return [
    ...["--train-limit", "24", "--test-limit", "8", "--batch-size", "8", "--epochs", "2"],
    ...["--log-every", String(logEvery)],
  ];
}

/** Whether two files hold the same bytes. */
export async function sameFileBytes(a: string, b: string): Promise<boolean> {
  const [x, y] = [await Deno.readFile(a), await Deno.readFile(b)];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** What a task run returned. */
export interface TaskRun {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** The permissions each task script runs with (as in the root deno.json tasks). */
export const TASK_PERMISSIONS = ["--allow-read", "--allow-write", "--allow-env", "--allow-net"];

/** Runs `cli/<task>.ts` with arguments; NO_COLOR is set so stderr is plain. */
export async function runTaskScript(
  task: string,
  args: string[],
  opts: { signal?: { afterStderr: RegExp; signo: Deno.Signal } } = {},
): Promise<TaskRun> {
  const script = new URL(`../cli/${task}.ts`, import.meta.url).pathname;
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", ...TASK_PERMISSIONS, script, ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  });
  const child = cmd.spawn();
  const dec = new TextDecoder();
  let stderr = "";
  let signalled = false;
  const readErr = (async () => {
    for await (const chunk of child.stderr) {
      stderr += dec.decode(chunk, { stream: true });
      if (opts.signal && !signalled && opts.signal.afterStderr.test(stderr)) {
        signalled = true;
        child.kill(opts.signal.signo);
      }
    }
  })();
  const readOut = new Response(child.stdout).text();
  const [status, stdout] = await Promise.all([child.status, readOut, readErr]);
  return { code: status.code, stdout, stderr };
}

/** The lines of stderr that are ours (drops the runtime's own deprecation notices). */
export function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) =>
    l.trim() !== "" && !l.includes("DeprecationWarning") && !l.includes("XDG_RUNTIME_DIR")
  );
}
