/**
 * ReActNet's RSign (liuzechun/ReActNet): the learnable per-channel shift (`LearnableBias`)
 * followed by `sign` with the ApproxSign backward.
 *
 * @module
 */
import { addChannel, type Tensor } from "@ovsw/gpu";
import { constantInit } from "@ovsw/init";
import { Module } from "../module.ts";
import { createParameter } from "../parameter.ts";
import { checkInputShape } from "../_shape.ts";
import { approxSign } from "./approx_sign.ts";

/**
 * RSign: `sign(x + b_c)` with the ApproxSign backward at `x + b` (`b` `[C]`, one shift per
 * channel of `x` `[N, C, ...]`). The bias gets the per-channel sum of the windowed gradient.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { rsign } from "@ovsw/layers";
 * await initGpu();
 * const y = rsign(Tensor.from([0.2, -0.1], [1, 2]), Tensor.from([-0.2, 0.3], [2]));
 * console.log(await y.read()); // [0, 1]
 * ```
 */
export function rsign(x: Tensor, bias: Tensor): Tensor {
  return approxSign(addChannel(x, bias));
}

/**
 * ReActNet's `LearnableBias`: `x + b_c` with `bias` `[C]` (tag `vector`, init 0; the official
 * code stores it `(1, C, 1, 1)`).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { LearnableBias } from "@ovsw/layers";
 * await initGpu();
 * console.log(new LearnableBias(8).namedParameters()[0][0]); // "bias"
 * ```
 */
export class LearnableBias extends Module {
  /**
   * Creates the layer.
   *
   * @param channels channels of the input (axis 1)
   */
  constructor(readonly channels: number) {
    super();
    this.registerParameter("bias", createParameter(constantInit([channels], 0), [channels]));
  }

  /** The shift `[C]`. */
  get bias(): Tensor {
    return this.param("bias");
  }

  /** `x + bias_c` on `[N, C, ...]`. */
  forward(x: Tensor): Tensor {
    checkInputShape(this.describe(), x.shape, [2, 3, 4], this.channels);
    return addChannel(x, this.bias);
  }

  /** e.g. `LearnableBias(64)`. */
  describe(): string {
    return `${this.typeName}(${this.channels})`;
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    checkInputShape(this.describe(), input, [2, 3, 4], this.channels);
    return [...input];
  }
}

/**
 * RSign as a layer: a {@link LearnableBias} (`bias` `[C]`, init 0) followed by the ApproxSign
 * binariser; see {@link rsign}. A method conv that binarises its own input (ApproxSign) after a
 * `LearnableBias` computes the same thing, which is how `ReActBlock` uses it.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { RSign } from "@ovsw/layers";
 * await initGpu();
 * console.log(await new RSign(2).forward(Tensor.from([0.5, -0.5], [1, 2])).read()); // [1, -1]
 * ```
 */
export class RSign extends LearnableBias {
  /** `sign(x + bias_c)`. */
  override forward(x: Tensor): Tensor {
    checkInputShape(this.describe(), x.shape, [2, 3, 4], this.channels);
    return rsign(x, this.bias);
  }
}
