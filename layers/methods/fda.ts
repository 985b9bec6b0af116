/**
 * FDA-BNN (re-implementation: htqin/BiBench @ 5a04a6dd, `bibench/models/layers/fda.py`; the
 * authors' MindSpore code is eval-only): the Fourier-series sign backward, the noise adapters
 * and the η,n schedule.
 *
 * Forward of {@link FdaConv2d}, train **and** eval:
 * `bw = sign(w) + η·e_w(w)`, `ba = sign(a) + η·e_a(a)`, `y = conv2d(ba, bw·s)` with
 * `s[o] = mean|w[o]|` **detached**. Both signs use {@link fdaSign}'s backward
 * `(4ω/π)·Σ_{i=0}^{n} cos((2i+1)ωz)` (ω = 0.1), zero where |z| > 1 (|z| = 1 keeps it). The
 * noise terms are differentiable: the weight gets the gradient of its sign **and** of
 * `η·e_w(w)`, the input that of its sign and of `η·e_a(a)`.
 *
 * **Surprises kept from the code.** The noise is active in evaluation too. The noise adapter's
 * hidden width is `d // 64`, so it is **zero** for `d < 64` (`C_in·k·k` for the weights,
 * `C_in` for the activations): the noise is then `0.1·sin` alone. The activation adapter is
 * never trained: the official code creates it lazily in the first forward, after the optimizer
 * was built, so its weights stay at their random init.
 *
 * **How "never trained" is reproduced.** The activation adapter's weights are registered as
 * **buffers** (`actNoise.fc1`, `actNoise.fc2`): they are saved with the model but are not in
 * `paramRecord()`, so no optimizer ever sees them; the input gradient still flows through
 * them. They are drawn at construction from the layer's seeded `Prng` (PyTorch's default
 * Linear init U(±1/√fan_in), the official distribution) rather than from the global RNG at the
 * first forward, so a run is reproducible from its seed. The weight adapter's `fc1`, `fc2`
 * are trainable parameters (tag `float`). Zero-width adapters have no tensors at all.
 *
 * @module
 */
import {
  add,
  conv2d,
  f32,
  grid,
  linear,
  mapElements,
  noGrad,
  record1,
  relu,
  reshape,
  runKernel,
  scale,
  shapeStr,
  Tensor,
  WGSL_INDEX,
} from "@ovsw/gpu";
import { defaultWeight, type Initializer, Prng } from "@ovsw/init";
import { Module } from "../module.ts";
import { createBuffer, createParameter } from "../parameter.ts";
import { kaimingInit, MethodConv2d } from "./method_conv.ts";
import { checkEpoch, type EpochHook } from "./epoch_hook.ts";
import { mulRow, rowMeanAbs } from "./_row_ops.ts";

/** FDA's Fourier frequency ω. */
export const FDA_OMEGA = 0.1;

const SIGN_GRAD = `struct P { total: u32, n: u32, c: f32, w: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.total) { return; }
  let z = x[i];
  var s = 0.0;
  for (var k = 0u; k <= p.n; k++) { s += cos(f32(2u * k + 1u) * p.w * z); }
  y[i] = select(p.c * s * g[i], 0.0, z > 1.0 || z < -1.0);
}`;

/**
 * `sign(x)` (sign(0) = 0) with FDA's Fourier-series backward
 * `(4ω/π)·Σ_{i=0}^{n} cos((2i+1)ωx)` (ω = 0.1, n + 1 terms), zeroed where `x > 1` or `x < −1`
 * (so ±1 keep their gradient, as the official `inputs.gt(1)` / `inputs.lt(-1)`).
 *
 * @example
 * ```ts
 * import { backward, initGpu, sum, Tensor, tidy } from "@ovsw/gpu";
 * import { fdaSign } from "@ovsw/layers";
 * await initGpu();
 * const x = Tensor.from([0, 1, 1.5], [3]);
 * x.requiresGrad = true;
 * const g = tidy(() => backward(sum(fdaSign(x, 9)), [x])[0]!);
 * console.log(await g.read()); // [1.2732396, 0.5798427, 0]: 4ω/π·10 at 0, kept at 1, 0 beyond
 * ```
 */
