/**
 * How a model makes its binary convs and residual blocks for a BNN method: the method's
 * {@link BinaryConvFactory} (default: `BinaryConv2d` with the model's estimator and scale) and,
 * with `block: "react"`, ReActNet's block (RSign → conv → BN → + shortcut → RPReLU).
 *
 * @module
 */
import {
  BinaryConv2d,
  type BinaryConvFactory,
  type LayerBuilder,
  LearnableBias,
  type Module,
  ReActBlock,
  Sequential,
} from "@ovsw/layers";
import type { ModelOptions } from "./options.ts";

/**
 * The factory of a model's binary convs. `hasReactBlock`: whether the model builds ReActNet
 * blocks itself when `options.block` is `react`; a model that does not (VGG-small, cResNet18)
 * gets RSign's learnable shift before every binary conv instead.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { Prng } from "@ovsw/init";
 * import { binaryConvFactory } from "@ovsw/models";
 * await initGpu();
 * const make = binaryConvFactory({ block: "react" }, false);
 * const conv = make(4, 8, 3, { stride: 1, padding: 1, init: () => new Float32Array(288), rng: new Prng(0) });
 * console.log(conv.namedParameters().map(([n]) => n)); // ["0.bias", "1.weight"]
 * ```
 */
export function binaryConvFactory(
  options: ModelOptions,
  hasReactBlock: boolean,
): BinaryConvFactory {
  const make: BinaryConvFactory = options.binaryConv ??
    ((i, o, k, s) =>
      new BinaryConv2d(i, o, k, {
        ...s,
        estimator: options.estimator,
        learnedScale: options.learnedScale,
      }));
  if (options.block !== "react" || hasReactBlock) return make;
  return (i, o, k, s) => new Sequential(new LearnableBias(i), make(i, o, k, s));
}

/**
 * The ReActNet counterpart of a two-conv Bi-Real block: two {@link ReActBlock}s (the official
 * ReAct-ResNet has one binary conv per block), the first with the stride and width change.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { createBuilder } from "@ovsw/layers";
 * import { reactPair } from "@ovsw/models";
 * await initGpu();
 * console.log(reactPair(createBuilder(), 4, 8, 2).outputShape([1, 4, 8, 8])); // [1, 8, 4, 4]
 * ```
 */
export function reactPair(
  b: LayerBuilder,
  inPlanes: number,
  planes: number,
  stride: number,
): Module {
  return new Sequential(
    new ReActBlock(b, inPlanes, planes, stride),
    new ReActBlock(b, planes, planes, 1),
  );
}
