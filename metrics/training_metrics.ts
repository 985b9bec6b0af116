/**
 * Training/evaluation metrics accumulated on the GPU and read back only every N steps.
 *
 * @module
 */
import { f32, keep, runKernel, Tensor, writeInOrder } from "@ovsw/gpu";
import { METRICS_COLUMNS, type MetricsRow } from "./metrics_row.ts";

const ACCUMULATE = `struct P { batch: f32, has1: u32, has5: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> loss: array<f32>;
@group(0) @binding(2) var<storage, read> c1: array<f32>;
@group(0) @binding(3) var<storage, read> c5: array<f32>;
@group(0) @binding(4) var<storage, read_write> acc: array<f32>;
@compute @workgroup_size(1) fn main() {
  acc[0] += loss[0] * p.batch;
  if (p.has1 != 0u) { acc[1] += c1[0]; }
  if (p.has5 != 0u) { acc[2] += c5[0]; }
  acc[3] += p.batch;
}`;

/** What one training or evaluation batch contributes. */
export interface BatchMetrics {
  /** The batch's mean loss (a one-element tensor). */
  loss: Tensor;
  /** Samples in the batch. */
  batchSize: number;
  /** Count of top-1 correct samples (one-element f32), e.g. from `topkCorrect(logits, y, 1)`. */
  top1?: Tensor;
  /** Count of top-5 correct samples (one-element f32). */
  top5?: Tensor;
}

/** Values known on the host when a row is produced. */
export interface MetricsContext {
  /** Epoch, 1-based. */
  epoch: number;
  /** Learning rate in effect. */
  lr?: number;
  /** Optimizer diagnostics; a tensor is summarised by the mean of its elements. */
  diagnostics?: Record<string, Tensor | number>;
  /** Overrides the global step count written to the row. */
  step?: number;
}

/** Options of {@link TrainingMetrics}. */
export interface TrainingMetricsOptions {
  /** `kind` of the epoch rows: `"train"` (default) or `"test"`. */
  kind?: "train" | "test";
  /** Steps between `"step"` rows; {@link TrainingMetrics.due} turns true then (default 50). */
  logEvery?: number;
}

interface Sums {
  loss: number;
  top1: number;
  top5: number;
  samples: number;
  has1: boolean;
  has5: boolean;
}

const emptySums = (): Sums => ({
  loss: 0,
  top1: 0,
  top5: 0,
  samples: 0,
  has1: false,
  has5: false,
});

/**
 * Accumulates loss sums, top-1/top-5 correct counts and sample counts in a small kept GPU
 * tensor (one kernel per batch, no readback). {@link TrainingMetrics.log} and
 * {@link TrainingMetrics.endEpoch} read the window back, fold it into float64 totals on the
 * host, zero the accumulator and return a row with learning rate, images/s and diagnostics.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { TrainingMetrics } from "@ovsw/metrics";
 * await initGpu();
 * const m = new TrainingMetrics({ logEvery: 2 });
 * m.add({ loss: Tensor.from([0.7], [1]), top1: Tensor.from([3], [1]), batchSize: 4 });
 * m.add({ loss: Tensor.from([0.5], [1]), top1: Tensor.from([4], [1]), batchSize: 4 });
 * if (m.due) console.log(await m.log({ epoch: 1, lr: 0.1 })); // loss 0.6, top1 0.875
 * console.log((await m.endEpoch({ epoch: 1 })).samples); // 8
 * m.dispose();
 * ```
 */
export class TrainingMetrics {
  readonly #acc: Tensor;
  readonly #dummy: Tensor;
  readonly #kind: "train" | "test";
  readonly #logEvery: number;
  readonly #t0 = performance.now();
  #steps = 0;
  #windowSteps = 0;
  #window: Sums = emptySums();
  #epoch: Sums = emptySums();
  #windowStart = performance.now();
  #epochStart = performance.now();
  #disposed = false;

