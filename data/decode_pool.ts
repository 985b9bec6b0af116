/**
 * A pool of decode workers (Deno Workers running sharp): jobs wait in a queue and each idle
 * worker takes the next one. A worker that dies fails its job and every later one with a
 * {@link DatasetError} naming the files, so a crash ends the run with a message instead of a
 * hang.
 *
 * @module
 */
import type { DecodeJob, DecodeReply } from "./decode_types.ts";
import { DatasetError } from "./errors.ts";

interface Waiting {
  job: DecodeJob;
  resolve: () => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: Waiting | null;
}

/**
 * The number of decode workers to use by default: every core the machine reports.
 *
 * @example
 * ```ts
 * import { defaultDecodeWorkers } from "@ovsw/data";
 * console.log(defaultDecodeWorkers() >= 1); // true
 * ```
 */
export function defaultDecodeWorkers(): number {
  return Math.max(1, navigator.hardwareConcurrency || 1);
}

/**
 * Runs decode jobs on `size` workers. Workers start on the first job and live until
 * {@link DecodePool.close}.
 *
 * @example
 * ```ts
 * import { DecodePool, imagenetTransform } from "@ovsw/data";
 * const pool = new DecodePool(1);
 * try {
 *   await pool.run({
 *     id: 0, buffer: new SharedArrayBuffer(3 * 8 * 8), seed: 0, epoch: 0,
 *     items: [{ file: "/nonexistent.jpg", index: 0, at: 0 }],
 *     transform: imagenetTransform("eval", 8),
 *   });
 * } catch (e) {
 *   console.log((e as Error).name); // DatasetError
 * } finally {
 *   pool.close();
 * }
 * ```
 */
export class DecodePool {
  /** Number of workers. */
  readonly size: number;
  #module: URL;
  #slots: Slot[] = [];
  #queue: Waiting[] = [];
  #broken: DatasetError | null = null;
  #closed = false;

  /**
   * Prepares a pool; the workers start with the first job.
   *
   * @param size number of workers (≥ 1)
   * @param module the worker's module (the sharp decoder by default; tests pass others)
   */
  constructor(size: number, module: URL = new URL("./_decode_worker.ts", import.meta.url)) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`decode workers must be a positive integer, got ${size}`);
    }
    this.size = size;
    this.#module = module;
  }

  /** Jobs queued or running. */
  get pending(): number {
    return this.#queue.length + this.#slots.filter((s) => s.busy).length;
  }

  /** Runs one job; rejects with a {@link DatasetError} naming the file that failed. */
  run(job: DecodeJob): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("the decode pool is closed"));
    if (this.#broken) return Promise.reject(this.#broken);
    return new Promise((resolve, reject) => {
      this.#queue.push({ job, resolve, reject });
      this.#start();
      this.#dispatch();
    });
  }

  /** Stops every worker; queued and running jobs fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAll(new DatasetError("decode pool", "closed while decoding"));
    for (const s of this.#slots) s.worker.terminate();
    this.#slots = [];
  }

  /** Same as {@link DecodePool.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #start(): void {
    if (this.#slots.length > 0) return;
    for (let i = 0; i < this.size; i++) {
      const worker = new Worker(this.#module.href, { type: "module" });
      const slot: Slot = { worker, busy: null };
      worker.onmessage = (e: MessageEvent<DecodeReply>) => this.#finish(slot, e.data);
      worker.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        this.#crash(slot, e.message);
      };
      worker.onmessageerror = () => this.#crash(slot, "a message could not be read");
      this.#slots.push(slot);
    }
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.busy || this.#queue.length === 0) continue;
      slot.busy = this.#queue.shift()!;
      slot.worker.postMessage(slot.busy.job);
    }
  }

  #finish(slot: Slot, reply: DecodeReply): void {
    const w = slot.busy;
    slot.busy = null;
    if (w) {
      if (reply.ok) w.resolve();
      else w.reject(new DatasetError(reply.file, reply.problem));
    }
    this.#dispatch();
  }

  #crash(slot: Slot, message: string): void {
    const files = slot.busy?.job.items.map((i) => i.file) ?? [];
    const where = files.length
      ? files[0] + (files.length > 1 ? ` (and ${files.length - 1} more)` : "")
      : "decode worker";
    this.#broken = new DatasetError(where, `the decode worker crashed (${message})`);
    slot.worker.terminate();
    this.#failAll(this.#broken);
  }

  #failAll(e: Error): void {
    for (const s of this.#slots) {
      s.busy?.reject(e);
      s.busy = null;
    }
    for (const w of this.#queue.splice(0)) w.reject(e);
  }
}
