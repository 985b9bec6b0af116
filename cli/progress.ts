/**
 * Training progress on stderr: a redrawn one-line bar when stderr is a terminal, plain
 * periodic lines otherwise (logs, CI). Colour only on a terminal and never with `NO_COLOR`.
 * The bar and its redrawing are `@ovsw/data`'s {@link LiveLine}, the one the downloads use.
 *
 * @module
 */
import { LiveLine, progressBarCells, type TextSink } from "@ovsw/data";

export { stderrSink, type TextSink } from "@ovsw/data";

/** What the progress display shows. */
export interface ProgressInfo {
  /** Current epoch, 1-based. */
  epoch: number;
  /** Total epochs. */
  epochs: number;
  /** Steps done in this epoch. */
  step: number;
  /** Steps per epoch. */
  stepsPerEpoch: number;
  /** Latest logged training loss (`null` before the first readback). */
  loss: number | null;
  /** Latest logged training top-1 accuracy in [0, 1]. */
  acc: number | null;
  /** Training throughput. */
  imagesPerSecond: number | null;
  /** Estimated seconds until the run ends. */
  etaSeconds: number | null;
}

/**
 * Formats seconds as `1h02m`, `4m10s` or `12s`.
 *
 * @example
 * ```ts
 * import { formatDuration } from "@ovsw/cli";
 * console.log(formatDuration(250)); // 4m10s
 * ```
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

function fields(info: ProgressInfo): string[] {
  const out: string[] = [];
  if (info.loss !== null) out.push(`loss ${info.loss.toFixed(4)}`);
  if (info.acc !== null) out.push(`acc ${(100 * info.acc).toFixed(1)}%`);
  if (info.imagesPerSecond !== null) out.push(`${info.imagesPerSecond.toFixed(1)} img/s`);
  if (info.etaSeconds !== null) out.push(`ETA ${formatDuration(info.etaSeconds)}`);
  return out;
}

/**
 * Formats one plain progress line (no colour, no control characters).
 *
 * @example
 * ```ts
 * import { trainProgressLine } from "@ovsw/cli";
 * console.log(trainProgressLine({ epoch: 1, epochs: 3, step: 20, stepsPerEpoch: 32, loss: 1.5,
 *   acc: 0.45, imagesPerSecond: 12.5, etaSeconds: 250 }));
 * // epoch 1/3 step 20/32 loss 1.5000 acc 45.0% 12.5 img/s ETA 4m10s
 * ```
 */
export function trainProgressLine(info: ProgressInfo): string {
  return [`epoch ${info.epoch}/${info.epochs}`, `step ${info.step}/${info.stepsPerEpoch}`]
    .concat(fields(info)).join(" ");
}

/**
 * Formats the terminal bar (optionally coloured).
 *
 * @example
 * ```ts
 * import { progressBar } from "@ovsw/cli";
 * console.log(progressBar({ epoch: 1, epochs: 2, step: 5, stepsPerEpoch: 10, loss: null,
 *   acc: null, imagesPerSecond: null, etaSeconds: null }, false));
 * ```
 */
export function progressBar(info: ProgressInfo, color: boolean): string {
  const bar = progressBarCells(info.stepsPerEpoch > 0 ? info.step / info.stepsPerEpoch : 0);
  const c = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  return [
    c("1", `epoch ${info.epoch}/${info.epochs}`),
    c("36", bar),
    `${info.step}/${info.stepsPerEpoch}`,
    ...fields(info),
  ].join(" ");
}

/**
 * Shows training progress: {@link Progress.update} redraws the bar on a terminal (at most ten
 * times a second); {@link Progress.log} also prints a plain line when not on a terminal.
 * {@link Progress.message} prints a line of its own above the bar.
 *
 * @example
 * ```ts
 * import { stderrSink } from "@ovsw/data";
 * import { Progress } from "@ovsw/cli";
 * const p = new Progress(stderrSink());
 * p.log({ epoch: 1, epochs: 1, step: 1, stepsPerEpoch: 1, loss: 2.3, acc: 0.1,
 *   imagesPerSecond: 10, etaSeconds: 0 });
 * p.done();
 * ```
 */
export class Progress {
  readonly #line: LiveLine;

  /**
   * Creates the display.
   *
   * @param sink where to write
   * @param now clock in milliseconds (for tests)
   */
  constructor(sink: TextSink, now: () => number = () => performance.now()) {
    this.#line = new LiveLine(sink, now);
  }

  /** Redraws the bar (terminal only, throttled); does nothing otherwise. */
  update(info: ProgressInfo, force = false): void {
    this.#line.draw(progressBar(info, this.#line.color), force);
  }

  /** A logged step: a plain line when not on a terminal, a forced redraw on one. */
  log(info: ProgressInfo): void {
    if (this.#line.isTerminal) this.update(info, true);
    else this.#line.message(trainProgressLine(info));
  }

  /** Prints a line (e.g. an epoch summary), keeping the bar below it on a terminal. */
  message(line: string): void {
    this.#line.message(line);
  }

  /** Clears the bar at the end. */
  done(): void {
    this.#line.done();
  }
}
