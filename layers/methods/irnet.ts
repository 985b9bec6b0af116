/**
 * IR-Net (Qin et al., CVPR 2020) as its official code computes it (htqin/IR-Net @ f63a5901,
 * `ImageNet/ResNet18/1w1a/models/modules/{ir_1w1a,binaryfunction}.py`, `ir_1w32a.py`; the
 * k,t schedule from `CIFAR-10/ResNet20/1w1a/trainer.py` and `CIFAR-10/VGG-Small/main.py`).
 *
 * @module
 */
import { conv2d, mapElements, noGrad, type Tensor, tidy } from "@ovsw/gpu";
import { kaimingInit, MethodConv2d, type MethodConvOptions } from "./method_conv.ts";
import { mulRow, rowMeanAbs, standardizeRows } from "./_row_ops.ts";
import { ede } from "./sign_ste.ts";
import { checkEpoch, type EpochHook } from "./epoch_hook.ts";

/**
 * IR-Net's Libra-PB weight standardisation: `bw = (w − mean_o w) / std_o(w − mean_o w)` per
 * output channel, unbiased std, no eps, **not detached** (the gradient flows through the mean
 * and the std).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { libraPB } from "@ovsw/layers";
 * await initGpu();
 * console.log(await libraPB(Tensor.from([1, 2, 3], [1, 3])).read()); // [-1, 0, 1]
 * ```
 */
export function libraPB(w: Tensor): Tensor {
  return standardizeRows(w, 0);
}

/**
 * IR-Net's power-of-two scale `sw[o] = 2^round(log2(mean|bw[o]|))`, detached, `[O]` (round
 * half to even, as `torch.round`). For standardised weights it is 1 almost always, 0.5 for a
 * heavy-tailed filter.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { powerOfTwoScale } from "@ovsw/layers";
 * await initGpu();
 * console.log(await powerOfTwoScale(Tensor.from([-0.8, 0.8, 0.3, -0.3], [2, 2])).read()); // [1, 0.25]
 * ```
 */
export function powerOfTwoScale(bw: Tensor): Tensor {
  return noGrad(() =>
    tidy(() =>
      mapElements("pow2_round", "exp2(round(log(a) / p.s0))", [rowMeanAbs(bw)], [Math.LN2])
    )
  );
}

/** Options of {@link IrNetConv2d} (bias default false: the models pass `bias=False`). */
export interface IrNetConv2dOptions extends MethodConvOptions {
  /** Binarise activations (1w1a, default true) or keep them real (1w32a). */
  binarizeInput?: boolean;
}

/**
 * IR-Net's binary convolution (`IRConv2d`): `y = conv2d(EDE(x), EDE(libraPB(W))·sw) + bias`
 * with {@link libraPB}, {@link powerOfTwoScale} and {@link ede} (the same `k`, `t` for weights
 * and activations). `k`, `t` start at the module's init 10, 0.1 (= epoch 0 of the paper's
 * schedule); {@link irnetEpochHook} sets them before each epoch. Like the official code they
 * are plain attributes, not saved in checkpoints. Deviation: the official trainers set k,t
 * only on the convs they list by name (an unlisted conv, e.g. an option-B 1×1 shortcut, keeps
 * 10, 0.1); the hook here sets every `IrNetConv2d`.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { IrNetConv2d } from "@ovsw/layers";
 * await initGpu();
 * const conv = new IrNetConv2d(4, 8, 3, { padding: 1 });
 * const y = conv.forward(Tensor.zeros([2, 4, 5, 5]));
 * console.log(conv.k, conv.t, y.shape); // 10 0.1 [2, 8, 5, 5]
 * ```
 */
export class IrNetConv2d extends MethodConv2d {
  /** Whether activations are binarised (1w1a). */
  readonly binarizeInput: boolean;
  /** EDE's k (set by {@link irnetEpochHook}). */
  k: number = 10;
  /** EDE's t (set by {@link irnetEpochHook}). */
  t: number = Math.fround(0.1);

