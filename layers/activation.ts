/**
 * Parameter-free activations: Hardtanh and ReLU.
 *
 * @module
 */
import { hardtanh, relu, type Tensor } from "@ovsw/gpu";
import { Module } from "./module.ts";

/**
 * Clamp to [−1, 1]; the gradient passes only where −1 < x < 1 (strict, as PyTorch).
 *
 * @example
 * ```ts
 * import { Hardtanh } from "@ovsw/layers";
 * console.log(new Hardtanh().outputShape([2, 16, 8, 8])); // [2, 16, 8, 8]
 * ```
 */
export class Hardtanh extends Module {
  /** Applies hardtanh. */
  forward(x: Tensor): Tensor {
    return hardtanh(x);
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    return [...input];
  }
}

/**
 * Rectified linear unit.
 *
 * @example
 * ```ts
 * import { ReLU } from "@ovsw/layers";
 * console.log(new ReLU().outputShape([2, 10])); // [2, 10]
 * ```
 */
export class ReLU extends Module {
  /** Applies relu. */
  forward(x: Tensor): Tensor {
    return relu(x);
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    return [...input];
  }
}
