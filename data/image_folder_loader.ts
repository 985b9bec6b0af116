/**
 * Batches of an image folder: decoded and transformed by a pool of workers into a bounded ring
 * of shared uint8 batch buffers, uploaded packed, and normalised on the GPU.
 *
 * @module
 */
import { Tensor } from "@ovsw/gpu";
import type { DecodeItem } from "./decode_types.ts";
import { epochOrder } from "./_seed.ts";
import { DecodePool, defaultDecodeWorkers } from "./decode_pool.ts";
import type { ImageFolderSplit } from "./image_folder.ts";
import { checkTransform, type ImageTransform } from "./image_transform.ts";
import type { Batch } from "./loader.ts";
import { normalizeBytes } from "./normalize_gpu.ts";
import { lendBatch } from "./_lend_batch.ts";
import type { Normalization } from "./specs.ts";

/** How an {@link ImageFolderLoader} batches a split. */
export interface ImageFolderLoaderOptions {
  /** Images per batch; the last batch of an epoch may be smaller (it is kept). */
  batchSize: number;
  /** The preprocessing (see `imagenetTransform`). */
  transform: ImageTransform;
  /** Normalisation applied on the GPU by {@link ImageFolderLoader.epoch}. */
  normalization: Normalization;
  /** Shuffle the order every epoch (train); default false. */
  shuffle?: boolean;
  /** Seed of the order and of every image's random draws; default 0. */
  seed?: number;
  /** Decode workers; default every core. */
  workers?: number;
  /** Batches decoded ahead (buffers in the ring); default 2. */
  prefetch?: number;
  /** A worker module other than the sharp decoder (tests). */
  workerModule?: URL;
}

/** One batch on the host: planar uint8 pixels and labels (valid until the next batch). */
export interface ByteBatch {
  /** Pixels, `[size, 3, S, S]` bytes, row-major. */
  x: Uint8Array;
  /** Labels, `[size]`. */
  y: Uint32Array;
  /** Images in this batch. */
  size: number;
  /** Batch index within the epoch. */
  index: number;
}

/**
 * Turns an image-folder split into batches. Image `i` of epoch `e` depends only on
 * (seed, e, i) and the order only on (seed, e), so every batch can be rebuilt alone: a run
 * resumed at batch k of an epoch sees the same batches as one that never stopped.
 *
 * Pipeline: `prefetch` batch buffers (SharedArrayBuffers) form a ring; each batch is cut into
 * one job per worker and written in place by the workers; when the consumer asks for batch k+1,
 * batch k's buffer is reused for batch k + prefetch. Memory is `prefetch` buffers whatever the
 * epoch length. A file that cannot be read or decoded ends the epoch with a `DatasetError`
 * naming it (after the jobs in flight finish); so does a worker crash.
 *
 * Call {@link ImageFolderLoader.close} (or `using`) to stop the workers.
 *
 * @example
 * ```ts
 * import { IMAGENET_NORMALIZATION, ImageFolderLoader, imagenetTransform, listImageFolder } from "@ovsw/data";
 * const dir = await Deno.makeTempDir();
 * for (const cls of ["cat", "dog"]) {
 *   await Deno.mkdir(`${dir}/${cls}`);
 *   for (const f of ["1.jpg", "2.jpg"]) await Deno.writeFile(`${dir}/${cls}/${f}`, new Uint8Array());
 * }
 * using loader = new ImageFolderLoader(listImageFolder(dir), {
 *   batchSize: 3, transform: imagenetTransform("train"), normalization: IMAGENET_NORMALIZATION,
 *   shuffle: true, seed: 1,
 * });
 * console.log(loader.batchesPerEpoch, loader.imageShape); // 2 [ 3, 224, 224 ]
 * // for await (const { x, y } of loader.epoch(0)) { ... } decodes the JPEGs (needs --allow-ffi)
 * ```
 */
export class ImageFolderLoader {
  /** The split being batched. */
  readonly split: ImageFolderSplit;
  /** Images per full batch. */
  readonly batchSize: number;
  /** The preprocessing. */
  readonly transform: ImageTransform;
  /** Normalisation applied on the GPU. */
  readonly normalization: Normalization;
  /** Whether each epoch is shuffled. */
  readonly shuffle: boolean;
  /** Seed of the order and the draws. */
  readonly seed: number;
  /** Batches decoded ahead. */
  readonly prefetch: number;
  /** The decode workers. */
  readonly pool: DecodePool;
  #buffers: SharedArrayBuffer[] = [];
  #labels: Uint32Array[] = [];
  #staging: Uint32Array<ArrayBuffer> | null = null;
  #inFlight = 0;
  #nextJob = 0;

