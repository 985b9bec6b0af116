/**
 * The command recorder: buffer pool, pipeline cache, one open command encoder and uniform ring.
 *
 * Every op records its dispatch into the same encoder; nothing is submitted until
 * {@link flush} is called (explicitly, by a readback, or when an upload needs ordering).
 *
 * @module
 */
import { device } from "./device.ts";

/** Counters that make the cost of a step visible. */
export interface EngineStats {
  /** Compute dispatches recorded since the last {@link resetStats}. */
  dispatches: number;
  /** Queue submits since the last reset. */
  submits: number;
  /** Awaited readbacks (mapAsync) since the last reset. */
  readbacks: number;
  /** Compute pipelines compiled since the last reset. */
  pipelinesCompiled: number;
  /** Milliseconds spent creating pipelines since the last reset. */
  compileMs: number;
}

const UNIFORM_SLOT = 256;
const UNIFORM_SLOTS = 4096;
const MAX_PENDING_DISPATCHES = 2048;

const stats: EngineStats = {
  dispatches: 0,
  submits: 0,
  readbacks: 0,
  pipelinesCompiled: 0,
  compileMs: 0,
};

// ---------------------------------------------------------------------------------------------
// Buffer pool

const STORAGE_USAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
const free = new Map<number, GPUBuffer[]>();
let allocatedBytes = 0;
let pooledBytes = 0;

/** Rounds a byte count up to the pool's size class (a multiple of 256 bytes, at least 256). */
export function sizeClass(bytes: number): number {
  return Math.max(256, Math.ceil(bytes / 256) * 256);
}

/** Takes a storage buffer of at least `bytes` bytes from the pool (or creates one). */
export function acquireBuffer(bytes: number): GPUBuffer {
  const size = sizeClass(bytes);
  const list = free.get(size);
  if (list && list.length > 0) {
    pooledBytes -= size;
    return list.pop()!;
  }
  const maxBytes = device().limits.maxBufferSize;
  if (size > maxBytes) {
    throw new RangeError(
      `A tensor of ${bytes} bytes exceeds this adapter's maxBufferSize ${maxBytes}`,
    );
  }
  allocatedBytes += size;
  return device().createBuffer({ size, usage: STORAGE_USAGE });
}

/** Returns a buffer to the pool for reuse by a later tensor of the same size class. */
export function releaseBuffer(buffer: GPUBuffer): void {
  const list = free.get(buffer.size) ?? [];
  list.push(buffer);
  free.set(buffer.size, list);
  pooledBytes += buffer.size;
}

/** Bytes held by GPU buffers that the pool created and did not destroy, and the idle share. */
export function poolBytes(): { allocated: number; pooled: number } {
  return { allocated: allocatedBytes, pooled: pooledBytes };
}

// ---------------------------------------------------------------------------------------------
// Pipelines

const pipelines = new Map<string, GPUComputePipeline>();
let pendingCompileChecks: Promise<string | null>[] = [];

/**
 * Throws if a pipeline compiled since the last check had a WGSL or validation error. Called by
 * every readback, so a broken kernel fails loudly at the next `read()` instead of silently
 * dropping the rest of its submit.
 */
export async function checkCompileErrors(): Promise<void> {
  if (pendingCompileChecks.length === 0) return;
  const checks = pendingCompileChecks;
  pendingCompileChecks = [];
  const errors = (await Promise.all(checks)).filter((e) => e !== null);
  if (errors.length > 0) throw new Error(errors.join("\n"));
}
const layouts = new Map<string, GPUBindGroupLayout>();

function layoutFor(hasUniforms: boolean, inputs: number, outputs: number): GPUBindGroupLayout {
  const key = `${hasUniforms ? 1 : 0}:${inputs}:${outputs}`;
  let layout = layouts.get(key);
  if (!layout) {
    const entries: GPUBindGroupLayoutEntry[] = [];
    if (hasUniforms) {
      entries.push({ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: "uniform" } });
    }
    for (let i = 0; i < inputs + outputs; i++) {
      entries.push({
        binding: i + 1,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: i < inputs ? "read-only-storage" : "storage" },
      });
    }
    layout = device().createBindGroupLayout({ entries });
    layouts.set(key, layout);
  }
  return layout;
}

/** Returns the compiled pipeline for this WGSL source and binding shape, compiling it once. */
export function pipelineFor(
  name: string,
  code: string,
  hasUniforms: boolean,
  inputs: number,
  outputs: number,
): GPUComputePipeline {
  const key = `${hasUniforms ? 1 : 0}:${inputs}:${outputs}\n${code}`;
  let pipeline = pipelines.get(key);
  if (!pipeline) {
    const t0 = performance.now();
    const dev = device();
    dev.pushErrorScope("validation");
    const module = dev.createShaderModule({ label: name, code });
    pipeline = dev.createComputePipeline({
      label: name,
      layout: dev.createPipelineLayout({
        bindGroupLayouts: [layoutFor(hasUniforms, inputs, outputs)],
      }),
      compute: { module, entryPoint: "main" },
    });
    pendingCompileChecks.push(
      dev.popErrorScope().then((error) =>
        error ? `kernel "${name}" failed to compile: ${error.message}` : null
      ),
    );
    stats.pipelinesCompiled++;
    stats.compileMs += performance.now() - t0;
    pipelines.set(key, pipeline);
  }
  return pipeline;
}

// ---------------------------------------------------------------------------------------------
// Recording

let encoder: GPUCommandEncoder | null = null;
let pass: GPUComputePassEncoder | null = null;
let pendingDispatches = 0;
let uniformBuffer: GPUBuffer | null = null;
const uniformStaging = new ArrayBuffer(UNIFORM_SLOT * UNIFORM_SLOTS);
let uniformSlots = 0;

