/**
 * `@ovsw/report`: the report's figures as Vega-Lite specifications, their headless rendering
 * to SVG, and the HTML report of one or more run directories. The only package that pulls in
 * the plotting libraries (vega, vega-lite); training needs none of it.
 *
 * @example
 * ```ts
 * import { renderReport } from "@ovsw/report";
 * const run = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${run}/config.json`, JSON.stringify({ name: "demo", method: "ovsw" }));
 * const res = await renderReport([run], `${run}/report`);
 * console.log(res.html); // …/report/index.html (no metrics yet: a page saying so)
 * ```
 *
 * @module
 */
export {
  accuracySpec,
  type FigureSpec,
  flipRatioSpec,
  formatGamma,
  gammaSpec,
  layerLabel,
  lossSpec,
  posterSpec,
  runLabels,
  silentBarsSpec,
} from "./figures.ts";
export { renderSvg } from "./render.ts";
export { renderReport, type ReportFigure, type ReportResult } from "./report.ts";
