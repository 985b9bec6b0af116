/**
 * A small benchmark harness for `deno task bench`: time a closure of GPU work (with the
 * engine's dispatch counters) and collect rows into one printed table.
 *
 * Other packages add their rows by exporting `async function benchXxx(table: BenchTable)` and
 * listing it in `tools/bench.ts`.
 *
 * @example
 * ```ts
 * import { initGpu, matmul, Tensor } from "@ovsw/gpu";
 * import { BenchTable, gflops, timeIt } from "./bench_table.ts";
 * await initGpu();
 * const a = Tensor.zeros([64, 64]);
 * const table = new BenchTable("demo");
 * const t = await timeIt(() => matmul(a, a), { iters: 3 });
 * table.add({ group: "matmul", name: "64³", value: gflops(2 * 64 ** 3, t.ms), unit: "GFLOP/s", timing: t });
 * table.print();
 * ```
 *
 * @module
 */
import { engineStats, sync, tidy } from "@ovsw/gpu";

/** Options every bench suite receives from the `deno task bench` command line. */
export interface BenchOptions {
  /** Batch size for the convolution benchmarks (`--batch`, default 128). */
  batch: number;
  /** Timed iterations of the fast kernels (`--iters`, default 5); baselines run fewer. */
  iters: number;
}

/** A group of rows: `deno task bench` calls each suite in turn with the shared table. */
export type BenchSuite = (table: BenchTable, options: BenchOptions) => Promise<void>;

/** How {@link timeIt} runs a closure. */
export interface TimeOptions {
  /** Untimed runs first (pipeline compilation, pool warm-up); default 1. */
  warmup?: number;
  /** Timed runs; default 5. */
  iters?: number;
  /**
   * Shortest timed span in ms (default 250): when `iters` runs finish sooner (fast GPUs), the
   * count is raised and the timing repeated, so sync latency does not dominate.
   */
  minMs?: number;
}

/** What {@link timeIt} measured, per iteration. */
export interface Timing {
  /** Wall milliseconds per iteration, GPU work included (synced before and after). */
  ms: number;
  /** Compute dispatches recorded per iteration. */
  dispatches: number;
  /** Queue submits per iteration. */
  submits: number;
  /** Awaited readbacks per iteration. */
  readbacks: number;
  /** Timed iterations. */
  iters: number;
}

async function runOnce(fn: () => unknown): Promise<void> {
  let pending: unknown = undefined;
  tidy(() => {
    pending = fn();
  });
  if (pending instanceof Promise) await pending;
}

/**
 * Times `fn`: warm-up runs, `await sync()`, then `iters` runs back to back and `await sync()`
 * (repeated with more runs while that takes under `minMs`).
 * Each run of a synchronous closure is wrapped in `tidy`, so tensors it creates are freed; an
 * async closure must free the tensors it creates after its first `await` itself.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor, add } from "@ovsw/gpu";
 * import { timeIt } from "./bench_table.ts";
 * await initGpu();
 * const x = Tensor.zeros([1024]);
 * const t = await timeIt(() => add(x, x), { warmup: 1, iters: 10 });
 * console.log(t.ms, t.dispatches); // dispatches = 1
 * ```
 */
export async function timeIt(
  fn: () => unknown,
  options: TimeOptions = {},
): Promise<Timing> {
  const warmup = options.warmup ?? 1;
  const minMs = options.minMs ?? 250;
  let iters = Math.max(1, options.iters ?? 5);
  for (let i = 0; i < warmup; i++) await runOnce(fn);
  await sync();
  for (;;) {
    const before = engineStats();
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) await runOnce(fn);
    await sync();
    const elapsed = performance.now() - t0;
    const after = engineStats();
    if (elapsed < minMs && iters < 10000) {
      iters = Math.min(10000, Math.ceil(iters * Math.min(100, 1.2 * minMs / elapsed)));
      continue;
    }
    const ms = elapsed / iters;
    return {
      ms,
      dispatches: (after.dispatches - before.dispatches) / iters,
      // The final sync's own submit is not part of the work.
      submits: Math.max(0, after.submits - before.submits - 1) / iters,
      readbacks: (after.readbacks - before.readbacks) / iters,
      iters,
    };
  }
}

/**
 * GFLOP/s from a FLOP count and milliseconds.
 *
 * @example
 * ```ts
 * import { gflops } from "./bench_table.ts";
 * console.log(gflops(2e9, 100)); // 20
 * ```
 */
export function gflops(flop: number, ms: number): number {
  return flop / ms / 1e6;
}

/** One line of the table. */
export interface BenchRow {
  /** Section, e.g. "matmul", "conv2d", "optimizer". */
  group: string;
  /** What was measured, e.g. "512³" or "fwd 16ch 32px". */
  name: string;
  /** The figure (higher or lower is better depending on the unit). */
  value: number;
  /** Unit of `value`, e.g. "GFLOP/s", "ms", "images/s". */
  unit: string;
  /** The same figure for a baseline (e.g. a naive kernel) measured in the same run. */
  baseline?: number;
  /** The timing behind `value`; its dispatches per iteration are printed. */
  timing?: Timing;
  /** Free text (shapes, batch size, checks). */
  note?: string;
}

function fmt(v: number | undefined, digits = 2): string {
  if (v === undefined || !Number.isFinite(v)) return "";
  if (Math.abs(v) >= 1000) return v.toFixed(0);
  return v.toFixed(digits);
}

/**
 * Rows of benchmark results, printed as one Markdown table. `value / baseline` is shown as
 * the ratio column (for rate units, higher is better).
 *
 * @example
 * ```ts
 * import { BenchTable } from "./bench_table.ts";
 * const table = new BenchTable("ovsw bench");
 * table.add({ group: "demo", name: "x", value: 2, unit: "GFLOP/s", baseline: 1 });
 * table.print();
 * ```
 */
export class BenchTable {
  /** Rows in insertion order. */
  readonly rows: BenchRow[] = [];
  /** Lines printed under the title (adapter, batch size, …). */
  readonly notes: string[] = [];

  /**
   * Creates an empty table.
   *
   * @param title printed above the table
   */
  constructor(readonly title = "ovsw bench") {}

  /** Adds a row, and echoes it at once so long benches show progress. */
  add(row: BenchRow): void {
    this.rows.push(row);
    const ratio = row.baseline ? `  (${fmt(row.value / row.baseline)}× baseline)` : "";
    console.error(`  ${row.group} · ${row.name}: ${fmt(row.value)} ${row.unit}${ratio}`);
  }

  /** Adds a line printed under the title. */
  note(line: string): void {
    this.notes.push(line);
  }

  /** The table as Markdown text. */
  render(): string {
    const head = [
      "group",
      "benchmark",
      "value",
      "unit",
      "baseline",
      "ratio",
      "dispatches/iter",
      "note",
    ];
    const body = this.rows.map((r) => [
      r.group,
      r.name,
      fmt(r.value),
      r.unit,
      fmt(r.baseline),
      r.baseline ? `${fmt(r.value / r.baseline, 1)}×` : "",
      r.timing ? fmt(r.timing.dispatches, 0) : "",
      r.note ?? "",
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
    return [
      `## ${this.title}`,
      ...this.notes.map((n) => `${n}  `),
      "",
      line(head),
      `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
      ...body.map(line),
    ].join("\n");
  }

  /** Prints {@link BenchTable.render} to stdout. */
  print(): void {
    console.log(this.render());
  }
}