  /**
   * Creates the layer.
   *
   * @param inChannels input channels
   * @param outChannels output channels
   * @param kernelSize square kernel size
   * @param options stride, padding, bias, 1w1a/1w32a, init
   */
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    options: IrNetConv2dOptions = {},
  ) {
    super(inChannels, outChannels, kernelSize, options, { bias: false, init: kaimingInit });
    this.binarizeInput = options.binarizeInput ?? true;
  }

  /** Runs the convolution on `x` (`[N, C, H, W]`). */
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    const bw = libraPB(this.weight);
    const wq = mulRow(ede(bw, this.k, this.t), powerOfTwoScale(bw));
    const a = this.binarizeInput ? ede(x, this.k, this.t) : x;
    return this.addBias(conv2d(a, wq, this.conv));
  }

  /** `, 1w32a` when activations stay real. */
  protected override describeExtra(): string {
    return this.binarizeInput ? "" : ", 1w32a";
  }
}

/** The range of IR-Net's t schedule. */
export interface IrNetSchedule {
  /** t at epoch 0 (default 0.1: paper and VGG-Small; the ResNet-20 trainer uses 1e-3). */
  tMin?: number;
  /** t approached at the last epoch (default 10). */
  tMax?: number;
}

/**
 * IR-Net's EDE schedule before epoch `epoch` (0-based) of `epochs`:
 * `t = 10^(log10 tMin + (log10 tMax − log10 tMin)·epoch/epochs)`, `k = 1/t` if t < 1 else 1,
 * both rounded to float32 as the trainers' `.float()` tensors are.
 *
 * @example
 * ```ts
 * import { irnetKT } from "@ovsw/layers";
 * console.log(irnetKT(0, 10)); // { k: 10, t: 0.1 } (to float32)
 * console.log(irnetKT(5, 10)); // { k: 1, t: 1 }
 * ```
 */
export function irnetKT(
  epoch: number,
  epochs: number,
  schedule: IrNetSchedule = {},
): { k: number; t: number } {
  checkEpoch("irnetKT", epoch, epochs);
  const { tMin = 0.1, tMax = 10 } = schedule;
  if (!(tMin > 0 && tMax > 0)) {
    throw new RangeError(`irnetKT: tMin and tMax must be positive, got ${tMin}, ${tMax}`);
  }
  const lo = Math.log(tMin) / Math.log(10);
  const hi = Math.log(tMax) / Math.log(10);
  const t = Math.fround(Math.pow(10, lo + (hi - lo) / epochs * epoch));
  return { k: t < 1 ? Math.fround(1 / t) : 1, t };
}

/**
 * An {@link EpochHook} that sets {@link irnetKT}'s k, t on every {@link IrNetConv2d} of the
 * model before each epoch.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { IrNetConv2d, makeIrnetEpochHook, Sequential } from "@ovsw/layers";
 * await initGpu();
 * const conv = new IrNetConv2d(2, 2, 1);
 * makeIrnetEpochHook({ tMin: 1e-3 })(new Sequential(conv), 0, 100);
 * console.log(conv.k * conv.t); // ≈ 1
 * ```
 */
export function makeIrnetEpochHook(schedule: IrNetSchedule = {}): EpochHook {
  return (model, epoch, epochs) => {
    const { k, t } = irnetKT(epoch, epochs, schedule);
    for (const [, m] of model.namedModules()) {
      if (m instanceof IrNetConv2d) {
        m.k = k;
        m.t = t;
      }
    }
  };
}

/**
 * IR-Net's default schedule hook (tMin 0.1, tMax 10: the paper and the VGG-Small trainer).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { IrNetConv2d, irnetEpochHook, Sequential } from "@ovsw/layers";
 * await initGpu();
 * const conv = new IrNetConv2d(2, 2, 1);
 * irnetEpochHook(new Sequential(conv), 1, 2);
 * console.log(conv.k, conv.t); // 1 1
 * ```
 */
export const irnetEpochHook: EpochHook = makeIrnetEpochHook();
