/**
 * Which implementation computes each of the three products of a binary convolution, chosen per
 * adapter: the (op, implementation) table.
 *
 * | op           | `"xnor"`                                                        | `"float"`                                   |
 * | ------------ | --------------------------------------------------------------- | ------------------------------------------- |
 * | `forward`    | `xnorConv2dForward`: XNOR-popcount on packed ternary signs, α fused | f32 conv of sign(x) with the ±α weights   |
 * | `gradInput`  | `binaryConv2dGradInput`: sign flips of α·gy from the packed weight signs, ApproxSign window fused | f32 transposed conv with the ±α weights, then the window |
 * | `gradWeight` | `binaryConv2dGradWeight`: from the 1-bit saved activations      | f32 weight-gradient conv of sign(x)         |
 *
 * Every entry computes the same numbers up to f32 summation order (the forward's integer sums
 * are exact, so its two entries agree bit for bit). Defaults, measured: on a software adapter
 * (llvmpipe) all three XNOR kernels win (the bits grad-input is at par at 16–64 channels and
 * ~1.5× faster at 64–128); on a hardware GPU (an H100, Vulkan) the f32 register-tiled transposed
 * conv beats the bits grad-input 1.2–1.9× at 128–256 channels, so `gradInput` is `"float"`
 * there. The XNOR `forward` and `gradInput` need ±α weights, i.e. an estimator whose forward is
 * exactly `sign(W)` (its `signForward` property in `@ovsw/layers`); the layers take the float
 * path for the others.
 *
 * @module
 */
import { isSoftwareAdapter } from "../_adapter_kind.ts";

/** One implementation of a binary conv product. */
export type BinaryConvImpl = "xnor" | "float";

/** The implementation of each product of the binary conv. */
export interface BinaryConvKernels {
  /** The forward product `y = α·(sign(x) ⊛ sign(W))`. */
  forward: BinaryConvImpl;
  /** The input gradient `α·gy ⊛ᵀ sign(W)` (with the ApproxSign window). */
  gradInput: BinaryConvImpl;
  /** The weight gradient `sign(x) ⊛ gy` (∂L/∂(α·b)). */
  gradWeight: BinaryConvImpl;
}

/** The table on software adapters (llvmpipe, lavapipe, SwiftShader). */
export const SOFTWARE_BINARY_CONV_KERNELS: Readonly<BinaryConvKernels> = Object.freeze({
  forward: "xnor",
  gradInput: "xnor",
  gradWeight: "xnor",
});

/** The table on hardware GPUs. */
export const HARDWARE_BINARY_CONV_KERNELS: Readonly<BinaryConvKernels> = Object.freeze({
  forward: "xnor",
  gradInput: "float",
  gradWeight: "xnor",
});

/** Every product on the float kernels (the reference path). */
export const FLOAT_BINARY_CONV_KERNELS: Readonly<BinaryConvKernels> = Object.freeze({
  forward: "float",
  gradInput: "float",
  gradWeight: "float",
});

let override: BinaryConvKernels | null = null;

/**
 * The table in use: an override from {@link setBinaryConvKernels}, else the adapter's default.
 *
 * @example
 * ```ts
 * import { binaryConvKernels, initGpu } from "@ovsw/gpu";
 * await initGpu();
 * console.log(binaryConvKernels()); // e.g. { forward: "xnor", gradInput: "xnor", gradWeight: "xnor" }
 * ```
 */
export function binaryConvKernels(): Readonly<BinaryConvKernels> {
  if (override) return override;
  return isSoftwareAdapter() ? SOFTWARE_BINARY_CONV_KERNELS : HARDWARE_BINARY_CONV_KERNELS;
}

function checkImpl(op: keyof BinaryConvKernels, impl: unknown): void {
  if (impl !== "xnor" && impl !== "float") {
    throw new RangeError(
      `setBinaryConvKernels: ${op} must be "xnor" or "float", got ${JSON.stringify(impl)}`,
    );
  }
}

/**
 * Overrides entries of the table. `"float"` puts every product on the float kernels,
 * `"xnor"` or `null` restores the adapter's default table, an object overrides the entries it
 * names (on top of the table in use).
 *
 * @example
 * ```ts
 * import { initGpu, setBinaryConvKernels } from "@ovsw/gpu";
 * await initGpu();
 * setBinaryConvKernels({ gradInput: "float" });
 * setBinaryConvKernels("float");
 * setBinaryConvKernels(null); // back to the adapter default
 * ```
 */
export function setBinaryConvKernels(
  kernels: Partial<BinaryConvKernels> | "xnor" | "float" | null,
): void {
  if (kernels === null || kernels === "xnor") {
    override = null;
    return;
  }
  if (kernels === "float") {
    override = { ...FLOAT_BINARY_CONV_KERNELS };
    return;
  }
  if (typeof kernels !== "object") {
    throw new RangeError(
      `setBinaryConvKernels: expected "xnor", "float", null or a table, got ${
        JSON.stringify(kernels)
      }`,
    );
  }
  const next = { ...binaryConvKernels(), ...kernels };
  for (const op of ["forward", "gradInput", "gradWeight"] as const) checkImpl(op, next[op]);
  override = next;
}
