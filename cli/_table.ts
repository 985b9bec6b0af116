/**
 * Plain-text tables: the summary of one run (printed at the end of `train`) and the aligned
 * tables of `eval` and `compare`.
 *
 * @module
 */
import type { RunSummary } from "@ovsw/train";

/**
 * A fraction as a percentage with `digits` decimals, or `–` when unknown.
 *
 * @example
 * ```ts
 * import { pct } from "./_table.ts";
 * console.log(pct(0.12345), pct(null, 1)); // 12.35% –
 * ```
 */
export function pct(x: number | null, digits = 2): string {
  return x === null || !Number.isFinite(x) ? "–" : `${(100 * x).toFixed(digits)}%`;
}

/**
 * Formats rows of cells as an aligned plain-text table: the first column left-aligned, the
 * others right-aligned unless `leftAll`.
 *
 * @example
 * ```ts
 * import { formatTable } from "./_table.ts";
 * console.log(formatTable([["layer", "silent"], ["conv1.weight", "40.00%"]]));
 * ```
 */
export function formatTable(rows: string[][], leftAll = false): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) =>
    r.map((cell, c) => c === 0 || leftAll ? cell.padEnd(widths[c]) : cell.padStart(widths[c])).join(
      "  ",
    ).trimEnd()
  ).join("\n");
}

/**
 * The human-readable summary table of one run (printed on stdout at the end of `train`).
 *
 * @example
 * ```ts
 * import { summaryTable } from "./_table.ts";
 * console.log(typeof summaryTable); // function
 * ```
 */
export function summaryTable(s: RunSummary): string {
  const head = [
    ["run", s.run_dir],
    ["model / method", `${s.model} / ${s.method}`],
    ["data", `${s.dataset}: ${s.train_images} train, ${s.test_images} test images`],
    ["epochs / steps", `${s.epochs} / ${s.steps} (batch ${s.batch_size}, seed ${s.seed})`],
    [
      "test top-1",
      `${pct(s.test_top1)} (best ${pct(s.best_test_top1)} at epoch ${s.best_epoch ?? "–"})`,
    ],
    ["test top-5", pct(s.test_top5)],
    ["train loss / top-1", `${s.train_loss?.toFixed(4) ?? "–"} / ${pct(s.train_top1)}`],
    ["silent weights", `${pct(s.silent_fraction)} of all binary weights`],
    ["flips per weight", s.flips_per_weight.toFixed(3)],
    ["time", `${s.wall_seconds.toFixed(1)} s wall, ${s.train_seconds.toFixed(1)} s training`],
    ["throughput", `${s.images_per_second.toFixed(1)} images/s`],
  ];
  const layers = Object.entries(s.silent_fraction_per_layer).map(([n, f]) => [n, pct(f)]);
  return [
    formatTable(head, true),
    "",
    formatTable([["binary layer", "silent"], ...layers, ["overall", pct(s.silent_fraction)]]),
  ].join("\n") + "\n";
}
