/**
 * Tile sizes of the dense kernels (matmul, implicit-GEMM convolutions), in one place.
 *
 * Every dense kernel computes a register tile of `tm × tn` outputs per invocation and runs
 * `wx × wy` invocations per workgroup. The defaults depend on the adapter: a software adapter
 * (Mesa llvmpipe/lavapipe) runs each workgroup on one CPU thread with SIMD lanes across
 * invocations, where large register tiles win; a real GPU wants more, smaller threads.
 *
 * @module
 */
import { isSoftwareAdapter } from "../_adapter_kind.ts";

/** Tile geometry of the dense kernels. */
export interface DenseTiling {
  /** Output rows per invocation (a multiple of 4). */
  tm: number;
  /** Output columns per invocation (a multiple of 4). */
  tn: number;
  /** Invocations per workgroup along the columns. */
  wx: number;
  /** Invocations per workgroup along the rows. */
  wy: number;
  /**
   * Invocations a split-K reduction (conv grad-weight) aims for: the reduction over the batch
   * is cut into enough slices to keep this many invocations busy.
   */
  splitTarget: number;
  /** Smallest number of reduction steps one slice of a split-K reduction gets. */
  minSliceSteps: number;
}

/** Tiling for software adapters (llvmpipe, lavapipe, SwiftShader). */
export const SOFTWARE_TILING: Readonly<DenseTiling> = Object.freeze({
  tm: 8,
  tn: 8,
  wx: 8,
  wy: 8,
  splitTarget: 1024,
  minSliceSteps: 256,
});

/** Tiling for hardware GPUs. */
export const HARDWARE_TILING: Readonly<DenseTiling> = Object.freeze({
  tm: 4,
  tn: 4,
  wx: 16,
  wy: 16,
  splitTarget: 65536,
  minSliceSteps: 64,
});

let override: DenseTiling | null = null;
let detected: DenseTiling | null = null;

/**
 * The tiling the dense kernels use now: an override from {@link setDenseTiling}, else the
 * default for the adapter (software or hardware).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { denseTiling } from "@ovsw/gpu/internal";
 * await initGpu();
 * console.log(denseTiling().tm);
 * ```
 */
export function denseTiling(): DenseTiling {
  if (override) return override;
  if (!detected) detected = { ...(isSoftwareAdapter() ? SOFTWARE_TILING : HARDWARE_TILING) };
  return detected;
}

/**
 * Overrides parts of the dense tiling (or restores the adapter default with `null`).
 * Tile sizes must be 4 or 8; workgroup sizes at most the adapter's limits.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { setDenseTiling } from "@ovsw/gpu/internal";
 * await initGpu();
 * setDenseTiling({ tm: 4, tn: 4, wx: 16, wy: 16 });
 * setDenseTiling(null); // back to the adapter default
 * ```
 */
export function setDenseTiling(tiling: Partial<DenseTiling> | null): void {
  if (tiling === null) {
    override = null;
    return;
  }
  const next = { ...denseTiling(), ...tiling };
  for (const key of ["tm", "tn"] as const) {
    if (next[key] !== 4 && next[key] !== 8) {
      throw new RangeError(`setDenseTiling: ${key} must be 4 or 8, got ${next[key]}`);
    }
  }
  for (const key of ["wx", "wy", "splitTarget", "minSliceSteps"] as const) {
    if (!Number.isInteger(next[key]) || next[key] < 1) {
      throw new RangeError(`setDenseTiling: ${key} must be a positive integer, got ${next[key]}`);
    }
  }
  if (next.wx * next.wy > 256) {
    throw new RangeError(`setDenseTiling: wx·wy = ${next.wx * next.wy} exceeds 256 invocations`);
  }
  override = next;
}
