/**
 * Random test inputs for the BNN methods: normal values with exact zeros and exact window
 * boundaries (±1) mixed in.
 *
 * @module
 */
import type { Prng } from "@ovsw/init";

/** Normal(0, std) values where about 10% are exactly 0 and 10% exactly one of `edges`. */
export function withEdges(n: number, rng: Prng, std = 1, edges: number[] = [-1, 1]): Float32Array {
  const v = rng.normalArray(n, 0, std);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    if (u < 0.1) v[i] = 0;
    else if (u < 0.2) v[i] = edges[Math.floor(rng.uniform() * edges.length)];
  }
  return v;
}
