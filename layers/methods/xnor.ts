/**
 * XNOR-Net (Rastegari et al. 2016) as the most-cited PyTorch re-implementation computes it
 * (jiecaoyu/XNOR-Net-PyTorch @ ebccb503, `CIFAR_10/util.py` `BinOp`, `models/nin.py`).
 *
 * @module
 */
import { conv2d, mapElements, noGrad, record1, type Tensor, tidy } from "@ovsw/gpu";
import { recordCopy } from "@ovsw/gpu/internal";
import { kaimingInit, MethodConv2d, type MethodConvOptions } from "./method_conv.ts";
import { centreDim1Raw, mulRow, rowMean, rowMeanAbs } from "./_row_ops.ts";
import { steSign } from "./sign_ste.ts";

/**
 * XNOR-Net's in-place step on the latent weights (`BinOp.meancenterConvParams` then
 * `clampConvParams`): `W ← clamp(W − mean over dim 1, −1, 1)`, the mean taken over the input
 * channels for each (o, kh, kw) — not over the whole filter. Returns a new tensor (no autograd).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { xnorCentreClamp } from "@ovsw/layers";
 * await initGpu();
 * const w = Tensor.from([3, -1, 0, 0], [1, 2, 2, 1]);
 * console.log(await xnorCentreClamp(w).read()); // [1, -0.5, -1, 0.5]
 * ```
 */
export function xnorCentreClamp(w: Tensor): Tensor {
  return centreDim1Raw(w, 1);
}

/** Options of {@link xnorWeight}. */
export interface XnorWeightOptions {
  /**
   * Extra factor on the weight gradient: 1 (CIFAR `util.py`, default) or 1e9 (the ImageNet
   * `util.py` multiplies by 1e9).
   */
  gradScale?: number;
}

/**
 * XNOR-Net's binary weight `α[o]·sign(W)`, `α[o] = ‖W[o]‖₁/n` (n = C·kh·kw), with the
 * re-implementation's hand-written weight gradient (`BinOp.updateBinaryGradWeight`), given
 * `g = ∂L/∂(α·sign W)`:
 * `∂L/∂W = (α[o]·1[−1 ≤ W ≤ 1]·g + sign(W)·mean_o(sign(W)·g))·(1 − 1/C)·n·gradScale`.
 *
 * Surprise kept: the mask is written into an `expand()`ed α, so one weight of filter o outside
 * [−1, 1] zeroes the α term of the whole filter. It never triggers in {@link XnorConv2d}, whose
 * weights were clamped in place before the forward.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { xnorWeight } from "@ovsw/layers";
 * await initGpu();
 * const w = Tensor.from([0.5, -0.1, 0, 0.2], [1, 4, 1, 1]);
 * console.log(await xnorWeight(w).read()); // α = 0.2: [0.2, -0.2, 0, 0.2]
 * ```
 */
export function xnorWeight(w: Tensor, options: XnorWeightOptions = {}): Tensor {
  const { gradScale = 1 } = options;
  if (w.shape.length < 2) {
    throw new RangeError(`xnorWeight: expected [O, C, ...], got [${w.shape}]`);
  }
  const [O, C] = w.shape;
  const n = w.size / O;
  const wb = noGrad(() => tidy(() => mulRow(mapElements("sign", "sign(a)", [w]), rowMeanAbs(w))));
  record1([w], wb, (g) => [tidy(() => {
    const outside = mapElements("xnor_outside", "select(0.0, 1.0, abs(a) > 1.0)", [w]);
    const alpha = mapElements("xnor_alpha_mask", "select(a, 0.0, b > 0.0)", [
      rowMeanAbs(w),
      rowMean(outside),
    ]);
    const s = mapElements("sign", "sign(a)", [w]);
    const cross = rowMean(mapElements("mul", "a * b", [s, g]));
    const sum = mapElements("add", "a + b", [mulRow(g, alpha), mulRow(s, cross)]);
    return mapElements("scale", "a * p.s0", [sum], [(1 - 1 / C) * n * gradScale]);
  })]);
  return wb;
}

