/**
 * A trained model → the ops and blobs of an `.ovsw` export (format in docs/deploy.md).
 *
 * Binary convs: the scaled binary weights `α_o·est(W_o)` are computed with the training
 * engine's own kernels, so every row is `{−s_o, 0, +s_o}`; the signs are packed 32 per u32
 * along the input channels, a non-zero plane is added only when some weight is exactly 0
 * (sign(0) = 0), and `s_o` together with the following eval-mode BatchNorm becomes one
 * per-channel scale/shift. A BatchNorm after a max-pool is folded into the conv only when every
 * folded scale is ≥ 0 (then it commutes with the max); otherwise it stays an `affine` op.
 *
 * @module
 */
import { noGrad, Tensor, tidy } from "@ovsw/gpu";
import {
  BasicBlock,
  type BatchNormBase,
  BinaryConv2d,
  binaryConv2d,
  BiRealBlock,
  Conv2d,
  Hardtanh,
  type Linear,
  type MaxPool2d,
  type Module,
  PadShortcut,
  PReLU,
  Sequential,
} from "@ovsw/layers";
import { CResNet18, CResNet20, ImageNetResNet, VGGBase, type VGGStage } from "@ovsw/models";
import type { Activation, BlobData, Epilogue, HeaderDraft, Op } from "@ovsw/infer";

/** What the export needs besides the model. */
export interface ExportInfo {
  /** Model name. */
  model: string;
  /** One image `[C, H, W]`. */
  inputShape: [number, number, number];
  /** Pixel normalisation. */
  normalization: { mean: number[]; std: number[] };
  /** Class names. */
  classes: string[];
  /** Provenance. */
  metadata?: Record<string, unknown>;
  /**
   * Store the classifier (linear) weights as f16 (default f32, which is exact). The float stem
   * stays f32: its outputs feed signs, which f16 rounding would flip.
   */
  float16?: boolean;
}

/** The header (without blob placement) and the blobs of an export. */
export interface ExportGraph {
  /** Header fields. */
  draft: HeaderDraft;
  /** Blobs in file order. */
  blobs: Map<string, BlobData>;
}

/** A per-channel scale and shift. */
interface ScaleShift {
  scale: Float32Array;
  shift: Float32Array;
}

async function readBn(
  bn: BatchNormBase,
): Promise<{ g: Float32Array; b: Float32Array; m: Float32Array; v: Float32Array }> {
  const buffers = new Map(bn.namedBuffers());
  const [g, b, m, v] = await Promise.all([
    bn.weight.read(),
    bn.bias.read(),
    buffers.get("running_mean")!.read(),
    buffers.get("running_var")!.read(),
  ]);
  return { g, b, m, v };
}

/** `bn(pre·x)` as `x·scale + shift` (f64, rounded once to f32). */
async function foldBn(bn: BatchNormBase, pre?: Float32Array): Promise<ScaleShift> {
  const { g, b, m, v } = await readBn(bn);
  const c = g.length;
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let o = 0; o < c; o++) {
    const k = g[o] / Math.sqrt(v[o] + bn.eps);
    scale[o] = (pre ? pre[o] : 1) * k;
    shift[o] = b[o] - m[o] * k;
  }
  return { scale, shift };
}

/** Packed signs, optional non-zero plane and per-channel magnitude of a binary conv. */
interface PackedConv {
  signs: Uint32Array;
  nonzero: Uint32Array | null;
  magnitude: Float32Array;
}

/** Packs the engine's scaled binary weights `[O, C, k, k]`; throws if a row is not ±s/0. */
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

/**
 * The training engine's `α_o·est(W_o)` of a binary conv, read back: the eval-mode op applied
 * (stride 1, no padding) to the one-hot basis of its `C·k·k` inputs, chunk by chunk, gives
 * each scaled weight as one exact product.
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
    const y = noGrad(() =>
      tidy(() =>
        binaryConv2d(Tensor.from(basis, [m, c, kh, kw]), conv.weight, {
          training: false,
          estimator: conv.estimator,
          alpha: conv.scalingFactor ?? undefined,
        })
      )
    );
    const got = await y.read().finally(() => y.dispose()); // [m, O, 1, 1]
    for (let i = 0; i < m; i++) {
      for (let oc = 0; oc < o; oc++) out[oc * n + s + i] = got[i * o + oc];
    }
  }
  return out;
}

/** Builds the op list and blobs while walking a model. */
class GraphBuilder {
  readonly ops: Op[] = [];
  readonly blobs = new Map<string, BlobData>();

