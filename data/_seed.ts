/**
 * Seed mixing shared by the loaders: one 32-bit seed per (seed, epoch, stream) triple.
 *
 * @module
 */
import { Prng } from "@ovsw/init";

/**
 * A 32-bit seed for one (seed, epoch, stream) triple. Stream 0 is the epoch's shuffle, stream 1
 * the in-memory loader's augmentation stream, stream `2 + i` the image folder's draws for image
 * `i`.
 *
 * @example
 * ```ts
 * import { mixSeed } from "./_seed.ts";
 * console.log(mixSeed(1, 0, 0) === mixSeed(1, 0, 0), mixSeed(1, 0, 0) !== mixSeed(1, 1, 0));
 * ```
 */
export function mixSeed(seed: number, epoch: number, stream: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13) ^ (epoch >>> 0), 0xc2b2ae35) >>> 0;
  h = Math.imul(h ^ (h >>> 16) ^ Math.imul(stream + 1, 0x27d4eb2f), 0x165667b1) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * The order in which an epoch visits `count` items: identity, or a Fisher–Yates shuffle seeded
 * by (seed, epoch, stream 0).
 *
 * @example
 * ```ts
 * import { epochOrder } from "./_seed.ts";
 * console.log(epochOrder(3, false, 0, 0)); // Uint32Array(3) [ 0, 1, 2 ]
 * ```
 */
export function epochOrder(
  count: number,
  shuffle: boolean,
  seed: number,
  epoch: number,
): Uint32Array {
  const idx = new Uint32Array(count);
  for (let i = 0; i < count; i++) idx[i] = i;
  if (shuffle) new Prng(mixSeed(seed, epoch, 0)).shuffle(idx);
  return idx;
}
