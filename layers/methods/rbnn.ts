/**
 * RBNN (lmbxmu/RBNN @ 0b5e73b8, `imagenet/modules/binarized_modules.py`): bi-rotated binary
 * weights, its training-aware sign approximation, the t,k schedule and the per-epoch rotation
 * update.
 *
 * Forward of {@link RbnnConv2d}: `w2 = (w − mean_o)/std_o`, `a2 = (a − mean_n)/std_n` (unbiased,
 * no eps, differentiable, train and eval); `X = w2` as `(C_out, a, b)` with
 * `(a, b) = rbnnAB(C_in·k·k)`; `w3 = w2 + |sin θ_o|·(R1ᵀ X R2 − w2)` with the rotated weight
 * detached; `y = conv2d(sign(a2), sign(w3)) · α_o`, both signs with {@link rbnnSign}'s backward.
 *
 * **Surprises kept from the official code.** At init θ = π/2, so `|sin θ|` is exactly 1 in
 * float32 and the latent weights get exactly **zero gradient** (only weight decay moves them);
 * θ's own gradient carries `cos(π/2) ≈ −4.4e−8`. The rotation matrices are updated once per
 * epoch, before the epoch's first batch, by 3 alternating SVD steps ({@link rbnnRotationUpdate}),
 * not by gradients; validation never updates them. α is the mean |w| of the weight at
 * construction (a re-initialisation after construction leaves it stale, as in the official
 * ImageNet ResNet).
 *
 * **Deviation.** The official initial rotations come from `scipy.stats.ortho_group` with
 * numpy's global RNG; here they are Haar-random too (QR of a Gaussian with the sign fix),
 * drawn from the layer's seeded `Prng`, so the matrices differ but the distribution is the
 * same.
 *
 * @module
 */
import {
  conv2d,
  f32,
  grid,
  keep,
  mapElements,
  mulChannel,
  noGrad,
  record1,
  reshape,
  runKernel,
  sumAxes,
  Tensor,
  WGSL_INDEX,
} from "@ovsw/gpu";
import { matmulRaw } from "@ovsw/gpu/internal";
import type { Initializer, Prng } from "@ovsw/init";
import { createBuffer, createParameter } from "../parameter.ts";
import { kaimingInit, MethodConv2d } from "./method_conv.ts";
import { checkEpoch, type EpochHook } from "./epoch_hook.ts";
import { standardizeRows } from "./_row_ops.ts";
import { haarOrthogonal, svd } from "./_svd.ts";

/**
 * `(a, b)` with `a·b = n` and `a` the largest divisor of `n` not above `√n` (the official
 * `get_ab`): 27 → (3, 9), 72 → (8, 9), 576 → (24, 24), 1152 → (32, 36).
 *
 * @example
 * ```ts
 * import { rbnnAB } from "@ovsw/layers";
 * console.log(rbnnAB(1152)); // [32, 36]
 * ```
 */
export function rbnnAB(n: number): [number, number] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`rbnnAB: n must be ≥ 1, got ${n}`);
  for (let i = Math.floor(Math.sqrt(n)); i > 0; i--) if (n % i === 0) return [i, n / i];
  return [1, n];
}

/**
 * RBNN's t,k before epoch `epoch` (0-based) of `epochs` (the official `cpt_tk`):
 * `t = 10^(log10 tMin + (log10 tMax − log10 tMin)·epoch/epochs)`, `k = max(1/t, 1)`
 * (tMin 1e-2, tMax 10 by default; CMIM uses the same with its own epochs).
 *
 * @example
 * ```ts
 * import { rbnnKT } from "@ovsw/layers";
 * console.log(rbnnKT(0, 150)); // { t: 0.01, k: 100 }
 * ```
 */
export function rbnnKT(
  epoch: number,
  epochs: number,
  options: { tMin?: number; tMax?: number } = {},
): { t: number; k: number } {
  checkEpoch("rbnnKT", epoch, epochs);
  const lo = Math.log10(options.tMin ?? 1e-2);
  const hi = Math.log10(options.tMax ?? 10);
  const t = Math.fround(10 ** (lo + ((hi - lo) / epochs) * epoch));
  return { t, k: Math.fround(Math.max(1 / t, 1)) };
}

