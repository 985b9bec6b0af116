/**
 * Float64 reference for softmax cross-entropy, argmax and top-k hits.
 *
 * @module
 */
import type { Nd } from "./nd.ts";

/** Mean softmax cross-entropy of `[N, K]` logits with label smoothing ε (PyTorch's). */
export function refCrossEntropy(logits: Nd, labels: ArrayLike<number>, smoothing = 0): number {
  const [n, k] = logits.shape;
  let total = 0;
  for (let r = 0; r < n; r++) {
    const row = logits.data.subarray(r * k, (r + 1) * k);
    const mx = Math.max(...row);
    const lse = mx + Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0));
    let loss = 0;
    for (let j = 0; j < k; j++) {
      const t = (j === labels[r] ? 1 - smoothing : 0) + smoothing / k;
      loss += t * (lse - row[j]);
    }
    total += loss;
  }
  return total / n;
}

/** Gradient of {@link refCrossEntropy} w.r.t. the logits, times the upstream scalar `g`. */
export function refCrossEntropyGrad(
  logits: Nd,
  labels: ArrayLike<number>,
  smoothing = 0,
  g = 1,
): Nd {
  const [n, k] = logits.shape;
  const out = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    const row = logits.data.subarray(r * k, (r + 1) * k);
    const mx = Math.max(...row);
    const se = row.reduce((a, v) => a + Math.exp(v - mx), 0);
    for (let j = 0; j < k; j++) {
      const t = (j === labels[r] ? 1 - smoothing : 0) + smoothing / k;
      out[r * k + j] = (g * (Math.exp(row[j] - mx) / se - t)) / n;
    }
  }
  return { data: out, shape: [n, k] };
}

/** First index of the row maximum. */
export function refArgmax(x: Nd): number[] {
  const [n, k] = x.shape;
  const out: number[] = [];
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (x.data[r * k + j] > x.data[r * k + best]) best = j;
    out.push(best);
  }
  return out;
}

/** Rows whose label ranks below `top` (ties towards the lower index). */
export function refTopkCorrect(x: Nd, labels: ArrayLike<number>, top: number): number {
  const [n, k] = x.shape;
  let hits = 0;
  for (let r = 0; r < n; r++) {
    const y = labels[r];
    if (y >= k) continue;
    const v = x.data[r * k + y];
    let rank = 0;
    for (let j = 0; j < k; j++) {
      const u = x.data[r * k + j];
      if (u > v || (u === v && j < y)) rank++;
    }
    if (rank < top) hits++;
  }
  return hits;
}
