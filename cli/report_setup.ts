/**
 * Renders a run's report (HTML + SVG figures, via `@ovsw/report`'s `renderReport`) into
 * `<run>/report/`.
 *
 * @module
 */
import { renderReport, type ReportResult } from "@ovsw/report";
import { UsageError } from "./errors.ts";

/**
 * Renders the report of one run into `<runDir>/report/index.html` (figures beside it).
 *
 * @example
 * ```ts
 * import { renderRunReport } from "@ovsw/cli";
 * const res = await renderRunReport("runs/my-run").catch((e) => console.error(e.message));
 * ```
 */
export function renderRunReport(runDir: string): Promise<ReportResult> {
  return renderRuns([runDir], `${runDir}/report`);
}

/**
 * Renders a report of several runs side by side into `outDir`; problems reading a run are a
 * {@link UsageError} naming it.
 *
 * @example
 * ```ts
 * import { renderRuns } from "@ovsw/cli";
 * await renderRuns(["runs/a", "runs/b"], "runs/ab-report").catch((e) => console.error(e.message));
 * ```
 */
export async function renderRuns(runDirs: string[], outDir: string): Promise<ReportResult> {
  try {
    return await renderReport(runDirs, outDir);
  } catch (e) {
    const msg = (e as Error).message;
    if (/run directory|not found|cannot read|not a flip report|not valid JSON/.test(msg)) {
      throw new UsageError(msg.split("\n")[0]);
    }
    throw e;
  }
}
