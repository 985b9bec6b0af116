/**
 * `Sequential`: children named `0`, `1`, … applied in order.
 *
 * @module
 */
import type { Tensor } from "@ovsw/gpu";
import { Module } from "./module.ts";

/**
 * Applies its children in order; they are named `0`, `1`, … as in `nn.Sequential`.
 *
 * @example
 * ```ts
 * import { Flatten, Hardtanh, Sequential } from "@ovsw/layers";
 * const s = new Sequential(new Hardtanh(), new Flatten());
 * console.log(s.outputShape([2, 3, 4, 4])); // [2, 48]
 * ```
 */
export class Sequential extends Module {
  readonly #layers: Module[];

  /**
   * Creates the layer.
   *
   * @param layers the children, in order
   */
  constructor(...layers: Module[]) {
    super();
    this.#layers = layers;
    layers.forEach((m, i) => this.registerModule(String(i), m));
  }

  /** The children, in order. */
  get layers(): readonly Module[] {
    return this.#layers;
  }

  /** Applies every child in turn. */
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.#layers) y = m.forward(y);
    return y;
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    let s = [...input];
    for (const m of this.#layers) s = m.outputShape(s);
    return s;
  }
}
