/**
 * The ReAct-ResNet block (liuzechun/ReActNet `resnet/2_step2/birealnet.py` `BasicBlock`).
 *
 * @module
 */
import { add, type Tensor } from "@ovsw/gpu";
import type { BatchNorm2d } from "../batch_norm.ts";
import type { LayerBuilder } from "../builder.ts";
import { Module } from "../module.ts";
import { AvgPool2d } from "../pooling.ts";
import { PReLU } from "../prelu.ts";
import { Sequential } from "../sequential.ts";
import { LearnableBias } from "./rsign.ts";

/**
 * ReAct-ResNet block: `y = move2(prelu(move1(bn1(binary_conv(move0(x))) + sc(x))))`, i.e.
 * `RPReLU(BN(conv3×3_b(RSign(x))) + shortcut)`, with the official child names (`move0`,
 * `binary_conv`, `bn1`, `move1`, `prelu`, `move2`, `downsample`). The shortcut is the identity,
 * or, when the stride or the width changes, `downsample` = AvgPool2d(2, stride s) → **real**
 * conv1×1 → BN.
 *
 * RSign is `move0` (a {@link LearnableBias}) followed by the binary conv's own input sign: the
 * conv comes from `b.binaryConv`, which binarises its input itself, so `binary_conv(move0(x))`
 * is `conv(sign(x + b))` and, with a conv whose activation backward is ApproxSign (ReActNet's
 * `HardBinaryConv`), exactly the official RSign. Any method's conv can be plugged in through
 * the builder.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { createBuilder, ReActBlock } from "@ovsw/layers";
 * await initGpu();
 * const block = new ReActBlock(createBuilder(), 4, 8, 2);
 * console.log(block.outputShape([1, 4, 8, 8])); // [1, 8, 4, 4]
 * console.log(block.namedParameters().map(([n]) => n)[0]); // "move0.bias"
 * ```
 */
export class ReActBlock extends Module {
  /** RSign's shift. */
  readonly move0: LearnableBias;
  /** The binary 3×3 conv (stride s). */
  readonly binaryConv: Module;
  /** Its BN. */
  readonly bn1: BatchNorm2d;
  /** RPReLU's input shift γ. */
  readonly move1: LearnableBias;
  /** RPReLU's slope β (init 0.25). */
  readonly prelu: PReLU;
  /** RPReLU's output shift ζ. */
  readonly move2: LearnableBias;
  /** AvgPool2d(2, s) → FP conv1×1 → BN when the shape changes, else null (identity). */
  readonly downsample: Module | null;

  /**
   * Creates the block.
   *
   * @param b layer builder (its `binaryConv` makes the method's conv)
   * @param inPlanes input channels
   * @param planes output channels
   * @param stride stride of the binary conv and of the shortcut's pooling
   */
  constructor(b: LayerBuilder, inPlanes: number, planes: number, stride = 1) {
    super();
    this.move0 = this.registerModule("move0", new LearnableBias(inPlanes));
    this.binaryConv = this.registerModule("binary_conv", b.binaryConv(inPlanes, planes, 3, stride));
    this.bn1 = this.registerModule("bn1", b.batchNorm2d(planes));
    this.move1 = this.registerModule("move1", new LearnableBias(planes));
    this.prelu = this.registerModule("prelu", new PReLU(planes));
    this.move2 = this.registerModule("move2", new LearnableBias(planes));
    this.downsample = null;
    if (stride !== 1 || inPlanes !== planes) {
      if (stride === 1) {
        throw new RangeError(
          `ReActBlock(${inPlanes}→${planes}, s1): the official shortcut AvgPool2d(2, stride 1) ` +
            "would shrink the map; a width change needs stride 2",
        );
      }
      this.downsample = this.registerModule(
        "downsample",
        new Sequential(
          new AvgPool2d(2, { stride }),
          b.floatConv(inPlanes, planes, 1, 1, 0),
          b.batchNorm2d(planes),
        ),
      );
    }
  }

  /** Runs the block on `[N, C, H, W]`. */
  forward(x: Tensor): Tensor {
    const h = this.bn1.forward(this.binaryConv.forward(this.move0.forward(x)));
    const r = this.downsample ? this.downsample.forward(x) : x;
    return this.move2.forward(this.prelu.forward(this.move1.forward(add(h, r))));
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    const h = this.bn1.outputShape(this.binaryConv.outputShape(this.move0.outputShape(input)));
    const r = this.downsample ? this.downsample.outputShape(input) : [...input];
    if (h.join() !== r.join()) {
      throw new RangeError(`ReActBlock: branch [${h}] and shortcut [${r}] differ`);
    }
    return h;
  }
}
