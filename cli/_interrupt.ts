/**
 * Ctrl-C during training: the first SIGINT asks the run to save a checkpoint after the current
 * step and stop (exit 130); a second one quits at once (exit 130, no checkpoint).
 *
 * @module
 */

/** What {@link interruptFlag} needs from the runtime (replaced in tests). */
export interface SignalRuntime {
  /** Installs a SIGINT handler. */
  add(handler: () => void): void;
  /** Removes it. */
  remove(handler: () => void): void;
  /** Ends the process. */
  exit(code: number): void;
}

const DENO_SIGNALS: SignalRuntime = {
  add: (h) => Deno.addSignalListener("SIGINT", h),
  remove: (h) => Deno.removeSignalListener("SIGINT", h),
  exit: (code) => Deno.exit(code),
};

/**
 * Installs the Ctrl-C handler: `onFirst` is told on the first SIGINT (and `requested()` turns
 * true); `onSecond` is told on the second, then the process exits with code 130. Returns the
 * flag reader and a function removing the handler.
 *
 * @example
 * ```ts
 * import { interruptFlag } from "./_interrupt.ts";
 * const { requested, remove } = interruptFlag(() => console.error("stopping"));
 * console.log(requested()); // false
 * remove();
 * ```
 */
export function interruptFlag(
  onFirst: () => void,
  onSecond: () => void = () => {},
  runtime: SignalRuntime = DENO_SIGNALS,
): { requested: () => boolean; remove: () => void } {
  let stop = false;
  const handler = () => {
    if (stop) {
      onSecond();
      runtime.exit(130);
      return;
    }
    stop = true;
    onFirst();
  };
  let installed = true;
  try {
    runtime.add(handler);
  } catch {
    installed = false; // e.g. platforms without signals
  }
  return {
    requested: () => stop,
    remove: () => {
      if (installed) runtime.remove(handler);
    },
  };
}

/** A flag that never turns true (tasks run without signal handlers, e.g. in tests). */
export const NO_INTERRUPT = { requested: (): boolean => false, remove: (): void => {} };

/**
 * The Ctrl-C handler of a training task, printing through `message`; {@link NO_INTERRUPT}
 * when `signals` is false.
 *
 * @example
 * ```ts
 * import { trainingInterrupt } from "./_interrupt.ts";
 * const flag = trainingInterrupt(false, console.error);
 * console.log(flag.requested()); // false
 * ```
 */
export function trainingInterrupt(
  signals: boolean,
  message: (line: string) => void,
): { requested: () => boolean; remove: () => void } {
  if (!signals) return NO_INTERRUPT;
  return interruptFlag(
    () => message("interrupted: saving a checkpoint after this step (Ctrl-C again to quit now)"),
    () => message("interrupted again: quitting now, without a checkpoint"),
  );
}