/**
 * XNOR-Net's activation binariser (`BinActive`): `sign(x)`, gradient `1[−1 < x < 1]` (zero at
 * |x| ≥ 1). The mean |x| over channels it also returns (the paper's K) is discarded by the code.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { xnorActivation } from "@ovsw/layers";
 * await initGpu();
 * console.log(await xnorActivation(Tensor.from([-2, 0, 0.3], [3])).read()); // [-1, 0, 1]
 * ```
 */
export function xnorActivation(x: Tensor): Tensor {
  return steSign(x, "exclusive");
}

/** Options of {@link XnorConv2d} (bias default true: the NIN's `nn.Conv2d` has one). */
export interface XnorConv2dOptions extends MethodConvOptions {
  /** Weight-gradient factor (see {@link XnorWeightOptions}; default 1, ImageNet code 1e9). */
  gradScale?: number;
}

/**
 * XNOR-Net's binary convolution: `y = conv2d(sign(x), α·sign(W)) + bias`, activation gradient
 * `1[|x| < 1]`, the weight gradient of {@link xnorWeight}.
 *
 * **In-place weight step.** Like the official `BinOp.binarization()` before every training
 * forward, this layer rewrites its latent weights in place, `W ← clamp(W − mean over dim 1,
 * −1, 1)` ({@link xnorCentreClamp}), at the start of every forward in training mode — the
 * optimizer then updates (and decays) the centred, clamped weights, exactly as the official
 * loop does. Call {@link XnorConv2d.centreWeights} to do it yourself. In evaluation mode it is
 * done on the first forward after a training forward or a new weight tensor (the official
 * `test()` calls `binarization()` once before the test loop); the one difference: two
 * evaluations in a row without training between centre once here, twice in the official code. The weight tensor keeps its identity (its GPU
 * buffer is overwritten), so optimizers and `paramRecord()` see the same tensor.
 *
 * The official model wraps this as BN(eps 1e-4) → BinActive → conv → ReLU and keeps the
 * first and last layers real-valued; the block is the model's business.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { XnorConv2d } from "@ovsw/layers";
 * await initGpu();
 * const conv = new XnorConv2d(4, 8, 3, { padding: 1 });
 * const y = conv.forward(Tensor.zeros([2, 4, 5, 5]));
 * console.log(conv.weight.tag, y.shape); // "binary" [2, 8, 5, 5]
 * ```
 */
export class XnorConv2d extends MethodConv2d {
  /** Weight-gradient factor. */
  readonly gradScale: number;
  #centred: Tensor | null = null;

  /**
   * Creates the layer.
   *
   * @param inChannels input channels
   * @param outChannels output channels
   * @param kernelSize square kernel size
   * @param options stride, padding, bias, gradient factor, init
   */
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    options: XnorConv2dOptions = {},
  ) {
    super(inChannels, outChannels, kernelSize, options, { bias: true, init: kaimingInit });
    this.gradScale = options.gradScale ?? 1;
  }

  /** Centres (over the input channels) and clamps the latent weights in place. */
  centreWeights(): void {
    const w = this.weight;
    const c = noGrad(() => xnorCentreClamp(w));
    recordCopy(c.buffer, w.buffer, w.bytes);
    c.dispose();
    this.#centred = w;
  }

  /** Runs the convolution on `x` (`[N, C, H, W]`); see the class doc for the in-place step. */
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    if (this.training) {
      this.centreWeights();
      this.#centred = null; // the next evaluation centres again, as the official test() does
    } else if (this.#centred !== this.weight) this.centreWeights();
    const wb = xnorWeight(this.weight, { gradScale: this.gradScale });
    return this.addBias(conv2d(xnorActivation(x), wb, this.conv));
  }
}
