/**
 * SiMaN (lmbxmu/SiMaN @ 998669a5, `imagenet/modules/binarized_modules.py`, `--sort` default →
 * the median branch): sign-to-magnitude weight binarisation with in-place percentile clipping.
 *
 * Forward of {@link SimanConv2d}, every call:
 * 1. **In place, train and eval, no gradient:** `w1 = w − mean_o w`; `L, H` = the `p`-th and
 *    `(100 − p)`-th percentiles of `|w1|` over the **whole layer** (numpy's linear
 *    interpolation); the latent weight becomes `clamp(|w1|, L, H)·sign(w1)`. The optimizer
 *    then updates these clipped weights. With `p = 0` (the initial percent) only the centring
 *    acts.
 * 2. `w2 = (w − mean_o)/sqrt(var_o + 1e-5)` on the updated weight, `X = |w2|`.
 * 3. **Training only:** `B[o, j] = 1[X[o, j] > median_j X[o, :]]` (torch's lower median), stored
 *    in the buffer `B` in place. **Evaluation uses the stored B** (initially
 *    `(sign(w_init) + 1)/2`, 0.5 where w = 0; stale after a re-initialisation).
 * 4. `bw = 2B − 1` forward (exactly ±1, no scale), backward `∂L/∂w2 = sign(w2)·∂L/∂bw`
 *    ({@link simanWeight}), then through the standardisation.
 * 5. `ba = sign((a − mean_n)/sqrt(var_n + 1e-5))` with the ApproxSign backward; the
 *    standardisation is differentiable, in train and eval.
 * 6. `y = conv2d(ba, bw)·α`, α `[O]` learnable, init mean|w| at construction.
 *
 * `percent` follows {@link simanPercent} per epoch ({@link simanEpochHook}).
 *
 * @module
 */
import {
  conv2d,
  f32,
  grid,
  mapElements,
  mulChannel,
  noGrad,
  record1,
  reshape,
  runKernel,
  Tensor,
  WGSL_INDEX,
} from "@ovsw/gpu";
import { recordCopy } from "@ovsw/gpu/internal";
import type { Initializer, Prng } from "@ovsw/init";
import { createBuffer } from "../parameter.ts";
import { kaimingInit, MethodConv2d, reportingInit } from "./method_conv.ts";
import { approxSign } from "./approx_sign.ts";
import { checkEpoch, type EpochHook } from "./epoch_hook.ts";
import { rowCentre, standardizeRows } from "./_row_ops.ts";
import { selectKth } from "./_select.ts";

/**
 * SiMaN's clipping percent before epoch `epoch` (0-based) of `epochs`:
 * `p = 15·(1 − epoch/epochs)` (15 → 15/E at the last epoch).
 *
 * @example
 * ```ts
 * import { simanPercent } from "@ovsw/layers";
 * console.log(simanPercent(0, 10), simanPercent(9, 10)); // 15 1.5
 * ```
 */
export function simanPercent(epoch: number, epochs: number): number {
  checkEpoch("simanPercent", epoch, epochs);
  return 15 * (1 - epoch / epochs);
}

/**
 * SiMaN's binary weight `bw = X − X.detach() + (2B − 1)` with `X = |w2|`: forward exactly
 * `2B − 1`, backward `∂L/∂w2 = sign(w2)·∂L/∂bw` (`B` gets none).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { simanWeight } from "@ovsw/layers";
 * await initGpu();
 * console.log(await simanWeight(Tensor.from([0.3, -2], [2]), Tensor.from([1, 0], [2])).read()); // [1, -1]
 * ```
 */
export function simanWeight(w2: Tensor, b: Tensor): Tensor {
  const y = mapElements("siman_weight", "2.0 * b - 1.0", [w2, b]);
  record1([w2, b], y, (g) => [mapElements("siman_weight_grad", "a * sign(b)", [g, w2]), null]);
  return y;
}

const CLIP = `struct P { total: u32, f: f32, g: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> w1: array<f32>;
@group(0) @binding(2) var<storage, read> st: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
fn lerp(a: f32, b: f32, t: f32) -> f32 {
  let d = b - a;
  return select(a + d * t, b - d * (1.0 - t), t >= 0.5);
}
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.total) { return; }
  let lo = lerp(bitcast<f32>(st[0]), bitcast<f32>(st[2]), p.f);
  let hi = lerp(bitcast<f32>(st[4]), bitcast<f32>(st[6]), p.g);
  let v = w1[i];
  y[i] = clamp(abs(v), lo, hi) * sign(v);
}`;

/**
 * SiMaN's in-place step on a weight `[O, ...]`: `w ← clamp(|w1|, L, H)·sign(w1)` with
 * `w1 = w − mean_o w` and `L`, `H` the `percent`-th and `(100 − percent)`-th percentiles of
 * `|w1|` over the whole tensor (numpy's linear interpolation, on the GPU: no read-back).
 * Overwrites `w`'s buffer (same tensor, as `weight.data = …`); no autograd.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { simanClipInPlace } from "@ovsw/layers";
 * await initGpu();
 * const w = Tensor.from([1, 2, 3, 4, -10], [1, 5]);
 * simanClipInPlace(w, 25);
 * console.log(await w.read()); // [2, 2, 3, 4, -4]: |w1| clipped to its 25th..75th percentiles, [2, 4]
 * ```
 */
