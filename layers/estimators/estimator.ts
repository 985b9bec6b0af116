/**
 * The estimator interface: a sign-like forward and a surrogate backward, both as WGSL
 * expressions so they can be fused into the binary layers' kernels.
 *
 * @module
 */

/**
 * A quantiser with a straight-through (surrogate) gradient.
 *
 * Expressions see `x` (the input element, f32), `m` (the mean |x| of its row, i.e. over all
 * dimensions but the first: the output channel of a weight) and, for `backward`, `g` (the
 * gradient of the output element).
 *
 * @example
 * ```ts
 * import type { Estimator } from "@ovsw/layers";
 * // A new estimator is one small file:
 * export const clipped2: Estimator = {
 *   name: "clipped2",
 *   description: "sign forward, gradient passes where |x| < 2",
 *   forward: "sign(x)",
 *   backward: "select(0.0, g, abs(x) < 2.0)",
 *   usesRowMeanAbs: false,
 *   signForward: true,
 * };
 * ```
 */
export interface Estimator {
  /** Registry name, e.g. `ste`. */
  readonly name: string;
  /** One line for help texts. */
  readonly description: string;
  /** WGSL expression of the forward value. */
  readonly forward: string;
  /** WGSL expression of the input gradient (linear in `g`). */
  readonly backward: string;
  /** Whether the expressions use `m` (then the row statistics are computed). */
  readonly usesRowMeanAbs: boolean;
  /**
   * Whether `forward` is exactly `sign(x)` (values −1, 0, +1, sign(0) = 0). Only such weight
   * estimators give ±α binary weights, so only they may run the bit-packed XNOR forward and
   * grad-input kernels (see `binaryConvKernels` in `@ovsw/gpu`); the others take the float path.
   */
  readonly signForward: boolean;
}
