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
