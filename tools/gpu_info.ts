/**
 * Prints the WebGPU adapter Deno finds, or exits with code 1 and says what to install.
 *
 * Run: `deno run --allow-env tools/gpu_info.ts`
 *
 * @module
 */
import { adapterDescription, GpuUnavailableError, initGpu } from "@ovsw/gpu";

try {
  await initGpu();
  const a = adapterDescription();
  console.log(
    `WebGPU adapter: ${a.description} (vendor ${a.vendor || "?"}, backend ${a.backend}` +
      `${a.isFallbackAdapter ? ", software" : ""})`,
  );
} catch (e) {
  console.error(e instanceof GpuUnavailableError ? e.message : `WebGPU failed: ${e}`);
  Deno.exit(1);
}