export function fdaSign(x: Tensor, n: number): Tensor {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`fdaSign: n must be a non-negative integer, got ${n}`);
  }
  const y = mapElements("fda_sign", "sign(a)", [x]);
  record1([x], y, (g) => {
    const gx = Tensor.empty(x.shape);
    runKernel({
      name: "fda_sign_grad",
      code: SIGN_GRAD,
      inputs: [g, x],
      outputs: [gx],
      uniforms: [gx.size, n, f32((4 * FDA_OMEGA) / Math.PI), f32(FDA_OMEGA)],
      workgroups: grid(gx.size),
    });
    return [gx];
  });
  return y;
}

/** `0.1·sin(x)` with its gradient `0.1·cos(x)`: the noise adapters' fixed term. */
function sinTerm(x: Tensor): Tensor {
  const y = mapElements("fda_sin", "0.1 * sin(a)", [x]);
  record1([x], y, (g) => [mapElements("fda_sin_grad", "a * 0.1 * cos(b)", [g, x])]);
  return y;
}

/** The hidden width of FDA's noise adapter for input width `d`: `⌊d / 64⌋` (0 below 64). */
export function fdaNoiseWidth(d: number): number {
  return Math.floor(d / 64);
}

/**
 * FDA's weight noise `e_w(w) = fc2(relu(fc1(w.view(C_out, −1)))).view_as(w) + 0.1·sin(w)` (the
 * official `NoiseAdaption`: `fc1` `[d/64, d]`, `fc2` `[d, d/64]`, no bias), differentiable in
 * `w`, `fc1` and `fc2`. `fc1`, `fc2` null: a zero-width adapter (d < 64), noise `0.1·sin(w)`.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { fdaWeightNoise } from "@ovsw/layers";
 * await initGpu();
 * const w = Tensor.from([0, Math.PI / 2], [1, 2]);
 * console.log(await fdaWeightNoise(w, null, null).read()); // [0, 0.1]
 * ```
 */
export function fdaWeightNoise(w: Tensor, fc1: Tensor | null, fc2: Tensor | null): Tensor {
  const o = w.shape[0];
  const d = w.size / o;
  const noise = sinTerm(w);
  if (!fc1 || !fc2) return noise;
  const m = fdaNoiseWidth(d);
  if (shapeStr(fc1.shape) !== shapeStr([m, d]) || shapeStr(fc2.shape) !== shapeStr([d, m])) {
    throw new RangeError(
      `fdaWeightNoise: fc1 [${fc1.shape}] and fc2 [${fc2.shape}] must be [${m}, ${d}] and ` +
        `[${d}, ${m}] for a weight [${w.shape}]`,
    );
  }
  const h = relu(linear(reshape(w, [o, d]), fc1));
  return add(reshape(linear(h, fc2), w.shape), noise);
}

/**
 * FDA's activation noise `e_a(a)` over `[N, C, H, W]`: the same MLP as {@link fdaWeightNoise}
 * over the channels at each position (the official `NoiseAdaption_a`, i.e. two 1×1
 * convolutions) `+ 0.1·sin(a)`, differentiable in `a` (and in `fc1`, `fc2` if they require a
 * gradient). `fc1` `[C/64, C]`, `fc2` `[C, C/64]`; null for a zero-width adapter (C < 64).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { fdaActivationNoise } from "@ovsw/layers";
 * await initGpu();
 * const a = Tensor.from([Math.PI / 2, 0], [1, 2, 1, 1]);
 * console.log(await fdaActivationNoise(a, null, null).read()); // [0.1, 0]
 * ```
 */