  /**
   * Creates the (zeroed) accumulator.
   *
   * @param options epoch row kind and log interval
   */
  constructor(options: TrainingMetricsOptions = {}) {
    this.#kind = options.kind ?? "train";
    this.#logEvery = options.logEvery ?? 50;
    if (this.#kind !== "train" && this.#kind !== "test") {
      throw new RangeError(`TrainingMetrics: kind must be "train" or "test", got ${this.#kind}`);
    }
    if (!(this.#logEvery >= 1)) {
      throw new RangeError(`TrainingMetrics: logEvery must be >= 1, got ${this.#logEvery}`);
    }
    this.#acc = keep(Tensor.zeros([4]));
    this.#dummy = keep(Tensor.zeros([1]));
  }

  /** Global steps (batches) added so far. */
  get steps(): number {
    return this.#steps;
  }

  /** Whether `logEvery` batches were added since the last row. */
  get due(): boolean {
    return this.#windowSteps >= this.#logEvery;
  }

  /** Adds one batch: one kernel, no readback. */
  add(b: BatchMetrics): void {
    if (this.#disposed) throw new Error("TrainingMetrics: used after dispose()");
    for (const [k, t] of [["loss", b.loss], ["top1", b.top1], ["top5", b.top5]] as const) {
      if (t && (t.size !== 1 || t.dtype !== "f32")) {
        throw new RangeError(
          `TrainingMetrics.add: ${k} must be a one-element f32 tensor, got ${t} `,
        );
      }
    }
    if (!Number.isInteger(b.batchSize) || b.batchSize < 1) {
      throw new RangeError(`TrainingMetrics.add: batchSize must be a positive integer`);
    }
    runKernel({
      name: "metrics_accumulate",
      code: ACCUMULATE,
      inputs: [b.loss, b.top1 ?? this.#dummy, b.top5 ?? this.#dummy],
      outputs: [this.#acc],
      uniforms: [f32(b.batchSize), b.top1 ? 1 : 0, b.top5 ? 1 : 0],
      workgroups: [1],
    });
    this.#window.has1 ||= b.top1 !== undefined;
    this.#window.has5 ||= b.top5 !== undefined;
    this.#window.samples += b.batchSize;
    this.#steps++;
    this.#windowSteps++;
  }

  /** Reads the window back and returns a `"step"` row over the batches since the last row. */
  async log(ctx: MetricsContext): Promise<MetricsRow> {
    const now = performance.now();
    const secs = (now - this.#windowStart) / 1000;
    this.#windowStart = now;
    const { sums, diags } = await this.#drain(ctx);
    return this.#row("step", ctx, sums, secs, diags);
  }

  /**
   * Reads the remaining window back and returns the epoch's row (kind `"train"` or `"test"`)
   * over every batch since the previous `endEpoch()`; starts a new epoch.
   */
  async endEpoch(ctx: MetricsContext): Promise<MetricsRow> {
    const now = performance.now();
    const secs = (now - this.#epochStart) / 1000;
    this.#epochStart = now;
    this.#windowStart = now;
    const { diags } = await this.#drain(ctx);
    const sums = this.#epoch;
    this.#epoch = emptySums();
    return this.#row(this.#kind, ctx, sums, secs, diags);
  }

  /** Frees the accumulator. */
  dispose(): void {
    this.#disposed = true;
    this.#acc.dispose();
    this.#dummy.dispose();
  }

  async #drain(ctx: MetricsContext): Promise<{ sums: Sums; diags: Record<string, number> }> {
    if (this.#disposed) throw new Error("TrainingMetrics: used after dispose()");
    const entries = Object.entries(ctx.diagnostics ?? {});
    for (const [k, v] of entries) {
      if (METRICS_COLUMNS.includes(k)) {
        throw new Error(`TrainingMetrics: diagnostic "${k}" clashes with a standard column`);
      }
      if (typeof v !== "number" && v.dtype !== "f32") {
        throw new TypeError(`TrainingMetrics: diagnostic ${k} is ${v.dtype}, expected f32`);
      }
    }
    const window = this.#window;
    this.#window = emptySums();
    this.#windowSteps = 0;
    const read = this.#acc.read();
    writeInOrder(this.#acc.buffer, new Float32Array(4));
    const diagReads = entries.map(([k, v]) => {
      if (typeof v === "number") return Promise.resolve([k, v] as const);
      return v.read().then((d) => [k, d.reduce((a, x) => a + x, 0) / Math.max(1, d.length)]);
    });
    const a = await read;
    const diags: Record<string, number> = {};
    for (const [k, v] of await Promise.all(diagReads)) diags[k] = v as number;
    const sums: Sums = {
      loss: a[0],
      top1: a[1],
      top5: a[2],
      samples: a[3],
      has1: window.has1,
      has5: window.has5,
    };
    if (sums.samples !== window.samples) {
      throw new Error(
        `TrainingMetrics: GPU counted ${sums.samples} samples, host ${window.samples}`,
      );
    }
    const e = this.#epoch;
    e.loss += sums.loss;
    e.top1 += sums.top1;
    e.top5 += sums.top5;
    e.samples += sums.samples;
    e.has1 ||= sums.has1;
    e.has5 ||= sums.has5;
    return { sums, diags };
  }

  #row(
    kind: string,
    ctx: MetricsContext,
    s: Sums,
    secs: number,
    diags: Record<string, number>,
  ): MetricsRow {
    const n = s.samples;
    return {
      kind,
      epoch: ctx.epoch,
      step: ctx.step ?? this.#steps,
      samples: n,
      loss: n > 0 ? s.loss / n : null,
      top1: n > 0 && s.has1 ? s.top1 / n : null,
      top5: n > 0 && s.has5 ? s.top5 / n : null,
      lr: ctx.lr ?? null,
      imagesPerSec: secs > 0 && n > 0 ? n / secs : null,
      timeSec: (performance.now() - this.#t0) / 1000,
      ...diags,
    };
  }
}
