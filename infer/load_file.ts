/**
 * Deno convenience loader (kept apart from the runtime-neutral core).
 *
 * @module
 */
import { decodeExport } from "./format.ts";
import { BnnModel, type BnnModelOptions } from "./model.ts";

/**
 * Reads a `.ovsw` file from disk and loads it; a missing file is one error naming the path.
 *
 * @example
 * ```ts
 * import { encodeExport } from "@ovsw/infer";
 * import { loadModelFile } from "@ovsw/infer/deno";
 * const path = await Deno.makeTempFile({ suffix: ".ovsw" });
 * await Deno.writeFile(path, encodeExport({
 *   model: "toy", inputShape: [1, 1, 1], normalization: { mean: [0], std: [1] },
 *   classes: ["only"], output: "y", metadata: {},
 *   ops: [{ op: "flatten", input: "input", output: "y" }],
 * }, new Map()));
 * const model = await loadModelFile(path);
 * console.log(model.header.model); // "toy"
 * model.dispose();
 * ```
 */
export async function loadModelFile(
  path: string,
  options: BnnModelOptions = {},
): Promise<BnnModel> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
  return await BnnModel.load(decodeExport(bytes, path), options);
}
