/**
 * How each BNN method's binary conv becomes an export: its EVAL-mode forward written as
 * `y_o = acc_o·scale_o + shift_o` with `acc = Σ sign(x')·b(W)` (an integer), `b(W)` its binary
 * weights (packed signs, `{−1, 0, +1}`), and `x'` the conv's input after an optional
 * preprocessing the sign reads (a per-channel shift, a per-sample centring). Every piece is
 * computed with the layer's own eval-forward functions (docs/deploy.md, "Methods").
 *
 * @module
 */
import { noGrad, reshape, Tensor, tidy } from "@ovsw/gpu";
import {
  BinaryConv2d,
  binaryConv2d,
  ede,
  FdaConv2d,
  HardBinaryConv2d,
  hardBinaryWeight,
  IrNetConv2d,
  LearnableBias,
  libraPB,
  type Module,
  powerOfTwoScale,
  RbnnConv2d,
  rbnnRotate,
  rbnnRotatedWeight,
  rbnnSign,
  RecuConv2d,
  recuWeight,
  Sequential,
  SimanConv2d,
  standardizeRows,
  XnorConv2d,
  XnorPlusPlusConv2d,
  xnorPlusPlusWeight,
  xnorWeight,
} from "@ovsw/layers";

/** Packed signs, optional non-zero plane and per-channel magnitude of a binary conv. */
export interface PackedConv {
  /** Sign bits `[O, k·k, ⌈C/32⌉]` (set where the weight is negative). */
  signs: Uint32Array;
  /** Non-zero bits, or null when every weight is ±s. */
  nonzero: Uint32Array | null;
  /** `s_o`: every weight of row `o` is `±s_o` or 0. */
  magnitude: Float32Array;
}

/**
 * Packs scaled binary weights `[O, C, k, k]` (each row `{−s_o, 0, +s_o}`); throws, naming
 * `what`, if a row mixes magnitudes.
 *
 * @example
 * ```ts
 * import { packScaledWeights } from "@ovsw/cli/export";
 * const p = packScaledWeights(new Float32Array([0.5, -0.5, 0, 0.5]), [1, 4, 1, 1], "conv");
 * console.log(p.signs[0], p.nonzero?.[0], p.magnitude[0]); // 2 11 0.5
 * ```
 */
export function packScaledWeights(
  w: Float32Array,
  shape: readonly number[],
  what: string,
): PackedConv {
  const [o, c, kh, kw] = shape;
  const kk = kh * kw;
  const cw = Math.ceil(c / 32);
  const signs = new Uint32Array(o * kk * cw);
  const nonzero = new Uint32Array(o * kk * cw);
  const magnitude = new Float32Array(o);
  let zeros = false;
  for (let oc = 0; oc < o; oc++) {
    let s = 0;
    for (let j = 0; j < c * kk; j++) s = Math.max(s, Math.abs(w[oc * c * kk + j]));
    magnitude[oc] = s;
    for (let ch = 0; ch < c; ch++) {
      for (let k = 0; k < kk; k++) {
        const v = w[(oc * c + ch) * kk + k];
        if (v !== 0 && Math.abs(v) !== s) {
          throw new RangeError(
            `${what}: output channel ${oc} mixes magnitudes ${s} and ${Math.abs(v)}; only ` +
              `estimators whose forward is a per-channel scaled sign can be exported`,
          );
        }
        const word = (oc * kk + k) * cw + (ch >> 5);
        const bit = 1 << (ch & 31);
        if (v < 0) signs[word] |= bit;
        if (v !== 0) nonzero[word] |= bit;
        else zeros = true;
      }
    }
  }
  return { signs, nonzero: zeros ? nonzero : null, magnitude };
}

/** What the sign of a binary conv reads, applied to its input in this order. */
export type InputStep =
  | { kind: "shift"; shift: Float32Array } // x + b_c (ReActNet's LearnableBias / RSign)
  | { kind: "centre" }; // x − mean over the sample (RBNN, SiMaN)

/** A binary conv's eval forward: `y_o = acc_o·scale_o + shift_o` on `sign(steps(x))`. */
export interface BinaryConvPlan {
  /** Preprocessing before the signs. */
  steps: InputStep[];
  /** The conv's packed binary weights. */
  packed: PackedConv;
  /** Per-channel multiplier of the integer sum. */
  scale: Float32Array;
  /** Per-channel offset after the multiplier (a bias, scaled where the layer scales it). */
  shift: Float32Array | null;
  /** Geometry. */
  inChannels: number;
  /** Geometry. */
  outChannels: number;
  /** Geometry. */
  kernel: number;
  /** Geometry. */
  stride: number;
  /** Geometry. */
  padding: number;
}

