/**
 * Fan-in/fan-out and gains, computed exactly as PyTorch's `torch.nn.init` does.
 *
 * @module
 */

/** Which fan a Kaiming initialiser preserves: forward (`fan_in`) or backward (`fan_out`). */
export type FanMode = "fan_in" | "fan_out";

/** Non-linearities understood by {@link calculateGain}. */
export type Nonlinearity =
  | "linear"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu";

/**
 * Fan-in and fan-out of a weight shape (`[out, in, ...kernel]`), as PyTorch's
 * `_calculate_fan_in_and_fan_out`: `fanIn = in·∏kernel`, `fanOut = out·∏kernel`.
 *
 * @example
 * ```ts
 * import { computeFans } from "@ovsw/init";
 * console.log(computeFans([64, 16, 3, 3])); // { fanIn: 144, fanOut: 576 }
 * ```
 */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) {
    throw new RangeError(
      `fan-in/fan-out need a weight with at least 2 dimensions, got shape [${shape.join(", ")}]`,
    );
  }
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i];
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/**
 * The fan chosen by `mode`.
 *
 * @example
 * ```ts
 * import { correctFan } from "@ovsw/init";
 * console.log(correctFan([64, 16, 3, 3], "fan_out")); // 576
 * ```
 */
export function correctFan(shape: readonly number[], mode: FanMode): number {
  const { fanIn, fanOut } = computeFans(shape);
  if (mode === "fan_in") return fanIn;
  if (mode === "fan_out") return fanOut;
  throw new RangeError(`unknown fan mode "${mode}" (use fan_in or fan_out)`);
}

/**
 * The recommended gain of a non-linearity, exactly as PyTorch's `calculate_gain`: 1 for
 * linear/conv/sigmoid, 5/3 for tanh, √2 for relu, √(2/(1+a²)) for leaky_relu with negative
 * slope `a`, which defaults to 0.01 as in PyTorch (√(2/1.0001)). The Kaiming initialisers pass
 * their own `a` (default 0, so √2), as `kaiming_normal_` does.
 *
 * @example
 * ```ts
 * import { calculateGain } from "@ovsw/init";
 * console.log(calculateGain("leaky_relu")); // 1.4141428569978354 = √(2/1.0001)
 * console.log(calculateGain("leaky_relu", 0)); // 1.4142135623730951 = √2
 * console.log(calculateGain("leaky_relu", Math.sqrt(5))); // 0.5773502691896257
 * ```
 */
export function calculateGain(nonlinearity: Nonlinearity, a = 0.01): number {
  switch (nonlinearity) {
    case "linear":
    case "conv1d":
    case "conv2d":
    case "conv3d":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu":
      return Math.sqrt(2 / (1 + a * a));
    default:
      throw new RangeError(`unknown nonlinearity "${nonlinearity}"`);
  }
}
