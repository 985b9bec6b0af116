/**
 * cResNet18_1w1a (CIFAR; docs/method.md §8.2): 11,174,986 parameters, 11,157,504 binary.
 *
 * @module
 */
import { flatten, type Tensor } from "@ovsw/gpu";
import {
  AdaptiveAvgPool2d,
  BasicBlock,
  BatchNorm2d,
  Conv2d,
  createBuilder,
  Module,
  Sequential,
} from "@ovsw/layers";
import { checkClasses } from "./_checks.ts";
import { binaryConvFactory } from "./_binary_conv.ts";
import { binaryInitFor, type ModelOptions } from "./options.ts";

/**
 * cResNet18 with standard BasicBlocks (binary 1×1 downsample shortcuts): FP conv3×3 3→64 →
 * BN (no activation) → [2, 2, 2, 2] blocks (64/128/256/512) → AdaptiveAvgPool(1) → BN2d(512)
 * → FP conv1×1 512→classes with bias → flatten.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { CResNet18 } from "@ovsw/models";
 * await initGpu();
 * const net = new CResNet18({ classes: 100 });
 * console.log(net.outputShape([2, 3, 32, 32])); // [2, 100]
 * ```
 */
export class CResNet18 extends Module {
  /** Stem conv. */
  readonly conv1: Conv2d;
  /** Stem BN. */
  readonly bn1: BatchNorm2d;
  /** Four stages. */
  readonly stages: Sequential[];
  /** AdaptiveAvgPool2d(1). */
  readonly avgpool: AdaptiveAvgPool2d;
  /** Head BN2d. */
  readonly bn2: BatchNorm2d;
  /** The classifier: a 1×1 conv with bias. */
  readonly fc: Conv2d;

  /**
   * Creates the layer.
   *
   * @param options classes (default 10), init, gamma, seed, estimator
   */
  constructor(options: ModelOptions = {}) {
    super();
    const classes = checkClasses("cresnet18", options.classes ?? 10);
    const b = createBuilder({
      rng: options.seed ?? 0,
      binaryInit: binaryInitFor(options),
      estimator: options.estimator,
      learnedScale: options.learnedScale,
      binaryConv: binaryConvFactory(options, false),
    });
    this.conv1 = this.registerModule("conv1", new Conv2d(3, 64, 3, { padding: 1, rng: b.rng }));
    this.bn1 = this.registerModule("bn1", new BatchNorm2d(64));
    let inPlanes = 64;
    this.stages = [64, 128, 256, 512].map((planes, i) => {
      const blocks: Module[] = [];
      for (let j = 0; j < 2; j++) {
        blocks.push(new BasicBlock(b, inPlanes, planes, i > 0 && j === 0 ? 2 : 1));
        inPlanes = planes;
      }
      return this.registerModule(`layer${i + 1}`, new Sequential(...blocks));
    });
    this.avgpool = this.registerModule("avgpool", new AdaptiveAvgPool2d(1));
    this.bn2 = this.registerModule("bn2", new BatchNorm2d(512));
    this.fc = this.registerModule("fc", new Conv2d(512, classes, 1, { bias: true, rng: b.rng }));
  }

  /** Logits `[N, classes]`. */
  forward(x: Tensor): Tensor {
    let h = this.bn1.forward(this.conv1.forward(x));
    for (const s of this.stages) h = s.forward(h);
    return flatten(this.fc.forward(this.bn2.forward(this.avgpool.forward(h))));
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    let s = this.bn1.outputShape(this.conv1.outputShape(input));
    for (const st of this.stages) s = st.outputShape(s);
    const y = this.fc.outputShape(this.bn2.outputShape(this.avgpool.outputShape(s)));
    return [y[0], y[1] * y[2] * y[3]];
  }
}
