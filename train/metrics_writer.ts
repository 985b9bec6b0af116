/**
 * Writers and readers of a run directory's `metrics.jsonl`, `metrics.csv` and `flips.json`.
 *
 * @module
 */
import { type FlipReport, METRICS_COLUMNS, type MetricsRow } from "@ovsw/metrics";
import { appendText, makeDir, writeFileAtomic, writeJsonAtomic } from "./atomic.ts";
import { RunDirError } from "./errors.ts";
import { RUN_FILES } from "./run_files.ts";

/** One CSV cell (RFC 4180 quoting; non-finite numbers, null and undefined are empty). */
function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  if (typeof v === "boolean") return v ? "1" : "";
  const s = typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** CSV lines of `rows` in the order of `columns`, each ending in a newline. */
function csvLines(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  return rows.map((r) => columns.map((c) => csvCell(r[c])).join(",") + "\n").join("");
}

/** Options of {@link MetricsWriter.open}. */
export interface MetricsWriterOptions {
  /**
   * Resuming: keep the rows already in `metrics.jsonl` whose epoch is below this (the epoch
   * training restarts at, 1-based) and drop the rest. Without it both files start empty.
   */
  resumeAtEpoch?: number;
}

function jsonLine(row: MetricsRow): string {
  return JSON.stringify(row, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v));
}

/**
 * Reads a `metrics.jsonl` file; throws naming the file and line of a malformed row.
 *
 * @example
 * ```ts
 * import { MetricsWriter, readMetrics } from "@ovsw/train";
 * const dir = await Deno.makeTempDir();
 * const w = await MetricsWriter.open(dir);
 * await w.append({ kind: "train", epoch: 1, step: 10, samples: 640, loss: 1.2, top1: 0.6,
 *   top5: 0.9, lr: 0.1, imagesPerSec: 500, timeSec: 1.3 });
 * console.log((await readMetrics(`${dir}/metrics.jsonl`)).length); // 1
 * ```
 */
export async function readMetrics(path: string): Promise<MetricsRow[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new RunDirError(`cannot read ${path}: ${(e as Error).message}`);
  }
  const rows: MetricsRow[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (e) {
      throw new RunDirError(`${path}:${i + 1}: not valid JSON (${(e as Error).message})`);
    }
    if (
      row === null || typeof row !== "object" || typeof (row as MetricsRow).kind !== "string" ||
      typeof (row as MetricsRow).epoch !== "number"
    ) {
      throw new RunDirError(
        `${path}:${i + 1}: a metrics row needs a string "kind" and numeric "epoch"`,
      );
    }
    rows.push(row as MetricsRow);
  });
  return rows;
}

/**
 * Appends metrics rows to `metrics.jsonl` (one JSON object per line) and `metrics.csv` (the
 * same columns, RFC 4180 quoting). The CSV header is the standard columns then extra
 * columns in first-seen order; when a row brings a new column the CSV is rewritten
 * atomically with the wider header.
 *
 * @example
 * ```ts
 * import { MetricsWriter } from "@ovsw/train";
 * const dir = await Deno.makeTempDir();
 * const w = await MetricsWriter.open(dir);
 * await w.append({ kind: "test", epoch: 1, step: 10, samples: 100, loss: 0.9, top1: 0.7,
 *   top5: null, lr: null, imagesPerSec: null, timeSec: 2 });
 * console.log(await Deno.readTextFile(`${dir}/metrics.csv`));
 * ```
 */
export class MetricsWriter {
  readonly #dir: string;
  readonly #rows: MetricsRow[];
  #columns: string[];

  private constructor(dir: string, rows: MetricsRow[]) {
    this.#dir = dir;
    this.#rows = rows;
    this.#columns = [...METRICS_COLUMNS];
    for (const r of rows) this.#widen(r);
  }

  /** Opens (creating the directory) a writer for the run directory `dir`. */
  static async open(dir: string, options: MetricsWriterOptions = {}): Promise<MetricsWriter> {
    await makeDir(dir);
    let rows: MetricsRow[] = [];
    if (options.resumeAtEpoch !== undefined) {
      const path = `${dir}/${RUN_FILES.metrics}`;
      const exists = await Deno.stat(path).then(() => true, () => false);
      if (exists) rows = (await readMetrics(path)).filter((r) => r.epoch < options.resumeAtEpoch!);
    }
    const w = new MetricsWriter(dir, rows);
    await writeFileAtomic(w.jsonlPath, rows.map((r) => jsonLine(r) + "\n").join(""));
    await w.#rewriteCsv();
    return w;
  }

  /** Path of `metrics.jsonl`. */
  get jsonlPath(): string {
    return `${this.#dir}/${RUN_FILES.metrics}`;
  }

  /** Path of `metrics.csv`. */
  get csvPath(): string {
    return `${this.#dir}/${RUN_FILES.csv}`;
  }

  /** Rows written so far (including those kept on resume). */
  get rows(): readonly MetricsRow[] {
    return this.#rows;
  }

  /** CSV columns in order. */
  get columns(): readonly string[] {
    return this.#columns;
  }

  /** Appends one row to both files. */
  async append(row: MetricsRow): Promise<void> {
    this.#rows.push(row);
    await appendText(this.jsonlPath, jsonLine(row) + "\n");
    if (this.#widen(row)) await this.#rewriteCsv();
    else await appendText(this.csvPath, csvLines([row], this.#columns));
  }

  #widen(row: MetricsRow): boolean {
    let widened = false;
    for (const k of Object.keys(row)) {
      if (!this.#columns.includes(k)) {
        this.#columns.push(k);
        widened = true;
      }
    }
    return widened;
  }

  #rewriteCsv(): Promise<void> {
    const header = this.#columns.map(csvCell).join(",") + "\n";
    return writeFileAtomic(this.csvPath, header + csvLines(this.#rows, this.#columns));
  }
}

/**
 * Writes a flip report as `flips.json` in `dir`, atomically; returns the path.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { FlipCollector } from "@ovsw/metrics";
 * import { writeFlips } from "@ovsw/train";
 * await initGpu();
 * const w = Tensor.from([0.1, -0.2, 0.3], [3]);
 * const c = new FlipCollector({ w }, { select: () => true });
 * await writeFlips(await Deno.makeTempDir(), await c.report());
 * ```
 */
export async function writeFlips(dir: string, report: FlipReport): Promise<string> {
  await makeDir(dir);
  const path = `${dir}/${RUN_FILES.flips}`;
  await writeJsonAtomic(path, report, 0);
  return path;
}

/**
 * Reads and checks a `flips.json`; throws naming the file when it is not a flip report.
 *
 * @example
 * ```ts
 * import { readFlips } from "@ovsw/train";
 * const dir = await Deno.makeTempDir();
 * await readFlips(`${dir}/flips.json`).catch((e) => console.log(e.message));
 * ```
 */
export async function readFlips(path: string): Promise<FlipReport> {
  let value: FlipReport;
  try {
    value = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new RunDirError(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (value?.version !== 1 || !Array.isArray(value.layers) || !value.overall) {
    throw new RunDirError(
      `${path}: not a flip report (expected version 1 with "layers", "overall")`,
    );
  }
  for (const l of value.layers) {
    if (typeof l.name !== "string" || !l.histogram || !Array.isArray(l.epochs)) {
      throw new RunDirError(`${path}: layer entry without name/histogram/epochs`);
    }
  }
  return value;
}
