/**
 * `deno task report <run-dir...>`: the figures and HTML report of one or several runs (see
 * `--help`).
 *
 * @module
 */
import { helpText, parseCli } from "./args.ts";
import { type CliIo, processIo, runMain } from "./main.ts";
import { renderRuns } from "./report_setup.ts";
import { timeStamp, trimDir } from "@ovsw/train";
import { REPORT_TASK } from "./tasks.ts";

/**
 * The `report` task: one run → `<run>/report/`; several → `--out` (default
 * `runs/report-<time>`). Prints the path of `index.html` and of each figure.
 *
 * @example
 * ```ts
 * import { processIo } from "./main.ts";
 * import { reportMain } from "./report.ts";
 * console.log(await reportMain(["--help"], processIo())); // 0
 * ```
 */
export async function reportMain(argv: string[], io: CliIo = processIo()): Promise<number> {
  const args = await parseCli(REPORT_TASK, argv);
  if (args.help) {
    io.out(helpText(REPORT_TASK));
    return 0;
  }
  const dirs = args.positionals.map(trimDir);
  const out = (args.values.out as string | null) ??
    (dirs.length === 1 ? `${dirs[0]}/report` : `runs/report-${timeStamp()}`);
  const res = await renderRuns(dirs, out);
  io.out(
    args.values.json
      ? JSON.stringify({ html: res.html, figures: res.figures }) + "\n"
      : [`report: ${res.html}`, ...res.figures.map((f) => `  ${f.name}: ${f.path}`)].join("\n") +
        "\n",
  );
  return 0;
}

if (import.meta.main) await runMain((io) => reportMain(Deno.args, io));