/** Runs `make` without autograd and reads the tensor it returns. */
async function evalRead(make: () => Tensor): Promise<Float32Array> {
  const t = noGrad(() => tidy(make));
  return await t.read().finally(() => t.dispose());
}

/**
 * The default conv's `α_o·est(W_o)`, read back: the eval-mode op applied (stride 1, no padding)
 * to the one-hot basis of its `C·k·k` inputs, chunk by chunk, gives each scaled weight as one
 * exact product.
 */
async function scaledWeights(conv: BinaryConv2d): Promise<Float32Array> {
  const [o, c, kh, kw] = conv.weight.shape;
  const n = c * kh * kw;
  const out = new Float32Array(o * n);
  const chunk = Math.max(1, Math.floor((1 << 22) / n));
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const basis = new Float32Array(m * n);
    for (let i = 0; i < m; i++) basis[i * n + s + i] = 1;
    const got = await evalRead(() =>
      binaryConv2d(Tensor.from(basis, [m, c, kh, kw]), conv.weight, {
        training: false,
        estimator: conv.estimator,
        alpha: conv.scalingFactor ?? undefined,
      })
    ); // [m, O, 1, 1]
    for (let i = 0; i < m; i++) {
      for (let oc = 0; oc < o; oc++) out[oc * n + s + i] = got[i * o + oc];
    }
  }
  return out;
}

/** A parameter or buffer of `m` itself by name (e.g. RBNN's `rotate`, SiMaN's `B`). */
function own(m: Module, name: string): Tensor {
  const t = new Map([...m.namedParameters(), ...m.namedBuffers()]).get(name);
  if (!t) throw new RangeError(`${m.typeName}: no parameter or buffer "${name}"`);
  return t;
}

/** `a[o]·b[o]` in f64, rounded once (b absent: a). */
function times(a: Float32Array, b: Float32Array | null): Float32Array {
  return b ? a.map((v, o) => v * b[o]) : a;
}

/** `describe()` where a layer has one (the method convs), else its type name. */
function describeLayer(m: Module): string {
  const d = (m as { describe?: () => string }).describe;
  return d ? d.call(m) : m.typeName;
}

/** The layer's method name in error messages. */
const METHOD: [new (...a: never[]) => Module, string][] = [
  [XnorConv2d, "xnor"],
  [XnorPlusPlusConv2d, "xnorpp"],
  [HardBinaryConv2d, "bireal/reactnet"],
  [IrNetConv2d, "irnet"],
  [RecuConv2d, "recu"],
  [RbnnConv2d, "rbnn"],
  [SimanConv2d, "siman"],
  [FdaConv2d, "fda"],
];

function refuse(name: string, conv: Module, why: string): never {
  const method = METHOD.find(([c]) => conv instanceof c)?.[1];
  throw new RangeError(
    `${name}: cannot export ${describeLayer(conv)}${method ? ` (--method ${method})` : ""}: ${why}`,
  );
}

/** Geometry and plan from the packed weights, scale and shift. */
function plan(
  conv: {
    inChannels: number;
    outChannels: number;
    kernelSize: number;
    stride: number;
    padding: number;
  },
  packed: PackedConv,
  scale: Float32Array,
  shift: Float32Array | null,
  steps: InputStep[] = [],
): BinaryConvPlan {
  return {
    steps,
    packed,
    scale,
    shift,
    inChannels: conv.inChannels,
    outChannels: conv.outChannels,
    kernel: conv.kernelSize,
    stride: conv.stride,
    padding: conv.padding,
  };
}

/**
 * The eval-mode computation of a binary conv of any supported method (the default
 * `BinaryConv2d`, XNOR, XNOR++, Bi-Real/ReActNet's HardBinaryConv, IR-Net, ReCU, RBNN, SiMaN,
 * and `Sequential(LearnableBias, conv)`), or null when `conv` is not a binary conv. Throws one
 * error naming the layer and the method for what cannot be exported (FDA: its eval forward adds
 * noise to the activations, so they are not binary).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { RecuConv2d } from "@ovsw/layers";
 * import { binaryConvPlan } from "@ovsw/cli/export";
 * await initGpu();
 * const conv = new RecuConv2d(4, 8, 3, { padding: 1 });
 * conv.eval();
 * const p = await binaryConvPlan("conv", conv);
 * console.log(p?.steps.length, p?.packed.magnitude[0]); // 0 1
 * ```
 */
