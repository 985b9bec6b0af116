/**
 * PReLU with one learned slope per channel (`nn.PReLU(num_parameters)`, init 0.25).
 *
 * @module
 */
import { prelu, type Tensor } from "@ovsw/gpu";
import { constantInit } from "@ovsw/init";
import { Module } from "./module.ts";
import { createParameter } from "./parameter.ts";
import { checkInputShape } from "./_shape.ts";

/**
 * `max(0, x) + a_c·min(0, x)` with the slope `weight` `[C]` (tag `vector`).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { PReLU } from "@ovsw/layers";
 * await initGpu();
 * const act = new PReLU(512);
 * console.log(act.namedParameters()[0][0]); // "weight"
 * ```
 */
export class PReLU extends Module {
  /**
   * Creates the layer.
   *
   * @param numParameters channels (1 shares one slope)
   * @param init initial slope (default 0.25)
   */
  constructor(readonly numParameters: number, init = 0.25) {
    super();
    const s = [numParameters];
    this.registerParameter("weight", createParameter(constantInit(s, init), s));
  }

  /** The slopes. */
  get weight(): Tensor {
    return this.param("weight");
  }

  /** Applies the activation to `[N, C, ...]`. */
  forward(x: Tensor): Tensor {
    checkInputShape(`PReLU(${this.numParameters})`, x.shape, [2, 3, 4], this.numParameters);
    return prelu(x, this.weight);
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    checkInputShape(`PReLU(${this.numParameters})`, input, [2, 3, 4], this.numParameters);
    return [...input];
  }
}
