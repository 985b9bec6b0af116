/**
 * The command recorder: buffer pool, pipeline cache, one open command encoder and uniform ring.
 *
 * Every op records its dispatch into the same encoder; nothing is submitted until
 * {@link flush} is called (explicitly, by a readback, or when an upload needs ordering).
 *
 * @module
 */
import { device } from "./device.ts";
import { KernelProfiler } from "./_timestamps.ts";

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
  /** Bind groups created since the last reset (a dispatch whose bindings repeat reuses one). */
  bindGroupsCreated: number;
  /** Dispatches that reused a cached bind group since the last reset. */
  bindGroupsReused: number;
  /** Bytes of uniform data written to the GPU since the last reset. */
  uniformBytesWritten: number;
  /** Uniform blocks recorded since the last reset (one per dispatch that has uniforms). */
  uniformBlocks: number;
  /** Storage buffers handed out by the pool since the last reset (hits plus misses). */
  buffersAcquired: number;
  /** Of those, buffers the pool had to create (misses: a new GPU allocation). */
  buffersCreated: number;
  /** Milliseconds spent in {@link flush} (finishing, uniform upload, submit) since the reset. */
  flushMs: number;
  /** Dispatches per kernel name since the last reset. */
  dispatchesByKernel: Record<string, number>;
}

const UNIFORM_SLOT = 256;
const UNIFORM_SLOTS = 4096;
const MAX_PENDING_DISPATCHES = 2048;

function zeroStats(): EngineStats {
  return {
    dispatches: 0,
    submits: 0,
    readbacks: 0,
    pipelinesCompiled: 0,
    compileMs: 0,
    bindGroupsCreated: 0,
    bindGroupsReused: 0,
    uniformBytesWritten: 0,
    uniformBlocks: 0,
    buffersAcquired: 0,
    buffersCreated: 0,
    flushMs: 0,
    dispatchesByKernel: {},
  };
}

let stats: EngineStats = zeroStats();

/** A small integer per GPU buffer, so that bind-group keys can name buffers. */
const bufferIds = new WeakMap<GPUBuffer, number>();
let nextBufferId = 1;
function bufferId(buffer: GPUBuffer): number {
  let id = bufferIds.get(buffer);
  if (id === undefined) {
    id = nextBufferId++;
    bufferIds.set(buffer, id);
  }
  return id;
}

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
  stats.buffersAcquired++;
  if (list && list.length > 0) {
    pooledBytes -= size;
    return list.pop()!;
  }
  stats.buffersCreated++;
  const maxBytes = device().limits.maxBufferSize;
  if (size > maxBytes) {
    throw new RangeError(
      `A tensor of ${bytes} bytes exceeds this adapter's maxBufferSize ${maxBytes}`,
    );
  }
  allocatedBytes += size;
  const buffer = device().createBuffer({ size, usage: STORAGE_USAGE });
  bufferId(buffer);
  return buffer;
}

/** Returns a buffer to the pool for reuse by a later tensor of the same size class. */
export function releaseBuffer(buffer: GPUBuffer): void {
  const list = free.get(buffer.size) ?? [];
  // Kept in descending id order, so that acquireBuffer hands out the lowest id: which buffer a
  // tensor gets then depends only on the set of free buffers, not on the order they came back
  // in, and a step that repeats the previous one gets the same buffers (and bind groups).
  const id = bufferId(buffer);
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bufferId(list[mid]) > id) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, buffer);
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
/**
 * Uniform slots are content-addressed and persistent: a block of words that was seen before
 * reuses its slot (already on the GPU), so a step that repeats the previous one's shapes writes
 * no uniform bytes and its bind groups (keyed by slot) repeat too. A slot never changes while
 * assigned; when the ring is full, everything recorded is submitted and the slots start over.
 */
const uniformSlotOf = new Map<string, number>();
let uniformSlots = 0;
let dirtyLo = UNIFORM_SLOTS;
let dirtyHi = -1;

/** Bind groups by layout, uniform slot and bound buffers; reused while the bindings repeat. */
const bindGroups = new Map<string, GPUBindGroup>();
const MAX_CACHED_BIND_GROUPS = 16384;

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

