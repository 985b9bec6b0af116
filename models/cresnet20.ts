/**
 * cResNet20_1w1a (CIFAR; docs/method.md §8.1): 269,850 parameters, 267,264 binary.
 *
 * @module
 */
import type { Tensor } from "@ovsw/gpu";
import {
  BatchNorm1d,
  BatchNorm2d,
  BiRealBlock,
  Conv2d,
  createBuilder,
  GlobalAvgPool,
  Linear,
  Module,
  Sequential,
} from "@ovsw/layers";
import { checkClasses } from "./_checks.ts";
import { binaryConvFactory, reactPair } from "./_binary_conv.ts";
import { binaryInitFor, type ModelOptions } from "./options.ts";

/**
 * cResNet20 with Bi-Real blocks (one shortcut per binary conv, option-A shortcuts):
 * FP conv3×3 3→16 → BN → Hardtanh → 3 stages of 3 blocks (16/32/64) → global avg-pool →
 * BN1d(64) → FP Linear(64→classes).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { CResNet20 } from "@ovsw/models";
 * await initGpu();
 * const net = new CResNet20({ seed: 1 });
 * console.log(net.countParameters(), net.countParameters("binary")); // 269850 267264
 * ```
 */
export class CResNet20 extends Module {
  /** Stem conv. */
  readonly conv1: Conv2d;
  /** Stem BN. */
  readonly bn1: BatchNorm2d;
  /** The three stages. */
  readonly stages: Sequential[];
  /** Global average pool. */
  readonly avgpool: GlobalAvgPool;
  /** Head BN1d. */
  readonly bn2: BatchNorm1d;
  /** Classifier. */
  readonly linear: Linear;

  /**
   * Creates the layer.
   *
   * @param options classes (default 10), init, gamma, seed, estimator
   */
  constructor(options: ModelOptions = {}) {
    super();
    const classes = checkClasses("cresnet20", options.classes ?? 10);
    const b = createBuilder({
      rng: options.seed ?? 0,
      binaryInit: binaryInitFor(options),
      estimator: options.estimator,
      learnedScale: options.learnedScale,
      binaryConv: binaryConvFactory(options, true),
    });
    this.conv1 = this.registerModule("conv1", new Conv2d(3, 16, 3, { padding: 1, rng: b.rng }));
    this.bn1 = this.registerModule("bn1", new BatchNorm2d(16));
    let inPlanes = 16;
    this.stages = [16, 32, 64].map((planes, i) => {
      const blocks: Module[] = [];
      for (let j = 0; j < 3; j++) {
        const stride = i > 0 && j === 0 ? 2 : 1;
        blocks.push(
          options.block === "react"
            ? reactPair(b, inPlanes, planes, stride)
            : new BiRealBlock(b, inPlanes, planes, stride, "pad"),
        );
        inPlanes = planes;
      }
      return this.registerModule(`layer${i + 1}`, new Sequential(...blocks));
    });
    this.avgpool = this.registerModule("avgpool", new GlobalAvgPool());
    this.bn2 = this.registerModule("bn2", new BatchNorm1d(64));
    this.linear = this.registerModule("linear", new Linear(64, classes, { rng: b.rng }));
  }

  /** Logits `[N, classes]` for images `[N, 3, H, W]`. */
  forward(x: Tensor): Tensor {
    let h = this.bn1.forwardHardtanh(this.conv1.forward(x)); // BN + Hardtanh fused
    for (const s of this.stages) h = s.forward(h);
    return this.linear.forward(this.bn2.forward(this.avgpool.forward(h)));
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    let s = this.bn1.outputShape(this.conv1.outputShape(input));
    for (const st of this.stages) s = st.outputShape(s);
    return this.linear.outputShape(this.bn2.outputShape(this.avgpool.outputShape(s)));
  }
}