  /** Creates a builder; `half` stores the linear weights as f16. */
  constructor(private readonly half = false) {}

  private blob(name: string, shape: number[], data: Float32Array | Uint32Array, half = false) {
    this.blobs.set(name, { shape, data, half });
    return name;
  }

  private epilogue(name: string, ss: ScaleShift | null, residual?: string, act?: Activation) {
    const e: Epilogue = {};
    if (ss) {
      e.scale = this.blob(`${name}.scale`, [ss.scale.length], ss.scale);
      e.shift = this.blob(`${name}.shift`, [ss.shift.length], ss.shift);
    }
    if (residual) e.residual = residual;
    if (act && act !== "none") e.activation = act;
    return e;
  }

  /** A binary conv with the BN that follows it (or `bn` null: only its magnitude). */
  async binaryConv(
    name: string,
    conv: BinaryConv2d,
    input: string,
    bn: BatchNormBase | null,
    residual?: string,
    act?: Activation,
  ): Promise<string> {
    const packed = packScaledWeights(await scaledWeights(conv), conv.weight.shape, name);
    const ss = bn
      ? await foldBn(bn, packed.magnitude)
      : { scale: packed.magnitude, shift: new Float32Array(packed.magnitude.length) };
    const shape = [conv.outChannels, conv.kernelSize ** 2, Math.ceil(conv.inChannels / 32)];
    this.ops.push({
      op: "binary_conv2d",
      input,
      output: name,
      signs: this.blob(`${name}.signs`, shape, packed.signs),
      ...(packed.nonzero ? { nonzero: this.blob(`${name}.nonzero`, shape, packed.nonzero) } : {}),
      inChannels: conv.inChannels,
      outChannels: conv.outChannels,
      kernel: conv.kernelSize,
      stride: conv.stride,
      padding: conv.padding,
      ...this.epilogue(name, ss, residual, act),
    });
    return name;
  }

  /** A float conv with the BN that follows it (or none). */
  async conv(
    name: string,
    conv: Conv2d,
    input: string,
    bn: BatchNormBase | null,
    residual?: string,
    act?: Activation,
  ): Promise<string> {
    const ss = bn ? await foldBn(bn) : null;
    const w = await conv.weight.read();
    const bias = conv.bias ? await conv.bias.read() : null;
    const k = conv.kernelSize;
    this.ops.push({
      op: "conv2d",
      input,
      output: name,
      weight: this.blob(`${name}.weight`, [conv.outChannels, conv.inChannels, k, k], w),
      ...(bias ? { bias: this.blob(`${name}.bias`, [conv.outChannels], bias) } : {}),
      inChannels: conv.inChannels,
      outChannels: conv.outChannels,
      kernel: k,
      stride: conv.stride,
      padding: conv.padding,
      ...this.epilogue(name, ss, residual, act),
    });
    return name;
  }

  /** A folded BatchNorm on its own. */
  async affine(name: string, bn: BatchNormBase, input: string, act?: Activation): Promise<string> {
    const ss = await foldBn(bn);
    this.ops.push({
      op: "affine",
      input,
      output: name,
      ...this.epilogue(name, ss, undefined, act),
    });
    return name;
  }

  /** An op without weights. */
  plain(op: Op): string {
    this.ops.push(op);
    return op.output;
  }

