/**
 * The flip statistics report (what `FlipCollector.report()` returns and `flips.json` holds).
 *
 * @module
 */

/** Histogram of initial weights with identical bins for all weights and never-flipped ones. */
export interface FlipHistogram {
  /** Lower edge of the first bin. */
  lo: number;
  /** Upper edge of the last bin. */
  hi: number;
  /** Number of bins between `lo` and `hi`. */
  bins: number;
  /** `bins + 1` bin edges, from `lo` to `hi`. */
  edges: number[];
  /** Counts of all weights' initial values per bin. */
  all: number[];
  /** Counts of never-flipped (silent) weights' initial values per bin. */
  silent: number[];
  /** Values below `lo` (and NaN). */
  underflow: { all: number; silent: number };
  /** Values at or above `hi`. */
  overflow: { all: number; silent: number };
}

/** Flip counts of one closed epoch. */
export interface EpochFlips {
  /** Epoch number, 1-based. */
  epoch: number;
  /** Optimizer steps recorded in the epoch. */
  steps: number;
  /** Sign changes summed over the epoch's steps. */
  flipEvents: number;
  /** `flipEvents / weights` (definition 1 of the per-epoch flip ratio). */
  flipRatio: number;
  /** Weights whose sign at the epoch's end differs from its start. */
  signChanged: number;
  /** `signChanged / weights` (definition 2 of the per-epoch flip ratio). */
  signChangeRatio: number;
}

/** Statistics shared by one layer and the overall summary. */
export interface FlipStats {
  /** Number of weights. */
  weights: number;
  /** Weights whose sign never changed at any recorded step since initialisation. */
  silent: number;
  /** `silent / weights`. */
  silentFraction: number;
  /** Weights whose current sign equals their initial sign. */
  sameSignAsInit: number;
  /** `sameSignAsInit / weights`. */
  sameSignFraction: number;
  /** Flip events since initialisation. */
  totalFlips: number;
  /** `totalFlips / weights`. */
  flipsPerWeight: number;
  /** Flip events of the most recent step. */
  lastStepFlips: number;
  /** Closed epochs, oldest first. */
  epochs: EpochFlips[];
  /** The epoch in progress (steps since the last `endEpoch()`). */
  openEpoch: { steps: number; flipEvents: number };
}

/** Statistics of one parameter tensor. */
export interface LayerFlipStats extends FlipStats {
  /** Parameter name, e.g. `layer1.0.conv1.weight`. */
  name: string;
  /** Tensor shape. */
  shape: number[];
  /** Mean of the initial weights. */
  initMean: number;
  /** Standard deviation (unbiased) of the initial weights. */
  initStd: number;
  /** Histograms of the initial weights. */
  histogram: FlipHistogram;
}

/**
 * The collector's report. `granularity: "step"` says flips are detected after every
 * optimizer step (not only at epoch boundaries).
 *
 * @example
 * ```ts
 * import type { FlipReport } from "@ovsw/metrics";
 * function silentPercent(r: FlipReport): string[] {
 *   return r.layers.map((l) => `${l.name}: ${(100 * l.silentFraction).toFixed(2)}%`);
 * }
 * ```
 */
export interface FlipReport {
  /** Format version. */
  version: 1;
  /** How often signs were compared. */
  granularity: "step";
  /** Optimizer steps recorded. */
  steps: number;
  /** Epochs closed. */
  epochs: number;
  /** Per-tensor statistics, in the collector's order. */
  layers: LayerFlipStats[];
  /** All tensors together. */
  overall: FlipStats;
}

/** Raw counts of one layer before the ratios are formed. */
export interface RawLayerCounts {
  /** Number of weights. */
  weights: number;
  /** Never-flipped weights. */
  silent: number;
  /** Weights with their initial sign now. */
  sameSignAsInit: number;
  /** Flip events since initialisation. */
  totalFlips: number;
  /** Flip events of the most recent step. */
  lastStepFlips: number;
  /** Flip events of the open epoch. */
  openFlipEvents: number;
  /** Per closed epoch: flip events and sign changes. */
  epochs: { flipEvents: number; signChanged: number }[];
}

/**
 * Forms the ratios of {@link FlipStats} from raw counts.
 *
 * @example
 * ```ts
 * import { flipStatsFrom } from "@ovsw/metrics";
 * const s = flipStatsFrom({
 *   weights: 4, silent: 3, sameSignAsInit: 3, totalFlips: 1, lastStepFlips: 0,
 *   openFlipEvents: 0, epochs: [{ flipEvents: 1, signChanged: 1 }],
 * }, [5], 0);
 * console.log(s.silentFraction); // 0.75
 * ```
 */
export function flipStatsFrom(
  raw: RawLayerCounts,
  epochSteps: readonly number[],
  openSteps: number,
): FlipStats {
  const n = raw.weights;
  const div = (a: number) => (n > 0 ? a / n : 0);
  return {
    weights: n,
    silent: raw.silent,
    silentFraction: div(raw.silent),
    sameSignAsInit: raw.sameSignAsInit,
    sameSignFraction: div(raw.sameSignAsInit),
    totalFlips: raw.totalFlips,
    flipsPerWeight: div(raw.totalFlips),
    lastStepFlips: raw.lastStepFlips,
    epochs: raw.epochs.map((e, i) => ({
      epoch: i + 1,
      steps: epochSteps[i] ?? 0,
      flipEvents: e.flipEvents,
      flipRatio: div(e.flipEvents),
      signChanged: e.signChanged,
      signChangeRatio: div(e.signChanged),
    })),
    openEpoch: { steps: openSteps, flipEvents: raw.openFlipEvents },
  };
}

/**
 * Sums raw counts over layers (for the overall summary).
 *
 * @example
 * ```ts
 * import { sumRawCounts } from "@ovsw/metrics";
 * const one = {
 *   weights: 2, silent: 1, sameSignAsInit: 1, totalFlips: 3, lastStepFlips: 1,
 *   openFlipEvents: 0, epochs: [],
 * };
 * console.log(sumRawCounts([one, one]).totalFlips); // 6
 * ```
 */
export function sumRawCounts(layers: readonly RawLayerCounts[]): RawLayerCounts {
  const epochs = Math.max(0, ...layers.map((l) => l.epochs.length));
  return {
    weights: layers.reduce((a, l) => a + l.weights, 0),
    silent: layers.reduce((a, l) => a + l.silent, 0),
    sameSignAsInit: layers.reduce((a, l) => a + l.sameSignAsInit, 0),
    totalFlips: layers.reduce((a, l) => a + l.totalFlips, 0),
    lastStepFlips: layers.reduce((a, l) => a + l.lastStepFlips, 0),
    openFlipEvents: layers.reduce((a, l) => a + l.openFlipEvents, 0),
    epochs: Array.from({ length: epochs }, (_, e) => ({
      flipEvents: layers.reduce((a, l) => a + (l.epochs[e]?.flipEvents ?? 0), 0),
      signChanged: layers.reduce((a, l) => a + (l.epochs[e]?.signChanged ?? 0), 0),
    })),
  };
}
