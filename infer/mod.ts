/**
 * `@ovsw/infer`: loads a binary network exported by `deno task export` (`.ovsw`, see
 * docs/deploy.md) and runs batched inference with XNOR-popcount WebGPU kernels. Web APIs only
 * (no Deno API, no npm package), so the same module runs in Deno and in a browser.
 *
 * @example
 * ```ts
 * import { BnnModel, encodeExport } from "@ovsw/infer";
 * const bytes = encodeExport({
 *   model: "toy", inputShape: [1, 1, 2], normalization: { mean: [0], std: [1] },
 *   classes: ["a", "b"], output: "y", metadata: {},
 *   ops: [
 *     { op: "flatten", input: "input", output: "f" },
 *     { op: "linear", input: "f", output: "y", weight: "w", inFeatures: 2, outFeatures: 2 },
 *   ],
 * }, new Map([["w", { shape: [2, 2], data: new Float32Array([0, 1, 1, 0]) }]]));
 * const model = await BnnModel.load(bytes);
 * const { predictions } = await model.classify(new Uint8Array([255, 0]), 1);
 * console.log(model.classes[predictions[0]]); // "b"
 * model.dispose();
 * ```
 *
 * @module
 */
export * from "./ops.ts";
export * from "./shapes.ts";
export * from "./format.ts";
export * from "./half.ts";
export * from "./model.ts";
export * from "./fetch.ts";
