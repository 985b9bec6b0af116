/**
 * `deno task compare`: vanilla vs AGS vs OvSW on the same data, seed and budget; prints the
 * silent-fraction/accuracy table and writes the side-by-side report (see `--help`).
 *
 * @module
 */
import { helpText, parseCli } from "./args.ts";
import type { Method } from "@ovsw/train";
import { type CliIo, processIo, runMain } from "./main.ts";
import { renderRuns } from "./report_setup.ts";
import { formatTable, pct } from "./_table.ts";
import type { SweepResult } from "./sweep.ts";
import { sweepTarget, withSweep } from "./sweep_task.ts";
import { COMPARE_TASK, toTrainConfig } from "./tasks.ts";

/** A compare run's name: the method, `+ags+sad` when pieces were added to every method. */
function runName(method: string, pieces: string[] | null): string {
  const extra = (pieces ?? []).filter((p) => p !== "off");
  return extra.length > 0 ? `${method}+${extra.join("+")}` : method;
}

/**
 * The comparison table: one row per method (with the optimizer pieces it ran with) with test
 * top-1 (final and best), the overall silent fraction, then the silent fraction of each binary
 * layer, flips per weight, wall time and throughput.
 *
 * @example
 * ```ts
 * import { compareTable } from "./compare.ts";
 * console.log(typeof compareTable); // function
 * ```
 */
export function compareTable(results: SweepResult[]): string {
  const layers = [
    ...new Set(results.flatMap((r) => Object.keys(r.summary.silent_fraction_per_layer))),
  ];
  const head = [
    "method",
    "test top-1",
    "best top-1",
    "silent (all)",
    ...layers.map((l) => `silent ${l.replace(/\.weight$/, "")}`),
    "flips/weight",
    "wall s",
    "img/s",
  ];
  const rows = results.map(({ run, summary: s }) => [
    run.name,
    pct(s.test_top1),
    pct(s.best_test_top1),
    pct(s.silent_fraction),
    ...layers.map((l) => pct(s.silent_fraction_per_layer[l] ?? null)),
    s.flips_per_weight.toFixed(3),
    s.wall_seconds.toFixed(1),
    s.images_per_second.toFixed(1),
  ]);
  return formatTable([head, ...rows]) + "\n";
}

/**
 * The `compare` task: trains each `--methods` entry with otherwise identical flags into
 * `<out>/<name>/<method>`, then writes `<out>/<name>/report/` (poster figure side by side),
 * `compare.json`, and prints the table (or `--json`).
 *
 * @example
 * ```ts
 * import { compareMain } from "./compare.ts";
 * import { processIo } from "./main.ts";
 * console.log(await compareMain(["--help"], processIo())); // 0
 * ```
 */
export async function compareMain(argv: string[], io: CliIo = processIo()): Promise<number> {
  const args = await parseCli(COMPARE_TASK, argv);
  if (args.help) {
    io.out(helpText(COMPARE_TASK));
    return 0;
  }
  const methods = args.values.methods as Method[];
  // Each method with its own recipe, except what the flags set for all.
  const runs = methods.map((m) => ({
    name: runName(m, args.values.optimizerPieces as string[] | null),
    config: toTrainConfig({ ...args.values, name: null, method: m }),
  }));
  const target = sweepTarget("compare", runs[0].config, args.values.name as string | null);
  const sweepDir = target.dir;
  return await withSweep(io, "compare", target, runs, async (results) => {
    const report = await renderRuns(results.map((r) => r.dir), `${sweepDir}/report`);
    const json = {
      sweep_dir: sweepDir,
      report: report.html,
      runs: results.map((r) => r.summary),
    };
    await Deno.writeTextFile(`${sweepDir}/compare.json`, JSON.stringify(json, null, 2) + "\n");
    const table = compareTable(results);
    await Deno.writeTextFile(`${sweepDir}/compare.txt`, table);
    io.out(
      args.values.json
        ? JSON.stringify(json) + "\n"
        : `${table}\nreport: ${report.html}\nposter figure: ${sweepDir}/report/poster.svg\n`,
    );
    return 0;
  });
}

if (import.meta.main) await runMain((io) => compareMain(Deno.args, io));
