/**
 * Acquiring the one shared WebGPU device.
 *
 * @module
 */

/** What the adapter says about itself, plus the backend that was asked for. */
export interface AdapterDescription {
  /** Human readable adapter name, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)". */
  description: string;
  /** Vendor id or name as reported by the adapter. */
  vendor: string;
  /** Architecture string as reported by the adapter (often empty). */
  architecture: string;
  /** True for software adapters such as Mesa llvmpipe / lavapipe. */
  isFallbackAdapter: boolean;
  /** The value of DENO_WEBGPU_BACKEND at start-up, or "default". */
  backend: string;
}

/** Thrown when no WebGPU adapter or device can be had; the message says what to install. */
export class GpuUnavailableError extends Error {
  /**
   * Creates the error with a message that says what to install or set.
   *
   * @example
   * ```ts
   * import { GpuUnavailableError } from "@ovsw/gpu";
   * const err = new GpuUnavailableError("no adapter");
   * console.log(err.name);
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "GpuUnavailableError";
  }
}

const NO_ADAPTER_HELP = [
  "No WebGPU adapter was found.",
  "On Linux without a GPU install Mesa's software rasteriser:",
  "  apt-get install libgl1-mesa-dri libegl1 libegl-mesa0   (OpenGL/EGL, llvmpipe)",
  "  apt-get install mesa-vulkan-drivers libvulkan1         (Vulkan, lavapipe)",
  "and choose the backend with DENO_WEBGPU_BACKEND=gl or DENO_WEBGPU_BACKEND=vulkan.",
].join("\n");

let devicePromise: Promise<GPUDevice> | null = null;
let currentDevice: GPUDevice | null = null;
let currentAdapter: AdapterDescription | null = null;
let lostReason: string | null = null;

function envBackend(): string {
  try {
    return Deno.env.get("DENO_WEBGPU_BACKEND") ?? "default";
  } catch {
    return "default";
  }
}

async function createDevice(): Promise<GPUDevice> {
  if (typeof navigator === "undefined" || !navigator.gpu) {
    throw new GpuUnavailableError("This runtime has no navigator.gpu (WebGPU). " + NO_ADAPTER_HELP);
  }
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new GpuUnavailableError(NO_ADAPTER_HELP);
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures: [...adapter.features].filter((f) =>
      f === "timestamp-query"
    ) as GPUFeatureName[],
    requiredLimits: {
      maxStorageBuffersPerShaderStage: Math.min(limits.maxStorageBuffersPerShaderStage, 16),
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: limits.maxComputeWorkgroupSizeY,
    },
  });
  const info = adapter.info;
  currentAdapter = {
    description: info.description || info.device || "unknown adapter",
    vendor: info.vendor,
    architecture: info.architecture,
    isFallbackAdapter: (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
    backend: envBackend(),
  };
  device.lost.then((lost) => {
    lostReason = `${lost.reason}: ${lost.message}`;
    if (lost.reason !== "destroyed") {
      console.error(`ovsw: the WebGPU device was lost (${lostReason}).`);
    }
  });
  device.addEventListener("uncapturederror", (event) => {
    const e = (event as GPUUncapturedErrorEvent).error;
    console.error(`ovsw: WebGPU error: ${e.message}`);
  });
  currentDevice = device;
  return device;
}

/**
 * Returns the shared device, creating it on first use.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * const device = await initGpu();
 * console.log(device.limits.maxBufferSize);
 * ```
 */
export function initGpu(): Promise<GPUDevice> {
  if (!devicePromise) {
    devicePromise = createDevice().catch((e) => {
      devicePromise = null;
      throw e;
    });
  }
  return devicePromise;
}

/**
 * The shared device; throws a clear error if {@link initGpu} was not awaited or the device was lost.
 *
 * @example
 * ```ts
 * import { device, initGpu } from "@ovsw/gpu";
 * await initGpu();
 * console.log(device().label);
 * ```
 */
export function device(): GPUDevice {
  if (lostReason) throw new GpuUnavailableError(`The WebGPU device was lost (${lostReason}).`);
  if (!currentDevice) {
    throw new GpuUnavailableError("The GPU is not initialised: call `await initGpu()` first.");
  }
  return currentDevice;
}

/**
 * Describes the adapter in use (after {@link initGpu}).
 *
 * @example
 * ```ts
 * import { adapterDescription, initGpu } from "@ovsw/gpu";
 * await initGpu();
 * console.log(adapterDescription().description);
 * ```
 */
export function adapterDescription(): AdapterDescription {
  if (!currentAdapter) throw new GpuUnavailableError("The GPU is not initialised.");
  return currentAdapter;
}