/** Finds or writes the uniform slot holding these words and returns its byte offset. */
function pushUniforms(words: ArrayBuffer): number {
  if (words.byteLength > UNIFORM_SLOT) {
    throw new RangeError(`uniform block of ${words.byteLength} bytes exceeds ${UNIFORM_SLOT}`);
  }
  stats.uniformBlocks++;
  const u = new Uint32Array(words);
  let key = "";
  for (let i = 0; i < u.length; i++) key += u[i] + ",";
  const known = uniformSlotOf.get(key);
  if (known !== undefined) return known * UNIFORM_SLOT;
  if (uniformSlots >= UNIFORM_SLOTS) {
    flush();
    uniformSlotOf.clear();
    uniformSlots = 0;
  }
  const slot = uniformSlots++;
  const offset = slot * UNIFORM_SLOT;
  new Uint8Array(uniformStaging, offset, UNIFORM_SLOT).fill(0).set(new Uint8Array(words));
  dirtyLo = Math.min(dirtyLo, slot);
  dirtyHi = Math.max(dirtyHi, slot);
  uniformSlotOf.set(key, slot);
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

function bindGroupFor(
  hasUniforms: boolean,
  uniformOffset: number,
  bindings: Binding[],
  inputs: number,
): GPUBindGroup {
  let key = `${hasUniforms ? uniformOffset : -1}:${inputs}`;
  for (const b of bindings) key += `|${bufferId(b.buffer)}:${b.size}`;
  const cached = bindGroups.get(key);
  if (cached) {
    stats.bindGroupsReused++;
    return cached;
  }
  const entries: GPUBindGroupEntry[] = [];
  if (hasUniforms) {
    entries.push({
      binding: 0,
      resource: { buffer: ringBuffer(), offset: uniformOffset, size: UNIFORM_SLOT },
    });
  }
  bindings.forEach((b, i) => {
    entries.push({ binding: i + 1, resource: { buffer: b.buffer, offset: 0, size: b.size } });
  });
  const layout = layoutFor(hasUniforms, inputs, bindings.length - inputs);
  const group = device().createBindGroup({ layout, entries });
  if (bindGroups.size >= MAX_CACHED_BIND_GROUPS) bindGroups.clear();
  bindGroups.set(key, group);
  stats.bindGroupsCreated++;
  return group;
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
  const offset = hasUniforms ? pushUniforms(uniforms!) : 0;
  const bindGroup = bindGroupFor(hasUniforms, offset, bindings, inputs);
  const name = pipeline.label;
  let p: GPUComputePassEncoder;
  if (profiler.active) {
    // One pass per dispatch, with a timestamp at its start and end.
    endPass();
    if (profiler.full()) flush();
    p = pass = profiler.beginPass(currentEncoder(), name);
  } else {
    p = currentPass();
  }
  p.setPipeline(pipeline);
  p.setBindGroup(0, bindGroup);
  p.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
  if (profiler.active) endPass();
  stats.dispatches++;
  stats.dispatchesByKernel[name] = (stats.dispatchesByKernel[name] ?? 0) + 1;
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
  if (!encoder && dirtyHi < 0) return;
  const t0 = performance.now();
  endPass();
  const dev = device();
  if (dirtyHi >= 0) {
    const from = dirtyLo * UNIFORM_SLOT;
    const bytes = (dirtyHi + 1 - dirtyLo) * UNIFORM_SLOT;
    dev.queue.writeBuffer(ringBuffer(), from, uniformStaging, from, bytes);
    stats.uniformBytesWritten += bytes;
    dirtyLo = UNIFORM_SLOTS;
    dirtyHi = -1;
  }
  if (encoder) {
    if (profiler.active) profiler.resolve(encoder);
    dev.queue.submit([encoder.finish()]);
    stats.submits++;
  }
  encoder = null;
  pendingDispatches = 0;
  stats.flushMs += performance.now() - t0;
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
// Kernel timestamps

const profiler = new KernelProfiler();

/**
 * Turns per-kernel GPU timing on or off. While on, every dispatch gets its own compute pass
 * with a timestamp at its start and end (slower to record; for profiling steps only). Returns
 * false, and does nothing, when the adapter lacks the `timestamp-query` feature.
 *
 * @example
 * ```ts
 * import { initGpu, profileKernels } from "@ovsw/gpu";
 * await initGpu();
 * const on = profileKernels(true); // false where the adapter has no timestamp-query
 * profileKernels(false);
 * console.log(typeof on); // "boolean"
 * ```
 */
export function profileKernels(enabled: boolean): boolean {
  flush();
  const dev = device();
  if (enabled && !dev.features.has("timestamp-query")) return false;
  if (enabled) profiler.start(dev);
  else profiler.stop();
  return enabled;
}

/**
 * GPU milliseconds and dispatch counts per kernel name, for the dispatches recorded while
 * {@link profileKernels} was on since the last call (submits and waits for the GPU).
 *
 * @example
 * ```ts
 * import { initGpu, kernelTimes, profileKernels, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * if (profileKernels(true)) {
 *   Tensor.zeros([4]).dispose();
 *   console.log(await kernelTimes()); // e.g. { fill: { ms: 0.01, dispatches: 1 } }
 *   profileKernels(false);
 * }
 * ```
 */
export async function kernelTimes(): Promise<Record<string, { ms: number; dispatches: number }>> {
  flush();
  await checkCompileErrors();
  return await profiler.collect();
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
  return { ...stats, dispatchesByKernel: { ...stats.dispatchesByKernel } };
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
  stats = zeroStats();
}