function currentEncoder(): GPUCommandEncoder {
  if (!encoder) encoder = device().createCommandEncoder();
  return encoder;
}

function currentPass(): GPUComputePassEncoder {
  if (!pass) pass = currentEncoder().beginComputePass();
  return pass;
}

function endPass(): void {
  if (pass) {
    pass.end();
    pass = null;
  }
}

/** Writes uniform words into the ring and returns the byte offset of their slot. */
function pushUniforms(words: ArrayBuffer): number {
  if (words.byteLength > UNIFORM_SLOT) {
    throw new RangeError(`uniform block of ${words.byteLength} bytes exceeds ${UNIFORM_SLOT}`);
  }
  if (uniformSlots >= UNIFORM_SLOTS) flush();
  const offset = uniformSlots * UNIFORM_SLOT;
  new Uint8Array(uniformStaging, offset, words.byteLength).set(new Uint8Array(words));
  uniformSlots++;
  return offset;
}

function ringBuffer(): GPUBuffer {
  if (!uniformBuffer) {
    uniformBuffer = device().createBuffer({
      size: UNIFORM_SLOT * UNIFORM_SLOTS,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
  }
  return uniformBuffer;
}

/** One buffer binding: a buffer and the number of bytes the shader may see. */
export interface Binding {
  /** The GPU buffer. */
  buffer: GPUBuffer;
  /** Bytes visible to the shader, starting at offset 0. */
  size: number;
}

/** Records one dispatch into the shared encoder. Low level: ops use `runKernel`. */
export function recordDispatch(
  pipeline: GPUComputePipeline,
  hasUniforms: boolean,
  uniforms: ArrayBuffer | null,
  bindings: Binding[],
  inputs: number,
  workgroups: [number, number, number],
): void {
  const layout = layoutFor(hasUniforms, inputs, bindings.length - inputs);
  const entries: GPUBindGroupEntry[] = [];
  if (hasUniforms) {
    const offset = pushUniforms(uniforms!);
    entries.push({
      binding: 0,
      resource: { buffer: ringBuffer(), offset, size: UNIFORM_SLOT },
    });
  }
  bindings.forEach((b, i) => {
    entries.push({ binding: i + 1, resource: { buffer: b.buffer, offset: 0, size: b.size } });
  });
  const bindGroup = device().createBindGroup({ layout, entries });
  const p = currentPass();
  p.setPipeline(pipeline);
  p.setBindGroup(0, bindGroup);
  p.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
  stats.dispatches++;
  pendingDispatches++;
  if (pendingDispatches >= MAX_PENDING_DISPATCHES) flush();
}

/** Records a buffer-to-buffer copy in stream order. */
export function recordCopy(src: GPUBuffer, dst: GPUBuffer, bytes: number): void {
  endPass();
  currentEncoder().copyBufferToBuffer(src, 0, dst, 0, Math.ceil(bytes / 4) * 4);
  pendingDispatches++;
}

/** Submits everything recorded so far as one command buffer. Cheap when nothing is pending. */
export function flush(): void {
  if (!encoder && uniformSlots === 0) return;
  endPass();
  const dev = device();
  if (uniformSlots > 0) {
    dev.queue.writeBuffer(ringBuffer(), 0, uniformStaging, 0, uniformSlots * UNIFORM_SLOT);
  }
  if (encoder) {
    dev.queue.submit([encoder.finish()]);
    stats.submits++;
  }
  encoder = null;
  pendingDispatches = 0;
  uniformSlots = 0;
}

/**
 * Writes bytes into a buffer in stream order: everything recorded before is submitted first,
 * so the write cannot overtake commands that still read the buffer's old contents.
 */
export function writeInOrder(buffer: GPUBuffer, data: ArrayBufferView<ArrayBuffer>): void {
  flush();
  device().queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
}

// ---------------------------------------------------------------------------------------------
// Readback

const readFree = new Map<number, GPUBuffer[]>();

/** Copies `bytes` of `src` to the host. Submits pending work; the only await in the engine. */
export async function readBuffer(src: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
  const size = sizeClass(bytes);
  const list = readFree.get(size);
  const staging = list?.pop() ??
    device().createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  recordCopy(src, staging, bytes);
  flush();
  await checkCompileErrors();
  stats.readbacks++;
  await staging.mapAsync(GPUMapMode.READ, 0, size);
  const out = staging.getMappedRange(0, size).slice(0, bytes);
  staging.unmap();
  const back = readFree.get(size) ?? [];
  back.push(staging);
  readFree.set(size, back);
  return out;
}

/** Resolves when every submitted command has finished on the GPU (for benchmarks). */
export async function sync(): Promise<void> {
  flush();
  await checkCompileErrors();
  await device().queue.onSubmittedWorkDone();
}

/**
 * A snapshot of the engine counters.
 *
 * @example
 * ```ts
 * import { engineStats, resetStats } from "@ovsw/gpu";
 * resetStats();
 * console.log(engineStats().dispatches); // 0
 * ```
 */
export function engineStats(): EngineStats {
  return { ...stats };
}

/**
 * Sets all counters of {@link engineStats} back to zero.
 *
 * @example
 * ```ts
 * import { resetStats } from "@ovsw/gpu";
 * resetStats();
 * ```
 */
export function resetStats(): void {
  stats.dispatches = 0;
  stats.submits = 0;
  stats.readbacks = 0;
  stats.pipelinesCompiled = 0;
  stats.compileMs = 0;
}
