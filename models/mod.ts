/**
 * `@ovsw/models`: the paper's models (cResNet20/18, VGG-small, ImageNet ResNet-18/34), exact to
 * the authors' code, and this project's own `vgg-small-28` for 28×28 data, built by name with
 * `createModel`.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { summary } from "@ovsw/layers";
 * import { createModel } from "@ovsw/models";
 * await initGpu();
 * const net = createModel("cresnet20", { classes: 10, seed: 42 });
 * console.log(summary(net, [1, 3, 32, 32]).text);
 * ```
 *
 * @module
 */
export { binaryInitFor, type ModelOptions } from "./options.ts";
export { binaryConvFactory, reactPair } from "./_binary_conv.ts";
export { CResNet20 } from "./cresnet20.ts";
export { CResNet18 } from "./cresnet18.ts";
export { ImageNetResNet } from "./resnet_imagenet.ts";
export { FLOAT_RESNET_BLOCKS, FloatResNet } from "./torchvision_resnet.ts";
export { VGGBase, type VGGInit, VGGSmall, VGGSmall28, type VGGStage } from "./vgg_small.ts";
export { createModel, type ModelInfo, modelInfo, modelNames, MODELS } from "./registry.ts";