export function fdaActivationNoise(a: Tensor, fc1: Tensor | null, fc2: Tensor | null): Tensor {
  const noise = sinTerm(a);
  if (!fc1 || !fc2) return noise;
  const c = a.shape[1];
  const m = fdaNoiseWidth(c);
  if (
    a.shape.length !== 4 || shapeStr(fc1.shape) !== shapeStr([m, c]) ||
    shapeStr(fc2.shape) !== shapeStr([c, m])
  ) {
    throw new RangeError(
      `fdaActivationNoise: input [${a.shape}] must be [N, C, H, W] with fc1 [${fc1.shape}] ` +
        `= [${m}, ${c}] and fc2 [${fc2.shape}] = [${c}, ${m}]`,
    );
  }
  const h = relu(conv2d(a, reshape(fc1, [m, c, 1, 1])));
  return add(conv2d(h, reshape(fc2, [c, m, 1, 1])), noise);
}

/**
 * FDA's schedule before epoch `epoch` (0-based) of `epochs` (the official
 * `model_params_update`): noise weight `η = 0.05·(1 + cos(π·(epoch + 1)/epochs))` (≈ 0.1 → 0 at
 * the last epoch; float32 as the official tensor) and series length `n = 9 + ⌊9·epoch/epochs⌋`
 * (9 → 17).
 *
 * @example
 * ```ts
 * import { fdaSchedule } from "@ovsw/layers";
 * console.log(fdaSchedule(0, 2), fdaSchedule(1, 2)); // { eta: 0.0499999…, n: 9 } { eta: 0, n: 13 }
 * ```
 */
export function fdaSchedule(epoch: number, epochs: number): { eta: number; n: number } {
  checkEpoch("fdaSchedule", epoch, epochs);
  const c = Math.fround(Math.cos(Math.fround(Math.fround((epoch + 1) / epochs) * Math.PI)));
  return {
    eta: Math.fround(0.05 * (1 + c)),
    n: 9 + Math.trunc((epoch / epochs) * 9),
  };
}

/**
 * FDA's noise adapter as a module: `fc1` `[⌊d/64⌋, d]` and `fc2` `[d, ⌊d/64⌋]`, PyTorch's
 * default Linear init U(±1/√fan_in), registered as trainable parameters (tag `float`) or, with
 * `trainable: false`, as buffers (saved, never given to an optimizer). A zero-width adapter
 * (d < 64) has no tensors.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { FdaNoiseAdapter } from "@ovsw/layers";
 * await initGpu();
 * const a = new FdaNoiseAdapter(128, { trainable: false });
 * console.log(a.width, a.namedBuffers().map(([n]) => n)); // 2 ["fc1", "fc2"]
 * ```
 */
export class FdaNoiseAdapter extends Module {
  /** Hidden width `⌊d/64⌋`. */
  readonly width: number;

  /**
   * Creates the adapter.
   *
   * @param d input (and output) width
   * @param options trainable (default true), rng (default `new Prng(0)`)
   */
  constructor(readonly d: number, options: { trainable?: boolean; rng?: Prng } = {}) {
    super();
    if (!Number.isInteger(d) || d < 1) {
      throw new RangeError(`FdaNoiseAdapter: d must be a positive integer, got ${d}`);
    }
    this.width = fdaNoiseWidth(d);
    if (this.width === 0) return;
    const rng = options.rng ?? new Prng(0);
    const trainable = options.trainable ?? true;
    const shapes: [string, number[]][] = [["fc1", [this.width, d]], ["fc2", [d, this.width]]];
    for (const [name, shape] of shapes) {
      const v = defaultWeight(shape, rng);
      if (trainable) this.registerParameter(name, createParameter(v, shape, "float"));
      else this.registerBuffer(name, createBuffer(v, shape));
    }
  }

  /** `[fc1, fc2]`, or `[null, null]` for a zero-width adapter. */
  weights(): [Tensor | null, Tensor | null] {
    if (this.width === 0) return [null, null];
    const get = (n: string) => this.hasParameter(n) ? this.param(n) : this.buffer(n);
    return [get("fc1"), get("fc2")];
  }

  /** The weight noise of a weight `[O, ...]` (see {@link fdaWeightNoise}). */
  forward(w: Tensor): Tensor {
    return fdaWeightNoise(w, ...this.weights());
  }

  /** e.g. `FdaNoiseAdapter(144→2→144)`. */
  describe(): string {
    return `${this.typeName}(${this.d}→${this.width}→${this.d})`;
  }
}

