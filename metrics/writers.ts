/**
 * Writers of a run directory's `metrics.jsonl`, `metrics.csv` and `flips.json`.
 *
 * @module
 */
import { stringify } from "csv-stringify/sync";
import { writeFileAtomic, writeJsonAtomic } from "./atomic.ts";
import type { FlipReport } from "./flip_stats.ts";
import { METRICS_COLUMNS, type MetricsRow } from "./metrics_row.ts";

/** File names inside a run directory. */
export const RUN_FILES = {
  config: "config.json",
  metrics: "metrics.jsonl",
  csv: "metrics.csv",
  flips: "flips.json",
} as const;

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
 * import { MetricsWriter, readMetrics } from "@ovsw/metrics";
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
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
  const rows: MetricsRow[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (e) {
      throw new Error(`${path}:${i + 1}: not valid JSON (${(e as Error).message})`);
    }
    if (
      row === null || typeof row !== "object" || typeof (row as MetricsRow).kind !== "string" ||
      typeof (row as MetricsRow).epoch !== "number"
    ) {
      throw new Error(`${path}:${i + 1}: a metrics row needs a string "kind" and numeric "epoch"`);
    }
    rows.push(row as MetricsRow);
  });
  return rows;
}

/**
 * Appends metrics rows to `metrics.jsonl` (one JSON object per line) and `metrics.csv` (the
 * same columns, via `csv-stringify`). The CSV header is the standard columns then extra
 * columns in first-seen order; when a row brings a new column the CSV is rewritten
 * atomically with the wider header.
 *
 * @example
 * ```ts
 * import { MetricsWriter } from "@ovsw/metrics";
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
    await Deno.mkdir(dir, { recursive: true });
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
    await Deno.writeTextFile(this.jsonlPath, jsonLine(row) + "\n", { append: true });
    if (this.#widen(row)) await this.#rewriteCsv();
    else {
      await Deno.writeTextFile(this.csvPath, this.#csv([row], false), { append: true });
    }
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

  #csv(rows: MetricsRow[], header: boolean): string {
    return stringify(rows, {
      header,
      columns: this.#columns,
      cast: { number: (v) => (Number.isFinite(v) ? String(v) : "") },
    });
  }

  #rewriteCsv(): Promise<void> {
    const body = this.#rows.length > 0 ? this.#csv(this.#rows, true) : stringify([this.#columns]);
    return writeFileAtomic(this.csvPath, body);
  }
}

/**
 * Writes a flip report as `flips.json` in `dir`, atomically; returns the path.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { FlipCollector, writeFlips } from "@ovsw/metrics";
 * await initGpu();
 * const w = Tensor.from([0.1, -0.2, 0.3], [3]);
 * const c = new FlipCollector({ w }, { select: () => true });
 * await writeFlips(await Deno.makeTempDir(), await c.report());
 * ```
 */
export async function writeFlips(dir: string, report: FlipReport): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/${RUN_FILES.flips}`;
  await writeJsonAtomic(path, report, 0);
  return path;
}

/**
 * Reads and checks a `flips.json`; throws naming the file when it is not a flip report.
 *
 * @example
 * ```ts
 * import { readFlips } from "@ovsw/metrics";
 * const dir = await Deno.makeTempDir();
 * await readFlips(`${dir}/flips.json`).catch((e) => console.log(e.message));
 * ```
 */
export async function readFlips(path: string): Promise<FlipReport> {
  let value: FlipReport;
  try {
    value = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (value?.version !== 1 || !Array.isArray(value.layers) || !value.overall) {
    throw new Error(`${path}: not a flip report (expected version 1 with "layers", "overall")`);
  }
  for (const l of value.layers) {
    if (typeof l.name !== "string" || !l.histogram || !Array.isArray(l.epochs)) {
      throw new Error(`${path}: layer entry without name/histogram/epochs`);
    }
  }
  return value;
}
