/**
 * The parameter-free "option A" shortcut of cResNet20: AvgPool2d(2), then zero channels on
 * each side.
 *
 * @module
 */
import { avgPool2d, padChannels, type Tensor } from "@ovsw/gpu";
import { Module } from "./module.ts";
import { checkInputShape, convOutSize } from "./_shape.ts";

/**
 * `AvgPool2d(2)` followed by `pad` zero channels before and after (16→32: 8 + 8).
 *
 * @example
 * ```ts
 * import { PadShortcut } from "@ovsw/layers";
 * console.log(new PadShortcut(8).outputShape([2, 16, 32, 32])); // [2, 32, 16, 16]
 * ```
 */
export class PadShortcut extends Module {
  /**
   * Creates the layer.
   *
   * @param pad zero channels added on each side
   */
  constructor(readonly pad: number) {
    super();
  }

  /** Pools and pads `x`. */
  forward(x: Tensor): Tensor {
    checkInputShape("PadShortcut", x.shape, 4);
    return padChannels(avgPool2d(x, { kernel: 2, stride: 2 }), this.pad, this.pad);
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    checkInputShape("PadShortcut", input, 4);
    return [
      input[0],
      input[1] + 2 * this.pad,
      convOutSize(input[2], 2, 2, 0),
      convOutSize(input[3], 2, 2, 0),
    ];
  }
}
