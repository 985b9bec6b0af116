/**
 * `@ovsw/models`: the paper's models (cResNet20/18, VGG-small, ImageNet ResNet-18/34) and
 * `vgg-small-28`, exact to the authors' code, built by name with `createModel`.
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
export * from "./options.ts";
export * from "./cresnet20.ts";
export * from "./cresnet18.ts";
export * from "./resnet_imagenet.ts";
export * from "./vgg_small.ts";
export * from "./registry.ts";