  /** A float linear layer (or a 1×1 conv with bias used as one). */
  async linear(name: string, layer: Linear | Conv2d, input: string): Promise<string> {
    const w = await layer.weight.read();
    const bias = layer.bias ? await layer.bias.read() : null;
    const [o, i] = [layer.weight.shape[0], w.length / layer.weight.shape[0]];
    this.ops.push({
      op: "linear",
      input,
      output: name,
      weight: this.blob(`${name}.weight`, [o, i], w, this.half),
      ...(bias ? { bias: this.blob(`${name}.bias`, [o], bias) } : {}),
      inFeatures: i,
      outFeatures: o,
    });
    return name;
  }

  /** A conv (binary or float) followed by a BN, as one op. */
  convBn(
    name: string,
    conv: Module,
    bn: BatchNormBase,
    input: string,
    residual?: string,
    act?: Activation,
  ): Promise<string> {
    if (conv instanceof BinaryConv2d) return this.binaryConv(name, conv, input, bn, residual, act);
    if (conv instanceof Conv2d) return this.conv(name, conv, input, bn, residual, act);
    throw new RangeError(`${name}: cannot export ${conv.typeName}`);
  }

  /** A block's shortcut: identity, option-A pad, or conv → BN. */
  async shortcut(name: string, sc: Module | null, input: string): Promise<string> {
    if (!sc) return input;
    if (sc instanceof PadShortcut) {
      const pooled = this.plain({
        op: "avg_pool2d",
        input,
        output: `${name}.pool`,
        kernel: 2,
        stride: 2,
      });
      return this.plain({
        op: "pad_channels",
        input: pooled,
        output: name,
        before: sc.pad,
        after: sc.pad,
      });
    }
    if (sc instanceof Sequential && sc.layers.length === 2) {
      return await this.convBn(name, sc.layers[0], sc.layers[1] as BatchNormBase, input);
    }
    throw new RangeError(`${name}: cannot export shortcut ${sc.typeName}`);
  }

  /** Every block of a stage. */
  async stages(prefix: string, stages: readonly Sequential[], input: string): Promise<string> {
    let h = input;
    for (const [i, stage] of stages.entries()) {
      for (const [j, block] of stage.layers.entries()) {
        const name = `${prefix}${i + 1}.${j}`;
        if (block instanceof BiRealBlock) {
          const r = await this.shortcut(`${name}.shortcut`, block.shortcut, h);
          const h1 = await this.convBn(`${name}.conv1`, block.conv1, block.bn1, h, r, "hardtanh");
          h = await this.convBn(`${name}.conv2`, block.conv2, block.bn2, h1, h1, "hardtanh");
        } else if (block instanceof BasicBlock) {
          const h1 = await this.convBn(
            `${name}.conv1`,
            block.conv1,
            block.bn1,
            h,
            undefined,
            "hardtanh",
          );
          const r = await this.shortcut(`${name}.shortcut`, block.shortcut, h);
          h = await this.convBn(`${name}.conv2`, block.conv2, block.bn2, h1, r, "hardtanh");
        } else {
          throw new RangeError(`${name}: cannot export block ${block.typeName}`);
        }
      }
    }
    return h;
  }

  /** VGG-small / vgg-small-28: conv → [pool] → BN → activation per stage, flatten, fc. */
  async vgg(model: VGGBase): Promise<string> {
    const inner = model as unknown as { stages: VGGStage[]; pooling: MaxPool2d };
    let h = "input";
    for (const [i, s] of inner.stages.entries()) {
      const name = `conv${i}`;
      const act: Activation = s.act instanceof Hardtanh ? "hardtanh" : "none";
      if (!s.pool) {
        h = await this.convBn(name, s.conv, s.bn, h, undefined, act);
      } else {
        const pool = inner.pooling;
        const poolOp = (x: string, out: string): Op => ({
          op: "max_pool2d",
          input: x,
          output: out,
          kernel: pool.kernel,
          stride: pool.stride,
          padding: pool.padding,
        });
        if (await this.foldsThroughPool(s)) {
          // bn ∘ max = max ∘ bn (and Hardtanh likewise) when every folded scale is ≥ 0.
          h = this.plain(
            poolOp(await this.convBn(name, s.conv, s.bn, h, undefined, act), `pool${i}`),
          );
        } else {
          const c = s.conv instanceof BinaryConv2d
            ? await this.binaryConv(name, s.conv, h, null)
            : await this.conv(name, s.conv as Conv2d, h, null);
          h = await this.affine(`bn${i}`, s.bn, this.plain(poolOp(c, `pool${i}`)), act);
        }
      }
      if (s.act instanceof PReLU) {
        const slope = await s.act.weight.read();
        h = this.plain({
          op: "prelu",
          input: h,
          output: `prelu${i}`,
          weight: this.blob(`prelu${i}.weight`, [slope.length], slope),
        });
      }
    }
    const flat = this.plain({ op: "flatten", input: h, output: "flatten" });
    return await this.linear("fc", model.fc, flat);
  }

