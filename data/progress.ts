/**
 * The project's one progress display: a bar redrawn in place on one line of a terminal
 * ({@link LiveLine}), drawn by both the downloads here and the CLI's training progress.
 * Nothing is drawn when the sink is not a terminal (logs, CI); colour only on a terminal and
 * never with `NO_COLOR`.
 *
 * @module
 */

/** Where progress goes: a byte sink plus whether it is a terminal. */
export interface TextSink {
  /** Writes bytes (synchronously). */
  write(bytes: Uint8Array): void;
  /** Whether it is an interactive terminal (a redrawn bar) or not (plain lines or nothing). */
  isTerminal: boolean;
  /** Whether ANSI colour may be used. */
  color: boolean;
}

/**
 * The process's stderr as a progress sink: a terminal gets the bar, and colour unless
 * `NO_COLOR` is set.
 *
 * @example
 * ```ts
 * import { stderrSink } from "@ovsw/data";
 * const sink = stderrSink();
 * console.log(typeof sink.isTerminal); // boolean
 * ```
 */
export function stderrSink(): TextSink {
  const isTerminal = Deno.stderr.isTerminal();
  let noColor = Deno.noColor;
  try {
    noColor ||= (Deno.env.get("NO_COLOR") ?? "") !== "";
  } catch {
    // No env permission: keep Deno's own NO_COLOR detection.
  }
  return {
    write: (b) => {
      let off = 0;
      while (off < b.length) off += Deno.stderr.writeSync(b.subarray(off));
    },
    isTerminal,
    color: isTerminal && !noColor,
  };
}

/**
 * The bar itself: `width` cells, the done fraction filled (`███░░░`).
 *
 * @example
 * ```ts
 * import { progressBarCells } from "@ovsw/data";
 * console.log(progressBarCells(0.5, 8)); // ████░░░░
 * ```
 */
export function progressBarCells(fraction: number, width = 24): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const filled = Math.round(f * width);
  return "█".repeat(filled) + "░".repeat(width - filled);
}

/**
 * One line of a terminal redrawn in place: {@link LiveLine.draw} replaces it (at most every
 * `minIntervalMs`, unless forced), {@link LiveLine.message} prints a line of its own above it,
 * {@link LiveLine.done} clears it. On a sink that is not a terminal `draw` does nothing and
 * `message` just prints.
 *
 * @example
 * ```ts
 * import { LiveLine, progressBarCells, stderrSink } from "@ovsw/data";
 * const line = new LiveLine(stderrSink());
 * line.draw(`copying ${progressBarCells(0.3)} 30%`);
 * line.message("copied");
 * line.done();
 * ```
 */
export class LiveLine {
  readonly #sink: TextSink;
  readonly #enc = new TextEncoder();
  readonly #now: () => number;
  readonly #minIntervalMs: number;
  #lastDraw = -Infinity;
  #shown = false;

  /**
   * Creates the line.
   *
   * @param sink where to write
   * @param now clock in milliseconds (for tests)
   * @param minIntervalMs shortest time between two unforced redraws
   */
  constructor(sink: TextSink, now: () => number = () => performance.now(), minIntervalMs = 100) {
    this.#sink = sink;
    this.#now = now;
    this.#minIntervalMs = minIntervalMs;
  }

  /** Whether the sink is a terminal (so that {@link LiveLine.draw} shows anything). */
  get isTerminal(): boolean {
    return this.#sink.isTerminal;
  }

  /** Whether the sink allows colour. */
  get color(): boolean {
    return this.#sink.color;
  }

  #write(s: string): void {
    this.#sink.write(this.#enc.encode(s));
  }

  /** Replaces the line with `text` (terminal only; throttled unless `force`). */
  draw(text: string, force = false): void {
    if (!this.#sink.isTerminal) return;
    const t = this.#now();
    if (!force && t - this.#lastDraw < this.#minIntervalMs) return;
    this.#lastDraw = t;
    this.#write(`\r\x1b[2K${text}`);
    this.#shown = true;
  }

  /** Prints `line` and a newline, keeping the live line (redrawn by the next `draw`) below it. */
  message(line: string): void {
    this.done();
    this.#write(line + "\n");
  }

  /** Clears the live line. */
  done(): void {
    if (this.#shown) {
      this.#write("\r\x1b[2K");
      this.#shown = false;
    }
  }
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/**
 * Formats a download's progress, such as `cifar-10-binary.tar.gz ████████░░░░  50% 85.0/170.1 MB`.
 *
 * @example
 * ```ts
 * import { progressLine } from "@ovsw/data";
 * console.log(progressLine("f.gz", 5e6, 10e6, 10)); // f.gz █████░░░░░  50% 5.0/10.0 MB
 * ```
 */
export function progressLine(
  label: string,
  done: number,
  total: number | null,
  width = 24,
): string {
  if (!total || total <= 0) return `${label} ${mb(done)} MB`;
  const frac = Math.min(1, done / total);
  const pct = String(Math.floor(frac * 100)).padStart(3);
  return `${label} ${progressBarCells(frac, width)} ${pct}% ${mb(done)}/${mb(total)} MB`;
}

/** Reports download progress; `done()` ends the line. */
export interface ProgressSink {
  /** Bytes so far and the total if known. */
  update(done: number, total: number | null): void;
  /** Finishes the display. */
  done(): void;
}

/**
 * A download's progress as a {@link LiveLine} on `sink` (default stderr): the bar redrawn at most
 * every 100 ms and left as a final line by `done()`; nothing at all when the sink is not a
 * terminal (logs, CI).
 *
 * @example
 * ```ts
 * import { stderrProgress } from "@ovsw/data";
 * const p = stderrProgress("file.gz");
 * p.update(5, 10);
 * p.done();
 * ```
 */
export function stderrProgress(label: string, sink: TextSink = stderrSink()): ProgressSink {
  if (!sink.isTerminal) return { update() {}, done() {} };
  const line = new LiveLine(sink);
  let lastDone = 0;
  let lastTotal: number | null = null;
  return {
    update(done, total) {
      lastDone = done;
      lastTotal = total;
      line.draw(progressLine(label, done, total));
    },
    done() {
      line.message(progressLine(label, lastDone, lastTotal));
    },
  };
}
