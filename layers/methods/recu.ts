/**
 * ReCU (Xu et al., ICCV 2021) as its official code computes it (z-hXu/ReCU @ 9a73bed7,
 * `imagenet/modules/binarized_modules.py`, τ schedule `cpt_tau` in `imagenet/main.py`).
 *
 * @module
 */
import {
  broadcastScalar,
  conv2d,
  mapElements,
  meanAll,
  mulChannel,
  noGrad,
  record1,
  reshape,
  scale,
  type Tensor,
  tidy,
} from "@ovsw/gpu";
import { createParameter } from "../parameter.ts";
import { kaimingInit, MethodConv2d, type MethodConvOptions } from "./method_conv.ts";
import { divRow, rowVar, sqrtEps, standardizeRows } from "./_row_ops.ts";
import { approxSign } from "./approx_sign.ts";
import { identitySign } from "./sign_ste.ts";
import { checkEpoch, type EpochHook } from "./epoch_hook.ts";

/**
 * ReCU's weight standardisation: `w0 = w − mean_o w`, `w1 = w0 / (sqrt(var_o w0 + 1e-5) / (2√2))`
 * (per output channel, unbiased variance; std 2√2), differentiable.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { recuStandardise } from "@ovsw/layers";
 * await initGpu();
 * console.log(await recuStandardise(Tensor.from([1, 2, 3], [1, 3])).read()); // ≈ [-2.83, 0, 2.83]
 * ```
 */
export function recuStandardise(w: Tensor): Tensor {
  return scale(standardizeRows(w, 1e-5), 2 * Math.SQRT2);
}

/**
 * ReCU's rectified clamp `clamp(w1, −Q_τ, Q_τ)`, `Q_τ = −mean|w1|·ln(2 − 2τ)` over the **whole
 * layer** (the τ-quantile of a Laplace with that scale), detached; gradient 1 on [−Q, Q]
 * (inclusive, as `torch.clamp`), 0 outside. τ ≥ 1 gives Q = +∞: no clamp (the buffer's init 1).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { rectifiedClamp } from "@ovsw/layers";
 * await initGpu();
 * const w1 = Tensor.from([-3, -0.5, 0.5, 3], [4]); // mean|w1| = 1.75; τ = 0.75: Q = 1.75·ln 2
 * console.log(await rectifiedClamp(w1, 0.75).read()); // [-1.213, -0.5, 0.5, 1.213]
 * ```
 */
export function rectifiedClamp(w1: Tensor, tau: number): Tensor {
  if (tau >= 1) return reshape(w1, w1.shape);
  const q = noGrad(() =>
    tidy(() => {
      const ew = meanAll(mapElements("abs", "abs(a)", [w1]));
      const qt = mapElements("recu_q", "-a * log(2.0 - 2.0 * p.s0)", [ew], [Math.fround(tau)]);
      return broadcastScalar(qt, w1.shape);
    })
  );
  const y = mapElements("recu_clamp", "clamp(a, -b, b)", [w1, q]);
  record1([w1], y, (g) => [
    mapElements("recu_clamp_grad", "select(0.0, a, b >= -c && b <= c)", [g, w1, q]),
  ]);
  return y;
}

/**
 * ReCU's binary weight: `sign(rectifiedClamp(recuStandardise(w), τ))` with the identity STE.
 * The clamp never changes the sign (forward `sign(w − mean_o w)`); it only zeroes the
 * gradient of the tail weights (30–36% of them at τ = 0.85).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { recuWeight } from "@ovsw/layers";
 * await initGpu();
 * console.log(await recuWeight(Tensor.from([1, 2, 3, 2], [1, 4]), 0.85).read()); // [-1, 0, 1, 0]
 * ```
 */
export function recuWeight(w: Tensor, tau: number): Tensor {
  return identitySign(rectifiedClamp(recuStandardise(w), tau));
}

/**
 * ReCU's activation binariser: in training `a0 = a / sqrt(var_n a + 1e-5)` per sample
 * (unbiased, **not detached**, not centred), in evaluation `a0 = a`; then `sign(a0)` with the
 * ApproxSign backward. The forward is the same in both modes; the input gradient differs.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { recuActivation } from "@ovsw/layers";
 * await initGpu();
 * console.log(await recuActivation(Tensor.from([-2, 0, 1, 3], [2, 2]), true).read()); // [-1, 0, 1, 1]
 * ```
 */
export function recuActivation(a: Tensor, training: boolean): Tensor {
  if (!training) return approxSign(a);
  return approxSign(divRow(a, sqrtEps(rowVar(a), 1e-5)));
}

