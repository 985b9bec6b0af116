/**
 * ReActNet's RPReLU (liuzechun/ReActNet): `PReLU_β(x + γ) + ζ` with per-channel γ, β, ζ.
 *
 * @module
 */
import { addChannel, prelu, type Tensor } from "@ovsw/gpu";
import { constantInit } from "@ovsw/init";
import { Module } from "../module.ts";
import { createParameter } from "../parameter.ts";
import { checkInputShape } from "../_shape.ts";

/**
 * RPReLU: `PReLU_β(x + γ) + ζ` with per-channel `γ`, `β`, `ζ` (each `[C]`), composed from
 * autograd ops so every input gets its gradient.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { rprelu } from "@ovsw/layers";
 * await initGpu();
 * const c = (v: number) => Tensor.from([v], [1]);
 * console.log(await rprelu(Tensor.from([-1, 1], [2, 1]), c(0), c(0.25), c(0.5)).read()); // [0.25, 1.5]
 * ```
 */
export function rprelu(x: Tensor, gamma: Tensor, beta: Tensor, zeta: Tensor): Tensor {
  return addChannel(prelu(addChannel(x, gamma), beta), zeta);
}

/**
 * RPReLU as a layer: parameters `gamma` (shift in, init 0), `beta` (PReLU slope, init 0.25)
 * and `zeta` (shift out, init 0), each `[C]` tag `vector`; see {@link rprelu}. (The official
 * blocks spell it as three modules `move1`, `prelu`, `move2`; `ReActBlock` keeps those
 * names.)
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { RPReLU } from "@ovsw/layers";
 * await initGpu();
 * console.log(new RPReLU(4).namedParameters().map(([n]) => n)); // ["gamma", "beta", "zeta"]
 * ```
 */
export class RPReLU extends Module {
  /**
   * Creates the layer.
   *
   * @param channels channels of the input (axis 1)
   */
  constructor(readonly channels: number) {
    super();
    const s = [channels];
    this.registerParameter("gamma", createParameter(constantInit(s, 0), s));
    this.registerParameter("beta", createParameter(constantInit(s, 0.25), s));
    this.registerParameter("zeta", createParameter(constantInit(s, 0), s));
  }

  /** `PReLU_β(x + γ) + ζ` on `[N, C, ...]`. */
  forward(x: Tensor): Tensor {
    checkInputShape(this.describe(), x.shape, [2, 3, 4], this.channels);
    return rprelu(x, this.param("gamma"), this.param("beta"), this.param("zeta"));
  }

  /** e.g. `RPReLU(64)`. */
  describe(): string {
    return `${this.typeName}(${this.channels})`;
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    checkInputShape(this.describe(), input, [2, 3, 4], this.channels);
    return [...input];
  }
}
