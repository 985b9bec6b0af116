/**
 * Whether the adapter is a software rasteriser (internal): the per-adapter defaults (dense and
 * binary tilings, the binary conv kernel table) are chosen by it.
 *
 * @module
 */
import { adapterDescription } from "./device.ts";

/** True for Mesa llvmpipe/lavapipe, SwiftShader and other fallback adapters. */
export function isSoftwareAdapter(): boolean {
  const a = adapterDescription();
  return a.isFallbackAdapter ||
    /llvmpipe|lavapipe|swiftshader|software|softpipe/i.test(`${a.description} ${a.vendor}`);
}