export async function binaryConvPlan(name: string, conv: Module): Promise<BinaryConvPlan | null> {
  if (conv.training) refuse(name, conv, "export reads the eval-mode forward (call model.eval())");
  if (conv instanceof BinaryConv2d) {
    const packed = packScaledWeights(await scaledWeights(conv), conv.weight.shape, name);
    return plan(conv, packed, packed.magnitude, null);
  }
  if (conv instanceof Sequential && conv.layers.length === 2) {
    const [bias, inner] = conv.layers;
    const p = bias instanceof LearnableBias ? await binaryConvPlan(name, inner) : null;
    if (!p) return null;
    const shift = await (bias as LearnableBias).bias.read();
    return { ...p, steps: [{ kind: "shift", shift }, ...p.steps] };
  }
  const shape = (conv as { weight?: Tensor }).weight?.shape ?? [];
  const bias = async (c: { bias: Tensor | null }) => c.bias ? await c.bias.read() : null;
  if (conv instanceof XnorConv2d) {
    // The eval forward centres and clamps the latent weights in place once after training;
    // one forward on a dummy input does exactly that (and nothing if already done).
    noGrad(() => tidy(() => conv.forward(Tensor.zeros([1, conv.inChannels, 1, 1]))).dispose());
    const packed = packScaledWeights(await evalRead(() => xnorWeight(conv.weight)), shape, name);
    return plan(conv, packed, packed.magnitude, await bias(conv));
  }
  if (conv instanceof XnorPlusPlusConv2d) {
    const w = await evalRead(() => xnorPlusPlusWeight(conv.weight));
    const packed = packScaledWeights(w, shape, name);
    const alpha = await conv.alpha.read();
    const b = await bias(conv);
    return plan(conv, packed, times(packed.magnitude, alpha), b ? times(b, alpha) : null);
  }
  if (conv instanceof HardBinaryConv2d) {
    if (!conv.binarizeInput) refuse(name, conv, "its input is real-valued (binarizeInput false)");
    const packed = packScaledWeights(
      await evalRead(() => hardBinaryWeight(conv.weight)),
      shape,
      name,
    );
    return plan(conv, packed, packed.magnitude, null);
  }
  if (conv instanceof IrNetConv2d) {
    if (!conv.binarizeInput) refuse(name, conv, "its activations are real-valued (1w32a)");
    const signs = await evalRead(() => ede(libraPB(conv.weight), conv.k, conv.t));
    const pow2 = await evalRead(() => powerOfTwoScale(libraPB(conv.weight)));
    const per = signs.length / conv.outChannels;
    const w = signs.map((s, i) => s * pow2[Math.floor(i / per)]); // ±2^e: exact
    const packed = packScaledWeights(w, shape, name);
    return plan(conv, packed, packed.magnitude, await bias(conv));
  }
  if (conv instanceof RecuConv2d) {
    // Eval: sign(a) (no per-sample std), weights sign(clamp(standardise(W), τ)), then ·α.
    const packed = packScaledWeights(
      await evalRead(() => recuWeight(conv.weight, conv.tau)),
      shape,
      name,
    );
    const alpha = await conv.alpha.read();
    const b = await bias(conv);
    return plan(conv, packed, times(packed.magnitude, alpha), b ? times(b, alpha) : null);
  }
  if (conv instanceof RbnnConv2d) {
    const w = await evalRead(() => {
      const o = conv.outChannels;
      const w2 = standardizeRows(reshape(conv.weight, [o, conv.weight.size / o]), 0);
      const r = rbnnRotatedWeight(w2, own(conv, "R1"), own(conv, "R2"));
      return rbnnSign(rbnnRotate(w2, own(conv, "rotate"), r), conv.k, conv.t);
    });
    const packed = packScaledWeights(w, shape, name);
    const alpha = await own(conv, "alpha").read();
    return plan(conv, packed, times(packed.magnitude, alpha), null, [{ kind: "centre" }]);
  }
  if (conv instanceof SimanConv2d) {
    // Eval: weights 2B − 1 from the buffer B (the in-place clip does not reach them).
    const b = await own(conv, "B").read();
    const packed = packScaledWeights(b.map((v) => 2 * v - 1), shape, name);
    const alpha = await own(conv, "alpha").read();
    return plan(conv, packed, times(packed.magnitude, alpha), null, [{ kind: "centre" }]);
  }
  if (conv instanceof FdaConv2d) {
    refuse(
      name,
      conv,
      "FDA's eval forward adds its noise adapters' output (η·noise) to the binarised " +
        "activations and weights, so they are not ±1 and no XNOR-popcount conv computes it",
    );
  }
  return null;
}
