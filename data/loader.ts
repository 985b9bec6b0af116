/**
 * Batching: per-epoch seeded shuffling, seeded augmentation, normalisation, and a
 * double-buffered upload to the GPU.
 *
 * @module
 */
import { Tensor } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { drawCropFlip, normalizationTable, writeImage } from "./_augment.ts";
import { epochOrder, mixSeed } from "./_seed.ts";
import { lendBatch } from "./_lend_batch.ts";
import type { Split } from "./dataset.ts";
import type { AugmentKind, Normalization } from "./specs.ts";

/** How a {@link DataLoader} batches a split. */
export interface LoaderOptions {
  /** Images per batch; the last batch of an epoch may be smaller (it is kept). */
  batchSize: number;
  /** Normalisation constants (one mean/std per channel). */
  normalization: Normalization;
  /** Shuffle the order every epoch (train); default false (test). */
  shuffle?: boolean;
  /** Augmentation; default `"none"`. */
  augment?: AugmentKind;
  /** Zero padding of the random crop; default 4. */
  cropPadding?: number;
  /** Seed of the shuffling and augmentation streams; default 0. */
  seed?: number;
}

/** One batch on the host: normalised pixels and labels (views valid until the next batch). */
export interface HostBatch {
  /** Pixels, `[size, C, H, W]` row-major, normalised. */
  x: Float32Array<ArrayBuffer>;
  /** Labels, `[size]`. */
  y: Uint32Array<ArrayBuffer>;
  /** Images in this batch. */
  size: number;
  /** Batch index within the epoch. */
  index: number;
}

/** One batch on the GPU. */
export interface Batch {
  /** Pixels, f32 `[size, C, H, W]`, normalised. */
  x: Tensor;
  /** Labels, u32 `[size]`. */
  y: Tensor;
  /** Images in this batch. */
  size: number;
  /** Batch index within the epoch. */
  index: number;
}

/**
 * Turns a split into batches. `epoch(e)` yields GPU tensors; `hostEpoch(e)` the same batches as
 * host arrays. Both depend only on (seed, e), so a resumed run sees the same batches.
 *
 * Ownership: each yielded `x`/`y` is owned by the loader and disposed when the next batch is
 * requested or the loop ends (also on `break`). A caller may dispose them earlier (dispose is
 * idempotent) and must `copy()` a batch it wants to keep. They are created outside any `tidy`
 * scope unless the loop itself runs inside one.
 *
 * Overlap: the upload of batch k (`Tensor.from`, a queue `writeBuffer` that first submits the
 * previous step's recorded work; never a readback) is followed at once by the CPU preparation
 * of batch k+1 into a second host buffer, while the GPU executes the previous step.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { DataLoader, loadEmbedded, DATASETS } from "@ovsw/data";
 * await initGpu();
 * const { test } = await loadEmbedded();
 * const loader = new DataLoader(test, {
 *   batchSize: 256, normalization: DATASETS["fashion-mnist"].normalization,
 * });
 * let seen = 0;
 * for (const { size } of loader.epoch(0)) seen += size;
 * console.log(seen, loader.batchesPerEpoch); // 1000 4
 * ```
 */
export class DataLoader {
  /** The split being batched. */
  readonly split: Split;
  /** Images per full batch. */
  readonly batchSize: number;
  /** Whether each epoch is shuffled. */
  readonly shuffle: boolean;
  /** Augmentation applied to every image. */
  readonly augment: AugmentKind;
  /** Zero padding of the random crop. */
  readonly cropPadding: number;
  /** Seed of the shuffling and augmentation streams. */
  readonly seed: number;
  #lut: Float32Array;
  #buffers: [Float32Array<ArrayBuffer>, Float32Array<ArrayBuffer>];
  #labels: [Uint32Array<ArrayBuffer>, Uint32Array<ArrayBuffer>];