/**
 * `sign(x)` (sign(0) = 0) with RBNN's training-aware backward
 * `k·max(0, √2·t − t²·|x|)` (the official `BinaryQuantize`, `2·sqrt(t²/2) = √2·t`). The
 * activations use `k = 1`, `t = max(t, 1)` (`BinaryQuantize_a`).
 *
 * @example
 * ```ts
 * import { backward, initGpu, sum, Tensor, tidy } from "@ovsw/gpu";
 * import { rbnnSign } from "@ovsw/layers";
 * await initGpu();
 * const x = Tensor.from([0, 0.5], [2]);
 * x.requiresGrad = true;
 * const g = tidy(() => backward(sum(rbnnSign(x, 1, 1)), [x])[0]!);
 * console.log(await g.read()); // [1.4142135, 0.9142135]
 * ```
 */
export function rbnnSign(x: Tensor, k: number, t: number): Tensor {
  const y = mapElements("rbnn_sign", "sign(a)", [x]);
  record1([x], y, (g) => [
    mapElements(
      "rbnn_sign_grad",
      "a * p.s0 * max(0.0, 2.0 * sqrt(p.s1 * p.s1 / 2.0) - abs(p.s1 * p.s1 * b))",
      [g, x],
      [k, t],
    ),
  ]);
  return y;
}

/** π/2 as float32 and the rest, so `θ − π/2` is exact near π/2 (see {@link rbnnRotate}). */
const HALF_PI_HI = Math.fround(Math.PI / 2);
const HALF_PI_LO = Math.PI / 2 - HALF_PI_HI;

/** Per-row element code: `r = i / n`, θ-derived `s = |sin θ_r|`, `ds = d|sin θ|/dθ`. */
function rotateCode(body: string, inputs: string[]): string {
  return `struct P { total: u32, n: u32, hi: f32, lo: f32 }
@group(0) @binding(0) var<uniform> p: P;
${
    inputs.map((nm, i) => `@group(0) @binding(${i + 1}) var<storage, read> ${nm}: array<f32>;`)
      .join("\n")
  }
@group(0) @binding(${inputs.length + 1}) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.total) { return; }
  let d = (th[i / p.n] - p.hi) - p.lo;
  let s = abs(cos(d));
  let ds = sign(cos(d)) * -sin(d);
  ${body}
}`;
}

function runRotate(name: string, body: string, inputs: [string, Tensor][], n: number): Tensor {
  const y = Tensor.empty(inputs[0][1].shape);
  runKernel({
    name,
    code: rotateCode(body, inputs.map(([nm]) => nm)),
    inputs: inputs.map(([, t]) => t),
    outputs: [y],
    uniforms: [y.size, n, f32(HALF_PI_HI), f32(HALF_PI_LO)],
    workgroups: grid(y.size),
  });
  return y;
}

/**
 * RBNN's rotation blend `w3 = w2 + |sin θ_o|·(rotated − w2)` for `w2`, `rotated` `[O, K]` and
 * θ `[O]`; `rotated` gets no gradient (the official `Rweight.detach()`), so
 * `∂w3/∂w2 = 1 − |sin θ|` (exactly 0 at θ = π/2) and
 * `∂L/∂θ_o = Σ g·(rotated − w2)·sign(sin θ)·cos θ`. `sin θ = cos(θ − π/2)` and
 * `cos θ = −sin(θ − π/2)` with `θ − π/2` taken in extended precision, so the float32 values at
 * θ = π/2 are PyTorch's (1 and −4.37e−8).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { rbnnRotate } from "@ovsw/layers";
 * await initGpu();
 * const w3 = rbnnRotate(Tensor.from([1, 2], [1, 2]), Tensor.from([0], [1]), Tensor.from([5, 5], [1, 2]));
 * console.log(await w3.read()); // [1, 2] (θ = 0: no rotation)
 * ```
 */
