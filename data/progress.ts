/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal.
 *
 * @module
 */

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/**
 * Formats a progress line such as `cifar-10-binary.tar.gz [#####.....] 50% 85.0/170.1 MB`.
 *
 * @example
 * ```ts
 * import { progressLine } from "@ovsw/data";
 * console.log(progressLine("f.gz", 50, 100, 10)); // f.gz [#####.....]  50% 0.0/0.0 MB
 * ```
 */
export function progressLine(
  label: string,
  done: number,
  total: number | null,
  width = 30,
): string {
  if (!total || total <= 0) return `${label} ${mb(done)} MB`;
  const frac = Math.min(1, done / total);
  const fill = Math.round(frac * width);
  const pct = String(Math.floor(frac * 100)).padStart(3);
  return `${label} [${"#".repeat(fill)}${".".repeat(width - fill)}] ${pct}% ` +
    `${mb(done)}/${mb(total)} MB`;
}

/** Reports download progress; `done()` ends the line. */
export interface ProgressSink {
  /** Bytes so far and the total if known. */
  update(done: number, total: number | null): void;
  /** Finishes the display. */
  done(): void;
}

/**
 * A progress sink that redraws a bar on stderr at most every 100 ms, or does nothing when
 * stderr is not a terminal (logs, CI).
 *
 * @example
 * ```ts
 * import { stderrProgress } from "@ovsw/data";
 * const p = stderrProgress("file.gz");
 * p.update(5, 10);
 * p.done();
 * ```
 */
export function stderrProgress(label: string): ProgressSink {
  if (!Deno.stderr.isTerminal()) return { update() {}, done() {} };
  const enc = new TextEncoder();
  let last = 0;
  let line = "";
  const draw = (done: number, total: number | null) => {
    line = progressLine(label, done, total);
    Deno.stderr.writeSync(enc.encode(`\r${line}\x1b[K`));
  };
  let lastDone = 0;
  let lastTotal: number | null = null;
  return {
    update(done, total) {
      lastDone = done;
      lastTotal = total;
      const now = Date.now();
      if (now - last >= 100) {
        last = now;
        draw(done, total);
      }
    },
    done() {
      draw(lastDone, lastTotal);
      Deno.stderr.writeSync(enc.encode("\n"));
    },
  };
}