  /** Whether conv·BN has only non-negative per-channel scales (so it commutes with max). */
  private async foldsThroughPool(s: VGGStage): Promise<boolean> {
    const { g, v } = await readBn(s.bn);
    let pre: Float32Array | null = null;
    if (s.conv instanceof BinaryConv2d) {
      pre = packScaledWeights(await scaledWeights(s.conv), s.conv.weight.shape, "check").magnitude;
    } else if (!(s.conv instanceof Conv2d)) {
      return false;
    }
    for (let o = 0; o < g.length; o++) {
      const k = g[o] / Math.sqrt(v[o] + s.bn.eps);
      if (!((pre ? pre[o] : 1) * k >= 0)) return false;
    }
    return true;
  }
}

/**
 * The export of a model of `@ovsw/models` (vgg-small, vgg-small-28, cresnet20, cresnet18,
 * resnet18/34) in eval mode.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { CResNet20 } from "@ovsw/models";
 * import { buildExport } from "@ovsw/cli/export";
 * await initGpu();
 * const g = await buildExport(new CResNet20(), {
 *   model: "cresnet20", inputShape: [3, 8, 8],
 *   normalization: { mean: [0, 0, 0], std: [1, 1, 1] }, classes: [..."abcdefghij"],
 * });
 * console.log(g.draft.ops.filter((op) => op.op === "binary_conv2d").length); // 18
 * ```
 */
export async function buildExport(model: Module, info: ExportInfo): Promise<ExportGraph> {
  const g = new GraphBuilder(info.float16);
  let out: string;
  if (model instanceof VGGBase) {
    out = await g.vgg(model);
  } else if (model instanceof CResNet20) {
    let h = await g.convBn("conv1", model.conv1, model.bn1, "input", undefined, "hardtanh");
    h = await g.stages("layer", model.stages, h);
    h = g.plain({ op: "global_avg_pool", input: h, output: "avgpool" });
    h = await g.affine("bn2", model.bn2, h);
    out = await g.linear("linear", model.linear, h);
  } else if (model instanceof CResNet18) {
    let h = await g.convBn("conv1", model.conv1, model.bn1, "input");
    h = await g.stages("layer", model.stages, h);
    h = g.plain({ op: "global_avg_pool", input: h, output: "avgpool" });
    h = await g.affine("bn2", model.bn2, h);
    out = await g.linear("fc", model.fc, h);
  } else if (model instanceof ImageNetResNet) {
    let h = await g.convBn("conv1", model.conv1, model.bn1, "input", undefined, "hardtanh");
    h = g.plain({
      op: "max_pool2d",
      input: h,
      output: "maxpool",
      kernel: model.maxpool.kernel,
      stride: model.maxpool.stride,
      padding: model.maxpool.padding,
    });
    h = await g.stages("layer", model.stages, h);
    h = g.plain({ op: "global_avg_pool", input: h, output: "avgpool" });
    h = await g.affine("bn2", model.bn2, h);
    out = await g.linear("fc", model.fc, h);
  } else {
    throw new RangeError(`cannot export a ${model.typeName}: no export rule for this model`);
  }
  return {
    draft: {
      model: info.model,
      inputShape: info.inputShape,
      normalization: info.normalization,
      classes: info.classes,
      ops: g.ops,
      output: out,
      metadata: info.metadata ?? {},
    },
    blobs: g.blobs,
  };
}
