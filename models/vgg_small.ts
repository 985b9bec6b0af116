/**
 * VGGSmall_1w1a (CIFAR; docs/method.md §8.3) and `vgg-small-28` for 28×28×1 data.
 *
 * @module
 */
import type { Tensor } from "@ovsw/gpu";
import { type Initializer, normalInit, Prng } from "@ovsw/init";
import {
  BatchNorm2d,
  Conv2d,
  Flatten,
  Hardtanh,
  Linear,
  MaxPool2d,
  Module,
  PReLU,
} from "@ovsw/layers";
import { checkClasses } from "./_checks.ts";
import { binaryConvFactory } from "./_binary_conv.ts";
import { binaryInitFor, type ModelOptions } from "./options.ts";

/** One conv stage of a VGG: conv, optional max-pool (before BN), BN, optional activation. */
export interface VGGStage {
  /** The conv (FP for stage 0, binary otherwise). */
  conv: Module;
  /** Whether MaxPool2d(2) follows the conv (before BN). */
  pool: boolean;
  /** The BN. */
  bn: BatchNorm2d;
  /** The activation, if any. */
  act: Module | null;
}

/**
 * The initialisers of a VGG's layers. An absent one leaves the layer at PyTorch's default
 * (`kaiming_uniform(a=√5)` weights, U(±1/√fanIn) bias); BN is always γ = 1, β = 0.
 */
export interface VGGInit {
  /** The full-precision first conv. */
  stem?: Initializer;
  /** The binary convs. */
  binary: Initializer;
  /** The classifier's weight. */
  fc?: Initializer;
  /** The classifier's bias. */
  fcBias?: Initializer;
}

/** VGG-small's own conv init: N(0, 2/(k·k·C_out)) (fan-out), times γ (docs/method.md §8.3). */
function vggConvInit(shape: readonly number[], rng: Prng, gamma = 1): Float32Array {
  const n = shape[0] * (shape[2] ?? 1) * (shape[3] ?? 1);
  return normalInit(shape, rng, { std: Math.sqrt(2 / n), gamma });
}

/**
 * Shared body of {@link VGGSmall} and {@link VGGSmall28}.
 *
 * @example
 * ```ts
 * import { VGGBase, VGGSmall28 } from "@ovsw/models";
 * console.log(VGGSmall28.prototype instanceof VGGBase); // true
 * ```
 */
export abstract class VGGBase extends Module {
  /** The stages in order. */
  protected readonly stages: VGGStage[] = [];
  /** MaxPool2d(2), shared by the pooled stages. */
  protected pooling!: MaxPool2d;
  /** Flatten before the classifier. */
  protected flat!: Flatten;
  /** Classifier. */
  fc!: Linear;

  /** Registers conv0..N, bn0..N, nonlinear0..N, pooling and fc, in the authors' order. */
  protected build(
    widths: number[],
    inChannels: number,
    pooled: boolean[],
    lastAct: "prelu" | "none",
    fcIn: number,
    options: ModelOptions,
    model: string,
    init: VGGInit,
  ): void {
    const classes = checkClasses(model, options.classes ?? 10);
    const rng = new Prng(options.seed ?? 0);
    const makeBinary = binaryConvFactory(options, false);
    let cin = inChannels;
    widths.forEach((w, i) => {
      const conv = i === 0
        ? new Conv2d(cin, w, 3, { padding: 1, rng, init: init.stem })
        : makeBinary(cin, w, 3, { stride: 1, padding: 1, rng, init: init.binary });
      this.registerModule(`conv${i}`, conv);
      if (i === 1) this.pooling = this.registerModule("pooling", new MaxPool2d(2));
      const bn = this.registerModule(`bn${i}`, new BatchNorm2d(w));
      const last = i === widths.length - 1;
      const act = !last
        ? this.registerModule(`nonlinear${i}`, new Hardtanh())
        : lastAct === "prelu"
        ? this.registerModule(`nonlinear${i}`, new PReLU(w))
        : null;
      this.stages.push({ conv, pool: pooled[i], bn, act });
      cin = w;
    });
    this.flat = this.registerModule("flatten", new Flatten());
    this.fc = this.registerModule(
      "fc",
      new Linear(fcIn, classes, { rng, init: init.fc, biasInit: init.fcBias }),
    );
  }

