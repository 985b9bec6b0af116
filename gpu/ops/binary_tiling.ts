/**
 * Tile sizes of the binary (XNOR-popcount) convolution kernels, in one place.
 *
 * A software adapter (Mesa llvmpipe/lavapipe) runs a workgroup on one CPU thread with SIMD lanes
 * across invocations, so large register tiles and few invocations win there; a real GPU wants
 * many small threads. The defaults are picked from the adapter; {@link setBinaryTiling}
 * overrides them (tests use it to cover every tile shape).
 *
 * @module
 */
import { isSoftwareAdapter } from "../_adapter_kind.ts";

/** Tile geometry of the binary conv kernels. */
export interface BinaryTiling {
  /** Forward: output pixels per invocation (1–8). */
  fwdPixels: number;
  /** Forward: output channels per invocation (4 or 8; a multiple of 4, vec4 lanes). */
  fwdOut: number;
  /** Forward: invocations per workgroup (a power of two, ≤ 256). */
  fwdWorkgroup: number;
  /** Grad-input: input pixels per invocation (1–8). */
  bwdPixels: number;
  /** Grad-input: input channels per invocation (4, 8 or 16; they share one 32-bit word). */
  bwdChannels: number;
  /** Grad-input: invocations per workgroup (a power of two, ≤ 256). */
  bwdWorkgroup: number;
  /** Grad-weight: input channels per invocation (4, 8 or 16). */
  gwChannels: number;
  /** Grad-weight: output channels per invocation (4 or 8). */
  gwOut: number;
  /** Grad-weight: invocations per workgroup (a power of two, ≤ 256). */
  gwWorkgroup: number;
  /** Grad-weight: invocations the split over output pixels aims for. */
  gwSplitTarget: number;
  /** Grad-weight: fewest output pixels one slice of the split gets. */
  gwMinSlice: number;
}

/** Tiling for software adapters (llvmpipe, lavapipe, SwiftShader). */
export const SOFTWARE_BINARY_TILING: Readonly<BinaryTiling> = Object.freeze({
  fwdPixels: 4,
  fwdOut: 8,
  fwdWorkgroup: 64,
  bwdPixels: 4,
  bwdChannels: 16,
  bwdWorkgroup: 64,
  gwChannels: 16,
  gwOut: 8,
  gwWorkgroup: 64,
  gwSplitTarget: 2048,
  gwMinSlice: 512,
});

/** Tiling for hardware GPUs. */
export const HARDWARE_BINARY_TILING: Readonly<BinaryTiling> = Object.freeze({
  fwdPixels: 2,
  fwdOut: 4,
  fwdWorkgroup: 128,
  bwdPixels: 2,
  bwdChannels: 4,
  bwdWorkgroup: 128,
  gwChannels: 4,
  gwOut: 4,
  gwWorkgroup: 128,
  gwSplitTarget: 131072,
  gwMinSlice: 128,
});

let override: BinaryTiling | null = null;
let detected: BinaryTiling | null = null;

/**
 * The tiling the binary conv kernels use now: an override from {@link setBinaryTiling}, else
 * the default for the adapter.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { binaryTiling } from "@ovsw/gpu/internal";
 * await initGpu();
 * console.log(binaryTiling().fwdPixels);
 * ```
 */
export function binaryTiling(): BinaryTiling {
  if (override) return override;
  if (!detected) {
    detected = { ...(isSoftwareAdapter() ? SOFTWARE_BINARY_TILING : HARDWARE_BINARY_TILING) };
  }
  return detected;
}

function checkChoice(key: keyof BinaryTiling, value: number, allowed: number[]): void {
  if (!allowed.includes(value)) {
    throw new RangeError(
      `setBinaryTiling: ${key} must be one of ${allowed.join(", ")}, got ${value}`,
    );
  }
}

/**
 * Overrides parts of the binary conv tiling (`null` restores the adapter default).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { setBinaryTiling } from "@ovsw/gpu/internal";
 * await initGpu();
 * setBinaryTiling({ fwdPixels: 2, fwdOut: 4 });
 * setBinaryTiling(null); // back to the adapter default
 * ```
 */
export function setBinaryTiling(tiling: Partial<BinaryTiling> | null): void {
  if (tiling === null) {
    override = null;
    return;
  }
  const next = { ...binaryTiling(), ...tiling };
  checkChoice("fwdPixels", next.fwdPixels, [1, 2, 3, 4, 5, 6, 7, 8]);
  checkChoice("bwdPixels", next.bwdPixels, [1, 2, 3, 4, 5, 6, 7, 8]);
  checkChoice("fwdOut", next.fwdOut, [4, 8]);
  checkChoice("gwOut", next.gwOut, [4, 8]);
  checkChoice("bwdChannels", next.bwdChannels, [4, 8, 16]);
  checkChoice("gwChannels", next.gwChannels, [4, 8, 16]);
  const pow2 = [1, 2, 4, 8, 16, 32, 64, 128, 256];
  checkChoice("fwdWorkgroup", next.fwdWorkgroup, pow2);
  checkChoice("bwdWorkgroup", next.bwdWorkgroup, pow2);
  checkChoice("gwWorkgroup", next.gwWorkgroup, pow2);
  for (const key of ["gwSplitTarget", "gwMinSlice"] as const) {
    if (!Number.isInteger(next[key]) || next[key] < 1) {
      throw new RangeError(`setBinaryTiling: ${key} must be a positive integer, got ${next[key]}`);
    }
  }
  override = next;
}
