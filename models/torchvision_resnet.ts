/**
 * torchvision's float ResNet-18/34 (`torchvision.models.resnet18/34`), with its parameter names,
 * so its pretrained `state_dict()` saved as safetensors loads by name: the teacher of ReActNet's
 * distributional loss in two-step training.
 *
 * @module
 */
import { add, relu, type Tensor } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  Flatten,
  Linear,
  MaxPool2d,
  Module,
  Sequential,
} from "@ovsw/layers";
import { checkClasses } from "./_checks.ts";

/** Blocks per stage of the float ResNets torchvision names `resnet18` and `resnet34`. */
export const FLOAT_RESNET_BLOCKS: Readonly<Record<"resnet18" | "resnet34", readonly number[]>> = {
  resnet18: [2, 2, 2, 2],
  resnet34: [3, 4, 6, 3],
};

/** torchvision's `BasicBlock`: `relu(bn2(conv2(relu(bn1(conv1(x))))) + downsample(x))`. */
class FloatBasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(inPlanes: number, planes: number, stride: number, rng: Prng) {
    super();
    this.conv1 = this.registerModule(
      "conv1",
      new Conv2d(inPlanes, planes, 3, { stride, padding: 1, rng }),
    );
    this.bn1 = this.registerModule("bn1", new BatchNorm2d(planes));
    this.conv2 = this.registerModule("conv2", new Conv2d(planes, planes, 3, { padding: 1, rng }));
    this.bn2 = this.registerModule("bn2", new BatchNorm2d(planes));
    this.downsample = stride !== 1 || inPlanes !== planes
      ? this.registerModule(
        "downsample",
        new Sequential(new Conv2d(inPlanes, planes, 1, { stride, rng }), new BatchNorm2d(planes)),
      )
      : null;
  }

  forward(x: Tensor): Tensor {
    const h = relu(this.bn1.forward(this.conv1.forward(x)));
    const y = this.bn2.forward(this.conv2.forward(h));
    return relu(add(y, this.downsample ? this.downsample.forward(x) : x));
  }

  protected override computeShape(input: readonly number[]): number[] {
    return this.bn2.outputShape(this.conv2.outputShape(this.conv1.outputShape(input)));
  }
}

/**
 * A full-precision torchvision ResNet (`resnet18`: [2, 2, 2, 2], `resnet34`: [3, 4, 6, 3]
 * blocks): conv1 7×7/2 → bn1 → relu → maxpool 3/2 → layer1…layer4 → avgpool → fc, parameters
 * and buffers named as in torchvision's `state_dict()` (`layer2.0.downsample.1.running_var`,
 * `fc.bias`, …). Any input side of at least 32 works (adaptive average pooling).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { FloatResNet } from "@ovsw/models";
 * await initGpu();
 * const net = new FloatResNet("resnet18");
 * console.log(net.countParameters()); // 11689512, torchvision's resnet18
 * ```
 */
export class FloatResNet extends Module {
  /** Stem conv. */
  readonly conv1: Conv2d;
  /** Stem BN. */
  readonly bn1: BatchNorm2d;
  /** Stem max-pool. */
  readonly maxpool: MaxPool2d;
  /** layer1…layer4. */
  readonly stages: Sequential[];
  /** Global average pooling. */
  readonly avgpool: AdaptiveAvgPool2d;
  /** Flatten. */
  readonly flatten: Flatten;
  /** Classifier (with bias). */
  readonly fc: Linear;

  /**
   * Creates the network.
   *
   * @param arch `resnet18` or `resnet34`
   * @param options classes (default 1000) and seed of the (PyTorch-default) initialisation
   */
  constructor(
    readonly arch: "resnet18" | "resnet34",
    options: { classes?: number; seed?: number } = {},
  ) {
    super();
    const classes = checkClasses(arch, options.classes ?? 1000);
    const rng = new Prng(options.seed ?? 0);
    this.conv1 = this.registerModule("conv1", new Conv2d(3, 64, 7, { stride: 2, padding: 3, rng }));
    this.bn1 = this.registerModule("bn1", new BatchNorm2d(64));
    this.maxpool = this.registerModule("maxpool", new MaxPool2d(3, { stride: 2, padding: 1 }));
    let inPlanes = 64;
    this.stages = [64, 128, 256, 512].map((planes, i) => {
      const blocks: Module[] = [];
      for (let j = 0; j < FLOAT_RESNET_BLOCKS[arch][i]; j++) {
        blocks.push(new FloatBasicBlock(inPlanes, planes, i > 0 && j === 0 ? 2 : 1, rng));
        inPlanes = planes;
      }
      return this.registerModule(`layer${i + 1}`, new Sequential(...blocks));
    });
    this.avgpool = this.registerModule("avgpool", new AdaptiveAvgPool2d(1));
    this.flatten = this.registerModule("flatten", new Flatten());
    this.fc = this.registerModule("fc", new Linear(512, classes, { rng }));
  }

  /** Logits `[N, classes]`. */
  forward(x: Tensor): Tensor {
    let h = this.maxpool.forward(relu(this.bn1.forward(this.conv1.forward(x))));
    for (const s of this.stages) h = s.forward(h);
    return this.fc.forward(this.flatten.forward(this.avgpool.forward(h)));
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    let s = this.maxpool.outputShape(this.conv1.outputShape(input));
    for (const st of this.stages) s = st.outputShape(s);
    return this.fc.outputShape(this.flatten.outputShape(this.avgpool.outputShape(s)));
  }
}