export function rbnnRotate(w2: Tensor, theta: Tensor, rotated: Tensor): Tensor {
  const [o, n] = [w2.shape[0], w2.size / Math.max(1, w2.shape[0])];
  if (w2.shape.length !== 2 || rotated.size !== w2.size || theta.size !== o) {
    throw new RangeError(
      `rbnnRotate: w2 [${w2.shape}], θ [${theta.shape}] and rotated [${rotated.shape}] must be ` +
        "[O, K], [O] and [O, K]",
    );
  }
  const y = runRotate("rbnn_rotate", "y[i] = w[i] + s * (r[i] - w[i]);", [
    ["w", w2],
    ["th", theta],
    ["r", rotated],
  ], n);
  record1([w2, theta], y, (g) => [
    w2.requiresGrad
      ? runRotate("rbnn_rotate_grad_w", "y[i] = g[i] * (1.0 - s);", [["g", g], ["th", theta]], n)
      : null,
    theta.requiresGrad
      ? sumAxes(
        runRotate("rbnn_rotate_grad_theta", "y[i] = g[i] * (r[i] - w[i]) * ds;", [
          ["g", g],
          ["th", theta],
          ["r", rotated],
          ["w", w2],
        ], n),
        [1],
      )
      : null,
  ]);
  return y;
}

const LEFT_ROTATE = `struct P { total: u32, a: u32, b: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> r1: array<f32>;
@group(0) @binding(2) var<storage, read> t: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let e = ${WGSL_INDEX.expr};
  if (e >= p.total) { return; }
  let j = e % p.b;
  let i = (e / p.b) % p.a;
  let base = (e / (p.a * p.b)) * p.a * p.b;
  var acc = 0.0;
  for (var q = 0u; q < p.a; q++) { acc += r1[q * p.a + i] * t[base + q * p.b + j]; }
  y[e] = acc;
}`;

/**
 * `R1ᵀ · X_o · R2` for every `X_o` of `x` `[O, a·b]` (viewed `(O, a, b)`), `R1` `[a, a]`,
 * `R2` `[b, b]`; no autograd (RBNN detaches the rotated weight).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { rbnnRotatedWeight } from "@ovsw/layers";
 * await initGpu();
 * const eye = Tensor.from([1, 0, 0, 1], [2, 2]);
 * const x = Tensor.from([1, 2, 3, 4], [1, 4]);
 * console.log(await rbnnRotatedWeight(x, eye, eye).read()); // [1, 2, 3, 4]
 * ```
 */
export function rbnnRotatedWeight(x: Tensor, r1: Tensor, r2: Tensor): Tensor {
  const [a, b] = [r1.shape[0], r2.shape[0]];
  const o = x.shape[0];
  if (x.size !== o * a * b || r1.size !== a * a || r2.size !== b * b) {
    throw new RangeError(
      `rbnnRotatedWeight: x [${x.shape}] is not [O, ${a}·${b}] for R1 [${r1.shape}], R2 [${r2.shape}]`,
    );
  }
  return noGrad(() => {
    const t = matmulRaw(x.view([o * a, b]), r2);
    const y = Tensor.empty([o, a * b]);
    runKernel({
      name: "rbnn_left_rotate",
      code: LEFT_ROTATE,
      inputs: [r1, t],
      outputs: [y],
      uniforms: [y.size, a, b],
      workgroups: grid(y.size),
    });
    t.dispose();
    return y;
  });
}

/** Matrix product of n×n row-major float64 matrices, with optional transposes. */
function mm(a: Float64Array, b: Float64Array, n: number, ta = false, tb = false): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) {
        s += (ta ? a[k * n + i] : a[i * n + k]) * (tb ? b[j * n + k] : b[k * n + j]);
      }
      out[i * n + j] = s;
    }
  }
  return out;
}

/** General product `a (m×k) · b (k×n)` of row-major float64 matrices. */
function gemm(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const v = a[i * k + p];
      if (v === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += v * b[p * n + j];
    }
  }
  return out;
}

/** Transpose of an m×n row-major matrix. */
function transpose(a: Float64Array, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a[i * n + j];
  return out;
}

