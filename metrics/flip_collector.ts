/**
 * The flip-statistics collector: measures on the GPU, without per-step readbacks, how often the
 * latent weights of a BNN change sign and which never do ("silent weights", docs/method.md §7).
 *
 * @module
 */
import { keep, shapeStr, Tensor, writeInOrder } from "@ovsw/gpu";
import { recordCopy } from "@ovsw/gpu/internal";
import {
  epochKernel,
  initKernel,
  MAX_BINS,
  momentsKernel,
  multiStepKernel,
  reportKernel,
  reportWords,
} from "./_flip_kernels.ts";
import { flipStatsFrom, type RawLayerCounts, sumRawCounts } from "./_flip_counts.ts";
import type { FlipReport, LayerFlipStats } from "./flip_stats.ts";

/** Options of {@link FlipCollector}. */
export interface FlipCollectorOptions {
  /** Which tensors to watch; default: those with `tag === "binary"`. */
  select?: (name: string, t: Tensor) => boolean;
  /** Histogram bins (default 60, at most 500). */
  bins?: number;
  /** Histogram half-range in units of the layer's initial std (default 4). */
  rangeStd?: number;
}

/** Serialisable collector state (for checkpoints); typed arrays hold the per-weight data. */
export interface FlipCollectorState {
  /** Format version. */
  version: 1;
  /** Steps recorded in total. */
  steps: number;
  /** Steps recorded since the last `endEpoch()`. */
  stepsInEpoch: number;
  /** Steps of each closed epoch. */
  epochSteps: number[];
  /** Per tensor, by parameter name. */
  layers: Record<string, {
    shape: number[];
    /** Initial weights. */
    init: Float32Array;
    /** Packed per-weight state (see `_flip_kernels.ts`). */
    state: Uint32Array;
    /** `[epochEventsLo, epochEventsHi, stepSlot0, stepSlot1]`. */
    counters: Uint32Array;
    /** Per closed epoch `[flipEvents, signChanged]`. */
    epochs: [number, number][];
  }>;
}

interface Layer {
  name: string;
  w: Tensor;
  init: Tensor;
  state: Tensor;
  counters: Tensor;
  history: Tensor;
  moments: Tensor | null;
  mean: number;
  std: number;
  closed: { flipEvents: number; signChanged: number }[];
}

const ROW = 4;
const START_ROWS = 16;

/**
 * Watches parameter tensors and records sign flips after every optimizer step: one kernel per
 * tensor in {@link FlipCollector.step}, no readback until {@link FlipCollector.report}.
 * State per weight: the initial value (f32) and one packed u32 (previous sign, epoch-start
 * sign, ever-flipped flag, flip count). `sign(0) = 0`, so a move to or from an exact zero
 * counts as a flip. All state tensors are `keep`-ed; memory stays flat while training.
 *
 * Do not record steps while a `report()` or `serialize()` is pending (await them).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { FlipCollector } from "@ovsw/metrics";
 * await initGpu();
 * const w = Tensor.from([0.5, -0.2, 0.1], [3]);
 * w.tag = "binary";
 * const flips = new FlipCollector({ "conv.weight": w });
 * // ... after each optimizer step:
 * flips.step();
 * flips.endEpoch();
 * const report = await flips.report();
 * console.log(report.layers[0].silentFraction); // 1
 * flips.dispose();
 * ```
 */
export class FlipCollector {
  readonly #layers: Layer[];
  readonly #bins: number;
  readonly #rangeStd: number;
  #steps = 0;
  #stepsInEpoch = 0;
  #epochSteps: number[] = [];
  #pendingRows = 0;
  #capacity = START_ROWS;
  #disposed = false;

  /**
   * Snapshots the selected tensors' current values as the initial weights.
   *
   * @param params named parameters (e.g. `Object.fromEntries(model.namedParameters())`)
   * @param options selection and histogram settings
   */
  constructor(params: Record<string, Tensor>, options: FlipCollectorOptions = {}) {
    const select = options.select ?? ((_: string, t: Tensor) => t.tag === "binary");
    this.#bins = options.bins ?? 60;
    this.#rangeStd = options.rangeStd ?? 4;
    if (!Number.isInteger(this.#bins) || this.#bins < 1 || this.#bins > MAX_BINS) {
      throw new RangeError(
        `FlipCollector: bins must be an integer in 1..${MAX_BINS}, got ${this.#bins}`,
      );
    }
    if (!(this.#rangeStd > 0) || !Number.isFinite(this.#rangeStd)) {
      throw new RangeError(`FlipCollector: rangeStd must be > 0, got ${this.#rangeStd}`);
    }
    const chosen = Object.entries(params).filter(([name, t]) => select(name, t));
    if (chosen.length === 0) {
      const n = Object.keys(params).length;
      throw new Error(
        `FlipCollector: none of the ${n} parameters was selected ` +
          `(default selection: tag === "binary"); pass options.select`,
      );
    }
    this.#layers = chosen.map(([name, w]) => {
      if (w.dtype !== "f32") {
        throw new TypeError(`FlipCollector: parameter ${name} is ${w.dtype}, expected f32`);
      }
      if (w.disposed) throw new Error(`FlipCollector: parameter ${name} is disposed`);
      return {
        name,
        w,
        init: keep(Tensor.empty(w.shape)),
        state: keep(Tensor.empty(w.shape, "u32")),
        counters: keep(Tensor.zeros([4], "u32")),
        history: keep(Tensor.zeros([START_ROWS * ROW], "u32")),
        moments: null,
        mean: NaN,
        std: NaN,
        closed: [],
      };
    });
    for (const l of this.#layers) {
      initKernel(l.w, l.init, l.state);
      this.#startMoments(l);
    }
  }

