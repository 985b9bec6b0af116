/**
 * A trained model → the ops and blobs of an `.ovsw` export (format in docs/deploy.md).
 *
 * Binary convs (every supported method, see export_binary.ts): the binary weights are computed
 * with the layer's own eval-forward functions, so every row is `{−s_o, 0, +s_o}`; the signs are
 * packed 32 per u32 along the input channels, a non-zero plane is added only when some weight is
 * exactly 0 (sign(0) = 0), and the layer's per-channel scale and shift (`s_o`, α, bias) together
 * with the following eval-mode BatchNorm become one per-channel scale/shift. Input steps the
 * sign reads (ReActNet's shift, RBNN/SiMaN's per-sample centring) become ops before the conv. A BatchNorm after a max-pool is folded into the conv only when every
 * folded scale is ≥ 0 (then it commutes with the max); otherwise it stays an `affine` op.
 *
 * @module
 */
import {
  AvgPool2d,
  BasicBlock,
  type BatchNormBase,
  BiRealBlock,
  Conv2d,
  Hardtanh,
  type Linear,
  type MaxPool2d,
  type Module,
  PadShortcut,
  PReLU,
  ReActBlock,
  Sequential,
} from "@ovsw/layers";
import { CResNet18, CResNet20, ImageNetResNet, VGGBase, type VGGStage } from "@ovsw/models";
import type { Activation, BlobData, Epilogue, HeaderDraft, Op } from "@ovsw/infer";
import { type BinaryConvPlan, binaryConvPlan } from "./export_binary.ts";

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

/** `bn(x·pre + preShift)` as `x·scale + shift` (f64, rounded once to f32). */
async function foldBn(
  bn: BatchNormBase,
  pre?: Float32Array,
  preShift?: Float32Array | null,
): Promise<ScaleShift> {
  const { g, b, m, v } = await readBn(bn);
  const c = g.length;
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let o = 0; o < c; o++) {
    const k = g[o] / Math.sqrt(v[o] + bn.eps);
    scale[o] = (pre ? pre[o] : 1) * k;
    shift[o] = b[o] + ((preShift ? preShift[o] : 0) - m[o]) * k;
  }
  return { scale, shift };
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

  /**
   * A binary conv of any supported method ({@link binaryConvPlan}): its input steps (shift,
   * per-sample centring) as ops, then the XNOR conv with the BN that follows it folded (or
   * `bn` null: only the layer's own per-channel scale and shift).
   */
  async binaryConv(
    name: string,
    conv: Module,
    input: string,
    bn: BatchNormBase | null,
    residual?: string,
    act?: Activation,
  ): Promise<string> {
    const p = await binaryConvPlan(name, conv);
    if (!p) throw new RangeError(`${name}: cannot export ${conv.typeName}`);
    let x = input;
    for (const [i, step] of p.steps.entries()) {
      x = step.kind === "shift"
        ? this.shiftOp(`${name}.in${i}`, step.shift, x)
        : this.plain({ op: "sample_centre", input: x, output: `${name}.in${i}` });
    }
    const ss = bn ? await foldBn(bn, p.scale, p.shift) : {
      scale: p.scale,
      shift: p.shift ?? new Float32Array(p.outChannels),
    };
    this.pushBinary(name, p, x, ss, residual, act);
    return name;
  }

  private pushBinary(
    name: string,
    p: BinaryConvPlan,
    input: string,
    ss: ScaleShift,
    residual?: string,
    act?: Activation,
  ): void {
    const shape = [p.outChannels, p.kernel ** 2, Math.ceil(p.inChannels / 32)];
    this.ops.push({
      op: "binary_conv2d",
      input,
      output: name,
      signs: this.blob(`${name}.signs`, shape, p.packed.signs),
      ...(p.packed.nonzero
        ? { nonzero: this.blob(`${name}.nonzero`, shape, p.packed.nonzero) }
        : {}),
      inChannels: p.inChannels,
      outChannels: p.outChannels,
      kernel: p.kernel,
      stride: p.stride,
      padding: p.padding,
      ...this.epilogue(name, ss, residual, act),
    });
  }

  /** `x + shift[c]` (a LearnableBias): an `affine` op with a shift only. */
  shiftOp(name: string, shift: Float32Array, input: string): string {
    return this.plain({
      op: "affine",
      input,
      output: name,
      shift: this.blob(`${name}.shift`, [shift.length], shift),
    });
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
    if (conv instanceof Conv2d) return this.conv(name, conv, input, bn, residual, act);
    return this.binaryConv(name, conv, input, bn, residual, act);
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

  /**
   * ReActNet's block: `RPReLU(BN(conv(sign(x + b0))) + shortcut)`, the shortcut identity or
   * AvgPool2d → float 1×1 conv → BN.
   */
  async reactBlock(name: string, block: ReActBlock, input: string): Promise<string> {
    let r = input;
    if (block.downsample) {
      const [pool, conv, bn] = (block.downsample as Sequential).layers;
      if (!(pool instanceof AvgPool2d) || pool.padding !== 0 || !(conv instanceof Conv2d)) {
        throw new RangeError(`${name}.downsample: cannot export ${block.downsample.typeName}`);
      }
      const pooled = this.plain({
        op: "avg_pool2d",
        input,
        output: `${name}.downsample.pool`,
        kernel: pool.kernel,
        stride: pool.stride,
      });
      r = await this.conv(`${name}.downsample`, conv, pooled, bn as BatchNormBase);
    }
    const moved = this.shiftOp(`${name}.move0`, await block.move0.bias.read(), input);
    const h = await this.binaryConv(`${name}.binary_conv`, block.binaryConv, moved, block.bn1, r);
    const [slope, before, after] = await Promise.all([
      block.prelu.weight.read(),
      block.move1.bias.read(),
      block.move2.bias.read(),
    ]);
    const c = slope.length;
    return this.plain({
      op: "prelu",
      input: h,
      output: `${name}.rprelu`,
      weight: this.blob(`${name}.rprelu.weight`, [c], slope),
      inputShift: this.blob(`${name}.rprelu.input_shift`, [c], before),
      outputShift: this.blob(`${name}.rprelu.output_shift`, [c], after),
    });
  }

  /** Every block of a stage. */
  async stages(prefix: string, stages: readonly Sequential[], input: string): Promise<string> {
    let h = input;
    for (const [i, stage] of stages.entries()) {
      for (const [j, block] of stage.layers.entries()) {
        const name = `${prefix}${i + 1}.${j}`;
        if (block instanceof ReActBlock) {
          h = await this.reactBlock(name, block, h);
        } else if (
          block instanceof Sequential && block.layers.every((b) => b instanceof ReActBlock)
        ) {
          for (const [k, b] of block.layers.entries()) {
            h = await this.reactBlock(`${name}.${k}`, b as ReActBlock, h);
          }
        } else if (block instanceof BiRealBlock) {
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
          const c = s.conv instanceof Conv2d
            ? await this.conv(name, s.conv, h, null)
            : await this.binaryConv(name, s.conv, h, null);
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

  /**
   * Whether the stage's BN (eval) has only non-negative per-channel scales: then it and the
   * activation are non-decreasing per channel and commute with the max-pool between them and
   * the conv, whatever the conv's own (possibly negative) scale.
   */
  private async foldsThroughPool(s: VGGStage): Promise<boolean> {
    const { g, v } = await readBn(s.bn);
    for (let o = 0; o < g.length; o++) {
      if (!(g[o] / Math.sqrt(v[o] + s.bn.eps) >= 0)) return false;
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
 * const g = await buildExport(new CResNet20().eval(), {
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
