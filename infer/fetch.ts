/**
 * Loading an export over `fetch` (a URL in the browser, or any URL Deno may fetch).
 *
 * @module
 */
import { BnnModel, type BnnModelOptions } from "./model.ts";

/**
 * Fetches a `.ovsw` file and loads it; an HTTP error names the URL and status.
 *
 * @example
 * ```ts ignore
 * import { fetchModel } from "@ovsw/infer";
 * const model = await fetchModel("./model.ovsw");
 * console.log(model.classes);
 * ```
 */
export async function fetchModel(
  url: string | URL,
  options: BnnModelOptions = {},
): Promise<BnnModel> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot fetch ${url}: HTTP ${res.status}`);
  return await BnnModel.load(await res.arrayBuffer(), options);
}