  /** Names of the watched tensors, in report order. */
  get names(): string[] {
    return this.#layers.map((l) => l.name);
  }

  /** Steps recorded so far. */
  get steps(): number {
    return this.#steps;
  }

  /** Epochs closed so far. */
  get epochs(): number {
    return this.#epochSteps.length;
  }

  /** Records one optimizer step: one kernel per tensor, no readback. */
  step(): void {
    this.#check();
    const parity = this.#steps & 1;
    multiStepKernel(this.#layers, parity);
    this.#steps++;
    this.#stepsInEpoch++;
  }

  /** Closes the epoch on the GPU: both per-epoch flip ratios are kept for the report. */
  endEpoch(): void {
    this.#check();
    if (this.#pendingRows === this.#capacity) this.#grow();
    for (const l of this.#layers) {
      epochKernel(l.state, l.counters, l.history, this.#pendingRows * ROW);
    }
    this.#pendingRows++;
    this.#epochSteps.push(this.#stepsInEpoch);
    this.#stepsInEpoch = 0;
  }

  /** Reads the statistics back (a few small readbacks per tensor, run concurrently). */
  async report(): Promise<FlipReport> {
    this.#check();
    await this.#ensureMoments();
    const drained = this.#drainHistory();
    const bins = this.#bins;
    const words = reportWords(bins);
    const jobs = this.#layers.map((l) => {
      const half = this.#rangeStd * l.std;
      const lo = Math.fround(-half);
      const scale = Math.fround(bins / (2 * half));
      const out = Tensor.zeros([words], "u32");
      reportKernel(l.init, l.state, out, bins, lo, scale);
      const read = out.readU32();
      const counters = l.counters.readU32();
      out.dispose();
      return { lo, hi: half, read, counters };
    });
    const steps = this.#steps;
    const openSteps = this.#stepsInEpoch;
    const epochSteps = [...this.#epochSteps];
    const layers: LayerFlipStats[] = [];
    const raws: RawLayerCounts[] = [];
    await drained;
    for (let i = 0; i < this.#layers.length; i++) {
      const l = this.#layers[i];
      const job = jobs[i];
      const r = await job.read;
      const c = await job.counters;
      const raw: RawLayerCounts = {
        weights: l.w.size,
        silent: r[0],
        sameSignAsInit: r[1],
        totalFlips: r[2] + r[3] * 2 ** 32,
        lastStepFlips: steps > 0 ? c[2 + ((steps - 1) & 1)] : 0,
        openFlipEvents: c[0] + c[1] * 2 ** 32,
        epochs: l.closed.map((e) => ({ ...e })),
      };
      raws.push(raw);
      const nb = bins + 2;
      const all = Array.from(r.subarray(6, 6 + nb));
      const silent = Array.from(r.subarray(6 + nb, 6 + 2 * nb));
      layers.push({
        name: l.name,
        shape: [...l.w.shape],
        initMean: l.mean,
        initStd: l.std,
        ...flipStatsFrom(raw, epochSteps, openSteps),
        histogram: {
          lo: job.lo,
          hi: job.hi,
          bins,
          edges: Array.from({ length: bins + 1 }, (_, k) => -job.hi + (2 * job.hi * k) / bins),
          all: all.slice(1, bins + 1),
          silent: silent.slice(1, bins + 1),
          underflow: { all: all[0], silent: silent[0] },
          overflow: { all: all[bins + 1], silent: silent[bins + 1] },
        },
      });
    }
    return {
      version: 1,
      granularity: "step",
      steps,
      epochs: epochSteps.length,
      layers,
      overall: flipStatsFrom(sumRawCounts(raws), epochSteps, openSteps),
    };
  }

  /** Reads the whole state back as plain data (for a checkpoint). */
  async serialize(): Promise<FlipCollectorState> {
    this.#check();
    const drained = this.#drainHistory();
    const reads = this.#layers.map((l) => ({
      init: l.init.read(),
      state: l.state.readU32(),
      counters: l.counters.readU32(),
    }));
    const out: FlipCollectorState = {
      version: 1,
      steps: this.#steps,
      stepsInEpoch: this.#stepsInEpoch,
      epochSteps: [...this.#epochSteps],
      layers: {},
    };
    await drained;
    for (let i = 0; i < this.#layers.length; i++) {
      const l = this.#layers[i];
      out.layers[l.name] = {
        shape: [...l.w.shape],
        init: await reads[i].init,
        state: await reads[i].state,
        counters: await reads[i].counters,
        epochs: l.closed.map((e) => [e.flipEvents, e.signChanged]),
      };
    }
    return out;
  }