  /** Checks the options; buffers and workers are created on the first epoch. */
  constructor(split: ImageFolderSplit, opts: ImageFolderLoaderOptions) {
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) {
      throw new RangeError(`batch size must be a positive integer, got ${opts.batchSize}`);
    }
    const prefetch = opts.prefetch ?? 2;
    if (!Number.isInteger(prefetch) || prefetch < 1) {
      throw new RangeError(`prefetch must be a positive integer, got ${prefetch}`);
    }
    if (split.count < 1) throw new RangeError(`${split.source}: the split has no images`);
    checkTransform(opts.transform);
    this.split = split;
    this.batchSize = opts.batchSize;
    this.transform = opts.transform;
    this.normalization = opts.normalization;
    this.shuffle = opts.shuffle ?? false;
    this.seed = opts.seed ?? 0;
    this.prefetch = prefetch;
    this.pool = new DecodePool(opts.workers ?? defaultDecodeWorkers(), opts.workerModule);
  }

  /** Number of batches per epoch (the last one may be partial). */
  get batchesPerEpoch(): number {
    return Math.ceil(this.split.count / this.batchSize);
  }

  /** The shape of one image, `[3, S, S]`. */
  get imageShape(): [number, number, number] {
    return [3, this.transform.size, this.transform.size];
  }

  /** Batches being decoded right now (never more than `prefetch`). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Bytes held by the batch buffers (bounded by `prefetch` whatever the epoch length). */
  get bufferBytes(): number {
    return this.#buffers.reduce((a, b) => a + b.byteLength, 0) + (this.#staging?.byteLength ?? 0);
  }

  /** The order in which epoch `e` visits the images (identity unless shuffling). */
  order(epoch: number): Uint32Array {
    return epochOrder(this.split.count, this.shuffle, this.seed, epoch);
  }

  /** Stops the decode workers. */
  close(): void {
    this.pool.close();
  }

  /** Same as {@link ImageFolderLoader.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #perImage(): number {
    const [c, h, w] = this.imageShape;
    return c * h * w;
  }

  #allocate(): void {
    if (this.#buffers.length) return;
    const bytes = Math.ceil((Math.min(this.batchSize, this.split.count) * this.#perImage()) / 4) *
      4;
    for (let i = 0; i < this.prefetch; i++) {
      this.#buffers.push(new SharedArrayBuffer(bytes));
      this.#labels.push(new Uint32Array(this.batchSize));
    }
  }

  /** Decodes batch `b` of an epoch into ring buffer `b mod prefetch`; settles when all is done. */
  async #decode(order: Uint32Array, epoch: number, b: number): Promise<void> {
    const slot = b % this.prefetch;
    const start = b * this.batchSize;
    const size = Math.min(this.batchSize, this.split.count - start);
    const per = this.#perImage();
    const items: DecodeItem[] = [];
    for (let i = 0; i < size; i++) {
      const index = order[start + i];
      items.push({ file: this.split.files[index], index, at: i * per });
      this.#labels[slot][i] = this.split.labels[index];
    }
    const chunk = Math.ceil(size / this.pool.size);
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < size; i += chunk) {
      jobs.push(this.pool.run({
        id: this.#nextJob++,
        buffer: this.#buffers[slot],
        items: items.slice(i, i + chunk),
        transform: this.transform,
        seed: this.seed,
        epoch,
      }));
    }
    this.#inFlight++;
    try {
      const settled = await Promise.allSettled(jobs);
      const failed = settled.find((s) => s.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
    } finally {
      this.#inFlight--;
    }
  }

  /**
   * The batches of epoch `e` as planar uint8 host arrays, from batch `startBatch` on (skipped
   * batches are not decoded). Each batch's arrays are valid until the next one is requested.
   */
  async *hostEpoch(epoch: number, startBatch = 0): AsyncGenerator<ByteBatch> {
    const n = this.batchesPerEpoch;
    if (!Number.isInteger(startBatch) || startBatch < 0 || startBatch > n) {
      throw new RangeError(`start batch ${startBatch} is outside 0…${n} for this epoch`);
    }
    this.#allocate();
    const order = this.order(epoch);
    const pending = new Map<number, Promise<void>>();
    const launch = (b: number) => {
      if (b >= n) return;
      const p = this.#decode(order, epoch, b);
      p.catch(() => {}); // awaited below; this keeps an early failure from being "unhandled"
      pending.set(b, p);
    };
    for (let b = startBatch; b < Math.min(n, startBatch + this.prefetch); b++) launch(b);
    try {
      for (let b = startBatch; b < n; b++) {
        await pending.get(b);
        pending.delete(b);
        const slot = b % this.prefetch;
        const size = Math.min(this.batchSize, this.split.count - b * this.batchSize);
        yield {
          x: new Uint8Array(this.#buffers[slot], 0, size * this.#perImage()),
          y: this.#labels[slot].subarray(0, size),
          size,
          index: b,
        };
        launch(b + this.prefetch);
      }
    } finally {
      await Promise.allSettled(pending.values());
    }
  }

  /**
   * The batches of epoch `e` as GPU tensors, from batch `startBatch` on: x f32
   * `[B, 3, S, S]` normalised on the GPU from the uploaded bytes, y u32 `[B]`. Each yielded
   * tensor is disposed when the next batch is requested or the loop ends; `copy()` to keep one.
   */
  async *epoch(epoch: number, startBatch = 0): AsyncGenerator<Batch> {
    const [c, h, w] = this.imageShape;
    for await (const hb of this.hostEpoch(epoch, startBatch)) {
      const words = Math.ceil(hb.x.length / 4);
      if (!this.#staging || this.#staging.length < words) {
        this.#staging = new Uint32Array(Math.ceil(this.#buffers[0].byteLength / 4));
      }
      const staging = this.#staging.subarray(0, words);
      new Uint8Array(staging.buffer, 0, hb.x.length).set(hb.x);
      const packed = Tensor.from(staging, [words], "u32");
      let x: Tensor;
      try {
        x = normalizeBytes(packed, [hb.size, c, h, w], this.normalization);
      } finally {
        packed.dispose();
      }
      const y = Tensor.from(new Uint32Array(hb.y), [hb.size], "u32");
      yield* lendBatch({ x, y, size: hb.size, index: hb.index });
    }
  }
}
