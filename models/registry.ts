/**
 * Models by name: the command-line names, the authors' aliases, and `createModel`.
 *
 * @module
 */
import type { Module } from "@ovsw/layers";
import { CResNet18 } from "./cresnet18.ts";
import { CResNet20 } from "./cresnet20.ts";
import type { ModelOptions } from "./options.ts";
import { ImageNetResNet } from "./resnet_imagenet.ts";
import { VGGSmall, VGGSmall28 } from "./vgg_small.ts";

/** What the registry knows about a model. */
export interface ModelInfo {
  /** Command-line name. */
  name: string;
  /** The authors' name(s), accepted as aliases. */
  aliases: string[];
  /** Input shape of one sample `[C, H, W]`. */
  inputShape: [number, number, number];
  /** Default classes. */
  classes: number;
  /** Parameters (and binary parameters) at the default classes, from docs/method.md §8. */
  params: number;
  /** Binary parameters. */
  binaryParams: number;
  /** One line. */
  description: string;
  /** Builds it. */
  create: (options: ModelOptions) => Module;
}

/** Every model, by command-line name. */
export const MODELS: readonly ModelInfo[] = [
  {
    name: "cresnet20",
    aliases: ["cResNet20_1w1a"],
    inputShape: [3, 32, 32],
    classes: 10,
    params: 269_850,
    binaryParams: 267_264,
    description: "CIFAR ResNet-20, Bi-Real blocks, option-A shortcuts",
    create: (o) => new CResNet20(o),
  },
  {
    name: "cresnet18",
    aliases: ["cResNet18_1w1a"],
    inputShape: [3, 32, 32],
    classes: 10,
    params: 11_174_986,
    binaryParams: 11_157_504,
    description: "CIFAR ResNet-18, standard blocks, binary 1×1 shortcuts",
    create: (o) => new CResNet18(o),
  },
  {
    name: "vgg-small",
    aliases: ["VGGSmall_1w1a", "vggsmall", "vgg_small"],
    inputShape: [3, 32, 32],
    classes: 10,
    params: 4_660_618,
    binaryParams: 4_571_136,
    description: "CIFAR VGG-small (128-128-256-256-512-512), PReLU before the FC",
    create: (o) => new VGGSmall(o),
  },
  {
    name: "resnet18",
    aliases: ["ResNet18_1w1a"],
    inputShape: [3, 224, 224],
    classes: 1000,
    params: 11_690_536,
    binaryParams: 10_985_472,
    description: "ImageNet ResNet-18, Bi-Real blocks, FP 1×1 downsample, BN γ = 1e-8",
    create: (o) => new ImageNetResNet([2, 2, 2, 2], o),
  },
  {
    name: "resnet34",
    aliases: ["ResNet34_1w1a"],
    inputShape: [3, 224, 224],
    classes: 1000,
    params: 21_798_696,
    binaryParams: 21_086_208,
    description: "ImageNet ResNet-34, Bi-Real blocks, FP 1×1 downsample, BN γ = 1e-8",
    create: (o) => new ImageNetResNet([3, 4, 6, 3], o),
  },
  {
    name: "vgg-small-28",
    aliases: ["VGGSmall28_1w1a", "vggsmall28", "vgg_small_28"],
    inputShape: [1, 28, 28],
    classes: 10,
    params: 577_866,
    binaryParams: 552_960,
    description: "VGG-small for 28×28×1 (Fashion-MNIST): 64-64-128-128-256",
    create: (o) => new VGGSmall28(o),
  },
];

/**
 * The command-line model names.
 *
 * @example
 * ```ts
 * import { modelNames } from "@ovsw/models";
 * console.log(modelNames().join(", "));
 * ```
 */
export function modelNames(): string[] {
  return MODELS.map((m) => m.name);
}

/**
 * The registry entry for a name or alias (case-insensitive); throws one line listing the names.
 *
 * @example
 * ```ts
 * import { modelInfo } from "@ovsw/models";
 * console.log(modelInfo("cResNet20_1w1a").name); // "cresnet20"
 * ```
 */
export function modelInfo(name: string): ModelInfo {
  const key = name.toLowerCase();
  const hit = MODELS.find((m) => m.name === key || m.aliases.some((a) => a.toLowerCase() === key));
  if (!hit) {
    throw new RangeError(`unknown model "${name}"; choose one of ${modelNames().join(", ")}`);
  }
  return hit;
}

/**
 * Builds a model by name or alias, e.g. `createModel("cresnet20", { classes: 100, seed: 1 })`.
 * Deterministic: the same options give the same weights on every machine.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { createModel } from "@ovsw/models";
 * await initGpu();
 * const net = createModel("vgg-small-28", { init: "kaiming_uniform", gamma: 1e-2 });
 * console.log(net.countParameters("binary")); // 552960
 * ```
 */
export function createModel(name: string, options: ModelOptions = {}): Module {
  return modelInfo(name).create(options);
}
