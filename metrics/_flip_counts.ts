/**
 * Raw per-layer flip counts and the ratios formed from them (the collector's internals).
 *
 * @module
 */
import type { FlipStats } from "./flip_stats.ts";

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
 * import { flipStatsFrom } from "./_flip_counts.ts";
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
 * import { sumRawCounts } from "./_flip_counts.ts";
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