/** Options of {@link FdaConv2d}. */
export interface FdaConv2dOptions {
  /** Stride (default 1). */
  stride?: number;
  /** Zero padding of the binarised input (default 0). */
  padding?: number;
  /** Latent weight initialiser; default Kaiming normal (fan_in, leaky_relu a=0). */
  init?: Initializer;
  /** Random source of the weights and both noise adapters (default `new Prng(0)`). */
  rng?: Prng;
  /** Add the noise adapters (default true, as BiBench's `noise_adapt`). */
  noiseAdapt?: boolean;
}

/**
 * FDA-BNN's binary convolution (BiBench's `FDAConv2d`; see the module doc for the forward and
 * its surprises). Parameters: `weight` `[O, C, k, k]` (tag `binary`), `weightNoise.fc1`,
 * `weightNoise.fc2` (tag `float`, when C·k·k ≥ 64); buffers `actNoise.fc1`, `actNoise.fc2`
 * (never trained, when C ≥ 64). `eta` (η, initially 0.1) and `n` (initially 9) are set per
 * epoch by {@link fdaEpochHook}. No bias.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { FdaConv2d } from "@ovsw/layers";
 * await initGpu();
 * const conv = new FdaConv2d(3, 8, 3, { padding: 1 });
 * console.log(conv.describe(), conv.outputShape([2, 3, 8, 8])); // FdaConv2d(3→8, k3, s1, p1) [2, 8, 8, 8]
 * ```
 */
export class FdaConv2d extends MethodConv2d {
  /** Whether the noise adapters are used. */
  readonly noiseAdapt: boolean;
  /** Noise weight η (set per epoch). */
  eta = 0.1;
  /** Fourier series length n (n + 1 terms; set per epoch). */
  n = 9;

  /**
   * Creates the layer.
   *
   * @param inChannels input channels
   * @param outChannels output channels
   * @param kernelSize square kernel size
   * @param options stride, padding, init, rng, noiseAdapt
   */
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    options: FdaConv2dOptions = {},
  ) {
    super(inChannels, outChannels, kernelSize, { ...options, bias: false }, {
      bias: false,
      init: kaimingInit,
    });
    this.noiseAdapt = options.noiseAdapt ?? true;
    if (this.noiseAdapt) {
      const d = inChannels * kernelSize * kernelSize;
      this.registerModule("weightNoise", new FdaNoiseAdapter(d, { rng: this.rng }));
      this.registerModule(
        "actNoise",
        new FdaNoiseAdapter(inChannels, { rng: this.rng, trainable: false }),
      );
    }
  }

  /** Runs the FDA binary convolution on `x` (`[N, C, H, W]`). */
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    const w = this.weight;
    let bw = fdaSign(w, this.n);
    let ba = fdaSign(x, this.n);
    if (this.noiseAdapt) {
      const [wn, an] = this.namedChildren().map(([, m]) => m as FdaNoiseAdapter);
      bw = add(bw, scale(wn.forward(w), this.eta));
      ba = add(ba, scale(fdaActivationNoise(x, ...an.weights()), this.eta));
    }
    const o = this.outChannels;
    const s = noGrad(() => rowMeanAbs(reshape(w, [o, w.size / o])));
    return conv2d(ba, mulRow(bw, s), this.conv);
  }
}

/**
 * FDA's per-epoch hook: sets `eta`, `n` from {@link fdaSchedule} on every {@link FdaConv2d} of
 * `model` (BiBench's `ModelParamsUpdateHook.before_train_epoch`).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { FdaConv2d, fdaEpochHook, Sequential } from "@ovsw/layers";
 * await initGpu();
 * const conv = new FdaConv2d(2, 2, 3);
 * fdaEpochHook(new Sequential(conv), 5, 10);
 * console.log(conv.n); // 13
 * ```
 */
export const fdaEpochHook: EpochHook = (model, epoch, epochs) => {
  const { eta, n } = fdaSchedule(epoch, epochs);
  for (const [, m] of model.namedModules()) {
    if (m instanceof FdaConv2d) {
      m.eta = eta;
      m.n = n;
    }
  }
};
