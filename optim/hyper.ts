/**
 * Evaluating a hyperparameter given as a number or a schedule (`Hyper`), for custom
 * transformations.
 *
 * @module
 */
import type { Hyper } from "./types.ts";

/**
 * The value of a hyperparameter at a step; checks that it is finite (and ≥ `min` when given).
 *
 * @example
 * ```ts
 * import { hyperAt } from "@ovsw/optim";
 * console.log(hyperAt((s) => 0.1 / (s + 1), 1, "learningRate")); // 0.05
 * ```
 */
export function hyperAt(h: Hyper, step: number, what: string, min = -Infinity): number {
  const v = typeof h === "number" ? h : h(step);
  if (typeof v !== "number" || !Number.isFinite(v) || v < min) {
    const kind = typeof h === "number" ? "" : ` (schedule at step ${step})`;
    throw new RangeError(
      `${what} must be a finite number${min > -Infinity ? ` ≥ ${min}` : ""}, got ${v}${kind}`,
    );
  }
  return v;
}
