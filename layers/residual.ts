/**
 * Residual blocks of the paper's models: the Bi-Real-style block with one shortcut per conv
 * (cResNet20, ImageNet ResNets) and the standard BasicBlock (cResNet18).
 *
 * @module
 */
import type { Tensor } from "@ovsw/gpu";
import type { BatchNorm2d } from "./batch_norm.ts";
import type { LayerBuilder } from "./builder.ts";
import { Hardtanh } from "./activation.ts";
import { Module } from "./module.ts";
import { PadShortcut } from "./pad_shortcut.ts";
import { Sequential } from "./sequential.ts";

/** How a block's shortcut changes shape when it must. */
export type ShortcutKind =
  /** cResNet20: AvgPool2d(2) + zero channel padding, no parameters (child `shortcut`). */
  | "pad"
  /** ImageNet ResNets: FP conv1×1 (stride s) → BN (child `downsample`). */
  | "float"
  /** cResNet18: binary conv1×1 (stride s) → BN (child `shortcut`). */
  | "binary";

function makeShortcut(
  b: LayerBuilder,
  kind: ShortcutKind,
  cin: number,
  cout: number,
  stride: number,
): Module | null {
  if (stride === 1 && cin === cout) return null;
  if (kind === "pad") {
    if (stride !== 2 || (cout - cin) % 2 !== 0 || cout < cin) {
      throw new RangeError(
        `pad shortcut needs stride 2 and Cout ≥ Cin, got ${cin}→${cout}/s${stride}`,
      );
    }
    return new PadShortcut(cout / 4);
  }
  const conv = kind === "float"
    ? b.floatConv(cin, cout, 1, stride, 0)
    : b.binaryConv(cin, cout, 1, stride);
  return new Sequential(conv, b.batchNorm2d(cout));
}

/**
 * Bi-Real-style block (one shortcut per binary conv):
 * `h = hardtanh(bn1(conv1(x)) + sc(x)); y = hardtanh(bn2(conv2(h)) + h)`.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { BiRealBlock, createBuilder } from "@ovsw/layers";
 * await initGpu();
 * const block = new BiRealBlock(createBuilder(), 16, 32, 2, "pad");
 * console.log(block.namedParameters().map(([n]) => n)); // conv1.weight, bn1.weight, …
 * ```
 */
export class BiRealBlock extends Module {
  /** First binary conv (stride s; a `BinaryConv2d` or the builder's method conv). */
  readonly conv1: Module;
  /** Its BN. */
  readonly bn1: BatchNorm2d;
  /** Second binary conv. */
  readonly conv2: Module;
  /** Its BN. */
  readonly bn2: BatchNorm2d;
  /** The shortcut when the shape changes, else null (identity). */
  readonly shortcut: Module | null;

  /**
   * Creates the layer.
   *
   * @param b layer builder
   * @param inPlanes input channels
   * @param planes output channels
   * @param stride stride of conv1 (and the shortcut)
   * @param kind shortcut kind (`pad` → child `shortcut`, `float` → child `downsample`)
   */
  constructor(
    b: LayerBuilder,
    inPlanes: number,
    planes: number,
    stride: number,
    kind: ShortcutKind,
  ) {
    super();
    this.conv1 = this.registerModule("conv1", b.binaryConv(inPlanes, planes, 3, stride));
    this.bn1 = this.registerModule("bn1", b.batchNorm2d(planes));
    if (kind === "float") this.registerModule("act1", new Hardtanh());
    this.conv2 = this.registerModule("conv2", b.binaryConv(planes, planes, 3, 1));
    this.bn2 = this.registerModule("bn2", b.batchNorm2d(planes));
    if (kind === "float") this.registerModule("act2", new Hardtanh());
    const sc = makeShortcut(b, kind, inPlanes, planes, stride);
    this.shortcut = sc
      ? this.registerModule(kind === "float" ? "downsample" : "shortcut", sc)
      : null;
  }

  /** Runs the block. */
  forward(x: Tensor): Tensor {
    const r = this.shortcut ? this.shortcut.forward(x) : x;
    // BN + residual + Hardtanh fused (one pass; see `BatchNormBase.forwardHardtanh`).
    const h = this.bn1.forwardHardtanh(this.conv1.forward(x), r);
    return this.bn2.forwardHardtanh(this.conv2.forward(h), h);
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    const h = this.bn1.outputShape(this.conv1.outputShape(input));
    const r = this.shortcut ? this.shortcut.outputShape(input) : [...input];
    if (h.join() !== r.join()) {
      throw new RangeError(`BiRealBlock: branch [${h}] and shortcut [${r}] differ`);
    }
    return this.bn2.outputShape(this.conv2.outputShape(h));
  }
}

/**
 * Standard ResNet block (cResNet18): `h = hardtanh(bn1(conv1(x)));
 * y = hardtanh(bn2(conv2(h)) + sc(x))` with a binary 1×1 conv + BN shortcut when needed.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { BasicBlock, createBuilder } from "@ovsw/layers";
 * await initGpu();
 * const block = new BasicBlock(createBuilder(), 64, 128, 2);
 * console.log(block.namedParameters().at(-3)![0]); // shortcut.0.weight
 * ```
 */
export class BasicBlock extends Module {
  /** First binary conv (stride s; a `BinaryConv2d` or the builder's method conv). */
  readonly conv1: Module;
  /** Its BN. */
  readonly bn1: BatchNorm2d;
  /** Second binary conv. */
  readonly conv2: Module;
  /** Its BN. */
  readonly bn2: BatchNorm2d;
  /** Binary 1×1 conv → BN when the shape changes, else null. */
  readonly shortcut: Module | null;

  /**
   * Creates the layer.
   *
   * @param b layer builder
   * @param inPlanes input channels
   * @param planes output channels
   * @param stride stride of conv1 and the shortcut
   */
  constructor(b: LayerBuilder, inPlanes: number, planes: number, stride: number) {
    super();
    this.conv1 = this.registerModule("conv1", b.binaryConv(inPlanes, planes, 3, stride));
    this.bn1 = this.registerModule("bn1", b.batchNorm2d(planes));
    this.conv2 = this.registerModule("conv2", b.binaryConv(planes, planes, 3, 1));
    this.bn2 = this.registerModule("bn2", b.batchNorm2d(planes));
    this.registerModule("act1", new Hardtanh());
    this.registerModule("act2", new Hardtanh());
    const sc = makeShortcut(b, "binary", inPlanes, planes, stride);
    this.shortcut = sc ? this.registerModule("shortcut", sc) : null;
  }

  /** Runs the block. */
  forward(x: Tensor): Tensor {
    const h = this.bn1.forwardHardtanh(this.conv1.forward(x));
    const r = this.shortcut ? this.shortcut.forward(x) : x;
    return this.bn2.forwardHardtanh(this.conv2.forward(h), r);
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    const h = this.bn1.outputShape(this.conv1.outputShape(input));
    const y = this.bn2.outputShape(this.conv2.outputShape(h));
    const r = this.shortcut ? this.shortcut.outputShape(input) : [...input];
    if (y.join() !== r.join()) {
      throw new RangeError(`BasicBlock: branch [${y}] and shortcut [${r}] differ`);
    }
    return y;
  }
}