  /** Checks the options and allocates the two host batch buffers. */
  constructor(split: Split, opts: LoaderOptions) {
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) {
      throw new RangeError(`batch size must be a positive integer, got ${opts.batchSize}`);
    }
    if (split.count < 1) throw new RangeError(`${split.source}: the split has no images`);
    this.split = split;
    this.batchSize = opts.batchSize;
    this.shuffle = opts.shuffle ?? false;
    this.augment = opts.augment ?? "none";
    this.cropPadding = opts.cropPadding ?? 4;
    this.seed = opts.seed ?? 0;
    this.#lut = normalizationTable(opts.normalization, split.channels);
    const b = Math.min(this.batchSize, split.count);
    const per = split.channels * split.height * split.width;
    this.#buffers = [new Float32Array(b * per), new Float32Array(b * per)];
    this.#labels = [new Uint32Array(b), new Uint32Array(b)];
  }

  /** Number of batches per epoch (the last one may be partial). */
  get batchesPerEpoch(): number {
    return Math.ceil(this.split.count / this.batchSize);
  }

  /** The shape of one image, `[C, H, W]`. */
  get imageShape(): [number, number, number] {
    return [this.split.channels, this.split.height, this.split.width];
  }

  /** The order in which epoch `e` visits the images (identity unless shuffling). */
  order(epoch: number): Uint32Array {
    return epochOrder(this.split.count, this.shuffle, this.seed, epoch);
  }

  /** Fills host buffer `slot` with batch `b` of an epoch, given its order and augment stream. */
  #prepare(order: Uint32Array, b: number, slot: 0 | 1, rng: Prng | null): HostBatch {
    const { split } = this;
    const shape = this.imageShape;
    const per = shape[0] * shape[1] * shape[2];
    const start = b * this.batchSize;
    const size = Math.min(this.batchSize, split.count - start);
    const x = this.#buffers[slot];
    const y = this.#labels[slot];
    for (let i = 0; i < size; i++) {
      const src = order[start + i];
      const crop = rng ? drawCropFlip(rng, this.cropPadding) : undefined;
      writeImage(split.images, src * per, x, i * per, shape, this.#lut, crop, this.cropPadding);
      y[i] = split.labels[src];
    }
    return {
      x: size === this.batchSize || x.length === size * per ? x : x.subarray(0, size * per),
      y: y.length === size ? y : y.subarray(0, size),
      size,
      index: b,
    };
  }

  /** The epoch's order and augmentation stream, advanced past `startBatch` batches. */
  #streams(epoch: number, startBatch: number): { order: Uint32Array; rng: Prng | null } {
    const n = this.batchesPerEpoch;
    if (!Number.isInteger(startBatch) || startBatch < 0 || startBatch > n) {
      throw new RangeError(`start batch ${startBatch} is outside 0…${n} for this epoch`);
    }
    const rng = this.augment === "crop-flip" ? new Prng(mixSeed(this.seed, epoch, 1)) : null;
    if (rng) {
      const skipped = Math.min(startBatch * this.batchSize, this.split.count);
      for (let i = 0; i < skipped; i++) drawCropFlip(rng, this.cropPadding);
    }
    return { order: this.order(epoch), rng };
  }

  /**
   * The batches of epoch `e` as host arrays (no GPU needed), from batch `startBatch` on (the
   * skipped batches are not prepared, but the streams advance as if they were, so a run resumed
   * mid-epoch sees the same batches). The arrays are reused: each batch is valid until the one
   * after next is requested.
   */
  *hostEpoch(epoch: number, startBatch = 0): Generator<HostBatch> {
    const { order, rng } = this.#streams(epoch, startBatch);
    for (let b = startBatch; b < this.batchesPerEpoch; b++) {
      yield this.#prepare(order, b, (b & 1) as 0 | 1, rng);
    }
  }

  /**
   * The batches of epoch `e` as GPU tensors: x f32 `[B, C, H, W]` normalised, y u32 `[B]`,
   * from batch `startBatch` on (for resuming mid-epoch; `index` keeps counting from the start of
   * the epoch). See the class description for ownership and overlap.
   */
  *epoch(epoch: number, startBatch = 0): Generator<Batch> {
    const { order, rng } = this.#streams(epoch, startBatch);
    const n = this.batchesPerEpoch;
    if (startBatch >= n) return;
    const [C, H, W] = this.imageShape;
    let ready = this.#prepare(order, startBatch, (startBatch & 1) as 0 | 1, rng);
    for (let b = startBatch; b < n; b++) {
      const x = Tensor.from(ready.x, [ready.size, C, H, W], "f32");
      const y = Tensor.from(ready.y, [ready.size], "u32");
      yield* lendBatch({ x, y, size: ready.size, index: b }, () => {
        if (b + 1 < n) ready = this.#prepare(order, b + 1, ((b + 1) & 1) as 0 | 1, rng);
      });
    }
  }
}