/**
 * RBNN's rotation update on the CPU in float64, as the official forward does it when
 * `module.epoch > -1`: `iterations` times { `B_o = sign(R1ᵀ X_o R2)`;
 * `D1 = Σ_o B_o R2ᵀ X_oᵀ`, `U,S,V = svd(D1)`, `R1 = V Uᵀ`; `D2 = Σ_o X_oᵀ R1 B_o`,
 * `U,S,V = svd(D2)`, `R2 = U Vᵀ` }. `x` is the standardised weight `(O, a, b)` row-major.
 *
 * @example
 * ```ts
 * import { rbnnRotationUpdate } from "@ovsw/layers";
 * const eye = Float64Array.from([1, 0, 0, 1]);
 * const { r1 } = rbnnRotationUpdate(Float64Array.from([1, -2, 3, 0.5]), 1, 2, 2, eye, eye);
 * console.log(r1.length); // 4
 * ```
 */
export function rbnnRotationUpdate(
  x: Float64Array,
  o: number,
  a: number,
  b: number,
  r1: Float64Array,
  r2: Float64Array,
  iterations = 3,
): { r1: Float64Array; r2: Float64Array } {
  if (x.length !== o * a * b) {
    throw new RangeError(`rbnnRotationUpdate: ${x.length} values are not (${o}, ${a}, ${b})`);
  }
  let [R1, R2] = [r1, r2];
  const blocks = Array.from({ length: o }, (_, i) => x.subarray(i * a * b, (i + 1) * a * b));
  for (let it = 0; it < iterations; it++) {
    const B = blocks.map((X) =>
      gemm(gemm(transpose(R1, a, a), X, a, a, b), R2, a, b, b).map(Math.sign)
    );
    const D1 = new Float64Array(a * a);
    blocks.forEach((X, i) => {
      const t = gemm(gemm(B[i], transpose(R2, b, b), a, b, b), transpose(X, a, b), a, b, a);
      for (let e = 0; e < a * a; e++) D1[e] += t[e];
    });
    const s1 = svd(D1, a);
    R1 = mm(s1.v, s1.u, a, false, true);
    const D2 = new Float64Array(b * b);
    blocks.forEach((X, i) => {
      const t = gemm(gemm(transpose(X, a, b), R1, b, a, a), B[i], b, a, b);
      for (let e = 0; e < b * b; e++) D2[e] += t[e];
    });
    const s2 = svd(D2, b);
    R2 = mm(s2.u, s2.v, b, false, true);
  }
  return { r1: R1, r2: R2 };
}

/** Options of {@link RbnnConv2d}. */
export interface RbnnConvOptions {
  /** Stride (default 1). */
  stride?: number;
  /** Zero padding of the binarised input (default 0). */
  padding?: number;
  /** Latent weight initialiser; default Kaiming normal (fan_in, leaky_relu a=0). */
  init?: Initializer;
  /** Random source of the weights and the initial rotations (default `new Prng(0)`). */
  rng?: Prng;
}

/**
 * RBNN's binary convolution (the official `BinarizeConv2d`; see the module doc for the forward
 * and its surprises). Parameters: `weight` `[O, C, k, k]` (tag `binary`), `alpha` `[O]` (init
 * mean|w| per output channel), `rotate` θ `[O]` (init π/2); buffers `R1` `[a, a]`, `R2`
 * `[b, b]`. `k` and `t` are set per epoch by {@link rbnnEpochHook} (initial 10 and 0.1, as the
 * official constructor). No bias.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { RbnnConv2d } from "@ovsw/layers";
 * await initGpu();
 * const conv = new RbnnConv2d(3, 8, 3, { padding: 1 });
 * console.log(conv.describe(), conv.outputShape([2, 3, 8, 8])); // RbnnConv2d(3→8, k3, s1, p1, R 3×9) [2, 8, 8, 8]
 * ```
 */
