/**
 * Shape checks and output-size arithmetic shared by the layers.
 *
 * @module
 */
import { shapeStr } from "@ovsw/gpu";

/**
 * Throws a clear error unless `shape` has `rank` dimensions and, if given, `channels` at dim 1.
 *
 * @example
 * ```ts
 * import { checkInputShape } from "./_shape.ts";
 * checkInputShape("Conv2d(3→16)", [2, 3, 32, 32], 4, 3); // ok
 * ```
 */
export function checkInputShape(
  layer: string,
  shape: readonly number[],
  rank: number | number[],
  channels?: number,
): void {
  const ranks = Array.isArray(rank) ? rank : [rank];
  if (!ranks.includes(shape.length)) {
    throw new RangeError(
      `${layer}: expected a ${ranks.join(" or ")}-D input, got shape ${shapeStr(shape)}`,
    );
  }
  if (channels !== undefined && shape[1] !== channels) {
    throw new RangeError(
      `${layer}: expected ${channels} channels at dim 1, got shape ${shapeStr(shape)}`,
    );
  }
}

/**
 * Output length of a convolution or pooling window: ⌊(n + 2·padding − kernel)/stride⌋ + 1.
 *
 * @example
 * ```ts
 * import { convOutSize } from "./_shape.ts";
 * console.log(convOutSize(32, 3, 2, 1)); // 16
 * ```
 */
export function convOutSize(n: number, kernel: number, stride: number, padding: number): number {
  const out = Math.floor((n + 2 * padding - kernel) / stride) + 1;
  if (out < 1) {
    throw new RangeError(
      `window ${kernel} (stride ${stride}, padding ${padding}) does not fit an input of ${n}`,
    );
  }
  return out;
}

/** What {@link convLayerOutputShape} reads of a square-kernel conv layer. */
export interface ConvLayerGeometry {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** Square kernel size. */
  readonly kernelSize: number;
  /** Stride. */
  readonly stride: number;
  /** Padding. */
  readonly padding: number;
  /** The layer's name for messages. */
  describe(): string;
}

/**
 * The output shape `[N, outChannels, OH, OW]` of a square-kernel conv layer for an
 * `[N, inChannels, H, W]` input; throws a clear error naming the layer otherwise.
 *
 * @example
 * ```ts
 * import { convLayerOutputShape } from "./_shape.ts";
 * const conv = {
 *   inChannels: 3, outChannels: 16, kernelSize: 3, stride: 2, padding: 1,
 *   describe: () => "Conv2d(3→16)",
 * };
 * console.log(convLayerOutputShape(conv, [2, 3, 32, 32])); // [2, 16, 16, 16]
 * ```
 */
export function convLayerOutputShape(
  layer: ConvLayerGeometry,
  input: readonly number[],
): number[] {
  checkInputShape(layer.describe(), input, 4, layer.inChannels);
  const k = layer.kernelSize;
  return [
    input[0],
    layer.outChannels,
    convOutSize(input[2], k, layer.stride, layer.padding),
    convOutSize(input[3], k, layer.stride, layer.padding),
  ];
}
