/**
 * ResNet18_1w1a / ResNet34_1w1a (ImageNet; docs/method.md §8.4): 11,690,536 / 21,798,696
 * parameters, 10,985,472 / 21,086,208 binary.
 *
 * @module
 */
import type { Tensor } from "@ovsw/gpu";
import {
  AdaptiveAvgPool2d,
  BatchNorm1d,
  type BatchNorm2d,
  BiRealBlock,
  type Conv2d,
  createBuilder,
  Flatten,
  Hardtanh,
  Linear,
  MaxPool2d,
  Module,
  Sequential,
} from "@ovsw/layers";
import { checkClasses } from "./_checks.ts";
import { binaryConvFactory, reactPair } from "./_binary_conv.ts";
import { binaryInitFor, type ModelOptions } from "./options.ts";

/**
 * ImageNet ResNet with Bi-Real blocks (double shortcut, Hardtanh, FP 1×1 downsample):
 * FP conv7×7/2 → BN → Hardtanh → MaxPool 3/2 → stages (64/128/256/512) → AdaptiveAvgPool(1) →
 * flatten → BN1d(512) → FP Linear(512→classes). Every BatchNorm2d starts with γ = 1e-8.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { ImageNetResNet } from "@ovsw/models";
 * await initGpu();
 * const net = new ImageNetResNet([2, 2, 2, 2]);
 * console.log(net.countParameters()); // 11690536
 * ```
 */
export class ImageNetResNet extends Module {
  /** Stem conv 7×7. */
  readonly conv1: Conv2d;
  /** Stem BN. */
  readonly bn1: BatchNorm2d;
  /** Stem activation. */
  readonly nonlinear: Hardtanh;
  /** Stem max-pool. */
  readonly maxpool: MaxPool2d;
  /** Stages. */
  readonly stages: Sequential[];
  /** AdaptiveAvgPool2d(1). */
  readonly avgpool: AdaptiveAvgPool2d;
  /** Flatten. */
  readonly flatten: Flatten;
  /** Head BN1d (γ = 1). */
  readonly bn2: BatchNorm1d;
  /** Classifier. */
  readonly fc: Linear;

  /**
   * Creates the layer.
   *
   * @param blocks blocks per stage: [2, 2, 2, 2] (ResNet-18) or [3, 4, 6, 3] (ResNet-34)
   * @param options classes (default 1000), init, gamma, seed, estimator
   */
  constructor(readonly blocks: readonly number[], options: ModelOptions = {}) {
    super();
    const classes = checkClasses("resnet", options.classes ?? 1000);
    const b = createBuilder({
      rng: options.seed ?? 0,
      binaryInit: binaryInitFor(options),
      estimator: options.estimator,
      learnedScale: options.learnedScale,
      binaryConv: binaryConvFactory(options, true),
      bnGamma: 1e-8,
    });
    this.conv1 = this.registerModule("conv1", b.floatConv(3, 64, 7, 2, 3));
    this.bn1 = this.registerModule("bn1", b.batchNorm2d(64));
    this.nonlinear = this.registerModule("nonlinear", new Hardtanh());
    this.maxpool = this.registerModule("maxpool", new MaxPool2d(3, { stride: 2, padding: 1 }));
    let inPlanes = 64;
    this.stages = [64, 128, 256, 512].map((planes, i) => {
      const list: Module[] = [];
      for (let j = 0; j < blocks[i]; j++) {
        const stride = i > 0 && j === 0 ? 2 : 1;
        list.push(
          options.block === "react"
            ? reactPair(b, inPlanes, planes, stride)
            : new BiRealBlock(b, inPlanes, planes, stride, "float"),
        );
        inPlanes = planes;
      }
      return this.registerModule(`layer${i + 1}`, new Sequential(...list));
    });
    this.avgpool = this.registerModule("avgpool", new AdaptiveAvgPool2d(1));
    this.flatten = this.registerModule("flatten", new Flatten());
    this.bn2 = this.registerModule("bn2", new BatchNorm1d(512));
    this.fc = this.registerModule("fc", new Linear(512, classes, { rng: b.rng }));
  }

  /** Logits `[N, classes]`. */
  forward(x: Tensor): Tensor {
    // bn1 → nonlinear (Hardtanh) fused into one op.
    let h = this.maxpool.forward(this.bn1.forwardHardtanh(this.conv1.forward(x)));
    for (const s of this.stages) h = s.forward(h);
    return this.fc.forward(this.bn2.forward(this.flatten.forward(this.avgpool.forward(h))));
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    let s = this.conv1.outputShape(input);
    s = this.maxpool.outputShape(this.nonlinear.outputShape(this.bn1.outputShape(s)));
    for (const st of this.stages) s = st.outputShape(s);
    s = this.flatten.outputShape(this.avgpool.outputShape(s));
    return this.fc.outputShape(this.bn2.outputShape(s));
  }
}