export class RbnnConv2d extends MethodConv2d {
  /** Rows of R1 (`rbnnAB(C_in·k·k)[0]`). */
  readonly a: number;
  /** Rows of R2. */
  readonly b: number;
  /** Weight-gradient scale k of {@link rbnnSign} (set per epoch). */
  k = 10;
  /** Window t of {@link rbnnSign} (set per epoch; activations use max(t, 1)). */
  t = 0.1;

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
    options: RbnnConvOptions = {},
  ) {
    super(inChannels, outChannels, kernelSize, { ...options, bias: false }, {
      bias: false,
      init: kaimingInit,
      meanAbsAlpha: true,
    });
    [this.a, this.b] = rbnnAB(inChannels * kernelSize * kernelSize);
    const theta = new Float32Array(outChannels).fill(Math.PI / 2);
    this.registerParameter("rotate", createParameter(theta, [outChannels]));
    const r1 = Float32Array.from(haarOrthogonal(this.a, this.rng));
    const r2 = Float32Array.from(haarOrthogonal(this.b, this.rng));
    this.registerBuffer("R1", createBuffer(r1, [this.a, this.a]));
    this.registerBuffer("R2", createBuffer(r2, [this.b, this.b]));
  }

  /** Runs the bi-rotated binary convolution on `x` (`[N, C, H, W]`). */
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    const w = this.weight;
    const w2 = standardizeRows(reshape(w, [this.outChannels, w.size / this.outChannels]), 0);
    const rotated = rbnnRotatedWeight(w2, this.buffer("R1"), this.buffer("R2"));
    const w3 = rbnnRotate(w2, this.param("rotate"), rotated);
    const bw = reshape(rbnnSign(w3, this.k, this.t), w.shape);
    const ba = rbnnSign(standardizeRows(x, 0), 1, Math.max(this.t, 1));
    return mulChannel(conv2d(ba, bw, this.conv), this.param("alpha"));
  }

  /**
   * The official rotation update (3 alternating SVD steps on the current standardised
   * weights, float64 on the CPU); {@link rbnnEpochHook} runs it before every epoch.
   */
  async updateRotation(iterations = 3): Promise<void> {
    const w = await this.weight.read();
    const o = this.outChannels;
    const n = w.length / o;
    const x = new Float64Array(w.length);
    for (let r = 0; r < o; r++) {
      let m = 0;
      for (let j = 0; j < n; j++) m += w[r * n + j];
      m /= n;
      let v = 0;
      for (let j = 0; j < n; j++) v += (w[r * n + j] - m) ** 2;
      const sd = Math.sqrt(v / (n - 1));
      for (let j = 0; j < n; j++) x[r * n + j] = (w[r * n + j] - m) / sd;
    }
    const [r1, r2] = await Promise.all([this.buffer("R1").read(), this.buffer("R2").read()]);
    const next = rbnnRotationUpdate(
      x,
      o,
      this.a,
      this.b,
      Float64Array.from(r1),
      Float64Array.from(r2),
      iterations,
    );
    this.setTensor("R1", keep(Tensor.from(Float32Array.from(next.r1), [this.a, this.a])));
    this.setTensor("R2", keep(Tensor.from(Float32Array.from(next.r2), [this.b, this.b])));
  }

  /** `, R a×b`, as in `RbnnConv2d(16→32, k3, s2, p1, R 12×12)`. */
  protected override describeExtra(): string {
    return `, R ${this.a}×${this.b}`;
  }
}

/**
 * RBNN's per-epoch hook: sets `t`, `k` from {@link rbnnKT} on every {@link RbnnConv2d} of
 * `model`, then runs each layer's rotation update (the official code updates R1, R2 in the
 * epoch's first training forward; the weights are the same just before the epoch). The update
 * reads the weights back from the GPU, so this hook **returns a promise that the trainer must
 * await** before the epoch's first batch (an `EpochHook` may return a promise; the trainer
 * awaits every hook's result).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { RbnnConv2d, rbnnEpochHook, Sequential } from "@ovsw/layers";
 * await initGpu();
 * const model = new Sequential(new RbnnConv2d(2, 2, 3, { padding: 1 }));
 * await rbnnEpochHook(model, 0, 10);
 * console.log((model.namedModules()[1][1] as RbnnConv2d).t); // 0.01
 * ```
 */
export const rbnnEpochHook: EpochHook = async (model, epoch, epochs) => {
  const { t, k } = rbnnKT(epoch, epochs);
  for (const [, m] of model.namedModules()) {
    if (m instanceof RbnnConv2d) {
      m.t = t;
      m.k = k;
      await m.updateRotation();
    }
  }
};
