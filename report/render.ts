/**
 * Headless rendering of Vega-Lite specifications to SVG.
 *
 * @module
 */
import * as vega from "vega";
import * as vl from "vega-lite";
import type { TopLevelSpec } from "vega-lite";
import type { FigureSpec } from "./figures.ts";

/**
 * Compiles a Vega-Lite spec and renders it to an SVG string (no browser, no canvas).
 *
 * @example
 * ```ts
 * import { renderSvg } from "@ovsw/report";
 * const svg = await renderSvg({
 *   data: { values: [{ x: 1, y: 2 }, { x: 2, y: 3 }] },
 *   mark: "line",
 *   encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
 * });
 * console.log(svg.startsWith("<svg"));
 * ```
 */
export async function renderSvg(spec: FigureSpec): Promise<string> {
  const compiled = vl.compile(spec as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
