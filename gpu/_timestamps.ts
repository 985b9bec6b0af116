/**
 * Per-dispatch GPU timestamps (the `timestamp-query` feature): each profiled dispatch runs in a
 * compute pass of its own whose start and end times go into a query set; at every submit the
 * queries are resolved and copied to a mappable buffer, and {@link KernelProfiler.collect}
 * sums end − start per kernel name.
 *
 * @module
 */

/** Dispatches timed per submit (two queries each; 4096 is WebGPU's query-set limit). */
const PAIRS = 2048;

interface Pending {
  staging: GPUBuffer;
  names: string[];
}

/** Records timestamp pairs around dispatches and sums them per kernel name. */
export class KernelProfiler {
  #device: GPUDevice | null = null;
  #querySet: GPUQuerySet | null = null;
  #resolveBuffer: GPUBuffer | null = null;
  #names: string[] = [];
  #pending: Pending[] = [];

  /**
   * Whether dispatches are being timed.
   *
   * @example
   * ```ts
   * import { KernelProfiler } from "./_timestamps.ts";
   * console.log(new KernelProfiler().active); // false
   * ```
   */
  get active(): boolean {
    return this.#querySet !== null;
  }

  /**
   * Starts timing dispatches on `device` (which must have `timestamp-query`).
   *
   * @example
   * ```ts
   * import { KernelProfiler } from "./_timestamps.ts";
   * const p = new KernelProfiler();
   * p.stop(); // starting needs a device with timestamp-query
   * ```
   */
  start(device: GPUDevice): void {
    if (this.#querySet) return;
    this.#device = device;
    this.#querySet = device.createQuerySet({ type: "timestamp", count: 2 * PAIRS });
    this.#resolveBuffer = device.createBuffer({
      size: 2 * PAIRS * 8,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
  }

  /**
   * Stops timing; what was resolved already can still be collected.
   *
   * @example
   * ```ts
   * import { KernelProfiler } from "./_timestamps.ts";
   * new KernelProfiler().stop();
   * ```
   */
  stop(): void {
    this.#querySet?.destroy();
    this.#resolveBuffer?.destroy();
    this.#querySet = null;
    this.#resolveBuffer = null;
  }

  /**
   * Whether the current submit has no query pair left.
   *
   * @example
   * ```ts
   * import { KernelProfiler } from "./_timestamps.ts";
   * console.log(new KernelProfiler().full()); // false
   * ```
   */
  full(): boolean {
    return this.#names.length >= PAIRS;
  }

  /**
   * Begins a timed compute pass for one dispatch of kernel `name`.
   *
   * @example
   * ```ts ignore
   * const pass = profiler.beginPass(encoder, "matmul");
   * ```
   */
  beginPass(encoder: GPUCommandEncoder, name: string): GPUComputePassEncoder {
    const k = this.#names.length;
    this.#names.push(name);
    return encoder.beginComputePass({
      timestampWrites: {
        querySet: this.#querySet!,
        beginningOfPassWriteIndex: 2 * k,
        endOfPassWriteIndex: 2 * k + 1,
      },
    });
  }

  /**
   * Records the resolve of this submit's queries (call just before `encoder.finish()`).
   *
   * @example
   * ```ts ignore
   * profiler.resolve(encoder);
   * ```
   */
  resolve(encoder: GPUCommandEncoder): void {
    const n = this.#names.length;
    if (n === 0) return;
    const bytes = 2 * n * 8;
    encoder.resolveQuerySet(this.#querySet!, 0, 2 * n, this.#resolveBuffer!, 0);
    const staging = this.#device!.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    encoder.copyBufferToBuffer(this.#resolveBuffer!, 0, staging, 0, bytes);
    this.#pending.push({ staging, names: this.#names });
    this.#names = [];
  }

  /**
   * Waits for the resolved submits and returns GPU ms and dispatches per kernel name.
   *
   * @example
   * ```ts ignore
   * console.log(await profiler.collect());
   * ```
   */
  async collect(): Promise<Record<string, { ms: number; dispatches: number }>> {
    const out: Record<string, { ms: number; dispatches: number }> = {};
    const pending = this.#pending;
    this.#pending = [];
    for (const { staging, names } of pending) {
      await staging.mapAsync(GPUMapMode.READ);
      const t = new BigUint64Array(staging.getMappedRange());
      names.forEach((name, k) => {
        const ns = t[2 * k + 1] > t[2 * k] ? Number(t[2 * k + 1] - t[2 * k]) : 0;
        const e = out[name] ?? (out[name] = { ms: 0, dispatches: 0 });
        e.ms += ns / 1e6;
        e.dispatches++;
      });
      staging.unmap();
      staging.destroy();
    }
    return out;
  }
}