export function simanClipInPlace(w: Tensor, percent: number): void {
  if (!(percent >= 0 && percent <= 100)) {
    throw new RangeError(`simanClipInPlace: percent ${percent} is not in [0, 100]`);
  }
  noGrad(() => {
    const n = w.size;
    const w1 = rowCentre(reshape(w, [w.shape[0], n / w.shape[0]]));
    const abs = mapElements("abs", "abs(a)", [w1]);
    // numpy's linear method: position (p/100)·(n − 1) between sorted[⌊pos⌋] and the next.
    const pos = (percent / 100) * (n - 1);
    const lo = Math.floor(pos);
    const f = pos - lo;
    const hiPos = ((100 - percent) / 100) * (n - 1);
    const hiLo = Math.floor(hiPos);
    const ks = [lo, Math.min(lo + 1, n - 1), hiLo, Math.min(hiLo + 1, n - 1)];
    const st = selectKth(abs, 1, ks);
    const out = Tensor.empty(w.shape);
    const fHi = hiPos - hiLo;
    runKernel({
      name: "siman_clip",
      code: CLIP,
      inputs: [w1, st],
      outputs: [out],
      uniforms: [n, f32(f), f32(fHi)],
      workgroups: grid(n),
    });
    recordCopy(out.buffer, w.buffer, w.bytes);
    for (const t of [w1, abs, st, out]) t.dispose();
  });
}

const MEDIAN_MASK = `struct P { total: u32, n: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> st: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.total) { return; }
  y[i] = select(0.0, 1.0, x[i] > bitcast<f32>(st[(i / p.n) * 2u]));
}`;

/**
 * `1[X[o, j] > median_j X[o, :]]` for `X` `[O, K]` (≥ 0) with torch's lower median
 * (`sorted[(K − 1) / 2]`): ⌊K/2⌋ ones per row when the values are distinct. No autograd.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { simanMedianMask } from "@ovsw/layers";
 * await initGpu();
 * console.log(await simanMedianMask(Tensor.from([0.1, 0.4, 0.2, 0.3], [1, 4])).read()); // [0, 1, 0, 1]
 * ```
 */
export function simanMedianMask(x: Tensor): Tensor {
  const [o, k] = [x.shape[0], x.size / x.shape[0]];
  return noGrad(() => {
    const st = selectKth(x, o, [Math.floor((k - 1) / 2)]);
    const y = Tensor.empty(x.shape);
    runKernel({
      name: "siman_median_mask",
      code: MEDIAN_MASK,
      inputs: [x, st],
      outputs: [y],
      uniforms: [y.size, k],
      workgroups: grid(y.size),
    });
    st.dispose();
    return y;
  });
}

/** Options of {@link SimanConv2d}. */
export interface SimanConvOptions {
  /** Stride (default 1). */
  stride?: number;
  /** Zero padding of the binarised input (default 0). */
  padding?: number;
  /** Latent weight initialiser; default Kaiming normal (fan_in, leaky_relu a=0). */
  init?: Initializer;
  /** Random source (default `new Prng(0)`). */
  rng?: Prng;
}

/**
 * SiMaN's binary convolution (the official `BinarizeConv2d`; see the module doc for the
 * forward, its in-place clipping in train **and** eval, and the median B in train / stored B
 * in eval). Parameters: `weight` `[O, C, k, k]` (tag `binary`), `alpha` `[O]`; buffer `B`
 * `[O, C·k·k]` (the official non-trainable `nn.Parameter`). `percent` (a number, initially 0)
 * is set per epoch by {@link simanEpochHook}. No bias.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { SimanConv2d } from "@ovsw/layers";
 * await initGpu();
 * const conv = new SimanConv2d(3, 8, 3, { padding: 1 });
 * console.log(conv.outputShape([2, 3, 8, 8])); // [2, 8, 8, 8]
 * ```
 */
export class SimanConv2d extends MethodConv2d {
  /** The clipping percentile p (0 until the epoch hook sets it). */
  percent = 0;

  /**
   * Creates the layer.
   *
   * @param inChannels input channels
   * @param outChannels output channels
   * @param kernelSize square kernel size
   * @param options stride, padding, init, rng
   */
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    options: SimanConvOptions = {},
  ) {
    let w: Float32Array = new Float32Array(0);
    super(inChannels, outChannels, kernelSize, reportingInit(options, (v) => (w = v)), {
      bias: false,
      init: kaimingInit,
      meanAbsAlpha: true,
    });
    const b = w.map((v) => (Math.sign(v) + 1) / 2);
    this.registerBuffer("B", createBuffer(b, [outChannels, w.length / outChannels]));
  }

  /** Runs the in-place clipping, then the sign-to-magnitude convolution on `x`. */
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    const w = this.weight;
    simanClipInPlace(w, this.percent);
    const w2 = standardizeRows(reshape(w, [this.outChannels, w.size / this.outChannels]), 1e-5);
    const b = this.buffer("B");
    if (this.training) {
      const mask = simanMedianMask(noGrad(() => mapElements("abs", "abs(a)", [w2])));
      recordCopy(mask.buffer, b.buffer, b.bytes);
      mask.dispose();
    }
    const bw = reshape(simanWeight(w2, b), w.shape);
    const ba = approxSign(standardizeRows(x, 1e-5));
    return mulChannel(conv2d(ba, bw, this.conv), this.param("alpha"));
  }
}

/**
 * SiMaN's per-epoch hook: sets `percent = simanPercent(epoch, epochs)` on every
 * {@link SimanConv2d} of `model` (the official loop sets `module.percent` before each epoch).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { SimanConv2d, simanEpochHook, Sequential } from "@ovsw/layers";
 * await initGpu();
 * const conv = new SimanConv2d(2, 2, 3);
 * simanEpochHook(new Sequential(conv), 2, 10);
 * console.log(conv.percent); // 12
 * ```
 */
export const simanEpochHook: EpochHook = (model, epoch, epochs) => {
  const p = simanPercent(epoch, epochs);
  for (const [, m] of model.namedModules()) if (m instanceof SimanConv2d) m.percent = p;
};