/**
 * Options of {@link RecuConv2d} (bias, added before the scale, default false; `rng` also
 * draws α).
 */
export type RecuConv2dOptions = MethodConvOptions;

/**
 * ReCU's binary convolution: `y = (conv2d(recuActivation(x), recuWeight(W, τ)) + bias)·α[o]`,
 * α a learned `[O]` scale (tag `vector`) initialised uniform [0, 1) like `torch.rand`. τ
 * starts at 1 (no clamp, the buffer's init) until {@link recuEpochHook} sets it before each
 * epoch. Deviation: τ is a plain attribute here, not a checkpointed buffer (the official
 * main.py sets it before every epoch anyway, so resuming gives the same value).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { RecuConv2d } from "@ovsw/layers";
 * await initGpu();
 * const conv = new RecuConv2d(4, 8, 3, { padding: 1 });
 * const y = conv.forward(Tensor.zeros([2, 4, 5, 5]));
 * console.log(conv.tau, conv.alpha.tag, y.shape); // 1 "vector" [2, 8, 5, 5]
 * ```
 */
export class RecuConv2d extends MethodConv2d {
  /** The clamp's τ (set by {@link recuEpochHook}; 1 = no clamp). */
  tau: number = 1;

  /**
   * Creates the layer.
   *
   * @param inChannels input channels
   * @param outChannels output channels
   * @param kernelSize square kernel size
   * @param options stride, padding, bias, init
   */
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    options: RecuConv2dOptions = {},
  ) {
    super(inChannels, outChannels, kernelSize, options, { bias: false, init: kaimingInit });
    const alpha = this.rng.uniformArray(outChannels, 0, 1);
    this.registerParameter("alpha", createParameter(alpha, [outChannels], "vector"));
  }

  /** The learned output scale `[O]`. */
  get alpha(): Tensor {
    return this.param("alpha");
  }

  /** Runs the convolution on `x` (`[N, C, H, W]`). */
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    const a = recuActivation(x, this.training);
    const y = conv2d(a, recuWeight(this.weight, this.tau), this.conv);
    return mulChannel(this.addBias(y), this.alpha);
  }
}

/** The range of ReCU's τ schedule. */
export interface RecuSchedule {
  /** τ at epoch 0 (default 0.85). */
  tauMin?: number;
  /** τ reached at epoch = epochs (default 0.99). */
  tauMax?: number;
}

/**
 * ReCU's τ before epoch `epoch` (0-based) of `epochs` (`cpt_tau`):
 * `τ = A·e^(epoch/epochs) + B`, `A = (τmax − τmin)/(e − 1)`, `B = τmin − A`, computed in
 * float32 like the official tensors (0.85 at epoch 0, ≈0.9889 at epoch 199 of 200).
 *
 * @example
 * ```ts
 * import { recuTau } from "@ovsw/layers";
 * console.log(recuTau(0, 200), recuTau(199, 200)); // ≈0.85 ≈0.9889
 * ```
 */
export function recuTau(epoch: number, epochs: number, schedule: RecuSchedule = {}): number {
  checkEpoch("recuTau", epoch, epochs);
  const f = Math.fround;
  const { tauMin = 0.85, tauMax = 0.99 } = schedule;
  const e = f(Math.E);
  const a = f(f(f(tauMax) - f(tauMin)) / f(e - 1));
  const b = f(f(tauMin) - a);
  return f(f(a * f(Math.pow(e, epoch / epochs))) + b);
}

/**
 * An {@link EpochHook} that sets {@link recuTau} on every {@link RecuConv2d} before each epoch.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { makeRecuEpochHook, RecuConv2d, Sequential } from "@ovsw/layers";
 * await initGpu();
 * const conv = new RecuConv2d(2, 2, 1);
 * makeRecuEpochHook({ tauMin: 0.8 })(new Sequential(conv), 0, 10);
 * console.log(conv.tau); // ≈0.8
 * ```
 */
export function makeRecuEpochHook(schedule: RecuSchedule = {}): EpochHook {
  return (model, epoch, epochs) => {
    const tau = recuTau(epoch, epochs, schedule);
    for (const [, m] of model.namedModules()) if (m instanceof RecuConv2d) m.tau = tau;
  };
}

/**
 * ReCU's default τ hook (0.85 → 0.99).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { RecuConv2d, recuEpochHook, Sequential } from "@ovsw/layers";
 * await initGpu();
 * const conv = new RecuConv2d(2, 2, 1);
 * recuEpochHook(new Sequential(conv), 0, 200);
 * console.log(conv.tau); // ≈0.85
 * ```
 */
export const recuEpochHook: EpochHook = makeRecuEpochHook();
