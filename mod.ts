/**
 * ovsw: Binary Neural Network training on WebGPU, with OvSW (AGS + SAD) and its baselines.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/ovsw";
 * await initGpu();
 * console.log(await Tensor.from([1, 2], [2]).read());
 * ```
 *
 * @module
 */
export * from "@ovsw/gpu";
export * from "@ovsw/init";
export * from "@ovsw/layers";
export * from "@ovsw/models";
export * from "@ovsw/data";
export * from "@ovsw/optim";
export * from "@ovsw/metrics";
export * from "@ovsw/cli";