  /**
   * Restores a state from {@link FlipCollector.serialize} (same tensor names and shapes).
   * Throws naming the tensor at fault otherwise.
   */
  restore(state: FlipCollectorState): void {
    this.#check();
    if (state?.version !== 1) {
      throw new Error(`FlipCollector.restore: unknown state version ${state?.version}`);
    }
    const names = Object.keys(state.layers ?? {});
    const missing = this.names.filter((n) => !names.includes(n));
    const extra = names.filter((n) => !this.names.includes(n));
    if (missing.length > 0 || extra.length > 0) {
      throw new Error(
        `FlipCollector.restore: tensors differ (missing: ${missing.join(", ") || "none"}; ` +
          `unexpected: ${extra.join(", ") || "none"})`,
      );
    }
    const epochs = state.epochSteps.length;
    for (const l of this.#layers) {
      const s = state.layers[l.name];
      const shape = s.shape.join(",");
      if (shape !== l.w.shape.join(",")) {
        throw new Error(
          `FlipCollector.restore: ${l.name} has shape ${shapeStr(s.shape)} in the state, ` +
            `${shapeStr(l.w.shape)} in the model`,
        );
      }
      if (
        s.init.length !== l.w.size || s.state.length !== l.w.size || s.counters.length !== 4 ||
        s.epochs.length !== epochs
      ) {
        throw new Error(`FlipCollector.restore: ${l.name}: array lengths do not match`);
      }
    }
    for (const l of this.#layers) {
      const s = state.layers[l.name];
      writeInOrder(l.init.buffer, Float32Array.from(s.init));
      writeInOrder(l.state.buffer, Uint32Array.from(s.state));
      writeInOrder(l.counters.buffer, Uint32Array.from(s.counters));
      l.closed = s.epochs.map(([flipEvents, signChanged]) => ({ flipEvents, signChanged }));
      l.history.dispose();
      l.history = keep(Tensor.zeros([START_ROWS * ROW], "u32"));
      l.moments?.dispose();
      this.#startMoments(l);
    }
    this.#capacity = START_ROWS;
    this.#pendingRows = 0;
    this.#steps = state.steps;
    this.#stepsInEpoch = state.stepsInEpoch;
    this.#epochSteps = [...state.epochSteps];
  }

  /** Frees every state tensor. The watched parameters are not touched. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const l of this.#layers) {
      l.init.dispose();
      l.state.dispose();
      l.counters.dispose();
      l.history.dispose();
      l.moments?.dispose();
    }
  }

  #check(): void {
    if (this.#disposed) throw new Error("FlipCollector: used after dispose()");
  }

  #startMoments(l: Layer): void {
    l.moments = keep(Tensor.empty([512]));
    momentsKernel(l.init, l.moments);
    l.mean = NaN;
    l.std = NaN;
  }

  async #ensureMoments(): Promise<void> {
    const pending = this.#layers.filter((l) => l.moments !== null);
    if (pending.length === 0) return;
    const reads = pending.map((l) => l.moments!.read());
    for (let i = 0; i < pending.length; i++) {
      const l = pending[i];
      const m = await reads[i];
      l.moments!.dispose();
      l.moments = null;
      let s = 0;
      let s2 = 0;
      for (let k = 0; k < 256; k++) {
        s += m[k];
        s2 += m[256 + k];
      }
      const n = l.w.size;
      l.mean = s / n;
      l.std = n > 1 ? Math.sqrt(Math.max(0, (s2 - n * l.mean * l.mean) / (n - 1))) : 0;
      if (!Number.isFinite(l.mean) || !Number.isFinite(l.std)) {
        throw new Error(`FlipCollector: the initial weights of ${l.name} contain NaN or Inf`);
      }
      if (l.std === 0) l.std = Math.max(Math.abs(l.mean), 1e-12);
    }
  }

  /** Starts reading the pending epoch rows; resets the GPU history. */
  #drainHistory(): Promise<void> {
    const rows = this.#pendingRows;
    if (rows === 0) return Promise.resolve();
    const reads = this.#layers.map((l) => {
      const p = l.history.readU32();
      l.history.dispose();
      l.history = keep(Tensor.zeros([this.#capacity * ROW], "u32"));
      return p;
    });
    this.#pendingRows = 0;
    const layers = this.#layers;
    return (async () => {
      for (let i = 0; i < layers.length; i++) {
        const h = await reads[i];
        for (let r = 0; r < rows; r++) {
          layers[i].closed.push({
            flipEvents: h[r * ROW] + h[r * ROW + 1] * 2 ** 32,
            signChanged: h[r * ROW + 2],
          });
        }
      }
    })();
  }

  #grow(): void {
    const cap = this.#capacity * 2;
    for (const l of this.#layers) {
      const bigger = keep(Tensor.zeros([cap * ROW], "u32"));
      recordCopy(l.history.buffer, bigger.buffer, l.history.bytes);
      l.history.dispose();
      l.history = bigger;
    }
    this.#capacity = cap;
  }
}