  /** Logits `[N, classes]`. */
  forward(x: Tensor): Tensor {
    let h = x;
    for (const s of this.stages) {
      h = s.conv.forward(h);
      if (s.pool) h = this.pooling.forward(h);
      if (s.act instanceof Hardtanh) {
        h = s.bn.forwardHardtanh(h); // BN + Hardtanh fused
      } else {
        h = s.bn.forward(h);
        if (s.act) h = s.act.forward(h);
      }
    }
    return this.fc.forward(this.flat.forward(h));
  }

  /** The output shape for an input shape (see `Module.outputShape`). */
  protected override computeShape(input: readonly number[]): number[] {
    let h = [...input];
    for (const s of this.stages) {
      h = s.conv.outputShape(h);
      if (s.pool) h = this.pooling.outputShape(h);
      h = s.bn.outputShape(h);
      if (s.act) h = s.act.outputShape(h);
    }
    return this.fc.outputShape(this.flat.outputShape(h));
  }
}

/**
 * VGG-small 1w1a for 32×32×3: FP conv0 3→128 → BN → Hardtanh; binary 128→128 → pool → BN →
 * Hardtanh; 128→256; 256→256 (pool); 256→512; 512→512 (pool) → BN → PReLU(512); flatten →
 * FP Linear(8192→classes). Init (the authors' VGG override, docs/method.md §8.3): every conv, the
 * binary ones included, N(0, 2/(9·C_out)) (fan-out) times γ for the binary ones; Linear
 * N(0, 0.01) with zero bias; BN γ = 1, β = 0. A named `init` replaces the binary convs' only.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { VGGSmall } from "@ovsw/models";
 * await initGpu();
 * console.log(new VGGSmall().countParameters()); // 4660618
 * ```
 */
export class VGGSmall extends VGGBase {
  /**
   * Creates the layer.
   *
   * @param options classes (default 10), init, gamma, seed, estimator
   */
  constructor(options: ModelOptions = {}) {
    super();
    this.build(
      [128, 128, 256, 256, 512, 512],
      3,
      [false, true, false, true, false, true],
      "prelu",
      8192,
      options,
      "vgg-small",
      {
        stem: (s, r) => vggConvInit(s, r),
        binary: binaryInitFor(options, vggConvInit),
        fc: (s, r) => normalInit(s, r, { std: 0.01 }),
        fcBias: (s) => new Float32Array(s[0]),
      },
    );
  }
}

/**
 * `vgg-small-28` for 28×28×1 data (Fashion-MNIST), this project's own network (the paper has
 * none for 28×28): FP conv 1→64 → BN → Hardtanh; binary 64→64 → pool → BN → Hardtanh; 64→128 →
 * BN → Hardtanh; 128→128 → pool → BN → Hardtanh; 128→256 → pool (7→3) → BN; flatten → FP
 * Linear(2304→classes).
 *
 * Init, defined here as for cResNet20 (not VGG-small's fan-out override): binary convs Kaiming
 * normal fan_in, N(0, 2/(9·C_in)) times γ (the authors' builder; a named `init` replaces it);
 * the FP stem conv and the classifier (weight and bias) at PyTorch's defaults,
 * `kaiming_uniform(a=√5)` = U(±1/√fanIn); BN γ = 1, β = 0.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { VGGSmall28 } from "@ovsw/models";
 * await initGpu();
 * console.log(new VGGSmall28().outputShape([2, 1, 28, 28])); // [2, 10]
 * ```
 */
export class VGGSmall28 extends VGGBase {
  /**
   * Creates the layer.
   *
   * @param options classes (default 10), init, gamma, seed, estimator
   */
  constructor(options: ModelOptions = {}) {
    super();
    this.build(
      [64, 64, 128, 128, 256],
      1,
      [false, true, false, true, true],
      "none",
      2304,
      options,
      "vgg-small-28",
      { binary: binaryInitFor(options) },
    );
  }
}
